/**
 * `deno task eval`: a saved encoder's kNN and linear-probe accuracies, from a run folder (its
 * latest checkpoint and `config.json`) or a checkpoint file (with the config in its metadata, or
 * the `config.json` beside it); with `--write`, the run folder's final outputs (`results.json`,
 * the pictures, the `final` records) written again from that checkpoint. Needs Deno.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { type Layer, random, tree } from "../../../mod.ts";
import { type FolderLock, latestCheckpoint, useDenoBackend } from "../../../deno.ts";
import type { Byol } from "../mod.ts";
import { type LoadedTrainState, loadTrainState, readCheckpointConfig } from "./checkpoints.ts";
import { checkConfigUnchanged, checkRunData, modelOf, type RunConfig } from "./config.ts";
import { loadRunData, type RunData } from "./datasets.ts";
import type { EvalOptions } from "./eval_cli.ts";
import { evaluateBaselines, evaluateTrained } from "./evaluate.ts";
import { finishRun } from "./final.ts";
import type { BaselineResults, FinalResults, TrainedResults } from "./records.ts";
import { formatResults } from "./report.ts";
import { lockRunFolder, readConfig, RUN_FILES } from "./run_folder.ts";
import { type RunKeys, runKeys } from "./session.ts";
import { type Output, terminalOutput } from "./terminal.ts";

/** What {@link evaluateCheckpoint} needs beyond the CLI's options. */
export interface EvaluateCheckpointOptions extends EvalOptions {
  /** The encoder of a run that trained a custom one. */
  readonly encoder?: Layer;
  /** Where messages go (default {@link terminalOutput}). */
  readonly output?: Output;
}

/** A checkpoint's path and its run's config. */
export interface ResolvedCheckpoint {
  /** The checkpoint file. */
  readonly checkpoint: string;
  /** The config of the run that wrote it. */
  readonly config: RunConfig;
}

/**
 * Finds the checkpoint to evaluate and its config: for a directory, its latest checkpoint and its
 * `config.json`; for a file, the file and the config in its metadata, else the `config.json`
 * beside it. Throws naming the path when there is no checkpoint or no config.
 *
 * @example
 * ```ts
 * import { resolveCheckpoint } from "@byol/tfjs/train";
 *
 * const { checkpoint, config } = await resolveCheckpoint("runs/shapes-20250101-120000");
 * ```
 */
export async function resolveCheckpoint(path: string): Promise<ResolvedCheckpoint> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(`${path} not found: expected a run folder or a checkpoint file`);
    }
    throw err;
  }
  if (info.isDirectory) {
    const latest = await latestCheckpoint(path);
    if (!latest) throw new Error(`${path}: no checkpoint (step-NNNNNN.safetensors) in it`);
    const config = await readConfig(path);
    const stored = await readCheckpointConfig(latest.path);
    if (stored) {
      const file = join(path, RUN_FILES.config);
      checkConfigUnchanged({ stored, checkpoint: latest.path, edited: config, file });
    }
    return { checkpoint: latest.path, config };
  }
  const stored = await readCheckpointConfig(path);
  return { checkpoint: path, config: stored ?? await readConfig(dirname(path)) };
}

/**
 * Evaluates a saved online encoder on its run's data (the same dataset and `--limit`): kNN
 * (k = 20, 200; T = 0.1) and the linear probe, plus the random-encoder and raw-pixel baselines
 * with `baselines`. Prints the table as a result and returns the scores. With `write`, the
 * checkpoint must be in a run folder: the baselines are evaluated too and the folder's
 * `results.json`, `curves.svg`, `features.svg` and `final` records are written as a finished
 * run writes them (under the folder's lock). Frees every tensor it makes. Consumes nothing.
 *
 * @example
 * ```ts
 * import { evaluateCheckpoint } from "@byol/tfjs/train";
 *
 * const results = await evaluateCheckpoint({ path: "runs/a", backend: "wasm", baselines: false });
 * console.log(results.trained.knn.k200);
 * ```
 */
export async function evaluateCheckpoint(
  options: EvaluateCheckpointOptions,
): Promise<TrainedResults & Partial<BaselineResults>> {
  const out = options.output ?? terminalOutput();
  const { checkpoint, config } = await resolveCheckpoint(options.path);
  const lock = options.write ? await lockForWrite(dirname(checkpoint)) : null;
  try {
    return await evaluate(options, checkpoint, config, lock !== null, out);
  } finally {
    lock?.release();
  }
}

async function evaluate(
  options: EvaluateCheckpointOptions,
  checkpoint: string,
  config: RunConfig,
  write: boolean,
  out: Output,
): Promise<TrainedResults & Partial<BaselineResults>> {
  await useDenoBackend(options.backend);
  const ds = config.dataset;
  const runData = await loadRunData({
    dataset: ds.name,
    dir: options.data ?? ds.dir ?? undefined,
    limit: ds.limit ?? undefined,
    say: (t) => out.info(t),
  });
  checkRunData(config, runData, options.path);
  const { train, test } = runData;
  const model = modelOf(config, options.encoder);
  const like = model.init(random.key(config.seed), ds.imageShape);
  let loaded: LoadedTrainState;
  try {
    loaded = await loadTrainState(checkpoint, { like });
  } finally {
    tree.dispose(like);
  }
  out.info(`evaluating ${checkpoint} (step ${loaded.state.step}) on ${train.source}`);
  const keys = runKeys(loaded.key);
  const data = { train, test, probeKey: keys.probe, say: (t: string) => out.info(`${t}...`) };
  if (write) {
    try {
      return await writeResults(dirname(checkpoint), {
        config,
        data: runData,
        model,
        keys,
        loaded,
        out,
      });
    } finally {
      tree.dispose(loaded.state);
    }
  }
  try {
    const { results } = await evaluateTrained({
      ...data,
      model,
      state: loaded.state,
      dataset: ds.name,
    });
    const baselines = options.baselines
      ? await evaluateBaselines({ ...data, model, initKey: keys.init, inputShape: ds.imageShape })
      : {};
    const all = { ...results, ...baselines };
    out.result(formatResults(all));
    return all;
  } finally {
    tree.dispose(loaded.state);
  }
}

/** What {@link writeResults} writes from. */
interface WriteFrom {
  readonly config: RunConfig;
  readonly data: RunData;
  readonly model: Byol;
  readonly keys: RunKeys;
  readonly loaded: LoadedTrainState;
  readonly out: Output;
}

/** Whatever `results.json` said about the training sessions, when it is there and readable. */
async function previousSessionFacts(dir: string) {
  try {
    const old = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.results)));
    return {
      stepSeconds: typeof old.stepSeconds === "number" ? old.stepSeconds : 0,
      resumed: old.resumed === true,
    };
  } catch {
    return { stepSeconds: 0, resumed: false };
  }
}

/** `--write`'s run folder, checked and locked before anything is evaluated. */
async function lockForWrite(dir: string): Promise<FolderLock> {
  try {
    await readConfig(dir);
  } catch (err) {
    throw new Error(`--write writes into a run folder: ${(err as Error).message}`);
  }
  return await lockRunFolder(dir);
}

/** `--write`: the run folder `dir`'s final outputs from a loaded checkpoint. */
async function writeResults(dir: string, w: WriteFrom): Promise<FinalResults> {
  const { stepSeconds, resumed } = await previousSessionFacts(dir);
  const results = await finishRun(
    { dir, config: w.config, data: w.data, model: w.model, keys: w.keys, resumed },
    {
      state: w.loaded.state,
      stepSeconds,
      skippedBatches: w.loaded.skipped,
      out: w.out,
      now: () => new Date(),
    },
  );
  return results!;
}

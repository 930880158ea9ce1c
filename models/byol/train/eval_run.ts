/**
 * `deno task eval`: a saved encoder's kNN and linear-probe accuracies, from a run folder (its
 * latest checkpoint and `config.json`) or a checkpoint file (with the config in its metadata, or
 * the `config.json` beside it). Needs Deno.
 *
 * @module
 */
import { dirname } from "node:path";
import { io, type Layer, random, tree } from "../../../mod.ts";
import { latestCheckpoint, useDenoBackend } from "../../../deno.ts";
import { type LoadedTrainState, loadTrainState } from "./checkpoints.ts";
import { checkConfig, modelOf, type RunConfig } from "./config.ts";
import { loadRunData } from "./datasets.ts";
import type { EvalOptions } from "./eval_cli.ts";
import { evaluateBaselines, evaluateTrained } from "./evaluate.ts";
import type { BaselineResults, TrainedResults } from "./records.ts";
import { formatResults } from "./report.ts";
import { readConfig } from "./run_folder.ts";
import { runKeys } from "./session.ts";
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
    return { checkpoint: latest.path, config: await readConfig(path) };
  }
  // Only the metadata is needed here: decode the file without making tensors.
  const { metadata } = io.decodeSafetensors(await Deno.readFile(path), { name: path });
  if (metadata.config === undefined) {
    return { checkpoint: path, config: await readConfig(dirname(path)) };
  }
  let json: unknown;
  try {
    json = JSON.parse(metadata.config);
  } catch (err) {
    throw new Error(`${path}: metadata "config" is not valid JSON (${(err as Error).message})`);
  }
  return { checkpoint: path, config: checkConfig(json, `${path} (metadata "config")`) };
}

/**
 * Evaluates a saved online encoder on its run's data (the same dataset and `--limit`): kNN
 * (k = 20, 200; T = 0.1) and the linear probe, plus the random-encoder and raw-pixel baselines
 * with `baselines`. Prints the table as a result and returns the scores. Frees every tensor it
 * makes. Consumes nothing.
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
  await useDenoBackend(options.backend);
  const ds = config.dataset;
  const { train, test } = await loadRunData({
    dataset: ds.name,
    dir: options.data ?? ds.dir ?? undefined,
    limit: ds.limit ?? undefined,
    say: (t) => out.info(t),
  });
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

/**
 * `deno task eval`: a saved encoder's kNN and linear-probe accuracies, from a run folder (its
 * latest checkpoint and `config.json`) or a checkpoint file (with the config in its metadata, or
 * the `config.json` beside it), on the run's data or another dataset of the same image shape,
 * printed as a table and written as `eval.json`; or the weights of a file (`--init-from`, e.g.
 * from PyTorch) in a preset's networks; with `--write`, the run folder's final outputs
 * (`results.json`, the pictures, the `final` records) written again from that checkpoint; with
 * `--semi` and `--standard-linear`, the paper's semi-supervised and standard linear evaluations
 * too (`paper_eval.ts`). Needs Deno.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { type BackendInfo, type Layer, random, tree } from "../../../mod.ts";
import {
  type FolderLock,
  latestCheckpoint,
  pathExists,
  useDenoBackend,
  writeFileAtomic,
} from "../../../deno.ts";
import { type Byol, type ByolPreset, type ByolState, encoderOf, presets } from "../mod.ts";
import { type LoadedTrainState, loadTrainState, readCheckpointConfig } from "./checkpoints.ts";
import {
  checkConfigUnchanged,
  checkRunData,
  modelOf,
  resolveConfig,
  type RunConfig,
  type SplitInfo,
} from "./config.ts";
import { type DatasetName, loadRunData, presetFor, type RunData } from "./datasets.ts";
import type { EvalOptions } from "./eval_cli.ts";
import { evaluateBaselines, evaluateTrained, KNN } from "./evaluate.ts";
import {
  formatPaperEvaluations,
  type LinearProtocolRecord,
  type PaperEvalResults,
  paperEvaluations,
  type SemiSupervisedRecord,
} from "./paper_eval.ts";
import { finishRun } from "./final.ts";
import type { BaselineResults, EncoderScores, FinalResults, TrainedResults } from "./records.ts";
import { formatResults } from "./report.ts";
import { lockRunFolder, readConfig, RUN_FILES } from "./run_folder.ts";
import { initFromRecord, type RunKeys, runKeys, startFrom } from "./session.ts";
import { DEFAULTS } from "./options.ts";
import { type Output, terminalOutput } from "./terminal.ts";

/** What {@link evaluateCheckpoint} needs beyond the CLI's options. */
export interface EvaluateCheckpointOptions extends EvalOptions {
  /** The encoder of a run that trained a custom one. */
  readonly encoder?: Layer;
  /** Where messages go (default {@link terminalOutput}). */
  readonly output?: Output;
  /** The clock of `eval.json`'s time (default: the system clock). */
  readonly now?: () => Date;
  /** With `initFrom`: a preset given in code, replacing `preset`. */
  readonly customPreset?: ByolPreset;
}

/** A checkpoint's path and its run's config. */
export interface ResolvedCheckpoint {
  /** The checkpoint file. */
  readonly checkpoint: string;
  /** The config of the run that wrote it. */
  readonly config: RunConfig;
  /** The run folder, when the path given was one (its latest checkpoint is evaluated), else null. */
  readonly folder: string | null;
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
    return { checkpoint: latest.path, config, folder: path };
  }
  const stored = await readCheckpointConfig(path);
  return { checkpoint: path, config: stored ?? await readConfig(dirname(path)), folder: null };
}

/** The version tag of {@link EvalReport}. */
export const EVAL_FORMAT = "byol-eval/1";

/** What `deno task eval` writes to `eval.json`. */
export interface EvalReport {
  /** The version tag. */
  readonly format: typeof EVAL_FORMAT;
  /** When the evaluation finished (ISO 8601). */
  readonly evaluatedAt: string;
  /** Seconds it took, loading the data and the checkpoint included. */
  readonly seconds: number;
  /** The run folder the checkpoint belongs to, or `null` (a file outside one, or `initFrom`). */
  readonly run: string | null;
  /** The checkpoint evaluated and the steps it was trained; `null` with `initFrom`. */
  readonly checkpoint: { readonly path: string; readonly step: number } | null;
  /** The weights file evaluated instead of a checkpoint, and its SHA-256; else `null`. */
  readonly initFrom: { readonly path: string; readonly sha256: string } | null;
  /** The preset that built the networks. */
  readonly preset: string;
  /** `preset`: the preset's encoder; `custom`: one given in code. */
  readonly encoder: "preset" | "custom";
  /** The data the accuracies are measured on. */
  readonly dataset: {
    /** The dataset evaluated on. */
    readonly name: DatasetName;
    /** The dataset the run trained on (`null` with `initFrom`). */
    readonly runDataset: DatasetName | null;
    /** `--data DIR`, if it applied. */
    readonly dir: string | null;
    /** The `--limit` that applied (the run's on its own dataset unless given), or `null`. */
    readonly limit: number | null;
    /** Per-image `[height, width, channels]`. */
    readonly imageShape: readonly [number, number, number];
    /** The kNN memory bank and the probe's training set. */
    readonly train: SplitInfo;
    /** The split the accuracies are measured on. */
    readonly test: SplitInfo;
  };
  /** The kNN classifier's neighbour counts and temperature. */
  readonly knn: { readonly k: readonly number[]; readonly temperature: number };
  /** The scores per encoder: the trained one, and with baselines the random-init one and pixels. */
  readonly scores: {
    readonly trained: EncoderScores;
    readonly random?: EncoderScores;
    readonly pixels?: EncoderScores;
  };
  /** The backend asked for, the one used, and why. */
  readonly backend: { readonly requested: string; readonly name: string; readonly reason: string };
  /**
   * With `--semi`: the trained encoder fine-tuned on each fraction of the labels, next to the same
   * network trained from scratch. Absent otherwise (and in records written before it existed).
   */
  readonly semiSupervised?: SemiSupervisedRecord;
  /** With `--standard-linear` (or `--semi`): the standard linear protocol. Absent otherwise. */
  readonly linearProtocol?: LinearProtocolRecord;
}

/** What {@link evaluateCheckpoint} returns: the scores, and where `eval.json` went. */
export interface CheckpointEvaluation extends TrainedResults, Partial<BaselineResults> {
  /** The `eval.json` written. */
  readonly evalFile: string;
  /** The paper's evaluations asked for (`semi`, `standardLinear`); empty when none. */
  readonly paper: PaperEvalResults;
}

/** Where {@link evalFilePath} puts `eval.json`. */
export interface EvalFileOptions {
  /** The run folder given, or the file evaluated (a checkpoint, or a weights file). */
  readonly given: string;
  /** Whether `given` is a run folder. */
  readonly folder: boolean;
  /** The dataset evaluated on. */
  readonly dataset: DatasetName;
  /** The run's own dataset (`null`: no run, as with `--init-from`). */
  readonly runDataset: DatasetName | null;
}

/**
 * Where `eval.json` goes without `--out`: in a run folder `eval.json` (`eval-<dataset>.json` on
 * another dataset than the run's); beside a file `<name>.eval.json` (`<name>.eval-<dataset>.json`),
 * its name without `.safetensors`. Pure.
 *
 * @example
 * ```ts
 * import { evalFilePath } from "@byol/tfjs/train";
 *
 * evalFilePath({ given: "runs/a", folder: true, dataset: "mnist", runDataset: "fashion-mnist" });
 * // "runs/a/eval-mnist.json"
 * evalFilePath({
 *   given: "runs/a/step-000040.safetensors", folder: false, dataset: "shapes", runDataset: "shapes",
 * }); // "runs/a/step-000040.eval.json"
 * ```
 */
export function evalFilePath({ given, folder, dataset, runDataset }: EvalFileOptions): string {
  const suffix = dataset === runDataset ? "" : `-${dataset}`;
  if (folder) return join(given, `eval${suffix}.json`);
  const name = basename(given).replace(/\.safetensors$/, "");
  return join(dirname(given), `${name}.eval${suffix}.json`);
}

/**
 * Evaluates a saved online encoder on its run's data (the same dataset and `--limit`), or on
 * another registered dataset of the same image shape (`dataset`; the run's `--limit` applies only
 * to its own dataset unless `limit` is given): kNN (k = 20, 200; T = 0.1) and the linear probe,
 * plus the random-encoder and raw-pixel baselines with `baselines`. Prints the table as a result,
 * writes it as an {@link EvalReport} to `out`, else where {@link evalFilePath} says (atomically,
 * replacing an earlier one), and returns the scores. With `write`, the checkpoint must be in a run
 * folder: the baselines are evaluated too and the folder's `results.json`, `curves.svg`,
 * `features.svg` and `final` records are written as a finished run writes them (under the
 * folder's lock). With `initFrom` instead of `path`, evaluates the weights in that file (see
 * `initFromFile`) in the networks of `preset` (default: the dataset's), on `dataset` (default
 * `auto`), with seed 0's keys; `eval.json` then records the file and its SHA-256. With `semi`
 * (label percentages) and `standardLinear`, also the paper's evaluations (see
 * `paperEvaluations`), printed after the table and recorded in `eval.json`. Frees every tensor
 * it makes. Consumes nothing.
 *
 * @example
 * ```ts
 * import { evaluateCheckpoint } from "@byol/tfjs/train";
 *
 * const results = await evaluateCheckpoint({ path: "runs/a", backend: "wasm", baselines: false });
 * console.log(results.trained.knn.k200, results.evalFile);
 * ```
 */
export async function evaluateCheckpoint(
  options: EvaluateCheckpointOptions,
): Promise<CheckpointEvaluation> {
  const started = performance.now();
  const out = options.output ?? terminalOutput();
  const { path, initFrom } = options;
  if (
    options.write &&
    ((options.dataset ?? options.limit ?? initFrom ?? options.semi) !== undefined ||
      options.standardLinear)
  ) {
    throw new Error(
      "write rewrites the run folder's own results: it takes no dataset, limit, initFrom, semi " +
        "or standardLinear",
    );
  }
  if (path !== undefined && initFrom !== undefined) {
    throw new Error(`evaluate ${path} or initFrom ${initFrom}, not both`);
  }
  if (initFrom !== undefined) return await evaluateWeights(options, initFrom, out, started);
  if (path === undefined) {
    throw new Error("expected a run folder or checkpoint file to evaluate, or initFrom");
  }
  const resolved = await resolveCheckpoint(path);
  const lock = options.write ? await lockForWrite(dirname(resolved.checkpoint)) : null;
  try {
    return await evaluate(options, resolved, lock !== null, out, started);
  } finally {
    lock?.release();
  }
}

/** The data a checkpoint is evaluated on: its run's, or another dataset of the same shape. */
async function evaluationData(
  options: EvaluateCheckpointOptions,
  { checkpoint, config }: ResolvedCheckpoint,
  out: Output,
): Promise<{ data: RunData; dir: string | null; limit: number | null }> {
  const ds = config.dataset;
  const own = (options.dataset ?? ds.name) === ds.name;
  const dir = options.data ?? (own ? ds.dir : null) ?? null;
  const limit = options.limit ?? (own ? ds.limit : null) ?? null;
  const data = await loadRunData({
    dataset: options.dataset ?? ds.name,
    dir: dir ?? undefined,
    limit: limit ?? undefined,
    say: (t) => out.info(t),
  });
  if (own && options.limit === undefined) {
    checkRunData(config, data, checkpoint);
  } else {
    const [, h, w, c] = data.train.shape;
    const shape = ds.imageShape;
    if (h !== shape[0] || w !== shape[1] || c !== shape[2]) {
      throw new Error(
        `--dataset ${data.name}: its images are ${h}x${w}x${c}, but the run's encoder takes ` +
          `${shape.join("x")} images (it trained on ${ds.name}); evaluate it on a dataset of ` +
          `${shape.join("x")} images`,
      );
    }
  }
  return { data, dir, limit };
}

async function evaluate(
  options: EvaluateCheckpointOptions,
  resolved: ResolvedCheckpoint,
  write: boolean,
  out: Output,
  started: number,
): Promise<CheckpointEvaluation> {
  const { checkpoint, config, folder } = resolved;
  const backend = await useDenoBackend(options.backend);
  const ds = config.dataset;
  const { data: runData, dir, limit } = await evaluationData(options, resolved, out);
  const { train } = runData;
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
  let results: TrainedResults & Partial<BaselineResults>;
  let paper: PaperEvalResults = {};
  try {
    if (write) {
      results = await writeResults(dirname(checkpoint), {
        config,
        data: runData,
        model,
        keys,
        loaded,
        out,
      });
    } else {
      const scored = { model, state: loaded.state, keys, data: runData, config, out };
      results = await scoreState(options, scored);
      out.result(formatResults(results));
      paper = await paperScores(options, scored);
    }
  } finally {
    tree.dispose(loaded.state);
  }
  const run = folder ??
    (await pathExists(join(dirname(checkpoint), RUN_FILES.config)) ? dirname(checkpoint) : null);
  const evalFile = options.out ?? evalFilePath({
    given: folder ?? checkpoint,
    folder: folder !== null,
    dataset: runData.name,
    runDataset: ds.name,
  });
  await writeReport(evalFile, {
    options,
    started,
    run,
    checkpoint: { path: checkpoint, step: loaded.state.step },
    initFrom: null,
    config,
    data: runData,
    dir,
    limit,
    results,
    paper,
    backend,
  });
  out.info(`wrote ${evalFile}`);
  return { ...results, evalFile, paper };
}

/**
 * `--init-from FILE`: the weights of `file` in the networks of `preset` (default: the dataset's),
 * evaluated on `dataset` (default `auto`) as a run's seed-0 state would be.
 */
async function evaluateWeights(
  options: EvaluateCheckpointOptions,
  file: string,
  out: Output,
  started: number,
): Promise<CheckpointEvaluation> {
  const initFrom = await initFromRecord(file);
  const backend = await useDenoBackend(options.backend);
  const requested = options.dataset ?? DEFAULTS.dataset;
  const data = await loadRunData({
    dataset: requested,
    dir: options.data,
    limit: options.limit,
    say: (t) => out.info(t),
  });
  const preset = options.customPreset ?? presets[options.preset ?? presetFor(data.name)];
  const config = resolveConfig({
    requested,
    dir: options.data,
    limit: options.limit,
    data,
    preset,
    customEncoder: options.encoder !== undefined,
    // Nothing trains: the batch size only has to fit the data.
    batchSize: Math.min(preset.batchSize, data.train.shape[0]),
    seed: DEFAULTS.seed,
    evalEvery: 0,
    logEvery: 1,
    keepCheckpoints: 1,
    backend: { ...backend, requested: options.backend },
    now: new Date(),
    initFrom,
  });
  const model = modelOf(config, options.encoder);
  const keys = runKeys(random.key(config.seed));
  const state = await startFrom(
    file,
    model.init(keys.init, config.dataset.imageShape),
    config,
  );
  out.info(`evaluating ${file} as preset ${preset.name}'s networks on ${data.train.source}`);
  let results: TrainedResults & Partial<BaselineResults>;
  let paper: PaperEvalResults;
  try {
    const scored = { model, state, keys, data, config, out };
    results = await scoreState(options, scored);
    out.result(formatResults(results));
    paper = await paperScores(options, scored);
  } finally {
    tree.dispose(state);
  }
  const evalFile = options.out ??
    evalFilePath({ given: file, folder: false, dataset: data.name, runDataset: null });
  await writeReport(evalFile, {
    options,
    started,
    run: null,
    checkpoint: null,
    initFrom,
    config,
    data,
    dir: options.data ?? null,
    limit: options.limit ?? null,
    results,
    paper,
    backend,
  });
  out.info(`wrote ${evalFile}`);
  return { ...results, evalFile, paper };
}

/** What {@link scoreState} scores. */
interface Scored {
  readonly model: Byol;
  readonly state: ByolState;
  readonly keys: RunKeys;
  readonly data: RunData;
  readonly config: RunConfig;
  readonly out: Output;
}

/** The trained encoder's scores, and the baselines' when asked. Consumes nothing. */
async function scoreState(
  options: Pick<EvalOptions, "baselines">,
  { model, state, keys, data: { train, test, name }, config, out }: Scored,
): Promise<TrainedResults & Partial<BaselineResults>> {
  const data = { train, test, probeKey: keys.probe, say: (t: string) => out.info(`${t}...`) };
  const { results } = await evaluateTrained({ ...data, model, state, dataset: name });
  const baselines = options.baselines
    ? await evaluateBaselines({
      ...data,
      model,
      initKey: keys.init,
      inputShape: config.dataset.imageShape,
    })
    : {};
  return { ...results, ...baselines };
}

/**
 * The paper's evaluations that `options` asks for (`semi`, `standardLinear`), printed as a
 * result; `{}` when none. The encoder fine-tuned is the run's custom one, else its preset's.
 * Consumes nothing.
 */
async function paperScores(
  options: EvaluateCheckpointOptions,
  { model, state, keys, data: { train, test }, config, out }: Scored,
): Promise<PaperEvalResults> {
  if (options.semi === undefined && !options.standardLinear) return {};
  const paper = await paperEvaluations({
    model,
    state,
    encoder: options.encoder ?? encoderOf(config.preset.encoder),
    train,
    test,
    key: random.foldIn(keys.probe, PAPER_EVAL_KEY),
    initKey: keys.init,
    semi: options.semi,
    semiSteps: options.semiSteps,
    standardLinear: options.standardLinear,
    say: (t) => out.info(`${t}...`),
  });
  out.result(formatPaperEvaluations(paper));
  return paper;
}

/** Folded into the run's probe key for the paper's evaluations, apart from the quick probe's. */
const PAPER_EVAL_KEY = 1 << 20;

/** What {@link writeReport} records. */
interface ReportFrom {
  readonly options: EvaluateCheckpointOptions;
  readonly started: number;
  readonly run: string | null;
  readonly checkpoint: EvalReport["checkpoint"];
  readonly initFrom: EvalReport["initFrom"];
  readonly config: RunConfig;
  readonly data: RunData;
  readonly dir: string | null;
  readonly limit: number | null;
  readonly results: TrainedResults & Partial<BaselineResults>;
  readonly paper: PaperEvalResults;
  readonly backend: BackendInfo;
}

/** Writes `eval.json` atomically, replacing an earlier one. */
async function writeReport(path: string, r: ReportFrom): Promise<void> {
  const { train, test } = r.data;
  const [, h, w, c] = train.shape;
  const split = (d: typeof train): SplitInfo => ({ source: d.source, count: d.shape[0] });
  const report: EvalReport = {
    format: EVAL_FORMAT,
    evaluatedAt: (r.options.now ?? (() => new Date()))().toISOString(),
    seconds: Math.round((performance.now() - r.started) / 100) / 10,
    run: r.run,
    checkpoint: r.checkpoint,
    initFrom: r.initFrom,
    preset: r.config.preset.name,
    encoder: r.config.encoder,
    dataset: {
      name: r.data.name,
      runDataset: r.initFrom === null ? r.config.dataset.name : null,
      dir: r.dir,
      limit: r.limit,
      imageShape: [h, w, c],
      train: split(train),
      test: split(test),
    },
    knn: { k: KNN.k, temperature: KNN.temperature },
    scores: {
      trained: r.results.trained,
      ...(r.results.random && { random: r.results.random }),
      ...(r.results.pixels && { pixels: r.results.pixels }),
    },
    backend: { requested: r.options.backend, name: r.backend.name, reason: r.backend.reason },
    ...r.paper,
  };
  const text = JSON.stringify(report, null, 2) + "\n";
  try {
    await writeFileAtomic(path, [new TextEncoder().encode(text)], { overwrite: true });
  } catch (err) {
    throw new Error(`could not write ${path}: ${(err as Error).message} (choose another --out)`, {
      cause: err,
    });
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

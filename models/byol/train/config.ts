/**
 * The resolved configuration of a run, as `config.json` stores it: everything needed to rebuild
 * the model and the data order on `--resume` or for `deno task eval`, plus where things came from
 * (dataset source, backend and why). Pure: no file access.
 *
 * @module
 */
import type { BackendInfo, ImageDataset, Layer } from "../../../mod.ts";
import { type Byol, byol, type ByolPreset, fromPreset, presets } from "../mod.ts";
import type { DatasetChoice, DatasetName, PresetName } from "./options.ts";
import type { RunData } from "./datasets.ts";

/** The version tag of {@link RunConfig}, checked when a run is resumed or evaluated. */
export const CONFIG_FORMAT = "byol-run/1";

/** A split as the config records it. */
export interface SplitInfo {
  readonly source: string;
  readonly count: number;
}

/** The resolved configuration of a run (the content of `config.json`). */
export interface RunConfig {
  readonly format: typeof CONFIG_FORMAT;
  readonly createdAt: string;
  readonly dataset: {
    readonly requested: DatasetChoice;
    readonly name: DatasetName;
    readonly why: string;
    readonly dir: string | null;
    readonly limit: number | null;
    readonly train: SplitInfo;
    readonly test: SplitInfo;
    /** Per-image `[height, width, channels]`: the model's input shape. */
    readonly imageShape: readonly [number, number, number];
    readonly classNames: readonly string[];
  };
  /** The preset in full, so a resumed run does not depend on the code's current presets. */
  readonly preset: ByolPreset;
  /** `preset`: the preset's encoder; `custom`: an encoder given in code (needed again to resume). */
  readonly encoder: "preset" | "custom";
  readonly epochs: number;
  readonly batchSize: number;
  /** The peak learning rate used. */
  readonly learningRate: number;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  readonly seed: number;
  readonly evalEvery: number;
  /** Steps between records in metrics.jsonl. */
  readonly logEvery: number;
  /** Checkpoints kept on disk (the newest ones). */
  readonly keepCheckpoints: number;
  readonly backend: { readonly requested: string; readonly name: string; readonly reason: string };
}

/** The choices a new run resolves into a {@link RunConfig}. */
export interface ResolveOptions {
  readonly requested: DatasetChoice;
  readonly dir?: string;
  readonly limit?: number;
  readonly data: RunData;
  readonly preset: ByolPreset;
  readonly customEncoder: boolean;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  readonly seed: number;
  readonly evalEvery: number;
  readonly logEvery: number;
  readonly keepCheckpoints: number;
  readonly backend: BackendInfo & { readonly requested: string };
  readonly now: Date;
}

/** The peak learning rate a preset uses at a batch size (LARS scales it by `batchSize / 256`). */
export function presetLearningRate(preset: ByolPreset, batchSize: number): number {
  const opt = preset.optimizer;
  return opt.kind === "lars" ? opt.baseLearningRate * batchSize / 256 : opt.learningRate;
}

/** The preset of a name given on the command line. */
export function namedPreset(name: PresetName): ByolPreset {
  return presets[name];
}

function splitInfo(d: ImageDataset): SplitInfo {
  return { source: d.source, count: d.shape[0] };
}

/**
 * Resolves a new run's configuration: the preset's epochs, batch size and learning rate unless
 * given, steps per epoch (whole batches only), and where data and backend came from. Throws when
 * the training split is too small for one batch or for the kNN evaluation's k = 200.
 *
 * @example
 * ```ts
 * const config = resolveConfig({ requested: "auto", data, preset: fashionMnist, ... });
 * ```
 */
export function resolveConfig(o: ResolveOptions): RunConfig {
  const batchSize = o.batchSize ?? o.preset.batchSize;
  const epochs = o.epochs ?? o.preset.epochs;
  const [trainCount, h, w, c] = o.data.train.shape;
  const problems: string[] = [];
  if (trainCount < batchSize) {
    problems.push(
      `the training set has ${trainCount} images, fewer than one batch of ${batchSize} ` +
        "(lower --batch-size or raise --limit)",
    );
  }
  if (trainCount < 200) {
    problems.push(
      `the training set has ${trainCount} images; the kNN evaluation (k = 200) needs at least 200`,
    );
  }
  if (problems.length > 0) throw new Error(`${o.data.train.source}: ${problems.join("; ")}`);
  const stepsPerEpoch = Math.floor(trainCount / batchSize);
  return {
    format: CONFIG_FORMAT,
    createdAt: o.now.toISOString(),
    dataset: {
      requested: o.requested,
      name: o.data.name,
      why: o.data.why,
      dir: o.dir ?? null,
      limit: o.limit ?? null,
      train: splitInfo(o.data.train),
      test: splitInfo(o.data.test),
      imageShape: [h, w, c],
      classNames: o.data.train.classNames,
    },
    preset: o.preset,
    encoder: o.customEncoder ? "custom" : "preset",
    epochs,
    batchSize,
    learningRate: o.learningRate ?? presetLearningRate(o.preset, batchSize),
    stepsPerEpoch,
    totalSteps: stepsPerEpoch * epochs,
    seed: o.seed,
    evalEvery: o.evalEvery,
    logEvery: o.logEvery,
    keepCheckpoints: o.keepCheckpoints,
    backend: { requested: o.backend.requested, name: o.backend.name, reason: o.backend.reason },
  };
}

/**
 * The BYOL model a configuration describes: its preset's networks, optimizer, schedules and
 * views over the run's steps, with `encoder` replacing the preset's when the run used a custom
 * one (then it must be given). Throws when the config and `encoder` disagree.
 *
 * @example
 * ```ts
 * const model = modelOf(config);
 * const state = model.init(random.key(config.seed), config.dataset.imageShape);
 * ```
 */
export function modelOf(config: RunConfig, encoder?: Layer): Byol {
  if (config.encoder === "custom" && !encoder) {
    throw new Error(
      "this run trained a custom encoder given in code; pass the same encoder to rebuild it",
    );
  }
  if (config.encoder === "preset" && encoder) {
    throw new Error(
      `this run trained preset ${config.preset.name}'s encoder; do not pass a custom encoder`,
    );
  }
  const options = fromPreset(config.preset, {
    stepsPerEpoch: config.stepsPerEpoch,
    epochs: config.epochs,
    batchSize: config.batchSize,
    learningRate: config.learningRate,
  });
  return byol(encoder ? { ...options, encoder } : options);
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * Checks that parsed JSON is a {@link RunConfig} this code can continue (its format tag and the
 * fields the run needs), naming `file` and every missing or wrong field.
 *
 * @example
 * ```ts
 * const config = checkConfig(JSON.parse(await Deno.readTextFile(path)), path);
 * ```
 */
export function checkConfig(json: unknown, file: string): RunConfig {
  if (!isObject(json)) throw new Error(`${file}: expected a JSON object`);
  if (json.format !== CONFIG_FORMAT) {
    throw new Error(
      `${file}: format is ${JSON.stringify(json.format)}, expected "${CONFIG_FORMAT}" ` +
        "(a config.json written by deno task train)",
    );
  }
  const problems: string[] = [];
  const numbers = ["epochs", "batchSize", "learningRate", "stepsPerEpoch", "totalSteps", "seed"];
  for (const k of [...numbers, "evalEvery", "logEvery", "keepCheckpoints"]) {
    if (typeof json[k] !== "number") problems.push(`"${k}" must be a number`);
  }
  const ds = json.dataset;
  const split = (x: unknown) => isObject(x) && typeof x.count === "number";
  if (
    !isObject(ds) || typeof ds.name !== "string" || !Array.isArray(ds.imageShape) ||
    !Array.isArray(ds.classNames) || !split(ds.train) || !split(ds.test)
  ) {
    problems.push(`"dataset" must hold "name", "imageShape", "classNames", "train" and "test"`);
  }
  const preset = json.preset;
  if (!isObject(preset) || !isObject(preset.encoder) || !isObject(preset.optimizer)) {
    problems.push(`"preset" must be a full preset (with "encoder" and "optimizer")`);
  }
  if (json.encoder !== "preset" && json.encoder !== "custom") {
    problems.push(`"encoder" must be "preset" or "custom"`);
  }
  if (problems.length > 0) throw new Error(`${file}: ${problems.join("; ")}`);
  return json as unknown as RunConfig;
}

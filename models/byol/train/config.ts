/**
 * The resolved configuration of a run, as `config.json` stores it: everything needed to rebuild
 * the model and the data order on `--resume` or for `deno task eval`, plus where things came from
 * (dataset source, backend and why), and its schema, which checks a `config.json` against the
 * registered datasets, encoders and optimizers. Pure: no file access.
 *
 * @module
 */
import { BACKEND_CHOICES, type BackendInfo, type ImageDataset, type Layer } from "../../../mod.ts";
import {
  type Byol,
  byol,
  type ByolPreset,
  fromPreset,
  peakLearningRate,
  presetSchema,
} from "../mod.ts";
import {
  array,
  getOrThrow,
  integer,
  nullable,
  oneOf,
  positive,
  type Schema,
  string,
  struct,
  tuple,
} from "../schema.ts";
import {
  DATASET_CHOICES,
  DATASET_NAMES,
  type DatasetChoice,
  type DatasetName,
  type RunData,
} from "./datasets.ts";
import { KNN_MIN_IMAGES } from "./evaluate.ts";

/** The version tag of {@link RunConfig}, checked when a run is resumed or evaluated. */
export const CONFIG_FORMAT = "byol-run/1";

/** A split as the config records it. */
export interface SplitInfo {
  /** Where the images came from. */
  readonly source: string;
  /** Number of images. */
  readonly count: number;
}

/** The resolved configuration of a run (the content of `config.json`). */
export interface RunConfig {
  /** The version tag. */
  readonly format: typeof CONFIG_FORMAT;
  /** When the run was created (ISO 8601). */
  readonly createdAt: string;
  /** The data: asked for, used and why, where from, and its images. */
  readonly dataset: {
    /** The `--dataset` asked for. */
    readonly requested: DatasetChoice;
    /** The dataset used. */
    readonly name: DatasetName;
    /** Why it was used (`auto`'s reason). */
    readonly why: string;
    /** `--data DIR`, if given. */
    readonly dir: string | null;
    /** `--limit`, if given. */
    readonly limit: number | null;
    /** The training split. */
    readonly train: SplitInfo;
    /** The test split. */
    readonly test: SplitInfo;
    /** Per-image `[height, width, channels]`: the model's input shape. */
    readonly imageShape: readonly [number, number, number];
    /** The class names, by label. */
    readonly classNames: readonly string[];
  };
  /** The preset in full, so a resumed run does not depend on the code's current presets. */
  readonly preset: ByolPreset;
  /** `preset`: the preset's encoder; `custom`: an encoder given in code (needed again to resume). */
  readonly encoder: "preset" | "custom";
  /** Passes over the training set. */
  readonly epochs: number;
  /** Images per step. */
  readonly batchSize: number;
  /** The peak learning rate used. */
  readonly learningRate: number;
  /** Steps per epoch (whole batches only). */
  readonly stepsPerEpoch: number;
  /** Steps of the whole run. */
  readonly totalSteps: number;
  /** The seed of the run's keys. */
  readonly seed: number;
  /** Epochs between kNN evaluations (0: only the final one). */
  readonly evalEvery: number;
  /** Steps between records in metrics.jsonl. */
  readonly logEvery: number;
  /** Checkpoints kept on disk (the newest ones). */
  readonly keepCheckpoints: number;
  /** The backend asked for, the one used, and why. */
  readonly backend: {
    /** The `--backend` asked for. */
    readonly requested: string;
    /** The backend used. */
    readonly name: string;
    /** Why (e.g. no hardware GPU). */
    readonly reason: string;
  };
}

const split = struct({ source: string, count: integer(0) });

/**
 * The schema of {@link RunConfig}: every field, with the dataset's name, the preset's encoder and
 * its optimizer checked against their registries.
 *
 * @example
 * ```ts
 * import { either } from "fp-ts";
 * import { runConfigSchema } from "@byol/tfjs/train";
 *
 * const json: unknown = JSON.parse(await Deno.readTextFile("runs/a/config.json"));
 * const checked = runConfigSchema.validate(json, "");
 * if (either.isLeft(checked)) console.error(checked.left.join("\n"));
 * ```
 */
export const runConfigSchema: Schema<RunConfig> = struct({
  format: oneOf(CONFIG_FORMAT),
  createdAt: string,
  dataset: struct({
    requested: oneOf(...DATASET_CHOICES),
    name: oneOf(...DATASET_NAMES),
    why: string,
    dir: nullable(string),
    limit: nullable(integer(1)),
    train: split,
    test: split,
    imageShape: tuple(integer(1), integer(1), integer(1)),
    classNames: array(string, { minLength: 1 }),
  }),
  preset: presetSchema,
  encoder: oneOf("preset", "custom"),
  epochs: integer(1),
  batchSize: integer(1),
  learningRate: positive,
  stepsPerEpoch: integer(1),
  totalSteps: integer(1),
  seed: integer(0),
  evalEvery: integer(0),
  logEvery: integer(1),
  keepCheckpoints: integer(1),
  backend: struct({ requested: oneOf(...BACKEND_CHOICES), name: string, reason: string }),
});

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

function splitInfo(d: ImageDataset): SplitInfo {
  return { source: d.source, count: d.shape[0] };
}

/**
 * Resolves a new run's configuration: the preset's epochs, batch size and learning rate unless
 * given, steps per epoch (whole batches only), and where data and backend came from. Throws when
 * the training split is too small for one batch or for the kNN evaluation's largest k.
 *
 * @example
 * ```ts
 * import { data as images, random } from "@byol/tfjs";
 * import { fashionMnist } from "@byol/tfjs/byol";
 * import { resolveConfig } from "./config.ts";
 *
 * const data = {
 *   name: "shapes" as const,
 *   why: "asked for",
 *   train: images.shapes(random.key(1), { count: 512 }),
 *   test: images.shapes(random.key(2), { count: 128 }),
 * };
 * const config = resolveConfig({
 *   requested: "shapes", data, preset: fashionMnist, customEncoder: false, seed: 0, evalEvery: 1,
 *   logEvery: 1, keepCheckpoints: 3, now: new Date(),
 *   backend: { name: "cpu", reason: "asked for", requested: "cpu" },
 * });
 * console.log(config.stepsPerEpoch); // 8 batches of 64
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
  if (trainCount < KNN_MIN_IMAGES) {
    problems.push(
      `the training set has ${trainCount} images; the kNN evaluation (k = ${KNN_MIN_IMAGES}) ` +
        `needs at least ${KNN_MIN_IMAGES}`,
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
    learningRate: o.learningRate ?? peakLearningRate(o.preset.optimizer, batchSize),
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
 * import { random, tree } from "@byol/tfjs";
 * import { modelOf, readConfig } from "@byol/tfjs/train";
 *
 * const config = await readConfig("runs/shapes-fashion-mnist-20250101-120000");
 * const model = modelOf(config);
 * const state = model.init(random.key(config.seed), config.dataset.imageShape);
 * tree.dispose(state);
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

const isObject = (x: unknown): x is Readonly<Record<string, unknown>> =>
  typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * Checks that parsed JSON is a {@link RunConfig} this code can continue: its format tag, then
 * every field ({@link runConfigSchema}). Throws naming `file` and every problem, each with its
 * path (e.g. `preset.encoder.poolGrid`), what it found and what was expected.
 *
 * @example
 * ```ts
 * import { checkConfig } from "@byol/tfjs/train";
 *
 * const path = "runs/shapes-fashion-mnist-20250101-120000/config.json";
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
  return getOrThrow(runConfigSchema.validate(json, ""), file);
}

/**
 * The resolved configuration of a run, as `config.json` stores it: everything needed to rebuild
 * the model and the data order on `--resume` or for `deno task eval`, plus where things came from
 * (dataset source, backend and why); its schema, which checks a `config.json` in full (ranges,
 * the registered datasets, encoders and optimizers, rules across fields); and the comparison of
 * a resumed run's `config.json` with the config its checkpoint stores. Pure: no file access.
 *
 * @module
 */
import { basename } from "node:path";
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
  finite,
  getOrThrow,
  integer,
  nullable,
  oneOf,
  positive,
  refine,
  type Rule,
  type Schema,
  shown,
  string,
  struct,
  tagged,
  tuple,
  withRules,
} from "../schema.ts";
import {
  AUTO,
  DATASET_CHOICES,
  DATASET_NAMES,
  type DatasetChoice,
  type DatasetName,
  type RunData,
} from "./datasets.ts";
import { KNN_MIN_IMAGES } from "./evaluate.ts";

/** The version tag of {@link RunConfig}, checked when a run is resumed or evaluated. */
export const CONFIG_FORMAT = "byol-run/3";

/** Earlier formats that {@link checkConfig} still reads, filling in what they lack. */
const CONFIG_FORMAT_V1 = "byol-run/1";
const CONFIG_FORMAT_V2 = "byol-run/2";

/** Every format tag {@link checkConfig} reads, the current one last. */
export const CONFIG_FORMATS: readonly string[] = [
  CONFIG_FORMAT_V1,
  CONFIG_FORMAT_V2,
  CONFIG_FORMAT,
];

/** A split as the config records it. */
export interface SplitInfo {
  /** Where the images came from. */
  readonly source: string;
  /** Number of images. */
  readonly count: number;
}

/** Weights a run started from instead of its seed's initial ones (`--init-from FILE`). */
export interface InitFrom {
  /** The file, as given. */
  readonly path: string;
  /** The SHA-256 of its bytes (hex), so a resumed run can tell the file changed. */
  readonly sha256: string;
}

/** What made a run, recorded when it starts; nothing here changes what the run computes. */
export interface Provenance {
  /** The program (`Deno.mainModule`) and its arguments as given, or `null` when run from code. */
  readonly command: { readonly main: string; readonly args: readonly string[] } | null;
  /** The git commit (`HEAD`) of the package's checkout, or `null` when it is not in one. */
  readonly gitCommit: string | null;
  /** The versions of Deno, tfjs and this package (`null` when its deno.json is out of reach). */
  readonly versions: {
    readonly deno: string;
    readonly tfjs: string;
    readonly package: string | null;
  };
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
  /** `preset`: the preset's encoder; `custom`: one given in code (needed again to resume). */
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
  /** When checkpoints are written besides each epoch's end: every so many steps or minutes. */
  readonly checkpointEvery: CheckpointEvery;
  /** What a non-finite loss or gradient norm does: stop the run, or skip that batch. */
  readonly onNonfinite: "stop" | "skip";
  /** The backend asked for, the one used, and why. */
  readonly backend: {
    /** The `--backend` asked for. */
    readonly requested: string;
    /** The backend used. */
    readonly name: string;
    /** Why (e.g. no hardware GPU). */
    readonly reason: string;
    /** The wasm backend's threads, or `null` on another backend (or in an older run). */
    readonly threads: number | null;
  };
  /** The weights the run started from, or `null`: its seed's initial ones. */
  readonly initFrom: InitFrom | null;
  /** The command line, git commit and versions (`null` in a run older than byol-run/3). */
  readonly provenance: Provenance | null;
}

/** A checkpoint cadence: every `every` steps, or every `every` minutes of training steps. */
export interface CheckpointEvery {
  /** What `every` counts. */
  readonly unit: "steps" | "minutes";
  /** How many of them between checkpoints. */
  readonly every: number;
}

/** The cadence of a run that does not ask for one: every 5 minutes of training steps. */
export const DEFAULT_CHECKPOINT_EVERY: CheckpointEvery = { unit: "minutes", every: 5 };

const split = (min: number, why: string) =>
  struct({
    source: string,
    count: finite(`an integer >= ${min} (${why})`, (x) => Number.isSafeInteger(x) && x >= min),
  });

/**
 * The schema of {@link CheckpointEvery}: a whole number of steps >= 1, or minutes > 0.
 *
 * @example
 * ```ts
 * import { checkpointEverySchema } from "@byol/tfjs/train";
 *
 * checkpointEverySchema.validate({ unit: "steps", every: 0 }, "checkpointEvery");
 * // left(["checkpointEvery.every: expected an integer >= 1, got 0"])
 * ```
 */
export const checkpointEverySchema: Schema<CheckpointEvery> = tagged("unit", {
  steps: { every: integer(1) },
  minutes: { every: positive },
});

const sha256 = refine(
  "64 hex digits (a SHA-256)",
  (x): x is string => typeof x === "string" && /^[0-9a-f]{64}$/.test(x),
);

const isoTime = refine(
  "an ISO 8601 time",
  (x): x is string => typeof x === "string" && !Number.isNaN(Date.parse(x)),
);

/** The rules across fields of {@link runConfigSchema}, each run when the fields it reads are. */
const RUN_RULES: readonly Rule<RunConfig>[] = [
  {
    reads: ["dataset.requested", "dataset.name"],
    check: ({ dataset: { requested, name } }) => {
      const allowed = requested === "auto" ? [AUTO.first, AUTO.fallback] : [requested];
      return allowed.includes(name) ? [] : [
        `dataset.name: expected ${allowed.map((n) => JSON.stringify(n)).join(" or ")} ` +
        `(dataset.requested is ${JSON.stringify(requested)}), got ${JSON.stringify(name)}`,
      ];
    },
  },
  {
    reads: ["dataset.limit", "dataset.train.count", "dataset.test.count"],
    check: ({ dataset: { limit, train, test } }) =>
      limit === null ? [] : ([["train", train.count], ["test", test.count]] as const)
        .filter(([, count]) => count > limit)
        .map(([split, count]) =>
          `dataset.${split}.count: expected at most dataset.limit (${limit}), got ${count}`
        ),
  },
  {
    reads: ["batchSize", "dataset.train.count"],
    check: ({ batchSize, dataset: { train } }) =>
      batchSize <= train.count
        ? []
        : [`batchSize: expected at most dataset.train.count (${train.count}), got ${batchSize}`],
  },
  {
    reads: ["stepsPerEpoch", "batchSize", "dataset.train.count"],
    check: ({ stepsPerEpoch, batchSize, dataset: { train } }) => {
      const expected = Math.floor(train.count / batchSize);
      return expected < 1 || stepsPerEpoch === expected ? [] : [
        `stepsPerEpoch: expected ${expected} (dataset.train.count ${train.count} / batchSize ` +
        `${batchSize}, whole batches), got ${stepsPerEpoch}`,
      ];
    },
  },
  {
    reads: ["totalSteps", "stepsPerEpoch", "epochs"],
    check: ({ totalSteps, stepsPerEpoch, epochs }) =>
      totalSteps === stepsPerEpoch * epochs ? [] : [
        `totalSteps: expected ${stepsPerEpoch * epochs} (stepsPerEpoch ${stepsPerEpoch} x ` +
        `epochs ${epochs}), got ${totalSteps}`,
      ],
  },
];

/**
 * The schema of {@link RunConfig}: every field, with its range (e.g. `keepCheckpoints >= 1`, a
 * finite learning rate > 0, crop scales in (0, 1], probabilities in [0, 1]), the dataset's name,
 * the preset's encoder and its optimizer checked against their registries, and the rules across
 * fields: `dataset.name` is the one `dataset.requested` gives, the splits hold at most
 * `dataset.limit` images, a batch fits the training split, `stepsPerEpoch` is
 * `floor(dataset.train.count / batchSize)` and `totalSteps` is `stepsPerEpoch * epochs`.
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
export const runConfigSchema: Schema<RunConfig> = withRules(
  struct({
    format: oneOf(CONFIG_FORMAT),
    createdAt: isoTime,
    dataset: struct({
      requested: oneOf(...DATASET_CHOICES),
      name: oneOf(...DATASET_NAMES),
      why: string,
      dir: nullable(string),
      limit: nullable(integer(1)),
      train: split(KNN_MIN_IMAGES, "the kNN evaluation's largest k"),
      test: split(1, "the accuracies are measured on it"),
      // The augmentations take gray or RGB images.
      imageShape: tuple(integer(1), integer(1), oneOf(1, 3)),
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
    checkpointEvery: checkpointEverySchema,
    onNonfinite: oneOf("stop", "skip"),
    backend: struct({
      requested: oneOf(...BACKEND_CHOICES),
      name: oneOf(...BACKEND_CHOICES.filter((b) => b !== "auto")),
      reason: string,
      threads: nullable(integer(1)),
    }),
    initFrom: nullable(struct({ path: string, sha256 })),
    provenance: nullable(struct({
      command: nullable(struct({ main: string, args: array(string) })),
      gitCommit: nullable(string),
      versions: struct({ deno: string, tfjs: string, package: nullable(string) }),
    })),
  }),
  RUN_RULES,
);

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
  readonly checkpointEvery?: CheckpointEvery;
  readonly onNonfinite?: "stop" | "skip";
  /** The backend used, asked for, and the wasm threads (default `null`). */
  readonly backend: BackendInfo & { readonly requested: string; readonly threads?: number | null };
  /** The weights the run starts from (default `null`: the seed's initial ones). */
  readonly initFrom?: InitFrom | null;
  /** The command line, git commit and versions (default `null`). */
  readonly provenance?: Provenance | null;
  readonly now: Date;
}

function splitInfo(d: ImageDataset): SplitInfo {
  return { source: d.source, count: d.shape[0] };
}

/**
 * Resolves a new run's configuration: the preset's epochs, batch size and learning rate unless
 * given, steps per epoch (whole batches only), and where data and backend came from. Throws when
 * the training split is too small for one batch or for the kNN evaluation's largest k, and with
 * every problem {@link runConfigSchema} finds in the result (e.g. `keepCheckpoints: 0`, a
 * non-finite learning rate, a custom preset's probability above 1).
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
  const config: RunConfig = {
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
    checkpointEvery: o.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY,
    onNonfinite: o.onNonfinite ?? "stop",
    backend: {
      requested: o.backend.requested,
      name: o.backend.name,
      reason: o.backend.reason,
      threads: o.backend.threads ?? null,
    },
    initFrom: o.initFrom ?? null,
    provenance: o.provenance ?? null,
  };
  return getOrThrow(runConfigSchema.validate(config, ""), "the run's settings");
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
 * Checks that parsed JSON is a {@link RunConfig} this code can continue: its format tag (a
 * `byol-run/1` config gains the fields it lacked, as its run behaved: checkpoints at epoch ends,
 * stop on a non-finite loss; a `byol-run/2` one gains `initFrom: null`, `provenance: null` and
 * `backend.threads: null`), then every field and the rules across them
 * ({@link runConfigSchema}). Throws naming `file` and every problem, each with its path (e.g.
 * `preset.encoder.poolGrid`), what it found and what was expected.
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
  if (json.format === CONFIG_FORMAT_V1) {
    // byol-run/1 had no step-level checkpoints or non-finite policy: its runs behaved as these.
    return checkConfig({
      ...json,
      format: CONFIG_FORMAT_V2,
      checkpointEvery: { unit: "steps", every: Number(json.stepsPerEpoch) },
      onNonfinite: "stop",
    }, file);
  }
  if (json.format === CONFIG_FORMAT_V2) {
    // byol-run/2 runs started from their seed and recorded no provenance or thread count.
    return checkConfig({
      ...json,
      format: CONFIG_FORMAT,
      backend: isObject(json.backend) ? { ...json.backend, threads: null } : json.backend,
      initFrom: null,
      provenance: null,
    }, file);
  }
  if (json.format !== CONFIG_FORMAT) {
    throw new Error(
      `${file}: format is ${JSON.stringify(json.format)}, expected "${CONFIG_FORMAT}" ` +
        "(a config.json written by deno task train)",
    );
  }
  return getOrThrow(runConfigSchema.validate(json, ""), file);
}

/**
 * The paths of the fields a resumed run may change in `config.json` (with each path below
 * them): when it was created, where the data was found (`dataset.requested`, `why`, `dir` and
 * the splits' `source`; the data itself must be the same), how the run is watched and kept
 * (`evalEvery`, `logEvery`, `keepCheckpoints`, `checkpointEvery`), what a non-finite loss does
 * from now on (`onNonfinite`), the backend and the provenance (command line, commit, versions).
 * Every other field decides what the run computes (model, data, schedule, keys, `initFrom`): see
 * {@link configChanges}.
 *
 * @example
 * ```ts
 * import { RESUME_MAY_CHANGE } from "./config.ts";
 *
 * console.log(`a resumed run may change: ${RESUME_MAY_CHANGE.join(", ")}`);
 * ```
 */
export const RESUME_MAY_CHANGE: readonly string[] = [
  "format",
  "createdAt",
  "dataset.requested",
  "dataset.why",
  "dataset.dir",
  "dataset.train.source",
  "dataset.test.source",
  "evalEvery",
  "logEvery",
  "keepCheckpoints",
  "checkpointEvery",
  "onNonfinite",
  "backend",
  "provenance",
];

const mayChange = (path: string) =>
  RESUME_MAY_CHANGE.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`));

/**
 * The paths at or below `path` where JSON values `a` and `b` differ, with both values (an array
 * of another length, or a value of another kind, as a whole), except {@link RESUME_MAY_CHANGE}.
 */
function jsonChanges(a: unknown, b: unknown, path: string): [string, unknown, unknown][] {
  if (mayChange(path)) return [];
  const join = (key: string | number) =>
    typeof key === "number" ? `${path}[${key}]` : path === "" ? key : `${path}.${key}`;
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.flatMap((x, i) => jsonChanges(x, b[i], join(i)));
  }
  const isRecord = (x: unknown): x is Record<string, unknown> =>
    typeof x === "object" && x !== null && !Array.isArray(x);
  if (isRecord(a) && isRecord(b)) {
    const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !Object.hasOwn(a, k))];
    return keys.flatMap((k) => jsonChanges(a[k], b[k], join(k)));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [[path, a, b]];
}

/**
 * Every difference between a run's `stored` config (the one in its checkpoint) and an `edited`
 * one (its `config.json` now) that would change what the run computes: one line per field,
 * naming its path and both values, e.g. `epochs: 3 in the checkpoint, 5 in config.json`
 * (`names` says where each config is from). Fields of {@link RESUME_MAY_CHANGE} are not
 * compared. A derived field changes with the one it derives from (e.g. `epochs` with
 * `totalSteps`), and both are listed.
 *
 * @example
 * ```ts
 * import { data, random } from "@byol/tfjs";
 * import { fashionMnist } from "@byol/tfjs/byol";
 * import { configChanges, resolveConfig } from "./config.ts";
 *
 * const run = {
 *   name: "shapes" as const,
 *   why: "asked for",
 *   train: data.shapes(random.key(1), { count: 512 }),
 *   test: data.shapes(random.key(2), { count: 128 }),
 * };
 * const stored = resolveConfig({
 *   requested: "shapes", data: run, preset: fashionMnist, customEncoder: false, seed: 0,
 *   evalEvery: 1, logEvery: 1, keepCheckpoints: 3, epochs: 3, now: new Date(),
 *   backend: { name: "cpu", reason: "asked for", requested: "cpu" },
 * });
 * const edited = { ...stored, epochs: 5, totalSteps: 40, keepCheckpoints: 1 };
 * configChanges(stored, edited);
 * // ["epochs: 3 in the checkpoint, 5 in config.json",
 * //  "totalSteps: 24 in the checkpoint, 40 in config.json"]
 * ```
 */
export function configChanges(
  stored: RunConfig,
  edited: RunConfig,
  names: readonly [string, string] = ["the checkpoint", "config.json"],
): string[] {
  return jsonChanges(stored, edited, "").map(([path, a, b]) =>
    `${path}: ${shown(a)} in ${names[0]}, ${shown(b)} in ${names[1]}`
  );
}

/** Where the two configs {@link checkConfigUnchanged} compares come from. */
export interface ConfigsToCompare {
  /** The config the run's checkpoint stores. */
  readonly stored: RunConfig;
  /** The checkpoint's file. */
  readonly checkpoint: string;
  /** The config read now (from `config.json`). */
  readonly edited: RunConfig;
  /** Its file. */
  readonly file: string;
}

/**
 * Throws when `edited` (a run's `config.json`) differs from `stored` (its checkpoint's config)
 * in any field that changes the run ({@link configChanges}), listing each field with both
 * values, and saying which fields may change: the one wording of `--resume` and `deno task eval`.
 *
 * @example
 * ```ts
 * import { data, random } from "@byol/tfjs";
 * import { fashionMnist } from "@byol/tfjs/byol";
 * import { checkConfigUnchanged, resolveConfig } from "./config.ts";
 *
 * const run = {
 *   name: "shapes" as const,
 *   why: "asked for",
 *   train: data.shapes(random.key(1), { count: 512 }),
 *   test: data.shapes(random.key(2), { count: 128 }),
 * };
 * const stored = resolveConfig({
 *   requested: "shapes", data: run, preset: fashionMnist, customEncoder: false, seed: 0,
 *   evalEvery: 1, logEvery: 1, keepCheckpoints: 3, now: new Date(),
 *   backend: { name: "cpu", reason: "asked for", requested: "cpu" },
 * });
 * const file = "runs/a/config.json";
 * const checkpoint = "runs/a/step-000008.safetensors";
 * checkConfigUnchanged({ stored, checkpoint, edited: { ...stored, keepCheckpoints: 1 }, file });
 * try {
 *   checkConfigUnchanged({ stored, checkpoint, edited: { ...stored, seed: 1 }, file });
 * } catch (err) {
 *   console.error((err as Error).message); // runs/a/config.json: 1 field differs from ...
 * }
 * ```
 */
export function checkConfigUnchanged({ stored, checkpoint, edited, file }: ConfigsToCompare): void {
  const changes = configChanges(stored, edited, ["the checkpoint", basename(file)]);
  if (changes.length === 0) return;
  const fields = changes.length === 1 ? "1 field differs" : `${changes.length} fields differ`;
  throw new Error(
    `${file}: ${fields} from the config stored in the run's checkpoint ${checkpoint}, which ` +
      `would change the run:\n  ${changes.join("\n  ")}\n` +
      `Restore the checkpoint's values, or start a new run for other settings (a resumed run ` +
      `may change only ${RESUME_MAY_CHANGE.filter((p) => p !== "format").join(", ")}).`,
  );
}

/**
 * Throws when `data` (a run's data, loaded again to resume or evaluate it) is not what the run
 * trained on: each split's image count, the image shape and the class names (so every label
 * names a class of the config) must be those `config.dataset` records. The message starts with
 * `context` (e.g. the run folder) and lists every difference.
 *
 * @example
 * ```ts
 * import { data, random } from "@byol/tfjs";
 * import { fashionMnist } from "@byol/tfjs/byol";
 * import { checkRunData, resolveConfig } from "./config.ts";
 *
 * const run = {
 *   name: "shapes" as const,
 *   why: "asked for",
 *   train: data.shapes(random.key(1), { count: 512 }),
 *   test: data.shapes(random.key(2), { count: 128 }),
 * };
 * const config = resolveConfig({
 *   requested: "shapes", data: run, preset: fashionMnist, customEncoder: false, seed: 0,
 *   evalEvery: 1, logEvery: 1, keepCheckpoints: 3, now: new Date(),
 *   backend: { name: "cpu", reason: "asked for", requested: "cpu" },
 * });
 * checkRunData(config, run, "runs/a"); // the same data: no error
 * ```
 */
export function checkRunData(config: RunConfig, data: RunData, context: string): void {
  const ds = config.dataset;
  const [, h, w, c] = data.train.shape;
  const found: [string, unknown, unknown][] = [
    ["dataset.train.count", ds.train.count, data.train.shape[0]],
    ["dataset.test.count", ds.test.count, data.test.shape[0]],
    ["dataset.imageShape", ds.imageShape, [h, w, c]],
    ["dataset.classNames", ds.classNames, data.train.classNames],
  ];
  const problems = found.filter(([, want, got]) => JSON.stringify(want) !== JSON.stringify(got))
    .map(([path, want, got]) => `${path}: expected ${shown(want)} (the run's), got ${shown(got)}`);
  if (problems.length === 0) return;
  throw new Error(
    `${context}: ${data.train.source} is not the ${ds.name} data the run trained on ` +
      `(${ds.train.source}):\n  ${problems.join("\n  ")}`,
  );
}

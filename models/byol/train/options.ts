/**
 * What a training run is asked to do: the flags of `deno task train`, their defaults and the
 * descriptions the usage text prints. The choices of `--dataset` and `--preset` come from the
 * registries (`datasets.ts`, `../presets.ts`). Pure data; parsing lives in `cli.ts`.
 *
 * @module
 */
import { BACKEND_CHOICES, type BackendChoice } from "../../../mod.ts";
import { type ByolPreset, type PresetName, presets } from "../mod.ts";
import type { CheckpointEvery } from "./config.ts";
import type { RunSettings } from "./config_file.ts";
import { DATASET_CHOICES, type DatasetChoice } from "./datasets.ts";
import { KNN_MIN_IMAGES } from "./evaluate.ts";
import type { Validation } from "../schema.ts";
import { integer, type Raw } from "./flags.ts";

/** The presets' names, the default first. */
export const PRESET_NAMES = Object.keys(presets) as PresetName[];

/**
 * A training run as the CLI describes it. Unset numbers come from the preset (`epochs`,
 * `batchSize`, `learningRate`) or the dataset (`preset`). The CLI resolves `--config`, the flags
 * and `--set` into these (the preset in full as `customPreset`).
 */
export interface TrainOptions {
  /** The dataset, or `auto`. */
  readonly dataset: DatasetChoice;
  /** A directory with the dataset's files, tried before the standard places. */
  readonly data?: string;
  /** The recipe; default the dataset's. */
  readonly preset?: PresetName;
  /** Passes over the training set. */
  readonly epochs?: number;
  /** Images per step. */
  readonly batchSize?: number;
  /** The peak learning rate (for LARS the rate used, not the rate per 256 images). */
  readonly learningRate?: number;
  /** The tfjs backend. */
  readonly backend: BackendChoice;
  /** Drives initialisation, data order and augmentations. */
  readonly seed: number;
  /** The folder that receives run folders. */
  readonly out: string;
  /** Epochs between kNN evaluations; 0 evaluates only at the end. */
  readonly evalEvery: number;
  /** A run folder to continue from its latest checkpoint. */
  readonly resume?: string;
  /** Train on the first `limit` training images and evaluate on the first `limit` test images. */
  readonly limit?: number;
  /** Checkpoints besides each epoch's end (default every 5 minutes of training steps). */
  readonly checkpointEvery?: CheckpointEvery;
  /** What a non-finite loss or gradient norm does (default `stop`). */
  readonly onNonfinite?: "stop" | "skip";
  /** Serve `deno task dashboard`'s page of the runs folder beside the run (port, or 0: any free one). */
  readonly dashboard?: number;
  /** A weights file (`deno task export`'s, or PyTorch's) the new run's networks start from. */
  readonly initFrom?: string;
  /** A preset in full (from `--config`/`--set`, or given in code), replacing `preset`. */
  readonly customPreset?: ByolPreset;
  /** Steps between metrics records (default 1, or 10 on WebGPU where reading stalls the GPU). */
  readonly logEvery?: number;
  /** Checkpoints kept in the run folder, the newest ones (default 3). */
  readonly keepCheckpoints?: number;
  /** The command line's arguments, recorded in config.json (`provenance.command`). */
  readonly args?: readonly string[];
  /**
   * On `resume`: the run's settings with `--config`/`--set` applied (they differ from its
   * config.json only in fields a resumed run may change); config.json is rewritten with them.
   */
  readonly resumeSettings?: RunSettings;
}

/**
 * Validates `--limit N` (train and evaluate on the first N images of each split): an integer of
 * at least {@link KNN_MIN_IMAGES}, which the kNN evaluation needs.
 *
 * @example
 * ```ts
 * import { imageLimit } from "./options.ts";
 *
 * imageLimit("limit")("2048"); // right(2048)
 * ```
 */
export function imageLimit(flag: string): (raw: Raw) => Validation<number | undefined> {
  return integer(flag, KNN_MIN_IMAGES, `the kNN evaluation uses ${KNN_MIN_IMAGES} neighbours`);
}

/** The defaults of {@link TrainOptions} that do not depend on the dataset or preset. */
export const DEFAULTS = {
  dataset: "auto",
  backend: "auto",
  seed: 0,
  out: "runs",
  evalEvery: 1,
} as const satisfies Partial<TrainOptions>;

/** One flag of a CLI: its name, value, default and meaning, for parsing and usage. */
export interface FlagSpec {
  /** The flag without its dashes, e.g. `batch-size`. */
  readonly name: string;
  /** What its value is, e.g. `N`; absent for a flag without a value. */
  readonly value?: string;
  /** Its default as the usage text shows it (empty: none shown). */
  readonly default: string;
  /** What it does, one line. */
  readonly help: string;
  /** Whether it may be given more than once (each value kept, in order). */
  readonly multiple?: boolean;
}

/** The flags of `deno task train` by name (`deno task eval` shares some). */
export const FLAG = {
  dataset: {
    name: "dataset",
    value: DATASET_CHOICES.join("|"),
    default: DEFAULTS.dataset,
    help: "the images to train and evaluate on (see Datasets below)",
  },
  data: {
    name: "data",
    value: "DIR",
    default: "standard places",
    help: "directory with the dataset's files (see Datasets below)",
  },
  preset: {
    name: "preset",
    value: PRESET_NAMES.join("|"),
    default: "the dataset's",
    help: "the recipe: encoder, heads, optimizer, schedule, views (see Presets below)",
  },
  epochs: { name: "epochs", value: "N", default: "preset's", help: "passes over the training set" },
  batchSize: { name: "batch-size", value: "N", default: "preset's", help: "images per step" },
  lr: {
    name: "lr",
    value: "X",
    default: "preset's",
    help: "peak learning rate after warm-up (LARS: the rate used, not per 256 images)",
  },
  backend: {
    name: "backend",
    value: BACKEND_CHOICES.join("|"),
    default: DEFAULTS.backend,
    help: "auto: WebGPU on a hardware GPU, else wasm",
  },
  seed: {
    name: "seed",
    value: "N",
    default: String(DEFAULTS.seed),
    help: "drives initialisation, data order and augmentations",
  },
  seeds: {
    name: "seeds",
    value: "N",
    default: "1",
    help: "train N runs, seeds --seed to --seed+N-1, then each metric's mean ± std (see below)",
  },
  out: {
    name: "out",
    value: "DIR",
    default: DEFAULTS.out,
    help: "parent folder of run folders (<dataset>-<preset>-<time>)",
  },
  evalEvery: {
    name: "eval-every",
    value: "N",
    default: String(DEFAULTS.evalEvery),
    help: "epochs between kNN evaluations (one also runs before training); 0: only the final one",
  },
  resume: {
    name: "resume",
    value: "RUN_DIR",
    default: "off",
    help: "continue a run from its latest checkpoint (takes --backend, --data, --set, --config)",
  },
  limit: {
    name: "limit",
    value: "N",
    default: "all",
    help: "train on the first N training images, evaluate on the first N test images " +
      `(N >= ${KNN_MIN_IMAGES})`,
  },
  checkpointEvery: {
    name: "checkpoint-every",
    value: "N|Nm",
    default: "5m",
    help: "also checkpoint every N steps, or every N minutes of training steps (Nm)",
  },
  onNonfinite: {
    name: "on-nonfinite",
    value: "stop|skip",
    default: "stop",
    help: "a NaN/Inf loss or gradient norm stops the run (exit 1), or skips that batch",
  },
  initFrom: {
    name: "init-from",
    value: "FILE",
    default: "off",
    help: "start the online and target networks from the weights in FILE (deno task export's, " +
      "or PyTorch's)",
  },
  config: {
    name: "config",
    value: "FILE.jsonc",
    default: "none",
    help: "the settings of a run (JSON with comments): a run's config.json or --print-config's",
  },
  set: {
    name: "set",
    value: "PATH=VALUE",
    default: "",
    help: "set a field of the config, e.g. preset.optimizer.weightDecay=1e-5 (repeatable)",
    multiple: true,
  },
  printConfig: {
    name: "print-config",
    default: "",
    help: "print the resolved config (--config's format) and exit",
  },
  dashboard: {
    name: "dashboard",
    value: "PORT",
    default: "off",
    help: "serve the live dashboard of the runs folder on 127.0.0.1:PORT beside the run " +
      "(0: any free port)",
  },
  help: { name: "help", default: "", help: "print this text and exit" },
} as const satisfies Readonly<Record<string, FlagSpec>>;

/** Every flag of `deno task train`, in the order the usage text lists them. */
export const FLAGS: readonly FlagSpec[] = Object.values(FLAG);

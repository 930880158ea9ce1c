/**
 * What a training run is asked to do: the choices of `deno task train`'s flags, their defaults,
 * and the descriptions the usage text prints. Pure data; parsing lives in `cli.ts`.
 *
 * @module
 */
import type { BackendChoice } from "../../../mod.ts";

/** Datasets the CLI knows; `auto` is Fashion-MNIST when found or downloadable, else `shapes`. */
export const DATASETS = ["auto", "fashion-mnist", "mnist", "cifar10", "shapes"] as const;
/** A dataset choice of `--dataset`. */
export type DatasetChoice = typeof DATASETS[number];
/** A dataset after `auto` is resolved. */
export type DatasetName = Exclude<DatasetChoice, "auto">;

/** Presets the CLI knows, by name (see `models/byol/presets.ts`). */
export const PRESET_NAMES = ["fashion-mnist", "cifar10", "paper"] as const;
/** A preset name of `--preset`. */
export type PresetName = typeof PRESET_NAMES[number];

/** Backends of `--backend`, as `useBackend` takes them. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ["auto", "webgpu", "wasm", "cpu"];

/** The preset a dataset gets when `--preset` is not given. */
export function presetFor(dataset: DatasetName): PresetName {
  return dataset === "cifar10" ? "cifar10" : "fashion-mnist";
}

/**
 * A training run as the CLI describes it. Unset numbers come from the preset (`epochs`,
 * `batchSize`, `learningRate`) or the dataset (`preset`).
 */
export interface TrainOptions {
  readonly dataset: DatasetChoice;
  /** A directory with the dataset's files, tried before the standard places. */
  readonly data?: string;
  readonly preset?: PresetName;
  readonly epochs?: number;
  readonly batchSize?: number;
  /** The peak learning rate (for LARS the rate used, not the rate per 256 images). */
  readonly learningRate?: number;
  readonly backend: BackendChoice;
  readonly seed: number;
  /** The folder that receives run folders. */
  readonly out: string;
  /** Epochs between kNN evaluations; 0 evaluates only at the end. */
  readonly evalEvery: number;
  /** A run folder to continue from its latest checkpoint. */
  readonly resume?: string;
  /** Train on the first `limit` training images and evaluate on the first `limit` test images. */
  readonly limit?: number;
}

/** The defaults of {@link TrainOptions} that do not depend on the dataset or preset. */
export const DEFAULTS = {
  dataset: "auto",
  backend: "auto",
  seed: 0,
  out: "runs",
  evalEvery: 1,
} as const satisfies Partial<TrainOptions>;

/** One flag of `deno task train`: its name, value, default and meaning, for parsing and usage. */
export interface FlagSpec {
  readonly name: string;
  readonly value?: string;
  readonly default: string;
  readonly help: string;
}

/** Every flag, in the order the usage text lists them. */
export const FLAGS: readonly FlagSpec[] = [
  {
    name: "dataset",
    value: DATASETS.join("|"),
    default: DEFAULTS.dataset,
    help: "auto: Fashion-MNIST when found or downloadable, else the built-in shapes dataset",
  },
  {
    name: "data",
    value: "DIR",
    default: "standard places",
    help: "directory with the dataset's files (IDX for (fashion-)mnist, binary for cifar10)",
  },
  {
    name: "preset",
    value: PRESET_NAMES.join("|"),
    default: "by dataset",
    help: "recipe: fashion-mnist for 28x28 gray data (incl. shapes), cifar10 for cifar10",
  },
  { name: "epochs", value: "N", default: "preset's", help: "passes over the training set" },
  { name: "batch-size", value: "N", default: "preset's", help: "images per step" },
  {
    name: "lr",
    value: "X",
    default: "preset's",
    help: "peak learning rate after warm-up (LARS: the rate used, not per 256 images)",
  },
  {
    name: "backend",
    value: BACKEND_CHOICES.join("|"),
    default: DEFAULTS.backend,
    help: "auto: WebGPU on a hardware GPU, else wasm",
  },
  {
    name: "seed",
    value: "N",
    default: String(DEFAULTS.seed),
    help: "drives initialisation, data order and augmentations",
  },
  {
    name: "out",
    value: "DIR",
    default: DEFAULTS.out,
    help: "parent folder of run folders (<dataset>-<preset>-<time>)",
  },
  {
    name: "eval-every",
    value: "N",
    default: String(DEFAULTS.evalEvery),
    help: "epochs between kNN evaluations (one also runs before training); 0: only the final one",
  },
  {
    name: "resume",
    value: "RUN_DIR",
    default: "off",
    help: "continue a run from its latest checkpoint and config.json (takes --backend, --data)",
  },
  {
    name: "limit",
    value: "N",
    default: "all",
    help: "train on the first N training images, evaluate on the first N test images (N >= 200)",
  },
  { name: "help", default: "", help: "print this text and exit" },
];

/**
 * The datasets of `deno task train`, registered once in {@link datasets} (help text, what
 * `--data DIR` holds, the preset a run gets, the loader), and the data of a run: the chosen
 * dataset's train and test splits, with `auto` falling back to the built-in `shapes` when
 * Fashion-MNIST cannot be found or downloaded (but never when `--data DIR` names where it is),
 * cut to `--limit`. `--dataset`'s choices, its help
 * text and the check of a run's `config.json` follow from the registry. Reads files (and maybe the
 * network), so it needs Deno.
 *
 * To add a dataset, add its name to {@link DatasetName} and its entry to {@link datasets}, both
 * here (its loader lives in its own module).
 *
 * @module
 */
import { data, type ImageDataset, random } from "../../../mod.ts";
import { loadCifar10, loadIdxDataset } from "../../../deno.ts";
import type { PresetName } from "../mod.ts";

/** A dataset's two splits. */
export interface Splits {
  /** The training split: BYOL's images, the kNN memory bank, the probe's training set. */
  readonly train: ImageDataset;
  /** The split the accuracies are measured on. */
  readonly test: ImageDataset;
}

/** One registered dataset: what it is, where its files come from, its preset and its loader. */
export interface DatasetEntry {
  /** One line for `--help`: the images and classes. */
  readonly help: string;
  /** What `--data DIR` holds for it and where it is looked for otherwise; `null`: no files. */
  readonly files: string | null;
  /** The preset a run gets without `--preset`. */
  readonly preset: PresetName;
  /** Both splits; `dir` is `--data DIR`, the only place tried when given. Throws saying where. */
  readonly load: (dir: string | undefined) => Promise<Splits>;
}

/** Sizes of the built-in `shapes` splits, drawn from fixed keys so every run sees the same. */
export const SHAPES_SPLITS = { train: 10000, test: 2000 } as const;

/** Where CIFAR-10's binary batches are looked for without `--data`. */
export const CIFAR10_DEFAULT_DIR = "data/cifar-10-batches-bin";

const count = (n: number) => n.toLocaleString("en-US");

/** An IDX dataset (MNIST's format) of `spec`, found or downloaded by `loadIdxDataset`. */
function idxDataset(spec: data.IdxDatasetSpec, preset: PresetName): DatasetEntry {
  const [trainCount, height, width] = spec.shapes.train;
  const places = [`$${spec.envVar}`, `./data/${spec.name}`, ...spec.systemDirs, "a download"];
  return {
    help:
      `${spec.title}: ${count(trainCount)} + ${count(spec.shapes.test[0])} ${height}x${width} ` +
      `gray images, ${spec.classNames.length} classes`,
    files: `IDX files (else ${places.join(", ")})`,
    preset,
    load: async (dir) => ({
      train: await loadIdxDataset(spec, { split: "train", dir }),
      test: await loadIdxDataset(spec, { split: "test", dir }),
    }),
  };
}

function shapesSplits(): Splits {
  return {
    train: data.shapes(random.key(1), { count: SHAPES_SPLITS.train }),
    test: data.shapes(random.key(2), { count: SHAPES_SPLITS.test }),
  };
}

/** A registered dataset's name (a dataset after `auto` is resolved). */
export type DatasetName = "fashion-mnist" | "mnist" | "cifar10" | "shapes";

/**
 * Every dataset of `--dataset` by name, in the order `--help` lists them.
 *
 * @example
 * ```ts
 * import { datasets } from "@byol/tfjs/train";
 *
 * const { train, test } = await datasets.shapes.load(undefined);
 * console.log(datasets.shapes.help, train.shape, test.shape);
 * ```
 */
export const datasets: Readonly<Record<DatasetName, DatasetEntry>> = {
  "fashion-mnist": idxDataset(data.FASHION_MNIST, "fashion-mnist"),
  mnist: idxDataset(data.MNIST, "fashion-mnist"),
  cifar10: {
    help: `CIFAR-10: 50,000 + 10,000 32x32 colour images, ${data.CIFAR10_CLASSES.length} classes`,
    files: `binary batches (else ${CIFAR10_DEFAULT_DIR})`,
    preset: "cifar10",
    load: async (dir) => {
      const where = dir ?? CIFAR10_DEFAULT_DIR;
      return {
        train: await loadCifar10({ dir: where, split: "train" }),
        test: await loadCifar10({ dir: where, split: "test" }),
      };
    },
  },
  shapes: {
    help: `synthetic, built in: ${count(SHAPES_SPLITS.train)} + ${count(SHAPES_SPLITS.test)} ` +
      `28x28 gray images of ${data.SHAPE_CLASSES.length} shapes`,
    files: null,
    preset: "fashion-mnist",
    load: () => Promise.resolve(shapesSplits()),
  },
};

/** The registered datasets' names, in order. */
export const DATASET_NAMES = Object.keys(datasets) as DatasetName[];

/** `--dataset auto`: the first dataset when it loads, else the second, with a note why. */
export const AUTO: { readonly first: DatasetName; readonly fallback: DatasetName } = {
  first: "fashion-mnist",
  fallback: "shapes",
};

/** A choice of `--dataset`: a registered dataset, or `auto`. */
export type DatasetChoice = "auto" | DatasetName;

/** Every choice of `--dataset`, `auto` first. */
export const DATASET_CHOICES: readonly DatasetChoice[] = ["auto", ...DATASET_NAMES];

/**
 * The preset a run on `dataset` gets when `--preset` is not given (`auto`: its first choice's).
 *
 * @example
 * ```ts
 * import { presetFor } from "@byol/tfjs/train";
 *
 * presetFor("cifar10"); // "cifar10"
 * ```
 */
export function presetFor(dataset: DatasetChoice): PresetName {
  return datasets[dataset === "auto" ? AUTO.first : dataset].preset;
}

/** The two splits of a run, after `auto` and `--limit`. */
export interface RunData extends Splits {
  /** The dataset used (after `auto`). */
  readonly name: DatasetName;
  /** Why this dataset was used (`asked for`, or why `auto` chose it). */
  readonly why: string;
}

/** What {@link loadRunData} needs. */
export interface LoadRunDataOptions {
  /** The `--dataset` asked for. */
  readonly dataset: DatasetChoice;
  /** `--data DIR`: the only place the data is loaded from when given. */
  readonly dir?: string;
  /** Keep the first `limit` images of each split. */
  readonly limit?: number;
  /** Receives announcements (the loud fallback of `auto`). */
  readonly say: (text: string) => void;
}

/**
 * The first `n` images of `dataset` (all of it when it has no more). Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, random } from "@byol/tfjs";
 * import { firstImages } from "./datasets.ts";
 *
 * const few = firstImages(data.shapes(random.key(0), { count: 100 }), 10);
 * console.log(few.shape[0], few.source); // 10 "shapes(100x28x28x1), first 10"
 * ```
 */
export function firstImages(dataset: ImageDataset, n: number | undefined): ImageDataset {
  const count = dataset.shape[0];
  if (n === undefined || n >= count) return dataset;
  const cut = data.selectExamples(dataset, Int32Array.from({ length: n }, (_, i) => i));
  return { ...cut, source: `${dataset.source}, first ${n}` };
}

/** The error for a `--data DIR` that did not load: the folder, the dataset and why. */
function dataDirError(dir: string, name: DatasetName, err: unknown): Error {
  return new Error(
    `--data ${dir}: ${name} could not be loaded from it: ${(err as Error).message}`,
    {
      cause: err,
    },
  );
}

function banner(lines: readonly string[]): string {
  const rule = "=".repeat(Math.min(96, Math.max(...lines.map((l) => l.length))));
  return [rule, ...lines, rule].join("\n");
}

/**
 * Loads the run's train and test splits. `auto` is Fashion-MNIST when its loader finds or
 * downloads it, and otherwise the built-in `shapes`, announced in a banner with the reason (see
 * {@link AUTO}). A dataset asked for by name that cannot be loaded is an error, and so is a
 * `dir` (`--data DIR`) that does not load, naming the folder and why (`auto` does not fall back
 * then), or a `dir` given for a dataset without files. With `limit`,
 * both splits keep their first `limit` images (the test split is cut to the same number, not
 * proportionally, so small runs still get a usable test set).
 *
 * @example
 * ```ts
 * import { loadRunData } from "@byol/tfjs/train";
 *
 * const { name, train, test } = await loadRunData({ dataset: "auto", say: console.error });
 * console.log(name, train.shape, test.shape);
 * ```
 */
export async function loadRunData(options: LoadRunDataOptions): Promise<RunData> {
  const { dataset, dir, limit, say } = options;
  let name: DatasetName;
  let splits: Splits;
  let why = "asked for";
  if (dataset === "auto") {
    try {
      name = AUTO.first;
      splits = await datasets[name].load(dir);
      why = `auto: ${name} was found`;
    } catch (err) {
      if (dir !== undefined) throw dataDirError(dir, AUTO.first, err);
      name = AUTO.fallback;
      splits = await datasets[name].load(dir);
      why = `auto: ${AUTO.first} could not be loaded, so ${name}`;
      say(banner([
        `NOTE: ${AUTO.first} is not available; training on ${name} instead`,
        `(${datasets[name].help}). Why:`,
        ...(err as Error).message.split("\n").map((l) => `  ${l}`),
        `Pass --dataset ${name} to silence this, or provide ${AUTO.first} as described above.`,
      ]));
    }
  } else {
    name = dataset;
    if (dir !== undefined && datasets[name].files === null) {
      throw new Error(`--data ${dir}: ${name} is built in and reads no files; drop --data`);
    }
    try {
      splits = await datasets[name].load(dir);
    } catch (err) {
      throw dir === undefined ? err : dataDirError(dir, name, err);
    }
  }
  return {
    name,
    train: firstImages(splits.train, limit),
    test: firstImages(splits.test, limit),
    why,
  };
}

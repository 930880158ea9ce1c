/**
 * The data of a training run: the chosen dataset's train and test splits (with `auto` falling
 * back to the built-in `shapes` when Fashion-MNIST cannot be found or downloaded), cut to
 * `--limit`. Reads files (and maybe the network), so it needs Deno.
 *
 * @module
 */
import { data, type ImageDataset, random } from "../../../mod.ts";
import type { DatasetChoice, DatasetName } from "./options.ts";

/** Sizes of the built-in `shapes` splits, drawn from fixed keys so every run sees the same. */
export const SHAPES_SPLITS = { train: 10000, test: 2000 } as const;

/** Where CIFAR-10's binary batches are looked for without `--data`. */
export const CIFAR10_DEFAULT_DIR = "data/cifar-10-batches-bin";

/** The two splits of a run, after `auto` and `--limit`. */
export interface RunData {
  readonly name: DatasetName;
  readonly train: ImageDataset;
  readonly test: ImageDataset;
  /** Why this dataset was used (`asked for`, or why `auto` chose it). */
  readonly why: string;
}

/** What {@link loadRunData} needs. */
export interface LoadRunDataOptions {
  readonly dataset: DatasetChoice;
  /** `--data DIR`: tried first. */
  readonly dir?: string;
  /** Keep the first `limit` images of each split. */
  readonly limit?: number;
  /** Receives announcements (the loud fallback to `shapes`). */
  readonly say: (text: string) => void;
}

function shapesSplits(): { train: ImageDataset; test: ImageDataset } {
  return {
    train: data.shapes(random.key(1), { count: SHAPES_SPLITS.train }),
    test: data.shapes(random.key(2), { count: SHAPES_SPLITS.test }),
  };
}

async function loadNamed(
  name: DatasetName,
  dir: string | undefined,
): Promise<{ train: ImageDataset; test: ImageDataset }> {
  switch (name) {
    case "shapes":
      return shapesSplits();
    case "cifar10": {
      const where = dir ?? CIFAR10_DEFAULT_DIR;
      return {
        train: await data.loadCifar10({ dir: where, split: "train" }),
        test: await data.loadCifar10({ dir: where, split: "test" }),
      };
    }
    case "fashion-mnist":
    case "mnist": {
      const load = name === "mnist" ? data.loadMnist : data.loadFashionMnist;
      return {
        train: await load({ split: "train", dir }),
        test: await load({ split: "test", dir }),
      };
    }
  }
}

/** The first `n` images of `dataset` (all of it when it has no more). */
export function firstImages(dataset: ImageDataset, n: number | undefined): ImageDataset {
  const count = dataset.shape[0];
  if (n === undefined || n >= count) return dataset;
  const cut = data.selectExamples(dataset, Int32Array.from({ length: n }, (_, i) => i));
  return { ...cut, source: `${dataset.source}, first ${n}` };
}

function banner(lines: readonly string[]): string {
  const rule = "=".repeat(Math.min(96, Math.max(...lines.map((l) => l.length))));
  return [rule, ...lines, rule].join("\n");
}

/**
 * Loads the run's train and test splits. `auto` is Fashion-MNIST when `data.loadFashionMnist`
 * finds or downloads it, and otherwise the built-in `shapes` (10,000 train and 2,000 test
 * images), announced in a banner with the reason. A dataset asked for by name that cannot be
 * loaded is an error. With `limit`, both splits keep their first `limit` images (the test split
 * is cut to the same number, not proportionally, so small runs still get a usable test set).
 *
 * @example
 * ```ts
 * const { name, train, test } = await loadRunData({ dataset: "auto", say: console.error });
 * ```
 */
export async function loadRunData(options: LoadRunDataOptions): Promise<RunData> {
  const { dataset, dir, limit, say } = options;
  let name: DatasetName;
  let splits: { train: ImageDataset; test: ImageDataset };
  let why = "asked for";
  if (dataset === "auto") {
    try {
      splits = await loadNamed("fashion-mnist", dir);
      name = "fashion-mnist";
      why = "auto: Fashion-MNIST was found";
    } catch (err) {
      splits = shapesSplits();
      name = "shapes";
      why = "auto: Fashion-MNIST could not be loaded, so the built-in shapes dataset";
      say(banner([
        "NOTE: Fashion-MNIST is not available; training on the built-in synthetic `shapes`",
        `dataset instead (${SHAPES_SPLITS.train} train / ${SHAPES_SPLITS.test} test images ` +
        "of 8 classes, 28x28x1). Why:",
        ...(err as Error).message.split("\n").map((l) => `  ${l}`),
        "Pass --dataset shapes to silence this, or provide Fashion-MNIST as described above.",
      ]));
    }
  } else {
    name = dataset;
    splits = await loadNamed(dataset, dir);
  }
  return {
    name,
    train: firstImages(splits.train, limit),
    test: firstImages(splits.test, limit),
    why,
  };
}

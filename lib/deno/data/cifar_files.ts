/**
 * Loading the CIFAR-10 binary version (`cifar-10-batches-bin`) from disk.
 *
 * @module
 */
import { join } from "node:path";
import type { ImageDataset } from "../../data/dataset.ts";
import {
  CIFAR10_CLASSES,
  type CifarBatchFile,
  parseCifarBatches,
  parseCifarMeta,
} from "../../data/cifar.ts";
import type { WithLimits } from "../../io/limits.ts";
import { readFileLimited } from "../io/read_file.ts";
import { readMaybeGzip } from "./gzip.ts";

/** Options for {@link loadCifar10}. */
export interface LoadCifarOptions extends WithLimits {
  /** Directory holding `data_batch_1.bin` ... `data_batch_5.bin`, `test_batch.bin`. */
  readonly dir: string;
  /** `train` (the five data batches, 50,000 images) or `test` (10,000). */
  readonly split: "train" | "test";
}

/**
 * The batch file names of a CIFAR-10 split.
 *
 * @example
 * ```ts
 * import { cifarBatchNames } from "@byol/tfjs/deno";
 *
 * cifarBatchNames("test"); // ["test_batch.bin"]
 * ```
 */
export function cifarBatchNames(split: "train" | "test"): string[] {
  return split === "test" ? ["test_batch.bin"] : [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
}

/**
 * Loads a CIFAR-10 split as 32x32x3 images. Class names come from `batches.meta.txt` when the
 * directory has one, else the standard ten. Each file is read within `limits` (its size, and the
 * bytes a gzip-compressed batch inflates to). Consumes nothing.
 *
 * @example
 * ```ts
 * import { loadCifar10 } from "@byol/tfjs/deno";
 *
 * const test = await loadCifar10({ dir: "data/cifar-10-batches-bin", split: "test" });
 * ```
 */
export async function loadCifar10(
  { dir, split, limits }: LoadCifarOptions,
): Promise<ImageDataset> {
  if (split !== "train" && split !== "test") {
    throw new Error(`loadCifar10: split must be "train" or "test", got "${split}"`);
  }
  const files: CifarBatchFile[] = [];
  for (const name of cifarBatchNames(split)) {
    const path = join(dir, name);
    files.push({ name: path, bytes: await readMaybeGzip(path, { limits }) });
  }
  const metaPath = join(dir, "batches.meta.txt");
  let classNames: readonly string[] = CIFAR10_CLASSES;
  try {
    const text = new TextDecoder().decode(await readFileLimited(metaPath, { limits }));
    classNames = parseCifarMeta(text, metaPath);
  } catch (err) {
    if (!((err as Error).cause instanceof Deno.errors.NotFound)) throw err;
  }
  return parseCifarBatches(files, classNames, `${dir} (${split})`);
}

/**
 * Loading IDX files (MNIST-style) from disk, gzip-compressed or not.
 *
 * @module
 */
import type { ImageDataset } from "../../data/dataset.ts";
import { type IdxArray, idxDataset, parseIdx } from "../../data/idx.ts";
import { readMaybeGzip } from "./gzip.ts";

/**
 * Reads and parses one IDX file (gzip detected by magic bytes). Consumes nothing.
 *
 * @example
 * ```ts
 * import { readIdxFile } from "@byol/tfjs/deno";
 *
 * const path = await Deno.makeTempFile();
 * await Deno.writeFile(path, new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]));
 * const labels = await readIdxFile(path); // { dims: [3], data: [7, 8, 9] }
 * ```
 */
export async function readIdxFile(path: string): Promise<IdxArray> {
  return parseIdx(await readMaybeGzip(path), path);
}

/** Options for {@link loadIdx}. */
export interface LoadIdxOptions {
  /** Path of the image file (`[count, height, width]` unsigned bytes). */
  readonly images: string;
  /** Path of the label file (`[count]` unsigned bytes). */
  readonly labels: string;
  /** Class names, indexed by label. */
  readonly classNames: readonly string[];
}

/**
 * Loads an image file and its label file into a dataset. Consumes nothing.
 *
 * @example
 * ```ts
 * import { loadIdx } from "@byol/tfjs/deno";
 *
 * const test = await loadIdx({
 *   images: "t10k-images-idx3-ubyte.gz",
 *   labels: "t10k-labels-idx1-ubyte.gz",
 *   classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
 * });
 * ```
 */
export async function loadIdx(
  { images, labels, classNames }: LoadIdxOptions,
): Promise<ImageDataset> {
  const [imageArray, labelArray] = await Promise.all([readIdxFile(images), readIdxFile(labels)]);
  return idxDataset({
    images: imageArray,
    labels: labelArray,
    classNames,
    sources: { images, labels },
  });
}

/**
 * Loading IDX files (MNIST-style) from disk, gzip-compressed or not. The header is checked from
 * the first inflated bytes, so a damaged or hostile file is refused before the rest is inflated.
 *
 * @module
 */
import type { ImageDataset } from "../../data/dataset.ts";
import { type IdxArray, idxDataset, parseIdx, readIdxHeader } from "../../data/idx.ts";
import { decodeLimits, limitError, type WithLimits } from "../../io/limits.ts";
import { readMaybeGzip } from "./gzip.ts";

/**
 * Reads and parses one IDX file (gzip detected by magic bytes) within `limits`: the file's size,
 * the size its header claims, and the bytes inflated, which stop at the claimed size. Errors name
 * the path. Consumes nothing.
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
export async function readIdxFile(path: string, { limits }: WithLimits = {}): Promise<IdxArray> {
  const { maxDecompressedBytes } = decodeLimits(limits);
  const bytes = await readMaybeGzip(path, {
    limits,
    sizeFromHeader: (head) => {
      const { dims, headerBytes, dataBytes } = readIdxHeader(head, path, { limits });
      const total = headerBytes + dataBytes;
      if (total > maxDecompressedBytes) {
        throw limitError(
          path,
          `IDX header claims [${dims.join(", ")}], ${total} bytes once inflated`,
          "maxDecompressedBytes",
          maxDecompressedBytes,
        );
      }
      return total;
    },
  });
  return parseIdx(bytes, path, { limits });
}

/** Options for {@link loadIdx}. */
export interface LoadIdxOptions extends WithLimits {
  /** Path of the image file (`[count, height, width]` unsigned bytes). */
  readonly images: string;
  /** Path of the label file (`[count]` unsigned bytes). */
  readonly labels: string;
  /** Class names, indexed by label. */
  readonly classNames: readonly string[];
}

/**
 * Loads an image file and its label file into a dataset, each within `limits` (see
 * {@link readIdxFile}). Consumes nothing.
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
  { images, labels, classNames, limits }: LoadIdxOptions,
): Promise<ImageDataset> {
  const [imageArray, labelArray] = await Promise.all([
    readIdxFile(images, { limits }),
    readIdxFile(labels, { limits }),
  ]);
  return idxDataset({
    images: imageArray,
    labels: labelArray,
    classNames,
    sources: { images, labels },
  });
}

/**
 * The CIFAR-10 binary format (Krizhevsky 2009): each record is one label byte followed by a
 * 32x32 colour image stored channel-major (1024 red, 1024 green, 1024 blue bytes). Records are
 * converted to NHWC here. Parsing works on bytes in memory, so it runs anywhere.
 *
 * @module
 */
import { checkDataset, type ImageDataset } from "./dataset.ts";

/**
 * Side of a CIFAR-10 image in pixels.
 *
 * @example
 * ```ts
 * import { CIFAR_SIZE } from "./cifar.ts";
 *
 * const pixels = CIFAR_SIZE * CIFAR_SIZE * 3; // 3072
 * ```
 */
export const CIFAR_SIZE = 32;

/**
 * Bytes per CIFAR-10 record: 1 label byte + 3 * 32 * 32 pixel bytes.
 *
 * @example
 * ```ts
 * import { CIFAR_RECORD_BYTES } from "./cifar.ts";
 *
 * const records = 30730 / CIFAR_RECORD_BYTES; // 10
 * ```
 */
export const CIFAR_RECORD_BYTES = 1 + 3 * CIFAR_SIZE * CIFAR_SIZE;

/**
 * The standard CIFAR-10 class names, used when `batches.meta.txt` is absent.
 *
 * @example
 * ```ts
 * import { data } from "@byol/tfjs";
 *
 * data.CIFAR10_CLASSES[9]; // "truck"
 * ```
 */
export const CIFAR10_CLASSES: readonly string[] = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];

/** One CIFAR-10 batch file held in memory. */
export interface CifarBatchFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/**
 * Reads class names from the text of `batches.meta.txt` (one name per line, blank lines ignored);
 * `source` names the file in errors. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data } from "@byol/tfjs";
 *
 * const text = data.CIFAR10_CLASSES.join("\n") + "\n";
 * const names = data.parseCifarMeta(text, "batches.meta.txt"); // ["airplane", ..., "truck"]
 * ```
 */
export function parseCifarMeta(text: string, source: string): string[] {
  const names = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "");
  if (names.length !== CIFAR10_CLASSES.length) {
    throw new Error(
      `${source}: expected ${CIFAR10_CLASSES.length} class names (one per line), ` +
        `found ${names.length}`,
    );
  }
  return names;
}

/**
 * Concatenates CIFAR-10 batch files into one dataset, converting each record from CHW to HWC.
 * Consumes nothing.
 *
 * @example
 * ```ts
 * import { data } from "@byol/tfjs";
 *
 * // Two records of 3073 bytes: a label byte, then 32x32 red, green and blue planes.
 * const bytes = new Uint8Array(2 * 3073);
 * bytes[3073] = 9; // the second image is a truck
 * const ds = data.parseCifarBatches([{ name: "test_batch.bin", bytes }]);
 * console.log(ds.shape, ds.labels); // [2, 32, 32, 3] Int32Array [0, 9]
 * ```
 */
export function parseCifarBatches(
  files: readonly CifarBatchFile[],
  classNames: readonly string[] = CIFAR10_CLASSES,
  source: string = files.map((f) => f.name).join(", "),
): ImageDataset {
  for (const { name, bytes } of files) {
    if (bytes.length === 0 || bytes.length % CIFAR_RECORD_BYTES !== 0) {
      throw new Error(
        `${name}: size ${bytes.length} bytes is not a positive multiple of ${CIFAR_RECORD_BYTES} ` +
          "(1 label byte + 3072 pixel bytes per CIFAR-10 record); the file is truncated or " +
          "not a CIFAR-10 binary batch",
      );
    }
  }
  const plane = CIFAR_SIZE * CIFAR_SIZE;
  const count = files.reduce((sum, f) => sum + f.bytes.length / CIFAR_RECORD_BYTES, 0);
  const images = new Uint8Array(count * 3 * plane);
  const labels = new Int32Array(count);
  let i = 0;
  for (const { name, bytes } of files) {
    for (let r = 0; r < bytes.length; r += CIFAR_RECORD_BYTES, i++) {
      const label = bytes[r];
      if (label >= classNames.length) {
        throw new Error(
          `${name}: record ${r / CIFAR_RECORD_BYTES} has label ${label}, ` +
            `expected 0-${classNames.length - 1}`,
        );
      }
      labels[i] = label;
      const out = i * 3 * plane;
      for (let p = 0; p < plane; p++) {
        images[out + 3 * p] = bytes[r + 1 + p];
        images[out + 3 * p + 1] = bytes[r + 1 + plane + p];
        images[out + 3 * p + 2] = bytes[r + 1 + 2 * plane + p];
      }
    }
  }
  return checkDataset({
    images,
    shape: [count, CIFAR_SIZE, CIFAR_SIZE, 3],
    labels,
    classNames,
    source,
  });
}

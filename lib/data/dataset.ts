/**
 * The in-memory image dataset every loader returns: `uint8` pixels in NHWC order on the host,
 * integer labels and class names. Nothing here touches a tensor; batches are uploaded later by
 * `epochBatches`.
 *
 * @module
 */

/** Shape of a batch of images: `[count, height, width, channels]`. */
export type NHWC = readonly [number, number, number, number];

/** Labelled images held on the host as bytes. */
export interface ImageDataset {
  /** Pixels, `count * height * width * channels` bytes in NHWC order. */
  readonly images: Uint8Array;
  /** `[count, height, width, channels]`. */
  readonly shape: NHWC;
  /** One class index per image, each in `[0, classNames.length)`. */
  readonly labels: Int32Array;
  /** Human-readable name of each class, indexed by label. */
  readonly classNames: readonly string[];
  /** Where the data came from (a directory, files or `shapes`), for messages and logs. */
  readonly source: string;
}

/**
 * Checks that the parts of a dataset agree (pixel count, label count, label range) and returns
 * it; `what` names the dataset in the error. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data } from "@byol/tfjs";
 *
 * const ds = data.checkDataset({
 *   images: new Uint8Array(2 * 28 * 28),
 *   shape: [2, 28, 28, 1],
 *   labels: Int32Array.from([0, 1]),
 *   classNames: ["blank", "also blank"],
 *   source: "two blank images",
 * });
 * ```
 */
export function checkDataset(dataset: ImageDataset, what = dataset.source): ImageDataset {
  const { images, shape, labels, classNames } = dataset;
  if (shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(`${what}: shape must be [count, height, width, channels], got [${shape}]`);
  }
  const [n, h, w, c] = shape;
  if (images.length !== n * h * w * c) {
    throw new Error(
      `${what}: ${images.length} pixel bytes do not match shape [${shape}] ` +
        `(expected ${n * h * w * c})`,
    );
  }
  if (labels.length !== n) {
    throw new Error(`${what}: ${labels.length} labels for ${n} images`);
  }
  for (let i = 0; i < n; i++) {
    if (labels[i] < 0 || labels[i] >= classNames.length) {
      throw new Error(
        `${what}: label ${labels[i]} of image ${i} is outside [0, ${classNames.length}) ` +
          `for ${classNames.length} classes`,
      );
    }
  }
  return dataset;
}

/**
 * The examples at `indices`, in that order, as a new dataset (copies the bytes). Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, random } from "@byol/tfjs";
 *
 * const train = data.shapes(random.key(0), { count: 1000 });
 * const first100 = data.selectExamples(train, Int32Array.from({ length: 100 }, (_, i) => i));
 * ```
 */
export function selectExamples(dataset: ImageDataset, indices: ArrayLike<number>): ImageDataset {
  const [n, h, w, c] = dataset.shape;
  const stride = h * w * c;
  const images = new Uint8Array(indices.length * stride);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    if (!Number.isInteger(j) || j < 0 || j >= n) {
      throw new RangeError(`selectExamples: index ${j} is outside [0, ${n}) for ${dataset.source}`);
    }
    images.set(dataset.images.subarray(j * stride, (j + 1) * stride), i * stride);
    labels[i] = dataset.labels[j];
  }
  return { ...dataset, images, labels, shape: [indices.length, h, w, c] };
}

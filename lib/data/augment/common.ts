/**
 * Shared checks and helpers for the augmentations: argument validation with clear messages and
 * per-sample parameters drawn on the host and uploaded as `[batch, 1, 1, 1]` tensors.
 *
 * @module
 */
import { tf } from "../../tf.ts";

/** A closed interval `[low, high]`. */
export type Range = readonly [number, number];

/**
 * Checks that `images` is a float32 NHWC batch (`fn` names the caller) and returns it.
 * Consumes nothing.
 */
export function checkImages(images: tf.Tensor, fn: string): tf.Tensor4D {
  if (!(images instanceof tf.Tensor) || images.rank !== 4 || images.dtype !== "float32") {
    const got = images instanceof tf.Tensor
      ? `${images.dtype} [${images.shape.join(", ")}]`
      : typeof images;
    throw new Error(
      `augment.${fn}: expected float32 images [batch, height, width, channels] in [0, 1], ` +
        `got ${got}`,
    );
  }
  return images as tf.Tensor4D;
}

/** Checks that `p` is a probability. */
export function checkProbability(p: number, fn: string, name = "probability"): void {
  if (!(p >= 0 && p <= 1)) {
    throw new RangeError(`augment.${fn}: ${name} must be in [0, 1], got ${p}`);
  }
}

/** Checks that `range` is `[low, high]` with `min <= low <= high <= max`. */
export function checkRange(
  range: Range,
  fn: string,
  name: string,
  { min = -Infinity, max = Infinity }: { readonly min?: number; readonly max?: number } = {},
): void {
  const [low, high] = range;
  if (!(low >= min && high <= max && low <= high)) {
    throw new RangeError(
      `augment.${fn}: ${name} must be [low, high] with ${min} <= low <= high <= ${max}, ` +
        `got [${range.join(", ")}]`,
    );
  }
}

/** Per-sample values as a `[batch, 1, 1, 1]` tensor, to broadcast over pixels. Consumes nothing. */
export function perSample(values: Float32Array): tf.Tensor4D {
  return tf.tensor4d(values, [values.length, 1, 1, 1], "float32");
}

/** Per-sample 0/1 floats: 1 for the samples whose uniform draw in `u` is below `p`. */
export function chosen(u: Float32Array, p: number): Float32Array {
  return Float32Array.from(u, (v) => (v < p ? 1 : 0));
}

/**
 * `mask ? a : b` per sample, for a `[batch, 1, 1, 1]` float mask of 0/1. Written as
 * `b + mask * (a - b)` because broadcasting `tf.where` tiles the condition, which the wasm
 * backend does several times slower than these element-wise ops. Consumes nothing.
 */
export function selectPerSample(mask: tf.Tensor4D, a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
  return tf.add(b, tf.mul(mask, tf.sub(a, b)));
}

/**
 * Rows `indices` of a batch of images, copied exactly. Uses `cropAndResize` with whole-image
 * boxes at the input size (every sample lands on a pixel centre with zero interpolation weight)
 * because it is several times faster than `tf.gather` on the wasm backend. tfjs's WebGPU kernel
 * skips a box whose image index is not below the number of boxes (it checks the wrong
 * dimension), so when an index is that large the boxes are padded to the batch size and the
 * extra rows dropped. Consumes nothing.
 */
export function gatherImages(images: tf.Tensor4D, indices: Int32Array): tf.Tensor4D {
  const [count, height, width] = images.shape;
  const padded = indices.some((i) => i >= indices.length)
    ? Int32Array.from({ length: Math.max(count, indices.length) }, (_, i) => indices[i] ?? 0)
    : indices;
  const boxes = new Float32Array(4 * padded.length);
  for (let i = 0; i < padded.length; i++) boxes.set([0, 0, 1, 1], 4 * i);
  return tf.tidy(() => {
    const rows = tf.image.cropAndResize(
      images,
      tf.tensor2d(boxes, [padded.length, 4]),
      tf.tensor1d(padded, "int32"),
      [height, width],
    );
    return padded === indices ? rows : tf.slice(rows, 0, indices.length);
  });
}

/**
 * Luma `0.299 R + 0.587 G + 0.114 B` as a `[batch, height, width, 1]` tensor; a grayscale batch
 * is returned as is. Consumes nothing.
 */
export function luma(images: tf.Tensor4D): tf.Tensor4D {
  if (images.shape[3] === 1) return images;
  return tf.sum(tf.mul(images, tf.tensor1d([0.299, 0.587, 0.114])), 3, true);
}

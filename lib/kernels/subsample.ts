/**
 * Strided spatial subsampling of NHWC images without `tf.stridedSlice`, which is about 20x
 * slower than a plain slice on wasm.
 *
 * @module
 */
import { tf } from "../tf.ts";

/** Where {@link subsample} reads: pixel `(start[0] + q * stride[0], start[1] + p * stride[1])`. */
export interface SubsampleOptions {
  readonly start: readonly [number, number];
  /** Output rows and columns. */
  readonly count: readonly [number, number];
  readonly stride: readonly [number, number];
  /** The value of pixels past the bottom/right edge of `x` (default 0). */
  readonly padValue?: number;
}

/**
 * `x[:, start[0] :: stride[0], start[1] :: stride[1], :]` limited to `count` rows and columns.
 * Each axis is a contiguous slice reshaped so that the wanted rows start each block, then one
 * more slice keeps them.
 *
 * Consumes nothing (the result may be `x` itself).
 *
 * @example
 * ```ts
 * import { tf } from "@byol/tfjs";
 * import { subsample } from "./subsample.ts";
 *
 * const x = tf.ones([1, 28, 28, 3]) as tf.Tensor4D;
 * const everyOther = subsample(x, { start: [0, 0], count: [14, 14], stride: [2, 2] });
 * tf.dispose([x, everyOther]);
 * ```
 */
export function subsample(x: tf.Tensor4D, options: SubsampleOptions): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape;
  const [top, left] = options.start;
  const [rows, cols] = options.count;
  const [strideHeight, strideWidth] = options.stride;
  return tf.tidy(() => {
    const needHeight = top + rows * strideHeight;
    const needWidth = left + cols * strideWidth;
    let t = needHeight > height || needWidth > width
      ? tf.pad(x, [
        [0, 0],
        [0, Math.max(0, needHeight - height)],
        [0, Math.max(0, needWidth - width)],
        [0, 0],
      ], options.padValue ?? 0)
      : x;
    const w = t.shape[2];
    if (top !== 0 || strideHeight !== 1 || rows !== t.shape[1]) {
      const span = top === 0 && rows * strideHeight === t.shape[1]
        ? t
        : tf.slice(t, [0, top, 0, 0], [batch, rows * strideHeight, w, channels]);
      const block = tf.reshape(span, [batch * rows, strideHeight, w * channels]);
      t = tf.reshape(tf.slice(block, [0, 0, 0], [batch * rows, 1, w * channels]), [
        batch,
        rows,
        w,
        channels,
      ]);
    }
    if (left !== 0 || strideWidth !== 1 || cols !== w) {
      const span = left === 0 && cols * strideWidth === w
        ? t
        : tf.slice(t, [0, 0, left, 0], [batch, rows, cols * strideWidth, channels]);
      const block = tf.reshape(span, [batch * rows * cols, strideWidth, channels]);
      t = tf.reshape(tf.slice(block, [0, 0, 0], [batch * rows * cols, 1, channels]), [
        batch,
        rows,
        cols,
        channels,
      ]);
    }
    return t as tf.Tensor4D;
  });
}

/**
 * The gradient of 2-D max pooling, composed of tfjs ops. The wasm backend's own `MaxPoolGrad`
 * starts its running maximum at the smallest positive float instead of minus infinity and keeps
 * the last of equal maxima, so a window whose values are all zero or negative (common after a
 * ReLU) sends its gradient to the wrong pixel; this one routes each window's gradient to its
 * first maximum, as the cpu backend and TensorFlow do.
 *
 * @module
 */
import { tf } from "../tf.ts";
import type { ConvPadding } from "./geometry.ts";
import { interleavePhases } from "./phases.ts";
import { subsample } from "./subsample.ts";

/** Options of {@link maxPoolGrad}: the forward pooling's attributes. */
export interface MaxPoolGradOptions {
  /** Window size, `[height, width]` or one number for both. */
  readonly filterSize: number | readonly [number, number];
  readonly strides: number | readonly [number, number];
  readonly pad: ConvPadding;
  readonly dimRoundingMode?: "floor" | "round" | "ceil";
}

/**
 * The gradient of `tf.maxPool(x, filterSize, strides, pad)` with respect to `x`, given the
 * output gradient `dy` (NHWC): each window's gradient goes to the first (row-major) position
 * holding its maximum.
 *
 * Window taps are compared one at a time (a strict `>` keeps the first maximum), and tap `(i, j)`
 * of every window lands on input row `oh * strideHeight + i`, so the taps of each stride phase
 * are shifted into place and summed, and the phases interleaved.
 *
 * Consumes nothing.
 *
 * @example
 * ```ts
 * import { tf } from "@byol/tfjs";
 * import { maxPoolGrad } from "./max_pool_grad.ts";
 *
 * const x = tf.ones([1, 8, 8, 2]) as tf.Tensor4D;
 * const dy = tf.ones([1, 4, 4, 2]) as tf.Tensor4D;
 * const dx = maxPoolGrad(dy, x, { filterSize: 3, strides: 2, pad: "same" });
 * tf.dispose([x, dy, dx]);
 * ```
 */
export function maxPoolGrad(
  dy: tf.Tensor4D,
  x: tf.Tensor4D,
  options: MaxPoolGradOptions,
): tf.Tensor4D {
  const info = tf.backend_util.computePool2DInfo(
    x.shape,
    options.filterSize as number | [number, number],
    options.strides as number | [number, number],
    1,
    options.pad,
    options.dimRoundingMode,
  );
  if (info.outShape.some((size, axis) => size !== dy.shape[axis])) {
    throw new Error(
      `maxPoolGrad: dy has shape [${dy.shape}] but pooling input [${x.shape}] (filter ` +
        `${options.filterSize}, strides ${options.strides}, pad ${
          JSON.stringify(options.pad)
        }) gives [${info.outShape}]`,
    );
  }
  const [batch, height, width, channels] = x.shape;
  const { filterHeight, filterWidth, strideHeight, strideWidth, outHeight, outWidth } = info;
  const { top, left } = info.padInfo;
  return tf.tidy(() => {
    // Every row a window reads (and, for the subsampling below, up to a stride more), with
    // padding as -inf so that it never wins.
    const padded = tf.pad(x, [
      [0, 0],
      [top, Math.max(0, (outHeight - 1) * strideHeight + filterHeight - height - top)],
      [left, Math.max(0, (outWidth - 1) * strideWidth + filterWidth - width - left)],
      [0, 0],
    ], -Infinity) as tf.Tensor4D;
    const tap = (i: number, j: number) =>
      subsample(padded, {
        start: [i, j],
        count: [outHeight, outWidth],
        stride: [strideHeight, strideWidth],
        padValue: -Infinity,
      });
    let best = tap(0, 0);
    let winner = tf.zeros(dy.shape, "int32");
    for (let t = 1; t < filterHeight * filterWidth; t++) {
      const candidate = tap(Math.floor(t / filterWidth), t % filterWidth);
      const better = tf.greater(candidate, best);
      winner = tf.where(better, tf.scalar(t, "int32"), winner);
      best = tf.maximum(best, candidate);
    }
    const zeros = tf.zerosLike(dy);
    // Phase (a, b) cell (q, p) is padded-input pixel (q * strideHeight + a, p * strideWidth + b);
    // tap (a + u * strideHeight, b + v * strideWidth) of window (q - u, p - v) lands there.
    const shiftsDown = Math.ceil(filterHeight / strideHeight);
    const shiftsRight = Math.ceil(filterWidth / strideWidth);
    const rows = Math.max(outHeight + shiftsDown - 1, Math.ceil((top + height) / strideHeight));
    const cols = Math.max(outWidth + shiftsRight - 1, Math.ceil((left + width) / strideWidth));
    const phases: tf.Tensor4D[] = [];
    for (let a = 0; a < strideHeight; a++) {
      for (let b = 0; b < strideWidth; b++) {
        const parts: tf.Tensor4D[] = [];
        for (let i = a; i < filterHeight; i += strideHeight) {
          for (let j = b; j < filterWidth; j += strideWidth) {
            const [u, v] = [(i - a) / strideHeight, (j - b) / strideWidth];
            const routed = tf.where(tf.equal(winner, i * filterWidth + j), dy, zeros);
            parts.push(tf.pad(routed, [
              [0, 0],
              [u, rows - outHeight - u],
              [v, cols - outWidth - v],
              [0, 0],
            ]));
          }
        }
        phases.push(
          parts.length === 0 ? tf.zeros([batch, rows, cols, channels]) : tf.addN(parts),
        );
      }
    }
    const canvas = interleavePhases(phases, [strideHeight, strideWidth], {
      height: rows * strideHeight,
      width: cols * strideWidth,
    });
    return tf.slice(canvas, [0, top, left, 0], [batch, height, width, channels]);
  });
}

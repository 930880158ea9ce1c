/**
 * Input and filter gradients of a depthwise 2-D convolution as forward depthwise convolutions,
 * which wasm has (via XNNPACK) while it lacks both backprop kernels.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { convGeometry, type ConvGradOptions, phasePlan, windowSpan } from "./geometry.ts";
import { filterTaps, phaseGradient } from "./phases.ts";

/** Options of {@link depthwiseConv2dInputGrad}. */
export interface DepthwiseInputGradOptions extends ConvGradOptions {
  /** `[batch, height, width, channels]` of the forward input. */
  readonly inputShape: readonly [number, number, number, number];
}

/** Options of {@link depthwiseConv2dFilterGrad}. */
export interface DepthwiseFilterGradOptions extends ConvGradOptions {
  /** `[filterHeight, filterWidth, channels, channelMultiplier]`. */
  readonly filterShape: readonly [number, number, number, number];
}

/**
 * The gradient of `tf.depthwiseConv2d(x, filter, strides, pad)` with respect to `x`, given the
 * output gradient `dy` (`[batch, outHeight, outWidth, channels * multiplier]`), for NHWC and
 * dilation 1.
 *
 * As for `conv2dInputGrad`, each stride phase is a stride-1 depthwise convolution of `dy` with
 * the spatially flipped filter taps of that phase, and the phases are interleaved.
 *
 * Consumes nothing.
 *
 * @example
 * ```ts
 * import { tf } from "@byol/tfjs";
 * import { depthwiseConv2dInputGrad } from "./depthwise_grad.ts";
 *
 * const dy = tf.ones([1, 8, 8, 4]) as tf.Tensor4D;
 * const w = tf.ones([3, 3, 4, 1]) as tf.Tensor4D;
 * const options = { inputShape: [1, 8, 8, 4], strides: 1, pad: "same" } as const;
 * const dx = depthwiseConv2dInputGrad(dy, w, options);
 * tf.dispose([dy, w, dx]);
 * ```
 */
export function depthwiseConv2dInputGrad(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  options: DepthwiseInputGradOptions,
): tf.Tensor4D {
  const what = "depthwiseConv2dInputGrad";
  const g = convGeometry(what, options.inputShape, filter.shape, dy.shape, {
    ...options,
    depthwise: true,
  });
  const rows = phasePlan(g.inHeight, g.outHeight, g.filterHeight, g.strideHeight, g.padTop);
  const cols = phasePlan(g.inWidth, g.outWidth, g.filterWidth, g.strideWidth, g.padLeft);
  const channels = g.inChannels;
  const multiplier = g.outChannels / channels;
  const shape = { height: g.inHeight, width: g.inWidth, channels };
  return phaseGradient(dy, rows, cols, shape, ({ input, pad }, filterRows, filterCols) => {
    const taps = filterTaps(filter, filterRows, filterCols);
    // Every (channel, multiplier) output of the forward pass is its own channel here; the
    // multiplier is summed out afterwards.
    const kernel = tf.reshape(taps, [filterRows.length, filterCols.length, g.outChannels, 1]);
    const out = tf.depthwiseConv2d(input, kernel as tf.Tensor4D, 1, pad);
    if (multiplier === 1) return out;
    const [batch, outRows, outCols] = out.shape;
    return tf.sum(tf.reshape(out, [batch, outRows, outCols, channels, multiplier]), 4);
  });
}

/**
 * The gradient of `tf.depthwiseConv2d(x, filter, strides, pad)` with respect to `filter`, given
 * the output gradient `dy`, for NHWC and dilation 1.
 *
 * As for `conv2dFilterGrad`, the sum over batch and positions is a correlation of `x` with `dy`:
 * with every (channel, batch) pair as its own depthwise channel of one image and `dy` as that
 * channel's filter dilated by the stride, one depthwise convolution yields per-example filter
 * gradients, which are summed over the batch.
 *
 * Consumes nothing.
 *
 * @example
 * ```ts
 * import { tf } from "@byol/tfjs";
 * import { depthwiseConv2dFilterGrad } from "./depthwise_grad.ts";
 *
 * const x = tf.ones([1, 8, 8, 8]) as tf.Tensor4D;
 * const dy = tf.ones([1, 8, 8, 8]) as tf.Tensor4D;
 * const dw = depthwiseConv2dFilterGrad(x, dy, {
 *   filterShape: [3, 3, 8, 1],
 *   strides: 1,
 *   pad: "same",
 * });
 * tf.dispose([x, dy, dw]);
 * ```
 */
export function depthwiseConv2dFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  options: DepthwiseFilterGradOptions,
): tf.Tensor4D {
  const what = "depthwiseConv2dFilterGrad";
  const g = convGeometry(what, x.shape, options.filterShape, dy.shape, {
    ...options,
    depthwise: true,
  });
  const rows = windowSpan(g.inHeight, g.outHeight, g.filterHeight, g.strideHeight, g.padTop);
  const cols = windowSpan(g.inWidth, g.outWidth, g.filterWidth, g.strideWidth, g.padLeft);
  if (rows.size <= 0 || cols.size <= 0) return tf.zeros([...options.filterShape]);
  return tf.tidy(() => {
    const channels = g.inChannels;
    const multiplier = g.outChannels / channels;
    const window = rows.start === 0 && cols.start === 0 && rows.size === g.inHeight &&
        cols.size === g.inWidth
      ? x
      : tf.slice(x, [0, rows.start, cols.start, 0], [g.batch, rows.size, cols.size, channels]);
    const image = tf.reshape(
      tf.transpose(tf.reshape(window, [g.batch, rows.size * cols.size, channels]), [1, 2, 0]),
      [1, rows.size, cols.size, channels * g.batch],
    ) as tf.Tensor4D;
    const kernel = tf.reshape(
      tf.transpose(
        tf.reshape(dy, [g.batch, g.outHeight * g.outWidth, channels, multiplier]),
        [1, 2, 0, 3],
      ),
      [g.outHeight, g.outWidth, channels * g.batch, multiplier],
    ) as tf.Tensor4D;
    const perExample = tf.depthwiseConv2d(
      image,
      kernel,
      1,
      [[0, 0], [rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter], [0, 0]],
      "NHWC",
      [g.strideHeight, g.strideWidth],
    );
    const taps = g.filterHeight * g.filterWidth;
    return tf.reshape(
      tf.sum(tf.reshape(perExample, [taps * channels, g.batch, multiplier]), 1),
      [...options.filterShape],
    ) as tf.Tensor4D;
  });
}

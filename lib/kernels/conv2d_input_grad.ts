/**
 * The input gradient of a 2-D convolution as forward convolutions of `dy` (one per stride phase),
 * so it runs on XNNPACK's fast convolution on wasm (whose own `Conv2DBackpropInput` is about 10x
 * slower).
 *
 * @module
 */
import { tf } from "../tf.ts";
import { convGeometry, type ConvGradOptions, phasePlan } from "./geometry.ts";
import { filterTaps, phaseGradient } from "./phases.ts";

/** Options of {@link conv2dInputGrad}: the forward convolution's attributes and input shape. */
export interface Conv2dInputGradOptions extends ConvGradOptions {
  /** `[batch, height, width, inChannels]` of the forward input (not recoverable from `dy`). */
  readonly inputShape: readonly [number, number, number, number];
}

/**
 * The gradient of `tf.conv2d(x, filter, strides, pad)` with respect to `x`, given the output
 * gradient `dy`, for NHWC and dilation 1; equal to `tf.conv2dTranspose(dy, filter, ...)`.
 *
 * For stride 1 this is a convolution of `dy` with the spatially flipped, channel-swapped
 * filter. For stride `s > 1`, input pixel `(q*s + a, p*s + b)` only meets the filter taps of
 * phase `(a, b)`, so each of the `s*s` phases is a small stride-1 convolution of `dy` and the
 * phases are interleaved: the work of the forward convolution, instead of `s*s` times it for a
 * zero-upsampled `dy`. (Separate phase convolutions measured faster on wasm than one
 * convolution with a combined, zero-padded kernel emitting all phases as channels.)
 *
 * Consumes nothing.
 *
 * @example
 * ```ts
 * import { tf } from "@byol/tfjs";
 * import { conv2dInputGrad } from "./conv2d_input_grad.ts";
 *
 * const dy = tf.ones([8, 14, 14, 32]) as tf.Tensor4D;
 * const w = tf.ones([3, 3, 16, 32]) as tf.Tensor4D;
 * const dx = conv2dInputGrad(dy, w, { inputShape: [8, 28, 28, 16], strides: 2, pad: "same" });
 * tf.dispose([dy, w, dx]);
 * ```
 */
export function conv2dInputGrad(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  options: Conv2dInputGradOptions,
): tf.Tensor4D {
  const g = convGeometry("conv2dInputGrad", options.inputShape, filter.shape, dy.shape, options);
  const rows = phasePlan(g.inHeight, g.outHeight, g.filterHeight, g.strideHeight, g.padTop);
  const cols = phasePlan(g.inWidth, g.outWidth, g.filterWidth, g.strideWidth, g.padLeft);
  const shape = { height: g.inHeight, width: g.inWidth, channels: g.inChannels };
  return phaseGradient(dy, rows, cols, shape, ({ input, pad }, filterRows, filterCols) => {
    // [u, v, inC, outC] -> [u, v, outC, inC]: dy's channels are the forward outputs.
    const kernel = tf.transpose(filterTaps(filter, filterRows, filterCols), [0, 1, 3, 2]);
    return tf.conv2d(input, kernel as tf.Tensor4D, 1, pad);
  });
}

/**
 * The filter gradient of a 2-D convolution as one forward convolution, so it runs on XNNPACK's
 * fast convolution on wasm (which has no `Conv2DBackpropFilter` kernel of its own).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { convGeometry, type ConvGradOptions, windowSpan } from "./geometry.ts";
import { subsample } from "./subsample.ts";

/** Options of {@link conv2dFilterGrad}: the forward convolution's attributes and filter shape. */
export interface Conv2dFilterGradOptions extends ConvGradOptions {
  /** `[filterHeight, filterWidth, inChannels, outChannels]`. */
  readonly filterShape: readonly [number, number, number, number];
}

/**
 * The gradient of `tf.conv2d(x, filter, strides, pad)` with respect to `filter`, given the
 * output gradient `dy`, for NHWC and dilation 1; equal to `tf.conv2dBackpropFilter`.
 *
 * The sum over batch and output positions is a correlation of `x` with `dy`: with `x` laid out
 * as `[inChannels, height, width, batch]` (channels as the batch, the batch as channels) and
 * `dy` as a `[outHeight, outWidth, batch, outChannels]` filter dilated by the stride, one
 * forward convolution yields `[inChannels, filterHeight, filterWidth, outChannels]`. An
 * unpadded 1x1 filter needs no spatial window, so there it is one
 * `[inChannels, M] x [M, outChannels]` product written as a 1x1 convolution.
 *
 * Consumes nothing.
 *
 * @example
 * ```ts
 * const dw = conv2dFilterGrad(x, dy, { filterShape: [3, 3, 16, 32], strides: 2, pad: "same" });
 * ```
 */
export function conv2dFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  options: Conv2dFilterGradOptions,
): tf.Tensor4D {
  const g = convGeometry("conv2dFilterGrad", x.shape, options.filterShape, dy.shape, options);
  const rows = windowSpan(g.inHeight, g.outHeight, g.filterHeight, g.strideHeight, g.padTop);
  const cols = windowSpan(g.inWidth, g.outWidth, g.filterWidth, g.strideWidth, g.padLeft);
  if (rows.size <= 0 || cols.size <= 0) return tf.zeros([...options.filterShape]);
  return tf.tidy(() => {
    const [, , inC, outC] = options.filterShape;
    const unpadded = rows.padBefore + rows.padAfter + cols.padBefore + cols.padAfter === 0;
    if (g.filterHeight === 1 && g.filterWidth === 1 && unpadded) {
      // Each output position reads exactly one input pixel: take those, then x^T dy.
      const picked = subsample(x, {
        start: [rows.start, cols.start],
        count: [g.outHeight, g.outWidth],
        stride: [g.strideHeight, g.strideWidth],
      });
      const m = g.batch * g.outHeight * g.outWidth;
      const xT = tf.transpose(tf.reshape(picked, [m, inC]));
      const product = tf.conv2d(
        tf.reshape(xT, [1, 1, inC, m]) as tf.Tensor4D,
        tf.reshape(dy, [1, 1, m, outC]) as tf.Tensor4D,
        1,
        "valid",
      );
      return tf.reshape(product, [...options.filterShape]) as tf.Tensor4D;
    }
    const window = rows.start === 0 && cols.start === 0 && rows.size === g.inHeight &&
        cols.size === g.inWidth
      ? x
      : tf.slice(x, [0, rows.start, cols.start, 0], [g.batch, rows.size, cols.size, inC]);
    // [batch, pixels, inC] -> [inC, pixels, batch] in two steps: wasm's transpose walks the
    // output in order, and one step reads with a stride of a whole image (4x slower at 56x56x64).
    const image = tf.reshape(
      tf.transpose(
        tf.transpose(tf.reshape(window, [g.batch, rows.size * cols.size, inC]), [0, 2, 1]),
        [1, 2, 0],
      ),
      [inC, rows.size, cols.size, g.batch],
    ) as tf.Tensor4D;
    const kernel = tf.reshape(
      tf.transpose(tf.reshape(dy, [g.batch, g.outHeight * g.outWidth, outC]), [1, 0, 2]),
      [g.outHeight, g.outWidth, g.batch, outC],
    ) as tf.Tensor4D;
    const grad = tf.conv2d(
      image,
      kernel,
      1,
      [[0, 0], [rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter], [0, 0]],
      "NHWC",
      [g.strideHeight, g.strideWidth],
    );
    return tf.reshape(
      tf.transpose(tf.reshape(grad, [inC, g.filterHeight * g.filterWidth, outC]), [1, 0, 2]),
      [...options.filterShape],
    ) as tf.Tensor4D;
  });
}

/**
 * The filter gradient of a 2-D convolution on wasm, which has no `Conv2DBackpropFilter` kernel
 * of its own: one XNNPACK matrix product per filter tap (see `filter_grad_taps.ts`).
 *
 * @module
 */
import { tf } from "../tf.ts";
import { filterGradByTaps } from "./filter_grad_taps.ts";
import { type ConvGeometry, convGeometry, type ConvGradOptions } from "./geometry.ts";
import { subsample } from "./subsample.ts";
import { asWasmHeapBackend } from "../tfjs_internals/wasm_heap.ts";

/** Options of {@link conv2dFilterGrad}: the forward convolution's attributes and filter shape. */
export interface Conv2dFilterGradOptions extends ConvGradOptions {
  /** `[filterHeight, filterWidth, inChannels, outChannels]`. */
  readonly filterShape: readonly [number, number, number, number];
}

/**
 * The gradient of `tf.conv2d(x, filter, strides, pad)` with respect to `filter`, given the
 * output gradient `dy`, for NHWC and dilation 1; equal to `tf.conv2dBackpropFilter`. Apart from
 * unpadded 1x1 filters it runs on the wasm backend only (it builds its operands in the heap).
 *
 * The sum over batch and output positions is, for each filter tap, the product of the input
 * pixels that tap meets (`[inChannels, positions]`) with `dy` (`[positions, outChannels]`). A
 * 1x1 filter without top or left padding meets one pixel per output position, so there it is
 * one `[inChannels, positions] x [positions, outChannels]` product of the subsampled input.
 *
 * Consumes nothing.
 *
 * @example
 * ```ts
 * import { tf, useBackend } from "@byol/tfjs";
 * import { conv2dFilterGrad } from "./conv2d_filter_grad.ts";
 *
 * await useBackend("wasm"); // the products are formed in the wasm heap
 * const x = tf.ones([1, 8, 8, 16]) as tf.Tensor4D;
 * const dy = tf.ones([1, 4, 4, 32]) as tf.Tensor4D;
 * const dw = conv2dFilterGrad(x, dy, { filterShape: [3, 3, 16, 32], strides: 2, pad: "same" });
 * tf.dispose([x, dy, dw]);
 * ```
 */
export function conv2dFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  options: Conv2dFilterGradOptions,
): tf.Tensor4D {
  const g = convGeometry("conv2dFilterGrad", x.shape, options.filterShape, dy.shape, options);
  const pointwise = g.filterHeight === 1 && g.filterWidth === 1 && g.padTop === 0 &&
    g.padLeft === 0;
  if (pointwise) return pointwiseFilterGrad(x, dy, g);
  const backend = asWasmHeapBackend(tf.backend());
  if (backend === null) {
    throw new Error(
      `conv2dFilterGrad: a ${g.filterHeight}x${g.filterWidth} filter needs the wasm backend ` +
        `(its products are built in the wasm heap), but the active backend is ${tf.getBackend()}`,
    );
  }
  return filterGradByTaps(backend, x, dy, g);
}

/**
 * The filter gradient of a 1x1 convolution without top or left padding, where each output
 * position reads exactly one input pixel: those pixels (`[inChannels, positions]`) times `dy`,
 * written as a 1x1 convolution (at batch 256 faster than `filterGradByTaps`: 2.5-6.6 ms against
 * 5.5-14.4 ms).
 */
function pointwiseFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const picked = subsample(x, {
      start: [0, 0],
      count: [g.outHeight, g.outWidth],
      stride: [g.strideHeight, g.strideWidth],
    });
    const positions = g.batch * g.outHeight * g.outWidth;
    const pixelsT = tf.transpose(tf.reshape(picked, [positions, g.inChannels]));
    const product = tf.conv2d(
      tf.reshape(pixelsT, [1, 1, g.inChannels, positions]) as tf.Tensor4D,
      tf.reshape(dy, [1, 1, positions, g.outChannels]) as tf.Tensor4D,
      1,
      "valid",
    );
    return tf.reshape(product, [1, 1, g.inChannels, g.outChannels]) as tf.Tensor4D;
  });
}

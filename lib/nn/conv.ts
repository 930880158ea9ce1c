/**
 * The 2-D convolution layer (NHWC), with optional bias and an activation fused into the same
 * kernel.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { checkChoice, checkInput, checkPositiveInteger, weightAndBias } from "./helpers.ts";
import { heNormal, type Initializer, zeros } from "./initializers.ts";
import type { Layer } from "./layer.ts";
import { FUSED_ACTIVATIONS, type FusedActivation } from "./linear.ts";
import { checkPadding, type Padding, type Size2d, toPair, windowOutput } from "./spatial.ts";

/** Parameters of {@link conv2d}: kernel `[kh, kw, in, filters]`, and bias unless `bias: false`. */
export type Conv2dParams<Bias extends boolean = true> = Bias extends false
  ? { readonly w: tf.Tensor4D }
  : { readonly w: tf.Tensor4D; readonly b: tf.Tensor1D };

/** Options for {@link conv2d}. */
export interface Conv2dOptions<Bias extends boolean = true> {
  /** Number of output channels. */
  readonly filters: number;
  /** Kernel size: one number for square kernels, or `[height, width]`. */
  readonly kernel: Size2d;
  /** Stride (default 1). */
  readonly stride?: Size2d;
  /** `same` (default) or `valid`. */
  readonly padding?: Padding;
  /** Whether to add a bias (default `true`; `false` before batch norm). */
  readonly bias?: Bias;
  /** Activation fused after the bias (default `linear`, none). */
  readonly activation?: FusedActivation;
  /** Kernel initialiser (default {@link heNormal}, fan-in `kh * kw * in`). */
  readonly init?: Initializer;
  /** Bias initialiser, given the kernel's fans (default {@link zeros}). */
  readonly biasInit?: Initializer;
}

/**
 * A 2-D convolution on NHWC inputs `[batch, h, w, in]`, giving `[batch, h', w', filters]`.
 * Runs as one `tf.fused.conv2d` (convolution, bias and activation), or `tf.conv2d` when there is
 * neither bias nor activation. `apply` consumes nothing.
 *
 * @example
 * ```ts
 * import { nn, random, tf, tree } from "@byol/tfjs";
 *
 * const conv = nn.conv2d({ filters: 16, kernel: 3, stride: 2, bias: false });
 * const { params, outputShape } = conv.init(random.key(0), [28, 28, 1]); // [14, 14, 16]
 * const images = tf.zeros([2, 28, 28, 1]);
 * const { y } = conv.apply(params, null, images); // [2, 14, 14, 16]
 * tree.dispose(params, images, y);
 * ```
 */
export function conv2d<Bias extends boolean = true>(
  options: Conv2dOptions<Bias>,
): Layer<Conv2dParams<Bias>, null> {
  const {
    filters,
    bias = true,
    padding = "same",
    activation = "linear",
    init = heNormal,
    biasInit = zeros,
  } = options;
  const layer = "conv2d";
  checkPositiveInteger(layer, "filters", filters);
  const kernel = toPair(layer, "kernel", options.kernel);
  const stride = toPair(layer, "stride", options.stride ?? 1);
  checkPadding(layer, padding);
  checkChoice(layer, "activation", activation, FUSED_ACTIVATIONS);
  return {
    init(key, inputShape, { path } = {}) {
      const [h, w] = windowOutput({ layer, path, inputShape, window: kernel, stride, padding });
      const shape = [kernel[0], kernel[1], inputShape[2], filters];
      const params = weightAndBias({ layer, path, key, shape, bias, init, biasInit });
      return { params: params as Conv2dParams<Bias>, state: null, outputShape: [h, w, filters] };
    },
    apply(params, _state, x, { path } = {}) {
      const { w, b } = params as { w: tf.Tensor4D; b?: tf.Tensor1D };
      checkInput(layer, path, x, [null, null, null, w.shape[2]]);
      // tfjs's fused op computes every input's gradient (customGrad), so a first layer would
      // also pay for the gradient of the images; the plain op computes only what is asked.
      const y = b === undefined && activation === "linear"
        ? tf.conv2d(x as tf.Tensor4D, w, stride, padding)
        : tf.fused.conv2d({
          x: x as tf.Tensor4D,
          filter: w,
          strides: stride,
          pad: padding,
          bias: b,
          activation,
        });
      return { y, state: null };
    },
  };
}

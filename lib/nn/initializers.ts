/**
 * Parameter initialisers: functions `(key, shape, fans?) -> tensor`, as `jax.nn.initializers`.
 * Weight shapes follow tfjs: `[in, out]` for dense layers and `[kh, kw, in, out]` for
 * convolutions, so fan-in is the product of all but the last dimension.
 *
 * @module
 */
import { tf } from "../tf.ts";
import * as random from "../random.ts";
import type { Key } from "../random.ts";

/** The fan-in and fan-out of a weight, which scale-aware initialisers use. */
export interface Fans {
  /** Inputs feeding each output unit: `kh * kw * in` for a conv kernel `[kh, kw, in, out]`. */
  readonly fanIn: number;
  /** Outputs each input unit feeds: `kh * kw * out` for a conv kernel. */
  readonly fanOut: number;
}

/**
 * Creates a parameter tensor of the given shape from a key. `fans` describes the weight the
 * parameter belongs to: layers pass the weight's fans when initialising its bias, so that
 * fan-based bias initialisers (as {@link torchUniform}) can scale like PyTorch's. When omitted,
 * the fans are those of `shape` itself ({@link fansOf}).
 *
 * @example
 * ```ts
 * import { type Initializer, random, tf } from "@byol/tfjs";
 *
 * // N(0, 0.01^2), whatever the fans (as the original ResNet's final layer).
 * const small: Initializer = (key, shape) => random.normal(key, shape, { stddev: 0.01 });
 * const w = small(random.key(0), [512, 10]);
 * tf.dispose(w);
 * ```
 */
export type Initializer = (key: Key, shape: readonly number[], fans?: Fans) => tf.Tensor;

/**
 * The fans of a weight shape: `[in, out]` gives `in`/`out`; `[kh, kw, in, out]` gives
 * `kh*kw*in`/`kh*kw*out`; a vector `[n]` gives `n`/`n`.
 *
 * @example
 * ```ts
 * import { nn } from "@byol/tfjs";
 *
 * nn.initializers.fansOf([3, 3, 16, 32]); // { fanIn: 144, fanOut: 288 }
 * ```
 */
export function fansOf(shape: readonly number[]): Fans {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return {
    fanIn: receptive * shape[shape.length - 2],
    fanOut: receptive * shape[shape.length - 1],
  };
}

/**
 * All zeros (the default for biases and batch-norm offsets). Consumes nothing.
 *
 * @example
 * ```ts
 * import { nn, random, tf } from "@byol/tfjs";
 *
 * const b = nn.initializers.zeros(random.key(0), [10]);
 * tf.dispose(b);
 * ```
 */
export const zeros: Initializer = (_key, shape): tf.Tensor => tf.zeros([...shape]);

/**
 * All ones (the default for batch-norm and layer-norm scales). Consumes nothing.
 *
 * @example
 * ```ts
 * import { nn, random, tf } from "@byol/tfjs";
 *
 * const scale = nn.initializers.ones(random.key(0), [64]);
 * tf.dispose(scale);
 * ```
 */
export const ones: Initializer = (_key, shape): tf.Tensor => tf.ones([...shape]);

/**
 * He/Kaiming normal with fan-in: `N(0, 2 / fanIn)`, for weights followed by ReLU (He et al.
 * 2015; PyTorch's `kaiming_normal_(mode="fan_in")`). The default for `linear` and `conv2d`
 * weights. Consumes nothing.
 *
 * @example
 * ```ts
 * import { nn, random, tf } from "@byol/tfjs";
 *
 * const w = nn.initializers.heNormal(random.key(0), [3, 3, 16, 32]); // stddev sqrt(2 / 144)
 * tf.dispose(w);
 * ```
 */
export const heNormal: Initializer = (key, shape, fans = fansOf(shape)): tf.Tensor =>
  random.normal(key, shape, { stddev: Math.sqrt(2 / fans.fanIn) });

/**
 * Glorot/Xavier uniform: `U(-a, a)` with `a = sqrt(6 / (fanIn + fanOut))` (Glorot & Bengio
 * 2010; Keras's default). Consumes nothing.
 *
 * @example
 * ```ts
 * import { nn, random, tf } from "@byol/tfjs";
 *
 * const fc = nn.linear({ units: 10, init: nn.initializers.glorotUniform });
 * const w = nn.initializers.glorotUniform(random.key(0), [784, 10]);
 * tf.dispose(w);
 * ```
 */
export const glorotUniform: Initializer = (key, shape, fans = fansOf(shape)): tf.Tensor => {
  const limit = Math.sqrt(6 / (fans.fanIn + fans.fanOut));
  return random.uniform(key, shape, { minval: -limit, maxval: limit });
};

/**
 * PyTorch's default for `nn.Linear` and `nn.Conv2d`, weights and biases alike: `U(-a, a)` with
 * `a = 1 / sqrt(fanIn)` of the weight (what `kaiming_uniform_(a=sqrt(5))` reduces to).
 * Consumes nothing.
 *
 * @example
 * ```ts
 * import { nn, random, tf } from "@byol/tfjs";
 *
 * // A bias drawn with the fans of its weight [784, 10], as PyTorch does.
 * const b = nn.initializers.torchUniform(random.key(0), [10], { fanIn: 784, fanOut: 10 });
 * tf.dispose(b);
 * ```
 */
export const torchUniform: Initializer = (key, shape, fans = fansOf(shape)): tf.Tensor => {
  const limit = 1 / Math.sqrt(fans.fanIn);
  return random.uniform(key, shape, { minval: -limit, maxval: limit });
};

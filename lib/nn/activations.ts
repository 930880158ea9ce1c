/**
 * Parameter-free elementwise layers. They are layer values, used as they are:
 * `sequential({ fc: linear({ units: 5 }), act: relu })`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { StatelessLayer } from "./layer.ts";

/** A stateless, shape-preserving layer from an elementwise function that returns a new tensor. */
function elementwise(fn: (x: tf.Tensor) => tf.Tensor): StatelessLayer {
  return {
    init: (_key, inputShape) => ({ params: null, state: null, outputShape: inputShape }),
    apply: (_params, _state, x) => ({ y: tf.tidy(() => fn(x)), state: null }),
  };
}

/**
 * The rectifier `max(x, 0)`, with gradient 0 at 0. A layer value; `apply` consumes nothing.
 *
 * @example
 * ```ts
 * const block = sequential({ fc: linear({ units: 64 }), act: relu });
 * ```
 */
export const relu: StatelessLayer = elementwise((x) => tf.relu(x));

/**
 * The exact Gaussian error linear unit `x * Φ(x) = 0.5 x (1 + erf(x / √2))` (Hendrycks & Gimpel
 * 2016; PyTorch's default, not the tanh approximation). A layer value; `apply` consumes nothing.
 *
 * @example
 * ```ts
 * const mlpBlock = sequential({ fc: linear({ units: 256 }), act: gelu });
 * ```
 */
export const gelu: StatelessLayer = elementwise((x) =>
  tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1))
);

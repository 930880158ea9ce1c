/**
 * Parameter-free elementwise layers. They are layer values, used as they are:
 * `sequential({ fc: linear({ units: 5 }), act: relu })`.
 *
 * @module
 */
import { tf } from "../tf.ts";
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
 * import { nn, tf } from "@byol/tfjs";
 *
 * const block = nn.sequential({ fc: nn.linear({ units: 64 }), act: nn.relu });
 * const { y } = nn.relu.apply(null, null, tf.tensor1d([-1, 0, 2])); // [0, 0, 2]
 * tf.dispose(y);
 * ```
 */
export const relu: StatelessLayer = elementwise((x) => tf.relu(x));

/**
 * The exact Gaussian error linear unit `x * Φ(x) = 0.5 x (1 + erf(x / √2))` (Hendrycks & Gimpel
 * 2016; PyTorch's default, not the tanh approximation). A layer value; `apply` consumes nothing.
 *
 * @example
 * ```ts
 * import { nn } from "@byol/tfjs";
 *
 * const mlpBlock = nn.sequential({ fc: nn.linear({ units: 256 }), act: nn.gelu });
 * ```
 */
export const gelu: StatelessLayer = elementwise((x) =>
  tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1))
);

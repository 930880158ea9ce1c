/**
 * Flattening each example to a vector.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { checkInitShape, formatShape, where } from "./helpers.ts";
import type { StatelessLayer } from "./layer.ts";

/**
 * Flattens each example: `[batch, d1, d2, ...]` to `[batch, d1 * d2 * ...]`. A layer value;
 * `apply` consumes nothing.
 *
 * @example
 * ```ts
 * import { nn, random, tree } from "@byol/tfjs";
 *
 * const classifier = nn.sequential({ flat: nn.flatten, fc: nn.linear({ units: 10 }) });
 * const { params } = classifier.init(random.key(0), [28, 28, 1]); // fc.w: [784, 10]
 * tree.dispose(params);
 * ```
 */
export const flatten: StatelessLayer = {
  init(_key, inputShape, { path } = {}) {
    checkInitShape({ layer: "flatten", path, inputShape, expected: "[d1, d2, ...]" });
    return { params: null, state: null, outputShape: [inputShape.reduce((a, b) => a * b, 1)] };
  },
  apply(_params, _state, x, { path } = {}) {
    if (x.rank < 2) {
      const got = formatShape(x.shape);
      throw new Error(
        `${where("flatten", path)}: expected input of shape [batch, ...], got ${got}`,
      );
    }
    return { y: tf.reshape(x, [x.shape[0], -1]), state: null };
  },
};

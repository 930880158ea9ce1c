/**
 * Inverted dropout (Srivastava et al. 2014), driven by an explicit random key.
 *
 * @module
 */
import { tf } from "../tf.ts";
import * as random from "../random.ts";
import { where } from "./helpers.ts";
import type { StatelessLayer } from "./layer.ts";

/** Options for {@link dropout}. */
export interface DropoutOptions {
  /** Probability of zeroing each value, in [0, 1). */
  readonly rate: number;
}

/**
 * Inverted dropout: in training, zeroes each value with probability `rate` and scales the rest
 * by `1 / (1 - rate)`, so evaluation is the identity. The mask comes from the `key` apply
 * option (required in training when `rate > 0`); the same key gives the same mask. `apply`
 * consumes nothing.
 *
 * @example
 * ```ts
 * import { nn, random, tf } from "@byol/tfjs";
 *
 * const drop = nn.dropout({ rate: 0.1 });
 * const x = tf.ones([2, 8]);
 * const { y } = drop.apply(null, null, x, { training: true, key: random.key(7) });
 * tf.dispose([x, y]);
 * ```
 */
export function dropout({ rate }: DropoutOptions): StatelessLayer {
  if (!(rate >= 0 && rate < 1)) {
    throw new RangeError(`dropout: rate must be in [0, 1), got ${rate}`);
  }
  return {
    init: (_key, inputShape) => ({ params: null, state: null, outputShape: inputShape }),
    apply(_params, _state, x, { training = false, key, path } = {}) {
      if (!training || rate === 0) return { y: tf.clone(x), state: null };
      if (!key) {
        throw new Error(
          `${where("dropout", path)}: training with rate ${rate} needs a random key: pass ` +
            `{ training: true, key } to apply`,
        );
      }
      const y = tf.tidy(() => {
        const keep = random.bernoulli(key, 1 - rate, x.shape);
        return tf.where(keep, tf.div(x, 1 - rate), tf.zerosLike(x));
      });
      return { y, state: null };
    },
  };
}

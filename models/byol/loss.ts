/**
 * BYOL's regression loss and its collapse signal.
 *
 * @module
 */
import { tf } from "../../mod.ts";

function l2Normalize(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 2, -1, true), 1e-12)));
}

/**
 * The normalised mean squared error `2 - 2 cos(p, z)` of BYOL (Grill et al. 2020, eq. 2), averaged
 * over the batch. `p` and `z` are `[batch, dim]`; the caller stops gradients into `z` where it
 * should get none. Consumes nothing.
 *
 * @example
 * ```ts
 * import { random, tf } from "@byol/tfjs";
 * import { regressionLoss } from "@byol/tfjs/byol";
 *
 * const [p1, p2, z1, z2] = [0, 1, 2, 3].map((i) => random.normal(random.key(i), [8, 16]));
 * // symmetrised, as in BYOL
 * const loss = tf.tidy(() => tf.add(regressionLoss(p1, z2), regressionLoss(p2, z1)));
 * console.log(await loss.data()); // about 4: unrelated vectors are nearly orthogonal
 * tf.dispose([p1, p2, z1, z2, loss]);
 * ```
 */
export function regressionLoss(p: tf.Tensor, z: tf.Tensor): tf.Scalar {
  if (p.rank !== 2 || !tf.util.arraysEqual(p.shape, z.shape)) {
    throw new Error(
      `regressionLoss: expected two [batch, dim] tensors of one shape, got [${p.shape}] and [${z.shape}]`,
    );
  }
  return tf.tidy(() => {
    const cos = tf.sum(tf.mul(l2Normalize(p), l2Normalize(z)), -1);
    return tf.mean(tf.sub(2, tf.mul(2, cos))) as tf.Scalar;
  });
}

/**
 * A collapse signal: the standard deviation over the batch of the L2-normalised projections,
 * averaged over dimensions. It is about `1/sqrt(dim)` for well-spread outputs and falls to 0
 * when every input maps to the same point (as in SimSiam's analysis). Consumes nothing.
 *
 * @example
 * ```ts
 * import { random, tf } from "@byol/tfjs";
 * import { collapseSignal } from "@byol/tfjs/byol";
 *
 * const spread = random.normal(random.key(0), [256, 64]);
 * const collapsed = tf.ones([256, 64]);
 * const [s, c] = [collapseSignal(spread), collapseSignal(collapsed)];
 * console.log(await s.data(), await c.data()); // about 1/sqrt(64) = 0.125, and 0
 * tf.dispose([spread, collapsed, s, c]);
 * ```
 */
export function collapseSignal(z: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const { variance } = tf.moments(l2Normalize(z), 0);
    return tf.mean(tf.sqrt(variance)) as tf.Scalar;
  });
}

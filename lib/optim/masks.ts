/**
 * Ready-made masks for weight decay and trust ratios.
 *
 * @module
 */
import type { tf } from "../tf.ts";

/** Last path segments that name biases and normalisation scales/offsets. */
const BIAS_AND_NORM_NAMES: ReadonlySet<string> = new Set([
  "b",
  "bias",
  "scale",
  "offset",
  "gamma",
  "beta",
]);

/**
 * A mask that selects every parameter except biases and batch-/layer-norm scales and offsets, as
 * the BYOL and SimCLR recipes exclude from weight decay and LARS's trust ratio. A parameter is
 * excluded when it has rank 0 or 1 (biases and norm parameters are vectors), or when its name
 * (the last path segment) is `b`, `bias`, `scale`, `offset`, `gamma` or `beta`.
 *
 * @example
 * ```ts
 * import { optim, tf } from "@byol/tfjs";
 *
 * const [w, scale] = [tf.zeros([3, 3, 1, 8]), tf.zeros([8])];
 * optim.excludeBiasAndNorm("encoder/conv/w", w); // true
 * optim.excludeBiasAndNorm("encoder/bn/scale", scale); // false
 * const opt = optim.lars({ learningRate: 0.2, weightDecay: 1.5e-6, mask: optim.excludeBiasAndNorm });
 * tf.dispose([w, scale]);
 * ```
 */
export function excludeBiasAndNorm(path: string, param: tf.Tensor): boolean {
  const name = path.slice(path.lastIndexOf("/") + 1);
  return param.rank > 1 && !BIAS_AND_NORM_NAMES.has(name);
}

/**
 * Transformations driven by norms: LARS's layer-wise trust ratio and clipping by the global norm
 * (Optax's `scale_by_trust_ratio` and `clip_by_global_norm`).
 *
 * @module
 */
import { tf } from "../tf.ts";
import * as tree from "../tree.ts";
import { NON_NEGATIVE, requireRange } from "./check.ts";
import { masked } from "./combinators.ts";
import type { GradientTransformation, Mask, Updates } from "./types.ts";

/** Options of {@link scaleByTrustRatio}. */
export interface TrustRatioOptions {
  /** The trust coefficient η multiplying the ratio (Optax's `trust_coefficient`); default 1. */
  readonly eta?: number;
  /** Added to the update's norm in the ratio's denominator; default 0. */
  readonly eps?: number;
  /** The parameters to rescale; default all. See {@link Mask}. */
  readonly mask?: Mask;
}

/**
 * Scales each parameter's update by its trust ratio `eta * ||param|| / (||update|| + eps)`, or by
 * 1 when either norm is 0 (as Optax), only where `mask` selects. Norms are per leaf (per layer
 * tensor). Needs `params` in `update`. Consumes nothing.
 *
 * @example
 * ```ts
 * import { optim } from "@byol/tfjs";
 *
 * const ratio = optim.scaleByTrustRatio({ eta: 1e-3, mask: optim.excludeBiasAndNorm });
 * ```
 */
export function scaleByTrustRatio(
  { eta = 1, eps = 0, mask }: TrustRatioOptions = {},
): GradientTransformation<null> {
  requireRange("scaleByTrustRatio", "eta", eta, NON_NEGATIVE);
  requireRange("scaleByTrustRatio", "eps", eps, NON_NEGATIVE);
  const rescale: GradientTransformation<null> = {
    init: () => null,
    update: (updates, _, params) => {
      if (params === undefined) {
        throw new Error("scaleByTrustRatio: update needs the current params, got none");
      }
      const out = tree.mapPrefix(
        ([u, p]) =>
          tf.tidy(() => {
            const paramNorm = tf.norm(p);
            const updateNorm = tf.norm(u);
            const ratio = tf.div(tf.mul(paramNorm, eta), tf.add(updateNorm, eps));
            const eitherZero = tf.logicalOr(tf.equal(paramNorm, 0), tf.equal(updateNorm, 0));
            return tf.mul(u, tf.where(eitherZero, tf.onesLike(ratio), ratio));
          }),
        [updates, params],
        { op: "scaleByTrustRatio", names: ["updates", "params"] },
      );
      return { updates: out, state: null };
    },
  };
  return mask === undefined ? rescale : masked(rescale, mask);
}

/**
 * The L2 norm of all tensors of a tree together, as a scalar (0 for a tree without tensors), as
 * Optax's `global_norm`. Consumes nothing.
 *
 * @example
 * ```ts
 * import { optim, tf, tree } from "@byol/tfjs";
 *
 * const grads = { a: tf.tensor([3, 0]), b: [tf.tensor([4])], frozen: null };
 * const norm = optim.globalNorm(grads); // 5
 * tree.dispose(grads, norm);
 * ```
 */
export function globalNorm(updates: Updates): tf.Scalar {
  const leaves = tree.leaves(updates, { op: "globalNorm", names: ["updates"] });
  if (leaves.length === 0) return tf.scalar(0);
  return tf.tidy(() => tf.sqrt(tf.addN(leaves.map((x) => tf.sum(tf.square(x))))) as tf.Scalar);
}

/**
 * Rescales all updates together so that their global norm (over every tensor) is at most
 * `maxNorm`; updates already within it are unchanged. Consumes nothing.
 *
 * @example
 * ```ts
 * import { optim } from "@byol/tfjs";
 *
 * const opt = optim.chain(optim.clipByGlobalNorm(1), optim.sgd({ learningRate: 0.1 }));
 * ```
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<null> {
  if (!(typeof maxNorm === "number" && maxNorm > 0 && Number.isFinite(maxNorm))) {
    throw new RangeError(`clipByGlobalNorm: maxNorm must be a finite number > 0, got ${maxNorm}`);
  }
  return {
    init: () => null,
    update: (updates) => {
      if (tree.leaves(updates).length === 0) return { updates: tree.clone(updates), state: null };
      const factor = tf.tidy(() => tf.div(maxNorm, tf.maximum(globalNorm(updates), maxNorm)));
      const out = tree.mapPrefix(([u]) => tf.mul(u, factor), [updates], {
        op: "clipByGlobalNorm",
        names: ["updates"],
      });
      factor.dispose();
      return { updates: out, state: null };
    },
  };
}

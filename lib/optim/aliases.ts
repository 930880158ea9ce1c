/**
 * Ready-made optimizers, each a {@link chain} of the transformations it is made of (as Optax's
 * `sgd`, `adam`, `adamw` and `lars`).
 *
 * @module
 */
import { requireRange } from "./check.ts";
import { chain } from "./combinators.ts";
import { scaleByTrustRatio } from "./norms.ts";
import { addDecayedWeights, scaleByAdam, scaleByLearningRate, trace } from "./transforms.ts";
import type { AdamOptions, AdamState, CountState, TraceState } from "./transforms.ts";
import type { GradientTransformation, LearningRate, Mask } from "./types.ts";

/** The state of {@link sgd}: the learning rate's step count. */
export type SgdState = [CountState];
/** The state of {@link momentum}: the momentum buffer and the learning rate's step count. */
export type MomentumState = [TraceState, CountState];
/** The state of {@link adam}: Adam's moments and the learning rate's step count. */
export type AdamOptimizerState = [AdamState, CountState];
/** The state of {@link adamw}: Adam's moments, no state for weight decay, the step count. */
export type AdamwState = [AdamState, null, CountState];
/** The state of {@link lars}: none for weight decay and trust ratio, the step count, momentum. */
export type LarsState = [null, null, CountState, TraceState];

/** Options of {@link sgd}. */
export interface SgdOptions {
  /** A constant or a schedule of the step count. */
  readonly learningRate: LearningRate;
}

/**
 * Plain stochastic gradient descent: `update = -learningRate * grad`.
 *
 * @example
 * ```ts
 * import { optim, tf, tree } from "@byol/tfjs";
 *
 * const params = { w: tf.ones([2]) };
 * const grads = { w: tf.fill([2], 0.5) };
 * const opt = optim.sgd({ learningRate: 0.1 });
 * const state = opt.init(params);
 * const { updates, state: next } = opt.update(grads, state, params);
 * const stepped = optim.applyUpdates(params, updates); // w = 1 - 0.1 * 0.5
 * tree.dispose(params, grads, updates, state, next, stepped);
 * ```
 */
export function sgd({ learningRate }: SgdOptions): GradientTransformation<SgdState> {
  return chain(scaleByLearningRate(learningRate));
}

/** Options of {@link momentum}. */
export interface MomentumOptions {
  /** A constant or a schedule of the step count. */
  readonly learningRate: LearningRate;
  /** Decay of the momentum buffer, in [0, 1); default 0.9. */
  readonly momentum?: number;
  /** Nesterov momentum; default false. */
  readonly nesterov?: boolean;
}

/**
 * SGD with (heavy-ball or Nesterov) momentum: `trace = grad + momentum * trace`, then
 * `update = -learningRate * trace`.
 *
 * @example
 * ```ts
 * import { optim, tf, tree } from "@byol/tfjs";
 *
 * const opt = optim.momentum({ learningRate: 0.1, momentum: 0.9, nesterov: true });
 * const params = { w: tf.zeros([3]) };
 * const state = opt.init(params); // a zero momentum buffer per parameter
 * tree.dispose(params, state);
 * ```
 */
export function momentum(
  { learningRate, momentum = 0.9, nesterov = false }: MomentumOptions,
): GradientTransformation<MomentumState> {
  requireRange("momentum", "momentum", momentum, [0, 1, "open"]);
  return chain(trace({ decay: momentum, nesterov }), scaleByLearningRate(learningRate));
}

/** Options of {@link adam}. */
export interface AdamOptimizerOptions extends Omit<AdamOptions, "epsRoot"> {
  /** A constant or a schedule of the step count. */
  readonly learningRate: LearningRate;
}

/**
 * Adam (Kingma & Ba 2014): {@link scaleByAdam}, then the learning rate.
 *
 * @example
 * ```ts
 * import { optim, tf, tree } from "@byol/tfjs";
 *
 * const opt = optim.adam({ learningRate: 1e-3 });
 * const params = { w: tf.zeros([3]) };
 * const [adamState, { count }] = opt.init(params); // moments mu and nu, count 0
 * tree.dispose(params, adamState);
 * ```
 */
export function adam(
  { learningRate, b1, b2, eps }: AdamOptimizerOptions,
): GradientTransformation<AdamOptimizerState> {
  return chain(scaleByAdam({ b1, b2, eps }), scaleByLearningRate(learningRate));
}

/** Options of {@link adamw}. */
export interface AdamwOptions extends AdamOptimizerOptions {
  /** Decoupled weight decay coefficient (>= 0); default 1e-4, as Optax. */
  readonly weightDecay?: number;
  /** The parameters to decay; default all. See {@link Mask}. */
  readonly mask?: Mask;
}

/**
 * AdamW (Loshchilov & Hutter 2019): {@link scaleByAdam}, plus `weightDecay * params` where `mask`
 * selects, then the learning rate.
 *
 * @example
 * ```ts
 * import { optim } from "@byol/tfjs";
 *
 * const opt = optim.adamw({ learningRate: 1e-3, weightDecay: 0.05, mask: optim.excludeBiasAndNorm });
 * ```
 */
export function adamw(
  { learningRate, b1, b2, eps, weightDecay = 1e-4, mask }: AdamwOptions,
): GradientTransformation<AdamwState> {
  return chain(
    scaleByAdam({ b1, b2, eps }),
    addDecayedWeights({ weightDecay, mask }),
    scaleByLearningRate(learningRate),
  );
}

/** Options of {@link lars}. */
export interface LarsOptions {
  /** A constant or a schedule of the step count. */
  readonly learningRate: LearningRate;
  /** Decay of the momentum buffer, in [0, 1); default 0.9. */
  readonly momentum?: number;
  /** Nesterov momentum; default false. */
  readonly nesterov?: boolean;
  /** Weight decay coefficient (>= 0); default 0. */
  readonly weightDecay?: number;
  /** Trust coefficient η of the layer-wise trust ratio; default 1e-3. */
  readonly eta?: number;
  /** Added to the update's norm in the trust ratio; default 0. */
  readonly eps?: number;
  /**
   * The parameters that get weight decay and the trust ratio; default all. The BYOL recipe passes
   * {@link excludeBiasAndNorm}. Unselected parameters still get the learning rate and momentum.
   */
  readonly mask?: Mask;
}

/**
 * LARS (You et al. 2017), as Optax's `lars`: weight decay and the trust ratio where `mask`
 * selects, then the learning rate, then the momentum trace.
 *
 * @example
 * ```ts
 * import { optim } from "@byol/tfjs";
 *
 * const opt = optim.lars({
 *   learningRate: 0.2,
 *   weightDecay: 1.5e-6,
 *   eta: 1e-3,
 *   mask: optim.excludeBiasAndNorm,
 * });
 * ```
 */
export function lars(
  { learningRate, momentum = 0.9, nesterov = false, weightDecay = 0, eta = 1e-3, eps = 0, mask }:
    LarsOptions,
): GradientTransformation<LarsState> {
  requireRange("lars", "momentum", momentum, [0, 1, "open"]);
  return chain(
    addDecayedWeights({ weightDecay, mask }),
    scaleByTrustRatio({ eta, eps, mask }),
    scaleByLearningRate(learningRate),
    trace({ decay: momentum, nesterov }),
  );
}

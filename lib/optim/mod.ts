/**
 * Optax-style optimizers: composable, pure gradient transformations (`{ init, update }` over
 * parameter trees), the usual optimizers built from them, masks and `applyUpdates`.
 *
 * A training step, with every tensor freed exactly once:
 *
 * ```ts
 * const opt = adam({ learningRate: 1e-3 });
 * let state = opt.init(params);
 * // each step:
 * const { updates, state: nextState } = opt.update(grads, state, params);
 * const nextParams = applyUpdates(params, updates);
 * tree.dispose(params, grads, updates, state);
 * params = nextParams;
 * state = nextState;
 * ```
 *
 * @module
 */
export type {
  GradientTransformation,
  LearningRate,
  Mask,
  StateOf,
  UpdateResult,
  Updates,
} from "./types.ts";
export { chain, masked } from "./combinators.ts";
export type { AnyTransformation, ChainState } from "./combinators.ts";
export { addDecayedWeights, scale, scaleByAdam, scaleByLearningRate, trace } from "./transforms.ts";
export type {
  AdamOptions,
  AdamState,
  CountState,
  DecayedWeightsOptions,
  TraceOptions,
  TraceState,
} from "./transforms.ts";
export { clipByGlobalNorm, globalNorm, scaleByTrustRatio } from "./norms.ts";
export type { TrustRatioOptions } from "./norms.ts";
export { adam, adamw, lars, momentum, sgd } from "./aliases.ts";
export type {
  AdamOptimizerOptions,
  AdamOptimizerState,
  AdamwOptions,
  AdamwState,
  LarsOptions,
  LarsState,
  MomentumOptions,
  MomentumState,
  SgdOptions,
  SgdState,
} from "./aliases.ts";
export { applyUpdates } from "./apply.ts";
export { excludeBiasAndNorm } from "./masks.ts";

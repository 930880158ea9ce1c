/**
 * Optax-style optimizers: composable, pure gradient transformations (`{ init, update }` over
 * parameter trees), the usual optimizers built from them, masks and `applyUpdates`.
 *
 * A training step, with every tensor freed exactly once:
 *
 * ```ts
 * import { optim, tf, tree, valueAndGrad } from "@byol/tfjs";
 *
 * const loss = (p: { w: tf.Tensor }) => tf.sum(tf.square(tf.sub(p.w, 3)));
 * const opt = optim.adam({ learningRate: 0.1 });
 * let params = { w: tf.zeros([2]) };
 * let state = opt.init(params);
 * for (let step = 0; step < 100; step++) {
 *   const { value, grads } = valueAndGrad(loss)(params);
 *   const { updates, state: nextState } = opt.update(grads, state, params);
 *   const nextParams = optim.applyUpdates(params, updates);
 *   tree.dispose(params, value, grads, updates, state);
 *   params = nextParams;
 *   state = nextState;
 * }
 * tree.dispose(params, state);
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

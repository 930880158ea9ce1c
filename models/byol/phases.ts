/**
 * The phases of a BYOL training step as pure functions; `byol().step` is exactly their
 * composition, in this order:
 *
 * 1. {@link drawViews}: the batch's two augmented views.
 * 2. {@link targetProjections}: the target network on both views, outside the gradient.
 * 3. {@link lossAndGrads}: the loss ({@link byolLoss}) and its gradient over the online network
 *    and predictor, with their new batch-norm state and the collapse signal.
 * 4. {@link applyOptimizer}: the gradient's norm and the optimizer's update, applied.
 * 5. {@link updateTarget}: the target's exponential moving average of the online network.
 *
 * Every phase consumes nothing: its results are new tensors that the caller disposes.
 *
 * @module
 */
import {
  cosineTau,
  ema,
  type GradientTransformation,
  type Grads,
  type Key,
  type Layer,
  type Leaf,
  optim,
  random,
  stopGradient,
  tf,
  type Tree,
  tree,
  valueAndGrad,
} from "../../mod.ts";
import type { MlpParams, MlpState } from "../mlp.ts";
import { collapseSignal, regressionLoss } from "./loss.ts";

/** Draws BYOL's two augmented views of a batch: `(key, images) -> [view1, view2]`. Consumes nothing. */
export type ViewsFn = (key: Key, images: tf.Tensor) => readonly [tf.Tensor, tf.Tensor];

/** Two tensors, one per view. */
export type PerView = readonly [tf.Tensor, tf.Tensor];

/** Parameters of the online (or target) network: the encoder's `P` and the projector's. */
export type OnlineParams<P extends Tree = Tree> = {
  readonly encoder: P;
  readonly projector: MlpParams;
};

/** Batch-norm state of the online (or target) network: the encoder's `S` and the projector's. */
export type OnlineState<S extends Tree = Tree> = {
  readonly encoder: S;
  readonly projector: MlpState;
};

/** What the gradient is taken over: the online network and the predictor. */
export type Trainable<P extends Tree = Tree> = {
  readonly online: OnlineParams<P>;
  readonly predictor: MlpParams;
};

/** Batch-norm state of the trainable networks. */
export type TrainableState<S extends Tree = Tree> = {
  readonly online: OnlineState<S>;
  readonly predictor: MlpState;
};

/** BYOL's networks: the online network (encoder + projector, also the target's) and predictor. */
export interface ByolNetworks<P extends Tree = Tree, S extends Tree = Tree> {
  /** Encoder + projector (`{ encoder, projector }`), shared by the online and target networks. */
  readonly online: Layer<OnlineParams<P>, OnlineState<S>>;
  /** The predictor on top of the online network's projections. */
  readonly predictor: Layer<MlpParams, MlpState>;
}

/** What {@link targetProjections} returns. */
export type TargetProjections<S extends Tree = Tree> = {
  /** The target network's projections of view 1 and view 2. */
  readonly projections: PerView;
  /** The target's batch-norm state after both views. */
  readonly state: OnlineState<S>;
};

/** The auxiliary output of {@link byolLoss}. */
export type LossAux<S extends Tree = Tree> = {
  /** The trainable networks' batch-norm state after both views. */
  readonly state: TrainableState<S>;
  /** {@link collapseSignal} of the online projections of view 1. */
  readonly collapse: tf.Scalar;
};

/**
 * Phase 1: the two views of step `step`, drawn with `foldIn(key, step)`, so a run's views are
 * fixed by its key and step number. Consumes nothing.
 *
 * @example
 * ```ts
 * import { random, tree } from "@byol/tfjs";
 * import { byol, drawViews, fashionMnist, fromPreset } from "@byol/tfjs/byol";
 *
 * const options = fromPreset(fashionMnist, { stepsPerEpoch: 10 });
 * const model = byol(options);
 * const state = model.init(random.key(0), fashionMnist.inputShape);
 * const images = random.uniform(random.key(1), [8, 28, 28, 1]);
 * const views = drawViews(options.views, random.key(2), state.step, images);
 * tree.dispose(views, state, images);
 * ```
 */
export function drawViews(views: ViewsFn, key: Key, step: number, images: tf.Tensor): PerView {
  return views(random.foldIn(key, step), images);
}

/**
 * Phase 2: the target network (in training mode, path `target`) on view 1, then view 2, its
 * batch-norm state threaded through, as the online network sees the views; `null` without a
 * target (SimSiam). Run outside the gradient: the target's parameters are not differentiated.
 * Consumes nothing; the projections and the final state are new.
 *
 * @example
 * ```ts
 * import { random, tree } from "@byol/tfjs";
 * import { byol, drawViews, fashionMnist, fromPreset, targetProjections } from "@byol/tfjs/byol";
 *
 * const options = fromPreset(fashionMnist, { stepsPerEpoch: 10 });
 * const model = byol(options);
 * const state = model.init(random.key(0), fashionMnist.inputShape);
 * const images = random.uniform(random.key(1), [8, 28, 28, 1]);
 * const views = drawViews(options.views, random.key(2), state.step, images);
 * const targets = targetProjections(model, state.target, state.bnState.target, views);
 * console.log(targets?.projections[0].shape); // [8, 128]
 * tree.dispose(targets, views, state, images);
 * ```
 */
export function targetProjections<P extends Tree, S extends Tree>(
  { online }: ByolNetworks<P, S>,
  target: OnlineParams<P> | null,
  state: OnlineState<S> | null,
  [v1, v2]: PerView,
): TargetProjections<S> | null {
  if (target === null || state === null) return null;
  const train = { training: true, path: "target" };
  const t1 = online.apply(target, state, v1, train);
  const t2 = online.apply(target, t1.state, v2, train);
  tree.dispose(t1.state);
  return { projections: [t1.y, t2.y], state: t2.state };
}

/**
 * BYOL's loss (Grill et al. 2020, eq. 2, symmetrised): the online network and predictor (in
 * training mode, paths `online` and `predictor`) on view 1 then view 2, batch-norm state
 * threaded through, and each view's prediction regressing the other view's target projection;
 * without targets (SimSiam), the other view's online projection with its gradient stopped.
 * Returns `{ value, aux }` for `valueAndGrad` with `hasAux`. Consumes nothing; frees its
 * intermediate tensors.
 *
 * @example
 * ```ts
 * import { random, tree, useBackend } from "@byol/tfjs";
 * import {
 *   byol,
 *   byolLoss,
 *   drawViews,
 *   fashionMnist,
 *   fromPreset,
 *   targetProjections,
 * } from "@byol/tfjs/byol";
 *
 * await useBackend("auto"); // wasm or WebGPU: gradients on tfjs's default cpu are slow
 * const options = fromPreset(fashionMnist, { stepsPerEpoch: 10 });
 * const model = byol(options);
 * const state = model.init(random.key(0), fashionMnist.inputShape);
 * const images = random.uniform(random.key(1), [8, 28, 28, 1]);
 * const views = drawViews(options.views, random.key(2), state.step, images);
 * const targets = targetProjections(model, state.target, state.bnState.target, views);
 * const trainable = { online: state.online, predictor: state.predictor };
 * const { value, aux } = byolLoss(model, trainable, views, state.bnState, targets);
 * console.log(await value.data(), await aux.collapse.data());
 * tree.dispose(value, aux, targets, views, state, images);
 * ```
 */
export function byolLoss<P extends Tree, S extends Tree>(
  { online, predictor }: ByolNetworks<P, S>,
  params: Trainable<P>,
  [v1, v2]: PerView,
  state: TrainableState<S>,
  targets: TargetProjections<S> | null,
): { value: tf.Scalar; aux: LossAux<S> } {
  let aux: LossAux<S> | undefined;
  const value = tf.tidy(() => {
    const train = { training: true };
    const o1 = online.apply(params.online, state.online, v1, { ...train, path: "online" });
    const o2 = online.apply(params.online, o1.state, v2, { ...train, path: "online" });
    const q1 = predictor.apply(params.predictor, state.predictor, o1.y, {
      ...train,
      path: "predictor",
    });
    const q2 = predictor.apply(params.predictor, q1.state, o2.y, { ...train, path: "predictor" });
    const [t1, t2] = targets ? targets.projections : [stopGradient(o1.y), stopGradient(o2.y)];
    const loss = tf.add(regressionLoss(q1.y, t2), regressionLoss(q2.y, t1)) as tf.Scalar;
    // Kept past this scope only once the loss has succeeded, so a failure leaves nothing behind.
    aux = { state: { online: o2.state, predictor: q2.state }, collapse: collapseSignal(o1.y) };
    for (const t of tree.leaves(aux)) if (t instanceof tf.Tensor) tf.keep(t);
    return loss;
  });
  return { value, aux: aux! };
}

/**
 * Phase 3: {@link byolLoss} and its gradient with respect to `params` (the online network and
 * predictor); every intermediate tensor is freed. Consumes nothing; `value`, `grads` and `aux`
 * are new.
 *
 * @example
 * ```ts
 * import { random, tree, useBackend } from "@byol/tfjs";
 * import {
 *   byol,
 *   drawViews,
 *   fashionMnist,
 *   fromPreset,
 *   lossAndGrads,
 *   targetProjections,
 * } from "@byol/tfjs/byol";
 *
 * await useBackend("auto"); // wasm or WebGPU: gradients on tfjs's default cpu are slow
 * const options = fromPreset(fashionMnist, { stepsPerEpoch: 10 });
 * const model = byol(options);
 * const state = model.init(random.key(0), fashionMnist.inputShape);
 * const images = random.uniform(random.key(1), [8, 28, 28, 1]);
 * const views = drawViews(options.views, random.key(2), state.step, images);
 * const targets = targetProjections(model, state.target, state.bnState.target, views);
 * const trainable = { online: state.online, predictor: state.predictor };
 * const { value, grads, aux } = lossAndGrads(model, trainable, views, state.bnState, targets);
 * console.log(grads.predictor.out.w?.shape);
 * tree.dispose(value, grads, aux, targets, views, state, images);
 * ```
 */
export function lossAndGrads<P extends Tree, S extends Tree>(
  networks: ByolNetworks<P, S>,
  params: Trainable<P>,
  views: PerView,
  state: TrainableState<S>,
  targets: TargetProjections<S> | null,
): { value: tf.Scalar; grads: Grads<Trainable<P>>; aux: LossAux<S> } {
  const loss = (p: Trainable<P>) => byolLoss(networks, p, views, state, targets);
  return valueAndGrad(loss, { hasAux: true })(params);
}

/** What {@link applyOptimizer} returns. */
export type OptimizerResult<P extends Tree = Tree> = {
  /** The updated online network and predictor. */
  readonly params: Trainable<P>;
  /** The optimizer's next state. */
  readonly optState: Tree<Leaf>;
  /** The global L2 norm of the gradient (before the optimizer). */
  readonly gradNorm: tf.Scalar;
};

/**
 * Phase 4: the gradient's global norm, then the optimizer's update of `params`, applied.
 * Consumes nothing; the parameters, state and norm are new.
 *
 * @example
 * ```ts
 * import { random, tree, useBackend } from "@byol/tfjs";
 * import {
 *   applyOptimizer,
 *   byol,
 *   drawViews,
 *   fashionMnist,
 *   fromPreset,
 *   lossAndGrads,
 * } from "@byol/tfjs/byol";
 *
 * await useBackend("auto"); // wasm or WebGPU: gradients on tfjs's default cpu are slow
 * const options = fromPreset(fashionMnist, { stepsPerEpoch: 10 });
 * const model = byol(options);
 * const state = model.init(random.key(0), fashionMnist.inputShape);
 * const images = random.uniform(random.key(1), [8, 28, 28, 1]);
 * const views = drawViews(options.views, random.key(2), state.step, images);
 * const trainable = { online: state.online, predictor: state.predictor };
 * const { value, grads, aux } = lossAndGrads(model, trainable, views, state.bnState, null);
 * const { params, optState, gradNorm } = applyOptimizer(
 *   model.optimizer,
 *   trainable,
 *   grads,
 *   state.optState,
 * );
 * console.log(await gradNorm.data());
 * tree.dispose(params, optState, gradNorm, value, grads, aux, views, state, images);
 * ```
 */
export function applyOptimizer<P extends Tree>(
  optimizer: GradientTransformation<Tree<Leaf>>,
  params: Trainable<P>,
  grads: Grads<Trainable<P>>,
  optState: Tree<Leaf>,
): OptimizerResult<P> {
  const gradNorm = optim.globalNorm(grads);
  const { updates, state } = optimizer.update(grads, optState, params);
  const next = optim.applyUpdates(params, updates);
  tree.dispose(updates);
  return { params: next, optState: state, gradNorm };
}

/** How the target's decay rate tau rises: from `tauBase` at step 0 to 1 at `totalSteps`. */
export interface TargetDecay {
  /** tau at step 0 (paper: 0.996). */
  readonly tauBase: number;
  /** The step at which tau reaches 1. */
  readonly totalSteps: number;
}

/**
 * Phase 5: the target's moving average `tau * target + (1 - tau) * online` with tau at `step` of
 * the cosine schedule (held at 1 past `totalSteps`); `{ target: null, tau: 0 }` without a target
 * (SimSiam). Consumes nothing; the new target is new.
 *
 * @example
 * ```ts
 * import { random, tree } from "@byol/tfjs";
 * import { byol, fashionMnist, fromPreset, updateTarget } from "@byol/tfjs/byol";
 *
 * const model = byol(fromPreset(fashionMnist, { stepsPerEpoch: 10 }));
 * const state = model.init(random.key(0), fashionMnist.inputShape);
 * const decay = { tauBase: 0.996, totalSteps: 1000 };
 * const { target, tau } = updateTarget(state.target, state.online, state.step, decay);
 * console.log(tau); // 0.996
 * tree.dispose(target, state);
 * ```
 */
export function updateTarget<P extends Tree>(
  target: OnlineParams<P> | null,
  online: OnlineParams<P>,
  step: number,
  { tauBase, totalSteps }: TargetDecay,
): { target: OnlineParams<P> | null; tau: number } {
  if (target === null) return { target: null, tau: 0 };
  const tau = cosineTau(tauBase, Math.min(step, totalSteps), totalSteps);
  return { target: ema(target, online, tau), tau };
}

/**
 * BYOL (Grill et al. 2020) as pure functions: networks, state, and one training step.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  cosineTau,
  ema,
  type GradientTransformation,
  type Key,
  type Layer,
  type Leaf,
  type LearningRate,
  nn,
  optim,
  random,
  type Schedule,
  type Shape,
  stopGradient,
  type Tree,
  tree,
  valueAndGrad,
} from "../../mod.ts";
import { mlp } from "../mlp.ts";
import { collapseSignal, regressionLoss } from "./loss.ts";

/** Draws BYOL's two augmented views of a batch: `(key, images) -> [view1, view2]`. Consumes nothing. */
export type ViewsFn = (key: Key, images: tf.Tensor) => readonly [tf.Tensor, tf.Tensor];

/** Sizes of a projector or predictor MLP `Linear -> BatchNorm -> ReLU -> Linear`. */
export interface HeadOptions {
  readonly hidden: number;
  readonly out: number;
}

/** Options of {@link byol}. */
export interface ByolOptions {
  /** The encoder: any layer giving `[batch, features]`, e.g. `resnet18({ stem: "small" })`. */
  readonly encoder: Layer;
  /** The projector's sizes (paper: 4096 hidden, 256 out). */
  readonly projector: HeadOptions;
  /** The predictor's sizes; its output must equal the projector's (paper: 4096, 256). */
  readonly predictor: HeadOptions;
  /** Builds the optimizer of the online network and predictor from the learning rate. */
  readonly optimizer: (learningRate: Schedule) => GradientTransformation<Tree<Leaf>>;
  /** The learning rate, a number or a schedule of the step; also reported in the metrics. */
  readonly learningRate: LearningRate;
  /** Number of training steps, for the cosine schedule of the target's decay rate. */
  readonly totalSteps: number;
  /** The target's base decay rate tau (paper: 0.996), raised to 1 by a cosine schedule. */
  readonly tauBase?: number;
  /** `true` (BYOL, default): a momentum target network. `false`: SimSiam, no target network. */
  readonly momentum?: boolean;
  /** The target's initial parameters: a copy of the online ones (default) or an independent draw. */
  readonly targetInit?: "copy" | "independent";
  /** The augmentation that draws the two views. */
  readonly views: ViewsFn;
}

/** Batch-norm running statistics of the three networks. */
export type ByolBnState = {
  readonly online: Tree;
  readonly predictor: Tree;
  readonly target: Tree;
};

/** The whole training state, one tree. `target` is `null` in SimSiam mode. */
export type ByolState = {
  /** Encoder + projector parameters: `{ encoder, projector }`. */
  readonly online: Tree;
  readonly predictor: Tree;
  readonly target: Tree;
  readonly bnState: ByolBnState;
  readonly optState: Tree<Leaf>;
  /** Steps taken so far. */
  readonly step: number;
};

/** What one step reports. Tensors are scalars owned by the caller (read them when logging). */
export interface ByolMetrics {
  readonly loss: tf.Scalar;
  readonly gradNorm: tf.Scalar;
  /** Mean over dimensions of the std of the normalised online projections (0 = collapsed). */
  readonly collapse: tf.Scalar;
  readonly tau: number;
  readonly learningRate: number;
}

/** A BYOL model: its networks and pure functions over {@link ByolState}. */
export interface Byol {
  /** Encoder + projector (`{ encoder, projector }`), shared by the online and target networks. */
  readonly online: Layer;
  readonly predictor: Layer;
  /** A fresh training state. Consumes nothing. */
  init(key: Key, inputShape: Shape): ByolState;
  /**
   * One training step on a batch of images (float32 NHWC in [0, 1]): two views, loss and
   * gradients, the optimizer on online + predictor, then the target's EMA. Consumes nothing;
   * the returned state may share tensors with `state`, so free the old one with `advance`.
   */
  step(state: ByolState, images: tf.Tensor, key: Key): { state: ByolState; metrics: ByolMetrics };
  /** The online encoder's features of `images` in evaluation mode. Consumes nothing. */
  encode(state: ByolState, images: tf.Tensor): tf.Tensor;
}

function head({ hidden, out }: HeadOptions): Layer {
  return mlp({ hidden: [hidden], out, batchNorm: true });
}

function validate(o: ByolOptions): void {
  const errors: string[] = [];
  const positiveInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) errors.push(`${name} must be a positive integer, got ${v}`);
  };
  positiveInt("projector.hidden", o.projector.hidden);
  positiveInt("projector.out", o.projector.out);
  positiveInt("predictor.hidden", o.predictor.hidden);
  positiveInt("predictor.out", o.predictor.out);
  positiveInt("totalSteps", o.totalSteps);
  if (o.predictor.out !== o.projector.out) {
    errors.push(`predictor.out (${o.predictor.out}) must equal projector.out (${o.projector.out})`);
  }
  const tau = o.tauBase ?? 0.996;
  if (!(tau >= 0 && tau <= 1)) errors.push(`tauBase must be in [0, 1], got ${tau}`);
  if (errors.length > 0) throw new Error(`byol: invalid options:\n  ${errors.join("\n  ")}`);
}

function copy<T extends Tree>(t: T): T {
  const wide: Tree = t;
  return tree.map((x) => tf.clone(x), wide) as T;
}

/**
 * Builds BYOL: online network (encoder + projector) with a predictor on top, and a target network
 * of the same architecture updated as an exponential moving average of the online one. With
 * `momentum: false` it is SimSiam (Chen & He 2021): the online projection of the other view,
 * with its gradient stopped, is the regression target.
 *
 * @example
 * ```ts
 * const model = byol({
 *   encoder: resnet18({ stem: "small", width: 0.25 }),
 *   projector: { hidden: 512, out: 128 },
 *   predictor: { hidden: 512, out: 128 },
 *   optimizer: (lr) => optim.adam({ learningRate: lr }),
 *   learningRate: 2e-3,
 *   totalSteps: 1000,
 *   views: (key, images) => byolViews(key, images, smallImageViews),
 * });
 * let state = model.init(random.key(0), [28, 28, 1]);
 * const { state: next, metrics } = model.step(state, images, random.key(1));
 * state = advance(state, next);
 * ```
 */
export function byol(options: ByolOptions): Byol {
  validate(options);
  const { encoder, totalSteps, views, momentum = true, targetInit = "copy" } = options;
  const tauBase = options.tauBase ?? 0.996;
  const online: Layer = nn.sequential({ encoder, projector: head(options.projector) });
  const predictor = head(options.predictor);
  const learningRate: Schedule = typeof options.learningRate === "number"
    ? () => options.learningRate as number
    : options.learningRate;
  const optimizer = options.optimizer(learningRate);

  type Trainable = { online: Tree; predictor: Tree };
  interface Targets {
    z1: tf.Tensor;
    z2: tf.Tensor;
  }

  const loss = (
    p: Trainable,
    v1: tf.Tensor,
    v2: tf.Tensor,
    bn: ByolBnState,
    targets: Targets | null,
  ) => {
    const train = { training: true };
    const o1 = online.apply(p.online, bn.online, v1, { ...train, path: "online" });
    const o2 = online.apply(p.online, o1.state, v2, { ...train, path: "online" });
    const q1 = predictor.apply(p.predictor, bn.predictor, o1.y, { ...train, path: "predictor" });
    const q2 = predictor.apply(p.predictor, q1.state, o2.y, { ...train, path: "predictor" });
    // Each view's prediction regresses the other view's target projection.
    const [t1, t2] = targets ? [targets.z1, targets.z2] : [stopGradient(o1.y), stopGradient(o2.y)];
    const value = tf.add(regressionLoss(q1.y, t2), regressionLoss(q2.y, t1));
    return {
      value,
      aux: { online: o2.state, predictor: q2.state, collapse: collapseSignal(o1.y) },
    };
  };
  const lossAndGrads = valueAndGrad(loss, { hasAux: true });

  return {
    online,
    predictor,

    init(key, inputShape) {
      const [kOnline, kPredictor, kTarget] = random.split(key, 3);
      const o = online.init(kOnline, inputShape, { path: "online" });
      const q = predictor.init(kPredictor, o.outputShape, { path: "predictor" });
      let target: Tree = null;
      let targetBn: Tree = null;
      if (momentum && targetInit === "copy") {
        target = copy(o.params);
        targetBn = copy(o.state);
      } else if (momentum) {
        const t = online.init(kTarget, inputShape, { path: "target" });
        target = t.params;
        targetBn = t.state;
      }
      const optState = optimizer.init({ online: o.params, predictor: q.params });
      return {
        online: o.params,
        predictor: q.params,
        target,
        bnState: { online: o.state, predictor: q.state, target: targetBn },
        optState,
        step: 0,
      };
    },

    step(state, images, key) {
      const k = state.step;
      const [v1, v2] = views(random.foldIn(key, k), images);
      const train = { training: true, path: "target" };
      // The target runs outside the gradient: its parameters are not differentiated, so tfjs's
      // tape prunes it, and batch norm sees each view's own batch as in the online network.
      let targets: Targets | null = null;
      let targetBn: Tree = null;
      if (momentum) {
        const t1 = online.apply(state.target, state.bnState.target, v1, train);
        const t2 = online.apply(state.target, t1.state, v2, train);
        tree.dispose(t1.state);
        targets = { z1: t1.y, z2: t2.y };
        targetBn = t2.state;
      }
      const trainable = { online: state.online, predictor: state.predictor };
      const { value, grads, aux } = lossAndGrads(trainable, v1, v2, state.bnState, targets);
      const gradNorm = optim.globalNorm(grads);
      const { updates, state: optState } = optimizer.update(grads, state.optState, trainable);
      const next = optim.applyUpdates(trainable, updates) as Trainable;
      tree.dispose(grads, updates, v1, v2);
      if (targets) tf.dispose([targets.z1, targets.z2]);
      const tau = momentum ? cosineTau(tauBase, Math.min(k, totalSteps), totalSteps) : 0;
      const target = momentum ? ema(state.target, next.online, tau) : null;
      return {
        state: {
          online: next.online,
          predictor: next.predictor,
          target,
          bnState: { online: aux.online, predictor: aux.predictor, target: targetBn },
          optState,
          step: k + 1,
        },
        metrics: {
          loss: value,
          gradNorm,
          collapse: aux.collapse,
          tau,
          learningRate: learningRate(k),
        },
      };
    },

    encode(state, images) {
      const params = state.online as { encoder: Tree };
      const bn = state.bnState.online as { encoder: Tree };
      return encoder.apply(params.encoder, bn.encoder, images, { path: "online/encoder" }).y;
    },
  };
}

/**
 * BYOL (Grill et al. 2020) as pure functions: networks, typed state, and the training step that
 * composes the phases of `phases.ts`.
 *
 * @module
 */
import {
  type GradientTransformation,
  type Key,
  type Layer,
  type Leaf,
  type LearningRate,
  nn,
  random,
  type Schedule,
  type Shape,
  type tf,
  type Tree,
  tree,
} from "../../mod.ts";
import { mlp, type MlpParams, type MlpState } from "../mlp.ts";
import {
  applyOptimizer,
  type ByolNetworks,
  drawViews,
  lossAndGrads,
  type OnlineParams,
  type OnlineState,
  targetProjections,
  updateTarget,
  type ViewsFn,
} from "./phases.ts";

/** Sizes of a projector or predictor MLP `Linear -> BatchNorm -> ReLU -> Linear`. */
export interface HeadOptions {
  /** Width of the hidden layer. */
  readonly hidden: number;
  /** Width of the output. */
  readonly out: number;
}

/** Options of {@link byol}; `P` and `S` are the encoder's parameter and state trees. */
export interface ByolOptions<P extends Tree = Tree, S extends Tree = Tree> {
  /** The encoder: any layer giving `[batch, features]`, e.g. `resnet18({ stem: "small" })`. */
  readonly encoder: Layer<P, S>;
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

/** Batch-norm running statistics of the three networks; `S` is the encoder's state tree. */
export type ByolBnState<S extends Tree = Tree> = {
  readonly online: OnlineState<S>;
  readonly predictor: MlpState;
  /** `null` in SimSiam mode. */
  readonly target: OnlineState<S> | null;
};

/**
 * The whole training state, one tree; `P` and `S` are the encoder's parameter and state trees.
 * `target` is `null` in SimSiam mode.
 */
export type ByolState<P extends Tree = Tree, S extends Tree = Tree> = {
  /** Encoder + projector parameters: `{ encoder, projector }`. */
  readonly online: OnlineParams<P>;
  readonly predictor: MlpParams;
  /** The target network's parameters (the online network's architecture). */
  readonly target: OnlineParams<P> | null;
  readonly bnState: ByolBnState<S>;
  readonly optState: Tree<Leaf>;
  /** Steps taken so far. */
  readonly step: number;
};

/** What one step reports. Tensors are scalars owned by the caller (read them when logging). */
export type ByolMetrics = {
  readonly loss: tf.Scalar;
  readonly gradNorm: tf.Scalar;
  /** Mean over dimensions of the std of the normalised online projections (0 = collapsed). */
  readonly collapse: tf.Scalar;
  readonly tau: number;
  readonly learningRate: number;
};

/**
 * A BYOL model: its networks, optimizer and pure functions over {@link ByolState}; `P` and `S`
 * are the encoder's parameter and state trees.
 */
export interface Byol<P extends Tree = Tree, S extends Tree = Tree> extends ByolNetworks<P, S> {
  /** The optimizer of the online network and predictor, built from the learning rate. */
  readonly optimizer: GradientTransformation<Tree<Leaf>>;
  /** A fresh training state. Consumes nothing. */
  init(key: Key, inputShape: Shape): ByolState<P, S>;
  /**
   * One training step on a batch of images (float32 NHWC in [0, 1]): the composition of the
   * phases of `phases.ts` (two views, target projections, loss and gradients, the optimizer on
   * online + predictor, then the target's EMA). Consumes nothing; the returned state may share
   * tensors with `state`, so free the old one with `advance` (or let `runSteps` do it).
   */
  step(
    state: ByolState<P, S>,
    images: tf.Tensor,
    key: Key,
  ): { state: ByolState<P, S>; metrics: ByolMetrics };
  /** The online encoder's features of `images` in evaluation mode. Consumes nothing. */
  encode(state: ByolState<P, S>, images: tf.Tensor): tf.Tensor;
}

function head({ hidden, out }: HeadOptions): Layer<MlpParams, MlpState> {
  return mlp({ hidden: [hidden], out, batchNorm: true });
}

function validate<P extends Tree, S extends Tree>(o: ByolOptions<P, S>): void {
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

/**
 * Builds BYOL: online network (encoder + projector) with a predictor on top, and a target network
 * of the same architecture updated as an exponential moving average of the online one. With
 * `momentum: false` it is SimSiam (Chen & He 2021): the online projection of the other view,
 * with its gradient stopped, is the regression target. The state's types follow the encoder's.
 *
 * @example
 * ```ts
 * import { advance, data, optim, random, tf, tree, useBackend } from "@byol/tfjs";
 * import { byol } from "@byol/tfjs/byol";
 * import { resnet18 } from "@byol/tfjs/models";
 *
 * await useBackend("auto");
 * const model = byol({
 *   encoder: resnet18({ stem: "small", width: 0.25 }),
 *   projector: { hidden: 512, out: 128 },
 *   predictor: { hidden: 512, out: 128 },
 *   optimizer: (lr) => optim.adam({ learningRate: lr }),
 *   learningRate: 2e-3,
 *   totalSteps: 1000,
 *   views: (key, images) => data.byolViews(key, images as tf.Tensor4D, data.SMALL_IMAGE_VIEWS),
 * });
 * let state = model.init(random.key(0), [28, 28, 1]);
 * console.log(state.online.encoder.stem.conv.w.shape); // [3, 3, 1, 16]: typed by the encoder
 * const images = random.uniform(random.key(1), [8, 28, 28, 1]);
 * const { state: next, metrics } = model.step(state, images, random.key(2));
 * state = advance(state, next);
 * tree.dispose(state, metrics, images);
 * ```
 */
export function byol<P extends Tree = Tree, S extends Tree = Tree>(
  options: ByolOptions<P, S>,
): Byol<P, S> {
  validate(options);
  const { encoder, totalSteps, momentum = true, targetInit = "copy" } = options;
  const decay = { tauBase: options.tauBase ?? 0.996, totalSteps };
  const online: Layer<OnlineParams<P>, OnlineState<S>> = nn.sequential({
    encoder,
    projector: head(options.projector),
  });
  const predictor = head(options.predictor);
  const learningRate: Schedule = typeof options.learningRate === "number"
    ? () => options.learningRate as number
    : options.learningRate;
  const optimizer = options.optimizer(learningRate);
  const networks: ByolNetworks<P, S> = { online, predictor };

  return {
    online,
    predictor,
    optimizer,

    init(key, inputShape) {
      const [kOnline, kPredictor, kTarget] = random.split(key, 3);
      const o = online.init(kOnline, inputShape, { path: "online" });
      const q = predictor.init(kPredictor, o.outputShape, { path: "predictor" });
      let target: OnlineParams<P> | null = null;
      let targetBn: OnlineState<S> | null = null;
      if (momentum && targetInit === "copy") {
        target = tree.clone(o.params);
        targetBn = tree.clone(o.state);
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
      const trainable = { online: state.online, predictor: state.predictor };
      const bn = state.bnState;
      const views = drawViews(options.views, key, state.step, images);
      const targets = targetProjections(networks, state.target, bn.target, views);
      const { value, grads, aux } = lossAndGrads(networks, trainable, views, bn, targets);
      const { params, optState, gradNorm } = applyOptimizer(
        optimizer,
        trainable,
        grads,
        state.optState,
      );
      tree.dispose(grads, views, targets?.projections ?? null);
      const { target, tau } = updateTarget(state.target, params.online, state.step, decay);
      return {
        state: {
          online: params.online,
          predictor: params.predictor,
          target,
          bnState: { ...aux.state, target: targets?.state ?? null },
          optState,
          step: state.step + 1,
        },
        metrics: {
          loss: value,
          gradNorm,
          collapse: aux.collapse,
          tau,
          learningRate: learningRate(state.step),
        },
      };
    },

    encode(state, images) {
      const { encoder: params } = state.online;
      const { encoder: bn } = state.bnState.online;
      return encoder.apply(params, bn, images, { path: "online/encoder" }).y;
    },
  };
}

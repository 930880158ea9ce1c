/**
 * Batch normalisation (Ioffe & Szegedy 2015) over the channel (last) axis of 2-D `[batch, c]`
 * and 4-D NHWC inputs, with running statistics carried as state.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { relu as reluLayer } from "./activations.ts";
import { batchNormTraining } from "./batch_norm_train.ts";
import { checkInitShape, checkInput, initParam, where } from "./helpers.ts";
import { type Initializer, ones, zeros } from "./initializers.ts";
import type { Layer } from "./layer.ts";

/** Parameters of {@link batchNorm}: per-channel scale (gamma) and offset (beta). */
export type BatchNormParams = { readonly scale: tf.Tensor1D; readonly offset: tf.Tensor1D };

/** State of {@link batchNorm}: per-channel running mean and (biased) variance. */
export type BatchNormState = { readonly mean: tf.Tensor1D; readonly variance: tf.Tensor1D };

/** Options for {@link batchNorm}. */
export interface BatchNormOptions {
  /**
   * Weight of the old running statistics in each update, in [0, 1] (default 0.9):
   * `running = momentum * running + (1 - momentum) * batch`. This is the Keras/Flax/Haiku
   * convention; PyTorch's `momentum=0.1` is `momentum: 0.9` here.
   */
  readonly momentum?: number;
  /** Added to the variance before the square root (default 1e-5, as PyTorch). */
  readonly eps?: number;
  /** Scale initialiser (default {@link ones}). */
  readonly scaleInit?: Initializer;
  /** Offset initialiser (default {@link zeros}). */
  readonly offsetInit?: Initializer;
}

/**
 * Batch normalisation over the last axis, for `[batch, c]` and `[batch, h, w, c]` inputs.
 *
 * Training (`{ training: true }`) normalises with the batch's mean and biased variance (over
 * every axis but the last) and returns running statistics updated by the momentum rule
 * `running = momentum * running + (1 - momentum) * batch`, using the biased batch variance as
 * Flax and Haiku do (PyTorch uses the unbiased one for its running variance). Evaluation
 * normalises with the running statistics and returns the state as it is (the same tensors). Running
 * statistics start at mean 0, variance 1. `apply` consumes nothing.
 *
 * @example
 * ```ts
 * import { nn, random, tree } from "@byol/tfjs";
 *
 * const bn = nn.batchNorm({ momentum: 0.9 });
 * const { params, state } = bn.init(random.key(0), [8, 8, 16]);
 * const x = random.normal(random.key(1), [4, 8, 8, 16]);
 * const { y, state: next } = bn.apply(params, state, x, { training: true });
 * tree.dispose(params, state, x, y, next);
 * ```
 */
export function batchNorm(
  options: BatchNormOptions = {},
): Layer<BatchNormParams, BatchNormState> {
  return batchNormLayer(options, false);
}

/** {@link batchNorm}, followed by a ReLU when `relu` (fused in training). */
function batchNormLayer(
  { momentum = 0.9, eps = 1e-5, scaleInit = ones, offsetInit = zeros }: BatchNormOptions,
  relu: boolean,
): Layer<BatchNormParams, BatchNormState> {
  const layer = "batchNorm";
  if (!(momentum >= 0 && momentum <= 1)) {
    throw new RangeError(`${layer}: momentum must be in [0, 1], got ${momentum}`);
  }
  if (!(eps > 0)) throw new RangeError(`${layer}: eps must be positive, got ${eps}`);
  return {
    init(key, inputShape, { path } = {}) {
      checkInitShape({
        layer,
        path,
        inputShape,
        expected: "[channels] or [height, width, channels]",
        ranks: [1, 3],
      });
      const shape: [number] = [inputShape[inputShape.length - 1]];
      const param = (name: string, init: Initializer) =>
        initParam<tf.Tensor1D>({ layer, path, name, init, key, shape });
      return {
        params: { scale: param("scale", scaleInit), offset: param("offset", offsetInit) },
        state: { mean: tf.zeros(shape), variance: tf.ones(shape) },
        outputShape: inputShape,
      };
    },
    apply(params, state, x, { training = false, path } = {}) {
      const channels = params.scale.shape[0];
      checkInput(layer, path, x, x.rank === 2 ? [null, channels] : [null, null, null, channels]);
      if (!training) {
        const y = tf.tidy(() => {
          const y = tf.batchNorm(x, state.mean, state.variance, params.offset, params.scale, eps);
          return relu ? tf.relu(y) : y;
        });
        return { y, state };
      }
      if (x.shape[0] === 1 && x.rank === 2) {
        throw new Error(
          `${where(layer, path)}: training needs more than one value per channel, got a batch of ` +
            `one on a 2-D input`,
        );
      }
      const { y, mean, variance } = batchNormTraining(x, params.scale, params.offset, {
        eps,
        relu,
      });
      const update = (running: tf.Tensor1D, batch: tf.Tensor1D) =>
        tf.tidy(() =>
          tf.add(tf.mul(running, momentum), tf.mul(batch, 1 - momentum)) as tf.Tensor1D
        );
      const next = { mean: update(state.mean, mean), variance: update(state.variance, variance) };
      tf.dispose([mean, variance]);
      return { y, state: next };
    },
    fuseNext: (next) =>
      !relu && next === reluLayer
        ? batchNormLayer({ momentum, eps, scaleInit, offsetInit }, true)
        : undefined,
  };
}

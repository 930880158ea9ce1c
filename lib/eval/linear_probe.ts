/**
 * The linear evaluation protocol on frozen features: a softmax-regression classifier trained with
 * Adam and a cosine-decayed learning rate on standardised features, without augmentation.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { advance } from "../advance.ts";
import { valueAndGrad } from "../autodiff.ts";
import { checkPositiveInteger } from "../nn/helpers.ts";
import * as optim from "../optim/mod.ts";
import * as random from "../random.ts";
import type { Key } from "../random.ts";
import * as schedules from "../schedules.ts";
import * as tree from "../tree.ts";
import { checkFeaturePair, type FeatureSet } from "./features.ts";
import { accuracy } from "./knn.ts";
import { fitStandardizer, type Standardizer, standardizeRows } from "./standardize.ts";

/** Options of {@link linearProbe}. */
export interface LinearProbeOptions {
  /** Drives the shuffling: epoch `e` visits the examples in an order drawn from `foldIn(key, e)`. */
  readonly key: Key;
  /** Passes over the training set; default 30. */
  readonly epochs?: number;
  /** Examples per step (the last step of an epoch may have fewer); default 1024. */
  readonly batchSize?: number;
  /** Adam's learning rate at step 0, decayed to 0 along a cosine over all steps; default 1e-2. */
  readonly learningRate?: number;
  /**
   * L2 penalty on the weights (not the bias): `weightDecay / 2 * sum(w^2)` is added to the loss,
   * so its gradient adds `weightDecay * w`; default 0. `linearProtocol` chooses it on a held-out
   * slice of the training set.
   */
  readonly weightDecay?: number;
  /**
   * Stops the probe between epochs (it then throws the signal's reason); each epoch yields to
   * the event loop first, so that a signal can arrive.
   */
  readonly signal?: AbortSignal;
}

/** What {@link linearProbe} reports. */
export interface LinearProbeResult {
  /** Accuracy of the trained classifier on the training set. */
  readonly trainAccuracy: number;
  /** Accuracy of the trained classifier on the test set. */
  readonly testAccuracy: number;
  /** Mean cross-entropy over the steps of the last epoch. */
  readonly trainLoss: number;
}

type ProbeParams = { readonly w: tf.Tensor2D; readonly b: tf.Tensor1D };

const PREDICT_CHUNK = 8192;

function logits({ w, b }: ProbeParams, x: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.matMul(x, w), b);
}

/**
 * The mean softmax cross-entropy of `logits` (`[batch, classes]`) against one-hot float labels of
 * the same shape: `mean(logsumexp(z) - z[label])`. Consumes nothing.
 *
 * @example
 * ```ts
 * import { evaluation, tf } from "@byol/tfjs";
 *
 * const logits = tf.tensor2d([[2, 0], [0, 2]]);
 * const oneHot = tf.tensor2d([[1, 0], [0, 1]]);
 * const loss = evaluation.softmaxCrossEntropy(logits, oneHot); // log(1 + e^-2) ≈ 0.127
 * tf.dispose([logits, oneHot, loss]);
 * ```
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() =>
    tf.mean(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, oneHot), 1))) as tf.Scalar
  );
}

function crossEntropy(
  p: ProbeParams,
  x: tf.Tensor2D,
  oneHot: tf.Tensor2D,
  weightDecay: number,
): tf.Scalar {
  const loss = softmaxCrossEntropy(logits(p, x), oneHot);
  return weightDecay === 0 ? loss : tf.add(loss, tf.mul(weightDecay / 2, tf.sum(tf.square(p.w))));
}

/** The rows `indices` of `set`, standardised, and their one-hot labels, uploaded as one batch. */
function uploadBatch(
  set: FeatureSet,
  standardizer: Standardizer,
  indices: Int32Array,
  buffers: { x: Float32Array; y: Float32Array },
): [tf.Tensor2D, tf.Tensor2D] {
  const { dim, labels, numClasses } = set;
  const x = standardizeRows(set, standardizer, indices, buffers.x).subarray(
    0,
    indices.length * dim,
  );
  const y = buffers.y.subarray(0, indices.length * numClasses).fill(0);
  for (let i = 0; i < indices.length; i++) y[i * numClasses + labels[indices[i]]] = 1;
  return [
    tf.tensor2d(x, [indices.length, dim]),
    tf.tensor2d(y, [indices.length, numClasses]),
  ];
}

async function predict(
  params: ProbeParams,
  set: FeatureSet,
  standardizer: Standardizer,
): Promise<Int32Array> {
  const out = new Int32Array(set.count);
  const buffer = new Float32Array(Math.min(PREDICT_CHUNK, set.count) * set.dim);
  for (let start = 0; start < set.count; start += PREDICT_CHUNK) {
    const end = Math.min(start + PREDICT_CHUNK, set.count);
    const classes = tf.tidy(() => {
      const rows = Int32Array.from({ length: end - start }, (_, i) => start + i);
      const x = standardizeRows(set, standardizer, rows, buffer).subarray(0, rows.length * set.dim);
      return tf.argMax(logits(params, tf.tensor2d(x, [end - start, set.dim])), 1);
    });
    try {
      out.set(await classes.data() as Int32Array, start);
    } finally {
      classes.dispose();
    }
  }
  return out;
}

/**
 * Trains a linear classifier `softmax(x w + b)` on frozen `train` features and reports its train
 * and test accuracy. Both sets are first standardised with the training set's per-feature mean
 * and standard deviation ({@link fitStandardizer}): this puts every encoder's features on one
 * scale, which is what lets one fixed learning rate work across encoders (and raw pixels).
 *
 * `w` and `b` start at zero (the loss is convex, so no random init is needed); training runs
 * `epochs` shuffled passes of mean cross-entropy (plus `weightDecay / 2 * sum(w^2)`) minimised by `optim.adam` under
 * `schedules.cosineDecay` from `learningRate` to 0. Batches are gathered on the host and uploaded
 * per step. Every tensor is freed before it returns. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, evaluation, random } from "@byol/tfjs";
 *
 * const train = evaluation.pixelFeatures(data.shapes(random.key(0), { count: 500 }));
 * const test = evaluation.pixelFeatures(data.shapes(random.key(1), { count: 100 }));
 * const { testAccuracy } = await evaluation.linearProbe(train, test, { key: random.key(2) });
 * ```
 */
export async function linearProbe(
  train: FeatureSet,
  test: FeatureSet,
  { key, epochs = 30, batchSize = 1024, learningRate = 1e-2, weightDecay = 0, signal }:
    LinearProbeOptions,
): Promise<LinearProbeResult> {
  checkFeaturePair("linearProbe", train, test);
  checkPositiveInteger("linearProbe", "epochs", epochs);
  checkPositiveInteger("linearProbe", "batchSize", batchSize);
  if (!(Number.isFinite(learningRate) && learningRate > 0)) {
    throw new RangeError(
      `linearProbe: learningRate must be a finite number > 0, got ${learningRate}`,
    );
  }
  if (!(Number.isFinite(weightDecay) && weightDecay >= 0)) {
    throw new RangeError(
      `linearProbe: weightDecay must be a finite number >= 0, got ${weightDecay}`,
    );
  }
  const standardizer = fitStandardizer(train);
  const { count, dim, numClasses } = train;
  const stepsPerEpoch = Math.ceil(count / batchSize);
  const opt = optim.adam({
    learningRate: schedules.cosineDecay({ init: learningRate, steps: epochs * stepsPerEpoch }),
  });
  const lossAndGrad = valueAndGrad(crossEntropy);
  let params: ProbeParams = { w: tf.zeros([dim, numClasses]), b: tf.zeros([numClasses]) };
  let state = opt.init(params);
  const rowsPerBatch = Math.min(batchSize, count);
  const buffers = {
    x: new Float32Array(rowsPerBatch * dim),
    y: new Float32Array(rowsPerBatch * numClasses),
  };
  let lastEpochLoss: tf.Scalar = tf.scalar(0);
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      if (signal) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        signal.throwIfAborted();
      }
      const order = random.permutationArray(random.foldIn(key, epoch), count);
      for (let s = 0; s < stepsPerEpoch; s++) {
        const [x, oneHot] = uploadBatch(
          train,
          standardizer,
          order.subarray(s * batchSize, (s + 1) * batchSize),
          buffers,
        );
        const { value, grads } = lossAndGrad(params, x, oneHot, weightDecay);
        const { updates, state: nextState } = opt.update(grads, state, params);
        const nextParams = optim.applyUpdates(params, updates) as ProbeParams;
        tree.dispose(grads, updates);
        tf.dispose([x, oneHot]);
        params = advance(params, nextParams);
        state = advance(state, nextState);
        if (epoch === epochs - 1) {
          lastEpochLoss = advance(lastEpochLoss, tf.add(lastEpochLoss, value));
        }
        value.dispose();
      }
    }
    const [trainLossSum, trainPredictions, testPredictions] = await Promise.all([
      lastEpochLoss.data(),
      predict(params, train, standardizer),
      predict(params, test, standardizer),
    ]);
    return {
      trainAccuracy: accuracy(trainPredictions, train.labels),
      testAccuracy: accuracy(testPredictions, test.labels),
      trainLoss: trainLossSum[0] / stepsPerEpoch,
    };
  } finally {
    tree.dispose(params, state, lastEpochLoss);
  }
}

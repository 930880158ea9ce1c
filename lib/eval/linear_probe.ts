/**
 * The linear evaluation protocol on frozen features: a softmax-regression classifier trained with
 * Adam and a cosine-decayed learning rate on standardised features, without augmentation.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { advance } from "../advance.ts";
import { valueAndGrad } from "../autodiff.ts";
import * as optim from "../optim/mod.ts";
import * as random from "../random.ts";
import type { Key } from "../random.ts";
import * as schedules from "../schedules.ts";
import * as tree from "../tree.ts";
import { checkFeaturePair, type FeatureSet } from "./features.ts";
import { accuracy } from "./knn.ts";
import { fitStandardizer, standardize } from "./standardize.ts";

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

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`linearProbe: ${name} must be a positive integer, got ${value}`);
  }
}

function logits({ w, b }: ProbeParams, x: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.matMul(x, w), b);
}

function crossEntropy(p: ProbeParams, x: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar {
  const z = logits(p, x);
  return tf.mean(tf.sub(tf.logSumExp(z, 1), tf.sum(tf.mul(z, oneHot), 1)));
}

/** The rows `indices` of `set` and their one-hot labels, uploaded as one batch. */
function uploadBatch(set: FeatureSet, indices: Int32Array): [tf.Tensor2D, tf.Tensor2D] {
  const { values, dim, labels, numClasses } = set;
  const x = new Float32Array(indices.length * dim);
  const y = new Float32Array(indices.length * numClasses);
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i];
    x.set(values.subarray(row * dim, (row + 1) * dim), i * dim);
    y[i * numClasses + labels[row]] = 1;
  }
  return [
    tf.tensor2d(x, [indices.length, dim]),
    tf.tensor2d(y, [indices.length, numClasses]),
  ];
}

async function predict(params: ProbeParams, set: FeatureSet): Promise<Int32Array> {
  const out = new Int32Array(set.count);
  for (let start = 0; start < set.count; start += PREDICT_CHUNK) {
    const end = Math.min(start + PREDICT_CHUNK, set.count);
    const classes = tf.tidy(() => {
      const rows = set.values.subarray(start * set.dim, end * set.dim);
      return tf.argMax(logits(params, tf.tensor2d(rows, [end - start, set.dim])), 1);
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
 * `epochs` shuffled passes of mean cross-entropy minimised by `optim.adam` under
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
  { key, epochs = 30, batchSize = 1024, learningRate = 1e-2, signal }: LinearProbeOptions,
): Promise<LinearProbeResult> {
  checkFeaturePair("linearProbe", train, test);
  positiveInteger("epochs", epochs);
  positiveInteger("batchSize", batchSize);
  if (!(Number.isFinite(learningRate) && learningRate > 0)) {
    throw new RangeError(
      `linearProbe: learningRate must be a finite number > 0, got ${learningRate}`,
    );
  }
  const standardizer = fitStandardizer(train);
  const trainSet = standardize(train, standardizer);
  const testSet = standardize(test, standardizer);
  const { count, dim, numClasses } = trainSet;
  const stepsPerEpoch = Math.ceil(count / batchSize);
  const opt = optim.adam({
    learningRate: schedules.cosineDecay({ init: learningRate, steps: epochs * stepsPerEpoch }),
  });
  const lossAndGrad = valueAndGrad(crossEntropy);
  let params: ProbeParams = { w: tf.zeros([dim, numClasses]), b: tf.zeros([numClasses]) };
  let state = opt.init(params);
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
          trainSet,
          order.subarray(s * batchSize, (s + 1) * batchSize),
        );
        const { value, grads } = lossAndGrad(params, x, oneHot);
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
      predict(params, trainSet),
      predict(params, testSet),
    ]);
    return {
      trainAccuracy: accuracy(trainPredictions, trainSet.labels),
      testAccuracy: accuracy(testPredictions, testSet.labels),
      trainLoss: trainLossSum[0] / stepsPerEpoch,
    };
  } finally {
    tree.dispose(params, state, lastEpochLoss);
  }
}

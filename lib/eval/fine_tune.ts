/**
 * Fine-tuning for semi-supervised evaluation (Grill et al. 2020, section 4.1): an encoder and a
 * linear head trained together with cross-entropy on labelled images, the encoder in training
 * mode (batch norm on batch statistics) under a light augmentation, then scored on a test set.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { advance } from "../advance.ts";
import { valueAndGrad } from "../autodiff.ts";
import { randomResizedCrop, type ResizedCropOptions } from "../data/augment/crop.ts";
import { epochBatches } from "../data/batches.ts";
import { checkDataset, type ImageDataset } from "../data/dataset.ts";
import { checkPositiveInteger } from "../nn/helpers.ts";
import type { Layer } from "../nn/layer.ts";
import { linear, type LinearParams } from "../nn/linear.ts";
import * as optim from "../optim/mod.ts";
import * as random from "../random.ts";
import type { Key } from "../random.ts";
import * as schedules from "../schedules.ts";
import * as tree from "../tree.ts";
import type { Tree } from "../tree.ts";
import { extractFeatures } from "./features.ts";
import { accuracy } from "./knn.ts";
import { softmaxCrossEntropy } from "./linear_probe.ts";

/** A batch augmentation: float32 NHWC images in [0, 1] to images of the same shape. */
export type Augmentation = (key: Key, images: tf.Tensor4D) => tf.Tensor4D;

/**
 * The light augmentation of fine-tuning and of the linear protocol's training features: a random
 * resized crop of 60-100% of the image's area (aspect ratio 3/4 to 4/3) and a horizontal flip
 * with probability 1/2, without BYOL's colour changes, blur or solarisation.
 */
export const LIGHT_AUGMENTATION: Required<Pick<ResizedCropOptions, "scale" | "ratio">> & {
  readonly flipProbability: number;
} = { scale: [0.6, 1], ratio: [3 / 4, 4 / 3], flipProbability: 0.5 };

/**
 * {@link LIGHT_AUGMENTATION} applied to a batch, drawn per image from `key`. Consumes nothing.
 *
 * @example
 * ```ts
 * import { evaluation, random, tf } from "@byol/tfjs";
 *
 * const images = random.uniform(random.key(0), [4, 28, 28, 1]) as tf.Tensor4D;
 * const augmented = evaluation.lightAugmentation(random.key(1), images);
 * tf.dispose([images, augmented]);
 * ```
 */
export function lightAugmentation(key: Key, images: tf.Tensor4D): tf.Tensor4D {
  return randomResizedCrop(key, images, LIGHT_AUGMENTATION);
}

/** An encoder's parameters and state (batch-norm statistics). */
export interface EncoderWeights<P extends Tree = Tree, S extends Tree = Tree> {
  /** The trainable parameters. */
  readonly params: P;
  /** The state, e.g. batch-norm running statistics. */
  readonly state: S;
}

/** Options of {@link fineTune}. */
export interface FineTuneOptions {
  /** Drives the head's initialisation, the batch order, the augmentation and dropout, if any. */
  readonly key: Key;
  /** Optimizer steps; default 300. */
  readonly steps?: number;
  /** Images per step (at most the training set's size, which it then is); default 64. */
  readonly batchSize?: number;
  /** Adam's learning rate at step 0, decayed to 0 along a cosine over the steps; default 1e-3. */
  readonly learningRate?: number;
  /** The training images' augmentation, `null` for none; default {@link lightAugmentation}. */
  readonly augment?: Augmentation | null;
  /** Images per forward pass when scoring; default 256. */
  readonly evalBatchSize?: number;
  /** Stops the fine-tuning between steps or batches (it then throws the signal's reason). */
  readonly signal?: AbortSignal;
}

/** What {@link fineTune} reports. */
export interface FineTuneResult {
  /** Accuracy on the test set (the encoder in evaluation mode, images unaugmented). */
  readonly testAccuracy: number;
  /** Accuracy on the labelled training images (unaugmented), scored as the test set. */
  readonly trainAccuracy: number;
  /** The cross-entropy of each step's batch, in order. */
  readonly losses: Float32Array;
}

function checkPair(train: ImageDataset, test: ImageDataset): void {
  for (const [what, set] of [["train", train], ["test", test]] as const) {
    checkDataset(set, `fineTune: ${what} ${set.source}`);
    if (set.shape[0] === 0) throw new RangeError(`fineTune: ${what} ${set.source} has no images`);
  }
  const [, ...trainImage] = train.shape;
  const [, ...testImage] = test.shape;
  if (trainImage.join("x") !== testImage.join("x")) {
    throw new Error(
      `fineTune: train images are ${trainImage.join("x")} but test images are ` +
        `${testImage.join("x")}`,
    );
  }
  if (train.classNames.length !== test.classNames.length) {
    throw new Error(
      `fineTune: train has ${train.classNames.length} classes but test has ` +
        `${test.classNames.length}`,
    );
  }
}

type TunedParams<P> = { readonly encoder: P; readonly head: LinearParams };

/**
 * Fine-tunes `encoder` from `start` together with a linear head (`nn.linear`, initialised from
 * `key`) on the labelled `train` images, then reports the test accuracy. Each of `steps` steps
 * takes a batch of `batchSize` images (epochs of a key-drawn order, the last partial batch of
 * each dropped), augments it (`augment`), runs the encoder in training mode (batch norm on the
 * batch's statistics, its running statistics updated) and the head, and applies Adam to the
 * mean cross-entropy's gradient over both, with the learning rate decayed along a cosine to 0.
 * The encoder, with its updated statistics, is then scored in evaluation mode.
 *
 * For the paper's comparison, run it once from the pretrained weights and once from a fresh
 * `encoder.init`, with the same `key`: both see the same head init, batches and augmentations.
 * Every tensor it makes is freed before it returns. Consumes nothing (`start` stays the caller's).
 *
 * @example
 * ```ts
 * import { data, evaluation, nn, random, tree, useBackend } from "@byol/tfjs";
 *
 * await useBackend("auto"); // wasm or WebGPU: gradients on tfjs's default cpu are slow
 * const encoder = nn.sequential({
 *   conv: nn.conv2d({ filters: 8, kernel: 3, stride: 2 }),
 *   bn: nn.batchNorm(),
 *   act: nn.relu,
 *   pool: nn.globalAvgPool,
 * });
 * const start = encoder.init(random.key(0), [28, 28, 1]);
 * const train = data.shapes(random.key(1), { count: 128 });
 * const test = data.shapes(random.key(2), { count: 64 });
 * const { testAccuracy } = await evaluation.fineTune(encoder, start, train, test, {
 *   key: random.key(3),
 *   steps: 20,
 *   batchSize: 32,
 * });
 * tree.dispose(start.params, start.state);
 * ```
 */
export async function fineTune<P extends Tree, S extends Tree>(
  encoder: Layer<P, S>,
  start: EncoderWeights<P, S>,
  train: ImageDataset,
  test: ImageDataset,
  options: FineTuneOptions,
): Promise<FineTuneResult> {
  const {
    key,
    steps = 300,
    batchSize = 64,
    learningRate = 1e-3,
    augment = lightAugmentation,
    evalBatchSize = 256,
    signal,
  } = options;
  checkPair(train, test);
  checkPositiveInteger("fineTune", "steps", steps);
  checkPositiveInteger("fineTune", "batchSize", batchSize);
  checkPositiveInteger("fineTune", "evalBatchSize", evalBatchSize);
  if (!(Number.isFinite(learningRate) && learningRate > 0)) {
    throw new RangeError(`fineTune: learningRate must be a finite number > 0, got ${learningRate}`);
  }
  const numClasses = train.classNames.length;
  const batch = Math.min(batchSize, train.shape[0]);
  const [kHead, kOrder, kAugment, kLayers] = random.split(key, 4);
  const head = linear({ units: numClasses });
  const dim = tf.tidy(() => {
    const probe = tf.zeros([1, ...train.shape.slice(1)]);
    const { y } = encoder.apply(start.params, start.state, probe, { path: "encoder" });
    if (y.rank !== 2) {
      throw new Error(`fineTune: the encoder must give [batch, features], got [${y.shape}]`);
    }
    return y.shape[1] as number;
  });
  const headParams = head.init(kHead, [dim], { path: "head" }).params;
  let params: TunedParams<P> = { encoder: tree.clone(start.params), head: headParams };
  let bnState: S = tree.clone(start.state);
  const opt = optim.adam({ learningRate: schedules.cosineDecay({ init: learningRate, steps }) });
  let optState = opt.init(params);
  const lossAndGrad = valueAndGrad(
    (p: TunedParams<P>, images: tf.Tensor4D, oneHot: tf.Tensor2D, state: S, layerKey: Key) => {
      const train = { training: true, key: layerKey, path: "encoder" };
      const features = encoder.apply(p.encoder, state, images, train);
      const { y } = head.apply(p.head, null, features.y, { path: "head" });
      return { value: softmaxCrossEntropy(y as tf.Tensor2D, oneHot), aux: features.state };
    },
    { hasAux: true },
  );
  const losses = new Float32Array(steps);
  try {
    let step = 0;
    for (let epoch = 0; step < steps; epoch++) {
      const order = random.foldIn(kOrder, epoch);
      for await (
        const { images, labels } of epochBatches(order, train, {
          batchSize: batch,
          dropRemainder: true,
        })
      ) {
        let value: tf.Scalar;
        const inputs: tf.Tensor[] = [images, labels];
        try {
          signal?.throwIfAborted();
          const x = augment ? augment(random.foldIn(kAugment, step), images) : images;
          const oneHot = tf.tidy(() => tf.cast(tf.oneHot(labels, numClasses), "float32"));
          inputs.push(x, oneHot);
          const layerKey = random.foldIn(kLayers, step);
          const out = lossAndGrad(params, x, oneHot as tf.Tensor2D, bnState, layerKey);
          value = out.value;
          const { updates, state: nextOptState } = opt.update(out.grads, optState, params);
          const nextParams = optim.applyUpdates(params, updates) as TunedParams<P>;
          tree.dispose(out.grads, updates);
          params = advance(params, nextParams);
          optState = advance(optState, nextOptState);
          bnState = advance(bnState, out.aux as S);
        } finally {
          tf.dispose(inputs);
        }
        try {
          losses[step] = (await value.data())[0];
        } finally {
          value.dispose();
        }
        if (++step === steps) break;
      }
    }
    const classify = (images: tf.Tensor4D) => {
      const { y } = encoder.apply(params.encoder, bnState, images, { path: "encoder" });
      return head.apply(params.head, null, y, { path: "head" }).y;
    };
    const score = async (set: ImageDataset) => {
      const logits = await extractFeatures(classify, set, { batchSize: evalBatchSize, signal });
      const predictions = new Int32Array(logits.count);
      for (let i = 0; i < logits.count; i++) {
        const row = logits.values.subarray(i * numClasses, (i + 1) * numClasses);
        predictions[i] = row.indexOf(Math.max(...row));
      }
      return accuracy(predictions, set.labels);
    };
    return { testAccuracy: await score(test), trainAccuracy: await score(train), losses };
  } finally {
    tree.dispose(params, optState, bnState);
  }
}

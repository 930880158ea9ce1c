/**
 * Frozen features for evaluation: a labelled `[count, dim]` float32 matrix held on the host, from
 * a user's encoder run batch by batch over an image dataset, or from the raw pixels.
 *
 * The features live on the host rather than in one `[count, dim]` tensor: the kNN bank is uploaded
 * once already normalised and transposed, and probe batches are gathered on the host, so neither
 * needs a device-side gather (slow on wasm) and nothing here has to be disposed.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { epochBatches } from "../data/batches.ts";
import { checkDataset, type ImageDataset } from "../data/dataset.ts";
import * as random from "../random.ts";

/** Labelled features on the host: one float32 row per example. */
export interface FeatureSet {
  /** `count * dim` floats, row-major: example `i` is `values.subarray(i * dim, (i + 1) * dim)`. */
  readonly values: Float32Array;
  /** Number of examples (rows). */
  readonly count: number;
  /** Feature dimension (columns). */
  readonly dim: number;
  /** One class index per example, each in `[0, numClasses)`. */
  readonly labels: Int32Array;
  /** Number of classes. */
  readonly numClasses: number;
}

/**
 * A frozen encoder as evaluation sees it: `[batch, height, width, channels]` float32 pixels in
 * [0, 1] to `[batch, dim]` features. It must not dispose its input; its intermediates are freed.
 */
export type Encoder = (images: tf.Tensor4D) => tf.Tensor;

/** Options of {@link extractFeatures}. */
export interface ExtractOptions {
  /** Images per forward pass; default 256. */
  readonly batchSize?: number;
  /** Stops the extraction between batches (it then throws the signal's reason). */
  readonly signal?: AbortSignal;
}

/**
 * Checks that a feature set is non-empty and consistent (sizes, label count and range, finite
 * values) and returns it; `what` names it in the error. Consumes nothing.
 *
 * @example
 * ```ts
 * import { evaluation } from "@byol/tfjs";
 *
 * const values = Float32Array.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6);
 * const labels = Int32Array.of(0, 1, 1);
 * const train = evaluation.checkFeatures({ values, count: 3, dim: 2, labels, numClasses: 2 }, "train");
 * ```
 */
export function checkFeatures(set: FeatureSet, what: string): FeatureSet {
  const { values, count, dim, labels, numClasses } = set;
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`${what}: needs at least one example, got count ${count}`);
  }
  if (!Number.isInteger(dim) || dim < 1) {
    throw new RangeError(`${what}: feature dim must be a positive integer, got ${dim}`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`${what}: numClasses must be a positive integer, got ${numClasses}`);
  }
  if (values.length !== count * dim) {
    throw new Error(
      `${what}: ${values.length} feature values do not match [${count}, ${dim}] ` +
        `(expected ${count * dim})`,
    );
  }
  if (labels.length !== count) {
    throw new Error(`${what}: ${labels.length} labels for ${count} feature rows`);
  }
  for (let i = 0; i < count; i++) {
    if (!(labels[i] >= 0 && labels[i] < numClasses)) {
      throw new RangeError(
        `${what}: label ${labels[i]} of example ${i} is outside [0, ${numClasses})`,
      );
    }
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      const row = Math.floor(i / dim);
      throw new RangeError(
        `${what}: feature ${i % dim} of example ${row} is ${values[i]}; features must be finite`,
      );
    }
  }
  return set;
}

/**
 * Checks that a training (memory bank) and a test feature set can be compared: both valid, with
 * the same feature dim and number of classes. `fn` names the caller in errors. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, evaluation, random } from "@byol/tfjs";
 *
 * const train = evaluation.pixelFeatures(data.shapes(random.key(0), { count: 500 }));
 * const test = evaluation.pixelFeatures(data.shapes(random.key(1), { count: 100 }));
 * evaluation.checkFeaturePair("myClassifier", train, test);
 * ```
 */
export function checkFeaturePair(fn: string, train: FeatureSet, test: FeatureSet): void {
  checkFeatures(train, `${fn}: train features`);
  checkFeatures(test, `${fn}: test features`);
  if (train.dim !== test.dim) {
    throw new Error(
      `${fn}: train features have dim ${train.dim} but test features have dim ${test.dim}; ` +
        "both must come from the same encoder",
    );
  }
  if (train.numClasses !== test.numClasses) {
    throw new Error(
      `${fn}: train has ${train.numClasses} classes but test has ${test.numClasses}`,
    );
  }
}

function checkNonEmpty(fn: string, dataset: ImageDataset): ImageDataset {
  checkDataset(dataset, `${fn}: ${dataset.source}`);
  if (dataset.shape[0] === 0) throw new RangeError(`${fn}: ${dataset.source} has no images`);
  return dataset;
}

/**
 * Runs a frozen `encode` over every image of `dataset` in order, `batchSize` images at a time
 * (pixels scaled to [0, 1]), and returns the features with the dataset's labels. No gradient is
 * taken; each batch's tensors are freed before the next. The last batch may be smaller. Throws
 * when `encode` returns anything but a float `[batch, dim]` tensor with the same `dim` for every
 * batch. Consumes nothing.
 *
 * For the random-encoder baseline, pass the same encoder at its initial parameters.
 *
 * @example
 * ```ts
 * import { data, evaluation, nn, random, tf, tree } from "@byol/tfjs";
 *
 * const encoder = nn.sequential({ conv: nn.conv2d({ filters: 8, kernel: 3 }), pool: nn.globalAvgPool });
 * const { params, state } = encoder.init(random.key(0), [28, 28, 1]);
 * const encode = (x: tf.Tensor4D) => encoder.apply(params, state, x, { training: false }).y;
 * const train = data.shapes(random.key(1), { count: 512 });
 * const test = data.shapes(random.key(2), { count: 128 });
 * const trainFeatures = await evaluation.extractFeatures(encode, train, { batchSize: 256 });
 * console.log(trainFeatures.count, trainFeatures.dim); // 512 8
 * tree.dispose([params, state]);
 * ```
 */
export async function extractFeatures(
  encode: Encoder,
  dataset: ImageDataset,
  { batchSize = 256, signal }: ExtractOptions = {},
): Promise<FeatureSet> {
  const fn = "extractFeatures";
  checkNonEmpty(fn, dataset);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`${fn}: batchSize must be a positive integer, got ${batchSize}`);
  }
  const count = dataset.shape[0];
  let values: Float32Array | null = null;
  let dim = 0;
  let row = 0;
  // Unshuffled, so the key only fills the parameter and every image is visited once, in order.
  const batches = epochBatches(random.key(0), dataset, { batchSize, shuffle: false });
  for await (const { images, labels } of batches) {
    if (signal?.aborted) {
      tf.dispose([images, labels]);
      signal.throwIfAborted();
    }
    const size = images.shape[0];
    let features: tf.Tensor;
    try {
      features = tf.tidy(() => encode(images));
    } finally {
      tf.dispose([images, labels]);
    }
    try {
      if (!(features instanceof tf.Tensor)) {
        throw new TypeError(`${fn}: encode must return a tensor, got ${typeof features}`);
      }
      const [b, d] = features.shape;
      if (features.rank !== 2 || b !== size || features.dtype !== "float32") {
        throw new Error(
          `${fn}: encode must return float32 features of shape [${size}, dim] for a batch of ` +
            `${size} images, got ${features.dtype} [${features.shape}]`,
        );
      }
      if (values === null) {
        dim = d;
        values = new Float32Array(count * dim);
      } else if (d !== dim) {
        throw new Error(`${fn}: encode returned dim ${d} at image ${row}, earlier dim ${dim}`);
      }
      values.set(await features.data() as Float32Array, row * dim);
      row += size;
    } finally {
      tf.dispose(features);
    }
  }
  const set = {
    values: values!,
    count,
    dim,
    labels: Int32Array.from(dataset.labels),
    numClasses: dataset.classNames.length,
  };
  return checkFeatures(set, `${fn}: features of ${dataset.source}`);
}

/**
 * The raw-pixel baseline's features: each image flattened (NHWC order) to `height * width *
 * channels` values in [0, 1], with the dataset's labels. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, evaluation, random } from "@byol/tfjs";
 *
 * const pixels = evaluation.pixelFeatures(data.shapes(random.key(0), { count: 100 }));
 * console.log(pixels.dim); // 784: 28 x 28 x 1
 * ```
 */
export function pixelFeatures(dataset: ImageDataset): FeatureSet {
  checkNonEmpty("pixelFeatures", dataset);
  const [count, h, w, c] = dataset.shape;
  const values = new Float32Array(dataset.images.length);
  for (let i = 0; i < values.length; i++) values[i] = dataset.images[i] / 255;
  return {
    values,
    count,
    dim: h * w * c,
    labels: Int32Array.from(dataset.labels),
    numClasses: dataset.classNames.length,
  };
}

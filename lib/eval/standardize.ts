/**
 * Per-feature standardisation fitted on a training set (as scikit-learn's `StandardScaler`), so a
 * linear probe with one fixed learning rate works whatever the scale of an encoder's features.
 *
 * @module
 */
import { checkFeatures, type FeatureSet } from "./features.ts";

/** Per-feature statistics of a training set: `x -> (x - mean) * scale`. */
export interface Standardizer {
  /** Mean of each feature over the training set. */
  readonly mean: Float32Array;
  /** `1 / sqrt(variance + VARIANCE_EPSILON)` of each feature over the training set. */
  readonly scale: Float32Array;
}

/**
 * Added to each feature's variance before the square root, so a feature that is constant on the
 * training set (e.g. MNIST's border pixels) maps to 0 instead of 0/0.
 */
export const VARIANCE_EPSILON = 1e-8;

/**
 * The mean and inverse standard deviation of each feature of `train` (accumulated in float64).
 * Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, evaluation, random } from "@byol/tfjs";
 *
 * const train = evaluation.pixelFeatures(data.shapes(random.key(0), { count: 500 }));
 * const test = evaluation.pixelFeatures(data.shapes(random.key(1), { count: 100 }));
 * const standardizer = evaluation.fitStandardizer(train);
 * const [trainZ, testZ] = [train, test].map((s) => evaluation.standardize(s, standardizer));
 * ```
 */
export function fitStandardizer(train: FeatureSet): Standardizer {
  checkFeatures(train, "fitStandardizer: train features");
  const { values, count, dim } = train;
  const sum = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) sum[j] += values[i * dim + j];
  }
  const mean = sum.map((s) => s / count);
  const squares = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) squares[j] += (values[i * dim + j] - mean[j]) ** 2;
  }
  return {
    mean: Float32Array.from(mean),
    scale: Float32Array.from(squares, (s) => 1 / Math.sqrt(s / count + VARIANCE_EPSILON)),
  };
}

/**
 * `set` with every feature mapped to `(x - mean) * scale` (new values; labels shared). Throws
 * when the standardizer was fitted on features of another dim. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, evaluation, random } from "@byol/tfjs";
 *
 * const train = evaluation.pixelFeatures(data.shapes(random.key(0), { count: 500 }));
 * const test = evaluation.pixelFeatures(data.shapes(random.key(1), { count: 100 }));
 * const testZ = evaluation.standardize(test, evaluation.fitStandardizer(train));
 * ```
 */
export function standardize(set: FeatureSet, { mean, scale }: Standardizer): FeatureSet {
  const { values, count, dim } = set;
  if (mean.length !== dim || scale.length !== dim) {
    throw new Error(
      `standardize: the standardizer has ${mean.length} features but the set has dim ${dim}`,
    );
  }
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) out[i * dim + j] = (values[i * dim + j] - mean[j]) * scale[j];
  }
  return { ...set, values: out };
}

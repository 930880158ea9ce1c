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

function checkDims(fn: string, set: FeatureSet, { mean, scale }: Standardizer): void {
  if (mean.length !== set.dim || scale.length !== set.dim) {
    throw new Error(
      `${fn}: the standardizer has ${mean.length} features but the set has dim ${set.dim}`,
    );
  }
}

/** Writes row `row` of `values` (`dim` wide), standardised, to `out` at `at`. */
function writeRow(
  values: Float32Array,
  dim: number,
  row: number,
  { mean, scale }: Standardizer,
  out: Float32Array,
  at: number,
): void {
  for (let j = 0; j < dim; j++) out[at + j] = (values[row * dim + j] - mean[j]) * scale[j];
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
export function standardize(set: FeatureSet, standardizer: Standardizer): FeatureSet {
  checkDims("standardize", set, standardizer);
  const { values, count, dim } = set;
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) writeRow(values, dim, i, standardizer, out, i * dim);
  return { ...set, values: out };
}

/**
 * The rows `rows` of `set`, standardised as {@link standardize} maps them (the same floats), one
 * after another in `out` (default: a new array of `rows.length * dim` floats), which it returns:
 * a batch gathered without a standardised copy of the whole set, which for 60,000 raw-pixel rows
 * is 188 MB. Throws when the standardizer was fitted on features of another dim, or `out` is too
 * short. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, evaluation, random } from "@byol/tfjs";
 * import { standardizeRows } from "./standardize.ts";
 *
 * const train = evaluation.pixelFeatures(data.shapes(random.key(0), { count: 500 }));
 * const standardizer = evaluation.fitStandardizer(train);
 * const batch = standardizeRows(train, standardizer, [3, 1, 4]); // 3 x 784 floats
 * ```
 */
export function standardizeRows(
  set: FeatureSet,
  standardizer: Standardizer,
  rows: ArrayLike<number>,
  out: Float32Array = new Float32Array(rows.length * set.dim),
): Float32Array {
  checkDims("standardizeRows", set, standardizer);
  const { values, count, dim } = set;
  if (out.length < rows.length * dim) {
    throw new RangeError(
      `standardizeRows: out holds ${out.length} floats, ${rows.length} rows of ${dim} need ` +
        `${rows.length * dim}`,
    );
  }
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!Number.isInteger(row) || row < 0 || row >= count) {
      throw new RangeError(`standardizeRows: row ${row} is outside [0, ${count})`);
    }
    writeRow(values, dim, row, standardizer, out, i * dim);
  }
  return out;
}

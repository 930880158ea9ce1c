/**
 * Projection of features onto their top two principal components, for scatter plots of
 * embeddings. The centring, the `d x d` covariance and the projection run on the tfjs backend;
 * the two leading eigenvectors of the covariance are found on the host by power iteration.
 *
 * Pure: no file system.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { key, normalArray } from "../random.ts";

const MAX_ITERATIONS = 2000;
const TOLERANCE = 1e-10;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Scales `v` to unit length in place; a zero vector stays zero. Returns the original norm. */
function normalize(v: Float64Array): number {
  const norm = Math.sqrt(dot(v, v));
  if (norm > 0) { for (let i = 0; i < v.length; i++) v[i] /= norm; }
  return norm;
}

/** `v` minus its components along each (unit) vector of `basis`, in place. */
function projectOut(v: Float64Array, basis: readonly Float64Array[]): void {
  for (const b of basis) {
    const k = dot(v, b);
    for (let i = 0; i < v.length; i++) v[i] -= k * b[i];
  }
}

/**
 * The leading eigenvector of the symmetric `d x d` matrix `c` restricted to the complement of
 * `found` (the deflation of the components found before), by power iteration from a fixed start.
 * Its largest-magnitude entry is made positive, so the result is deterministic.
 */
function leadingEigenvector(
  c: Float64Array,
  d: number,
  found: readonly Float64Array[],
): Float64Array {
  let v = Float64Array.from(normalArray(key(found.length), d));
  projectOut(v, found);
  if (normalize(v) === 0) return v;
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    const w = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += c[i * d + j] * v[j];
      w[i] = s;
    }
    projectOut(w, found);
    if (normalize(w) === 0) break;
    let change = 0;
    for (let i = 0; i < d; i++) change += (w[i] - v[i]) ** 2;
    v = w;
    if (change < TOLERANCE) break;
  }
  let largest = 0;
  for (let i = 1; i < d; i++) if (Math.abs(v[i]) > Math.abs(v[largest])) largest = i;
  if (v[largest] < 0) { for (let i = 0; i < d; i++) v[i] = -v[i]; }
  return v;
}

/** Options for {@link pca2} when the features are a flat `Float32Array`. */
export interface Pca2ArrayOptions {
  /** The number of features per row, `d`. */
  readonly columns: number;
}

/**
 * Projects `n` feature rows onto their top two principal components: centres the rows, finds the
 * two leading eigenvectors of the covariance (power iteration with deflation; each made to have
 * its largest-magnitude entry positive, so the result is deterministic), and returns the `[n, 2]`
 * coordinates row-major (`x0, y0, x1, y1, ...`). With one feature the second coordinate is 0.
 * Accepts a `[n, d]` tensor, or a row-major `Float32Array` with `{ columns: d }`. Consumes
 * nothing.
 *
 * @example
 * ```ts
 * import { plot, random, tf } from "@byol/tfjs";
 *
 * const embeddings = random.normal(random.key(0), [100, 16]) as tf.Tensor2D;
 * const points = await plot.pca2(embeddings); // [100, 2] row-major
 * const labels = Array.from({ length: 100 }, (_, i) => i % 2);
 * const svg = plot.scatterPlot({ title: "PCA", points, labels, classNames: ["even", "odd"] });
 * embeddings.dispose();
 * ```
 */
export function pca2(features: tf.Tensor2D): Promise<Float32Array>;
export function pca2(features: Float32Array, options: Pca2ArrayOptions): Promise<Float32Array>;
export async function pca2(
  features: tf.Tensor2D | Float32Array,
  options?: Pca2ArrayOptions,
): Promise<Float32Array> {
  let shape: number[];
  if (features instanceof tf.Tensor) {
    shape = features.shape;
  } else {
    const columns = options?.columns ?? 0;
    if (!Number.isInteger(columns) || columns < 1 || features.length % columns !== 0) {
      throw new Error(
        `pca2: a Float32Array of ${features.length} numbers needs { columns } dividing it, got ` +
          `${options?.columns}`,
      );
    }
    shape = [features.length / columns, columns];
  }
  if (shape.length !== 2 || shape[0] < 1 || shape[1] < 1) {
    throw new Error(`pca2: features must be [n, d] with n, d >= 1, got [${shape}]`);
  }
  const [n, d] = shape;
  const centered = tf.tidy(() => {
    const x = features instanceof tf.Tensor
      ? tf.cast(features, "float32")
      : tf.tensor2d(features, [n, d], "float32");
    return tf.sub(x, tf.mean(x, 0));
  });
  try {
    const covariance = tf.matMul(centered, centered, true, false);
    let c: Float64Array;
    try {
      c = Float64Array.from(await covariance.data());
    } finally {
      covariance.dispose();
    }
    const first = leadingEigenvector(c, d, []);
    const second = leadingEigenvector(c, d, [first]);
    const basis = new Float32Array(2 * d);
    for (let i = 0; i < d; i++) [basis[2 * i], basis[2 * i + 1]] = [first[i], second[i]];
    const projected = tf.tidy(() => tf.matMul(centered, tf.tensor2d(basis, [d, 2])));
    try {
      return Float32Array.from(await projected.data());
    } finally {
      projected.dispose();
    }
  } finally {
    centered.dispose();
  }
}

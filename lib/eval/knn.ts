/**
 * Weighted k-nearest-neighbour classification on frozen features (InstDisc's kNN monitor, as
 * solo-learn and the BYOL-era benchmarks report it): cosine similarity against the whole training
 * set as memory bank, the `k` nearest voting for their class with weight `exp(sim / temperature)`.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { checkFeaturePair, type FeatureSet } from "./features.ts";

/** Options of {@link weightedKnn}. */
export interface KnnOptions {
  /** Number(s) of neighbours that vote; several are scored in one pass. Default `[20, 200]`. */
  readonly k?: number | readonly number[];
  /** Temperature `T` of the vote weights `exp(sim / T)` (> 0); default 0.1. */
  readonly temperature?: number;
  /**
   * Test rows compared with the bank at once; default as many as keep the `[rows, bankSize]`
   * similarity block at about 2^24 floats (64 MiB).
   */
  readonly chunkSize?: number;
  /** Stops the vote between chunks of test rows (it then throws the signal's reason). */
  readonly signal?: AbortSignal;
}

/** The kNN classifier's result for one `k`. */
export interface KnnScore {
  /** Number of neighbours that voted. */
  readonly k: number;
  /** Fraction of test examples whose predicted class is their label. */
  readonly accuracy: number;
  /** Predicted class of each test example. */
  readonly predictions: Int32Array;
}

const SIMILARITY_BLOCK = 2 ** 24;

/** Rows `[start, end)` of `set`, each scaled to unit L2 norm (zero rows stay zero). */
function normalizedRows(set: FeatureSet, start: number, end: number): Float32Array {
  const { values, dim } = set;
  const out = new Float32Array((end - start) * dim);
  for (let i = start; i < end; i++) {
    let sq = 0;
    for (let j = i * dim; j < (i + 1) * dim; j++) sq += values[j] * values[j];
    const inv = sq > 0 ? 1 / Math.sqrt(sq) : 0;
    const o = (i - start) * dim;
    for (let j = 0; j < dim; j++) out[o + j] = values[i * dim + j] * inv;
  }
  return out;
}

/** The L2-normalised bank transposed to `[dim, count]`: wasm's matMul is fast only untransposed. */
function transposedBank(train: FeatureSet): tf.Tensor2D {
  const { count, dim } = train;
  const rows = normalizedRows(train, 0, count);
  const columns = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) columns[j * count + i] = rows[i * dim + j];
  }
  return tf.tensor2d(columns, [dim, count]);
}

function checkKs(fn: string, k: number | readonly number[], bankSize: number): number[] {
  const list = typeof k === "number" ? [k] : [...k];
  if (list.length === 0) throw new RangeError(`${fn}: k must list at least one value`);
  for (const v of list) {
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(`${fn}: each k must be a positive integer, got ${v}`);
    }
    if (v > bankSize) {
      throw new RangeError(
        `${fn}: k = ${v} exceeds the ${bankSize} training examples in the memory bank`,
      );
    }
  }
  return [...new Set(list)].sort((a, b) => a - b);
}

/**
 * Classifies every test row by a weighted vote of its `k` most cosine-similar training rows,
 * each neighbour adding `exp(sim / temperature)` to its class (ties go to the lower class index),
 * and returns accuracy and predictions for each `k`, in increasing `k`.
 *
 * The training features are L2-normalised and uploaded once as a `[dim, count]` bank; test rows
 * go in chunks, each one matMul against the bank and one `topk` of the largest `k`, so all `k`
 * are scored from the same neighbours. Only the `[chunk, maxK]` top similarities and indices come
 * back to the host for the vote. Every tensor is freed before it returns. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, evaluation, random } from "@byol/tfjs";
 *
 * const train = evaluation.pixelFeatures(data.shapes(random.key(0), { count: 500 }));
 * const test = evaluation.pixelFeatures(data.shapes(random.key(1), { count: 100 }));
 * const scores = await evaluation.weightedKnn(train, test, { k: [20, 200] });
 * for (const { k, accuracy } of scores) console.log(`kNN k=${k}: ${accuracy}`);
 * ```
 */
export async function weightedKnn(
  train: FeatureSet,
  test: FeatureSet,
  { k = [20, 200], temperature = 0.1, chunkSize, signal }: KnnOptions = {},
): Promise<KnnScore[]> {
  const fn = "weightedKnn";
  checkFeaturePair(fn, train, test);
  const ks = checkKs(fn, k, train.count);
  if (!(typeof temperature === "number" && Number.isFinite(temperature) && temperature > 0)) {
    throw new RangeError(`${fn}: temperature must be a finite number > 0, got ${temperature}`);
  }
  const rowsPerChunk = chunkSize ?? Math.max(1, Math.floor(SIMILARITY_BLOCK / train.count));
  if (!Number.isInteger(rowsPerChunk) || rowsPerChunk < 1) {
    throw new RangeError(`${fn}: chunkSize must be a positive integer, got ${chunkSize}`);
  }
  const maxK = ks[ks.length - 1];
  const predictions = ks.map(() => new Int32Array(test.count));
  const votes = new Float64Array(train.numClasses);
  const bank = transposedBank(train);
  try {
    for (let start = 0; start < test.count; start += rowsPerChunk) {
      signal?.throwIfAborted();
      const end = Math.min(start + rowsPerChunk, test.count);
      const [topSims, topIndices] = tf.tidy(() => {
        const queries = tf.tensor2d(normalizedRows(test, start, end), [end - start, test.dim]);
        const { values, indices } = tf.topk(tf.matMul(queries, bank), maxK, true);
        return [values, indices];
      });
      let sims: Float32Array;
      let neighbours: Int32Array;
      try {
        [sims, neighbours] = await Promise.all([
          topSims.data() as Promise<Float32Array>,
          topIndices.data() as Promise<Int32Array>,
        ]);
      } finally {
        tf.dispose([topSims, topIndices]);
      }
      for (let r = 0; r < end - start; r++) {
        const base = r * maxK;
        // Weights relative to the nearest neighbour's: the same vote, without exp overflow.
        const nearest = sims[base];
        votes.fill(0);
        let next = 0;
        for (let j = 0; j < maxK; j++) {
          votes[train.labels[neighbours[base + j]]] += Math.exp(
            (sims[base + j] - nearest) / temperature,
          );
          if (j + 1 === ks[next]) predictions[next++][start + r] = argMax(votes);
        }
      }
    }
  } finally {
    bank.dispose();
  }
  return ks.map((kValue, i) => ({
    k: kValue,
    accuracy: accuracy(predictions[i], test.labels),
    predictions: predictions[i],
  }));
}

function argMax(xs: Float64Array): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

/**
 * The fraction of `predictions` equal to `labels` (same length, at least one). Consumes nothing.
 *
 * @example
 * ```ts
 * import { evaluation } from "@byol/tfjs";
 *
 * evaluation.accuracy(Int32Array.of(0, 1, 1), Int32Array.of(0, 1, 0)); // 2 / 3
 * ```
 */
export function accuracy(predictions: Int32Array, labels: Int32Array): number {
  if (predictions.length !== labels.length || labels.length === 0) {
    throw new Error(
      `accuracy: needs as many predictions as labels (at least one), got ` +
        `${predictions.length} predictions and ${labels.length} labels`,
    );
  }
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) correct++;
  return correct / labels.length;
}

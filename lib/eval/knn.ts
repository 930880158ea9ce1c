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
   * Training rows (memory bank columns) uploaded and compared at once; default as many as keep
   * the `[dim, columns]` block at about 2^22 floats (16 MiB), so that the bank never has to fit
   * on the device whole (wasm's memory never shrinks). Any value gives the same predictions.
   */
  readonly bankChunkSize?: number;
  /**
   * Test rows compared with a bank block at once; default as many as keep the
   * `[rows, bankChunkSize]` similarity block at about 2^23 floats (32 MiB).
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

const SIMILARITY_BLOCK = 2 ** 23;
const BANK_BLOCK = 2 ** 22;

/** The inverse L2 norm of each row of `set` (0 for a zero row, which then stays zero). */
function inverseNorms(set: FeatureSet): Float64Array {
  const { values, count, dim } = set;
  const inv = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let sq = 0;
    for (let j = i * dim; j < (i + 1) * dim; j++) sq += values[j] * values[j];
    inv[i] = sq > 0 ? 1 / Math.sqrt(sq) : 0;
  }
  return inv;
}

/**
 * Rows `[start, end)` of `set`, each scaled to unit L2 norm by `inv` (its {@link inverseNorms}),
 * written to the front of `buffer`, which every chunk reuses (the caller frees the tensor made
 * from it before the next chunk).
 */
function normalizedRows(
  set: FeatureSet,
  inv: Float64Array,
  [start, end]: [number, number],
  buffer: Float32Array,
): Float32Array {
  const { values, dim } = set;
  const out = buffer.subarray(0, (end - start) * dim);
  const shift = start * dim;
  for (let i = start; i < end; i++) {
    for (let j = i * dim; j < (i + 1) * dim; j++) out[j - shift] = values[j] * inv[i];
  }
  return out;
}

/**
 * Bank columns `[start, end)`: the training rows there, L2-normalised by `inv`, transposed to
 * `[dim, end - start]` (wasm's matMul is fast only untransposed). The host copy is built in
 * `buffer`, which every block reuses: the caller disposes the block before building the next.
 */
function bankBlock(
  train: FeatureSet,
  inv: Float64Array,
  [start, end]: [number, number],
  buffer: Float32Array,
): tf.Tensor2D {
  const { values, dim } = train;
  const width = end - start;
  const columns = buffer.subarray(0, width * dim);
  for (let i = start; i < end; i++) {
    for (let j = 0; j < dim; j++) columns[j * width + i - start] = values[i * dim + j] * inv[i];
  }
  return tf.tensor2d(columns, [dim, width]);
}

/**
 * Merges a test row's nearest neighbours so far (`best`: `have` of them at `at`, most similar
 * first) with the `found` nearest in the next bank block (`block`: at `from`, most similar first,
 * indices counted from the block's `offset`, so all larger), keeping the `keep` most similar in
 * `best`. Equal similarities keep the lower index first, as one `topk` over the whole bank
 * orders them.
 */
function mergeNeighbours(
  best: { sims: Float32Array; ids: Int32Array; at: number; have: number },
  block: { sims: Float32Array; ids: Int32Array; from: number; found: number; offset: number },
  keep: number,
  scratch: { sims: Float32Array; ids: Int32Array },
): void {
  let a = 0;
  let b = 0;
  for (let o = 0; o < keep; o++) {
    const takeBest = b === block.found ||
      (a < best.have && best.sims[best.at + a] >= block.sims[block.from + b]);
    if (takeBest) {
      scratch.sims[o] = best.sims[best.at + a];
      scratch.ids[o] = best.ids[best.at + a++];
    } else {
      scratch.sims[o] = block.sims[block.from + b];
      scratch.ids[o] = block.ids[block.from + b++] + block.offset;
    }
  }
  best.sims.set(scratch.sims.subarray(0, keep), best.at);
  best.ids.set(scratch.ids.subarray(0, keep), best.at);
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
 * The features are L2-normalised; the training rows are uploaded as the bank in blocks of
 * `bankChunkSize` columns (`[dim, columns]`), one at a time, and the test rows in chunks, each
 * chunk one matMul against the block and one `topk` of the largest `k`, so all `k` are scored from
 * the same neighbours. Only the `[chunk, maxK]` top similarities and indices come back to the
 * host, where each test row's nearest so far are merged with the block's (equal similarities in
 * index order, as one `topk` over the whole bank gives them). Every tensor is freed before the
 * next block, so the device holds one block, never the whole bank. Consumes nothing.
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
  { k = [20, 200], temperature = 0.1, chunkSize, bankChunkSize, signal }: KnnOptions = {},
): Promise<KnnScore[]> {
  const fn = "weightedKnn";
  checkFeaturePair(fn, train, test);
  const ks = checkKs(fn, k, train.count);
  if (!(typeof temperature === "number" && Number.isFinite(temperature) && temperature > 0)) {
    throw new RangeError(`${fn}: temperature must be a finite number > 0, got ${temperature}`);
  }
  const bankColumns = bankChunkSize ??
    Math.min(train.count, Math.max(1, Math.floor(BANK_BLOCK / train.dim)));
  if (!Number.isInteger(bankColumns) || bankColumns < 1) {
    throw new RangeError(`${fn}: bankChunkSize must be a positive integer, got ${bankChunkSize}`);
  }
  const rowsPerChunk = chunkSize ?? Math.max(1, Math.floor(SIMILARITY_BLOCK / bankColumns));
  if (!Number.isInteger(rowsPerChunk) || rowsPerChunk < 1) {
    throw new RangeError(`${fn}: chunkSize must be a positive integer, got ${chunkSize}`);
  }
  const maxK = ks[ks.length - 1];
  // Each test row's maxK nearest training rows so far, most similar first.
  const best = {
    sims: new Float32Array(test.count * maxK),
    ids: new Int32Array(test.count * maxK),
    at: 0,
    have: 0,
  };
  const scratch = { sims: new Float32Array(maxK), ids: new Int32Array(maxK) };
  const testInv = inverseNorms(test);
  const queries = new Float32Array(Math.min(rowsPerChunk, test.count) * test.dim);
  const inv = inverseNorms(train);
  const buffer = new Float32Array(Math.min(bankColumns, train.count) * train.dim);
  for (let offset = 0; offset < train.count; offset += bankColumns) {
    const width = Math.min(bankColumns, train.count - offset);
    const found = Math.min(maxK, width);
    const keep = Math.min(maxK, best.have + found);
    const bank = bankBlock(train, inv, [offset, offset + width], buffer);
    try {
      for (let start = 0; start < test.count; start += rowsPerChunk) {
        signal?.throwIfAborted();
        const end = Math.min(start + rowsPerChunk, test.count);
        const [topSims, topIndices] = tf.tidy(() => {
          const rows = normalizedRows(test, testInv, [start, end], queries);
          const similarities = tf.matMul(tf.tensor2d(rows, [end - start, test.dim]), bank);
          const { values, indices } = tf.topk(similarities, found, true);
          return [values, indices];
        });
        let sims: Float32Array;
        let ids: Int32Array;
        try {
          [sims, ids] = await Promise.all([
            topSims.data() as Promise<Float32Array>,
            topIndices.data() as Promise<Int32Array>,
          ]);
        } finally {
          tf.dispose([topSims, topIndices]);
        }
        const block = { sims, ids, from: 0, found, offset };
        for (let r = start; r < end; r++) {
          best.at = r * maxK;
          block.from = (r - start) * found;
          mergeNeighbours(best, block, keep, scratch);
        }
      }
    } finally {
      bank.dispose();
    }
    best.have = keep;
  }
  const predictions = ks.map(() => new Int32Array(test.count));
  const votes = new Float64Array(train.numClasses);
  for (let r = 0; r < test.count; r++) {
    const base = r * maxK;
    // Weights relative to the nearest neighbour's: the same vote, without exp overflow.
    const nearest = best.sims[base];
    votes.fill(0);
    let next = 0;
    for (let j = 0; j < maxK; j++) {
      votes[train.labels[best.ids[base + j]]] += Math.exp(
        (best.sims[base + j] - nearest) / temperature,
      );
      if (j + 1 === ks[next]) predictions[next++][r] = argMax(votes);
    }
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

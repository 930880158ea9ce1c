/**
 * Epoch iteration over a host dataset: a key-driven shuffle, fixed-size batches, each uploaded
 * once as a float32 tensor in [0, 1], with the next batch prepared ahead (prefetch).
 *
 * @module
 */
import { tf } from "../tf.ts";
import type { ImageDataset } from "./dataset.ts";
import * as random from "../random.ts";
import type { Key } from "../random.ts";

/** One batch on the device. The consumer owns both tensors and must dispose them. */
export interface Batch {
  /** `[batch, height, width, channels]` float32 pixels in [0, 1]. */
  readonly images: tf.Tensor4D;
  /** `[batch]` int32 class indices. */
  readonly labels: tf.Tensor1D;
  /** Positions of these examples in the dataset (host copy, for bookkeeping and tests). */
  readonly indices: Int32Array;
}

/** Options for {@link epochBatches}. */
export interface EpochOptions {
  /** Examples per batch. */
  readonly batchSize: number;
  /** Skip the last, smaller batch (default false: it is yielded with fewer examples). */
  readonly dropRemainder?: boolean;
  /** Visit examples in a random order drawn from the key (default true). */
  readonly shuffle?: boolean;
  /**
   * The first batch to yield (default 0): the earlier batches of the same order are skipped
   * without being gathered or uploaded, e.g. to resume an epoch where it stopped.
   */
  readonly start?: number;
}

/**
 * The number of batches one epoch of `count` examples gives.
 *
 * @example
 * ```ts
 * import { data } from "@byol/tfjs";
 *
 * data.batchesPerEpoch(60000, { batchSize: 256, dropRemainder: true }); // 234
 * ```
 */
export function batchesPerEpoch(
  count: number,
  { batchSize, dropRemainder = false }: EpochOptions,
): number {
  return dropRemainder ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
}

/** Gathers the examples at `indices` on the host and uploads them once, already scaled. */
function uploadBatch(dataset: ImageDataset, indices: Int32Array): Batch {
  const [, h, w, c] = dataset.shape;
  const stride = h * w * c;
  const pixels = new Float32Array(indices.length * stride);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const src = indices[i] * stride;
    const dst = i * stride;
    for (let p = 0; p < stride; p++) pixels[dst + p] = dataset.images[src + p] / 255;
    labels[i] = dataset.labels[indices[i]];
  }
  return {
    images: tf.tensor4d(pixels, [indices.length, h, w, c], "float32"),
    labels: tf.tensor1d(labels, "int32"),
    indices,
  };
}

function disposeBatch(batch: Batch): void {
  batch.images.dispose();
  batch.labels.dispose();
}

/**
 * One epoch of batches over `dataset`, in an order drawn from `key` (a different key gives a
 * different order; without `dropRemainder` every example appears exactly once). With `start`, the
 * epoch begins at that batch of the same order.
 *
 * Prefetch: JavaScript has one thread, so "prefetch" here means the host gather and upload of
 * batch i+1 are queued as a task *before* batch i is handed out. That task runs as soon as the
 * consumer yields to the event loop, typically while it awaits the device (`await loss.data()`
 * on WebGPU), so the next batch is built while the GPU computes on the current one. On the
 * synchronous CPU backends (wasm, cpu) there is nothing to overlap with and it only reorders
 * work. At most one batch is held ahead.
 *
 * Ownership: each yielded batch's tensors belong to the consumer, who disposes them. A prepared
 * batch that was never handed out is disposed when the loop ends early (`break`, `return`, a
 * thrown error), so use `for await`. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, random, tf } from "@byol/tfjs";
 *
 * const key = random.key(0);
 * const train = data.shapes(key, { count: 1000 });
 * for (let epoch = 0; epoch < 2; epoch++) {
 *   for await (const { images, labels } of data.epochBatches(random.foldIn(key, epoch), train, {
 *     batchSize: 256,
 *     dropRemainder: true,
 *   })) {
 *     const meanPixel = tf.mean(images);
 *     console.log(epoch, labels.shape, (await meanPixel.data())[0]);
 *     tf.dispose([images, labels, meanPixel]);
 *   }
 * }
 * ```
 */
export async function* epochBatches(
  key: Key,
  dataset: ImageDataset,
  options: EpochOptions,
): AsyncGenerator<Batch, void, undefined> {
  const { batchSize, dropRemainder = false, shuffle = true, start = 0 } = options;
  const n = dataset.shape[0];
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`epochBatches: batchSize must be a positive integer, got ${batchSize}`);
  }
  if (dropRemainder && n < batchSize) {
    throw new RangeError(
      `epochBatches: batchSize ${batchSize} with dropRemainder leaves no batch from the ` +
        `${n} examples of ${dataset.source}`,
    );
  }
  const order = shuffle
    ? random.permutationArray(key, n)
    : Int32Array.from({ length: n }, (_, i) => i);
  const count = batchesPerEpoch(n, { batchSize, dropRemainder });
  if (!Number.isInteger(start) || start < 0 || start > count) {
    throw new RangeError(
      `epochBatches: start must be an integer in [0, ${count}] (the epoch's batches), got ${start}`,
    );
  }
  const prepare = (b: number) =>
    new Promise<Batch>((resolve, reject) => {
      setTimeout(() => {
        try {
          resolve(uploadBatch(dataset, order.slice(b * batchSize, (b + 1) * batchSize)));
        } catch (err) {
          reject(err);
        }
      }, 0);
    });
  let ahead: Promise<Batch> | null = start < count ? prepare(start) : null;
  try {
    for (let b = start; b < count; b++) {
      const batch: Batch = await ahead!;
      ahead = b + 1 < count ? prepare(b + 1) : null;
      yield batch;
    }
  } finally {
    if (ahead) await ahead.then(disposeBatch, () => undefined);
  }
}

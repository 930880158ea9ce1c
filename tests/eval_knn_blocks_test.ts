// weightedKnn compares the test rows with the memory bank one block of training rows at a time
// and merges each row's nearest neighbours on the host: these tests check that the block size
// never changes a prediction (ties included), that no tensor is left behind, and the errors.
import assert from "node:assert/strict";
import { random, tf, useBackend } from "../mod.ts";
import { type FeatureSet, weightedKnn } from "../lib/eval/mod.ts";

await useBackend("wasm");

/**
 * Features in steps of 0.5 (so many similarities tie exactly), every third row a copy of the
 * first (exact duplicates), with labels independent of them.
 */
function tiedFeatures(seed: number, count: number, dim: number, numClasses = 4): FeatureSet {
  const [kValues, kLabels] = random.split(random.key(seed));
  const values = random.normalArray(kValues, count * dim).map((v) => Math.round(2 * v) / 2);
  for (let i = 3; i < count; i += 3) values.copyWithin(i * dim, 0, dim);
  const labels = random.randintArray(kLabels, count, 0, numClasses);
  return { values, count, dim, labels, numClasses };
}

Deno.test("weightedKnn's predictions do not depend on the bank's block, ties included", async () => {
  const train = tiedFeatures(1, 450, 6);
  const test = tiedFeatures(2, 70, 6);
  const k = [1, 20, 200];
  // One block holding the whole bank: one topk over all training rows per test row.
  const whole = await weightedKnn(train, test, { k, bankChunkSize: train.count });
  const cases = [[undefined, undefined], [1, 70], [7, 23], [199, 1], [200, 23], [201, 7], [
    449,
    70,
  ]];
  for (const [bankChunkSize, chunkSize] of cases) {
    const blocked = await weightedKnn(train, test, { k, bankChunkSize, chunkSize });
    assert.deepEqual(blocked, whole, `bankChunkSize ${bankChunkSize}, chunkSize ${chunkSize}`);
  }
});

Deno.test("weightedKnn with duplicates of a test row in several blocks picks the lowest indices", async () => {
  // Rows 1, 3 and 5 point as the query does; with k = 2 the nearest are rows 1 and 3 (class 1,
  // two votes) only if the tie keeps the lower indices, block after block: row 5 (class 0) in
  // their place would tie the vote, which goes to class 0.
  const rows = [[0, 1], [1, 0], [0, 1], [1, 0], [-1, 0], [1, 0]];
  const train: FeatureSet = {
    values: Float32Array.from(rows.flat()),
    count: 6,
    dim: 2,
    labels: Int32Array.of(0, 1, 0, 1, 0, 0),
    numClasses: 2,
  };
  const test: FeatureSet = {
    values: Float32Array.of(2, 0),
    count: 1,
    dim: 2,
    labels: Int32Array.of(1),
    numClasses: 2,
  };
  for (const bankChunkSize of [1, 2, 3, 4, 6]) {
    const [two] = await weightedKnn(train, test, { k: 2, bankChunkSize });
    assert.equal(two.predictions[0], 1, `bankChunkSize ${bankChunkSize}`);
  }
});

Deno.test("weightedKnn in blocks frees every tensor and refuses a bad bankChunkSize", async () => {
  const train = tiedFeatures(3, 120, 5);
  const test = tiedFeatures(4, 30, 5);
  await weightedKnn(train, test, { k: [3, 30], bankChunkSize: 17 });
  const before = tf.memory().numTensors;
  await weightedKnn(train, test, { k: [3, 30], bankChunkSize: 17, chunkSize: 4 });
  assert.equal(tf.memory().numTensors, before);
  for (const bankChunkSize of [0, 2.5, -1]) {
    await assert.rejects(
      weightedKnn(train, test, { k: 3, bankChunkSize }),
      new RegExp(`bankChunkSize must be a positive integer, got ${bankChunkSize}`),
    );
  }
  const stopped = AbortSignal.abort("stop");
  await assert.rejects(weightedKnn(train, test, { k: 3, bankChunkSize: 10, signal: stopped }));
  assert.equal(tf.memory().numTensors, before);
});

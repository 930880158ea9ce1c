import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useBackend } from "../lib/backend.ts";
import * as random from "../lib/random.ts";
import {
  type Batch,
  batchesPerEpoch,
  epochBatches,
  type ImageDataset,
  selectExamples,
  SHAPE_CLASSES,
  shapes,
} from "../lib/data/mod.ts";

await useBackend("wasm");

Deno.test("shapes: deterministic per key, balanced labels, visible shapes", () => {
  const a = shapes(random.key(1), { count: 100 });
  const b = shapes(random.key(1), { count: 100 });
  const c = shapes(random.key(2), { count: 100 });
  assert.deepEqual(a.shape, [100, 28, 28, 1]);
  assert.deepEqual(a.images, b.images);
  assert.deepEqual(a.labels, b.labels);
  assert.notDeepEqual(a.images, c.images);
  assert.deepEqual(a.classNames, SHAPE_CLASSES);
  const counts = new Array(SHAPE_CLASSES.length).fill(0);
  a.labels.forEach((l) => counts[l]++);
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `class counts ${counts}`);
  for (let i = 0; i < 100; i++) {
    const img = a.images.subarray(i * 784, (i + 1) * 784);
    const bright = img.filter((v) => v > 100).length;
    assert.ok(bright >= 10 && bright < 600, `image ${i} shows a shape (${bright} bright pixels)`);
  }
  const rgb = shapes(random.key(3), { count: 4, height: 32, width: 20, channels: 3 });
  assert.deepEqual(rgb.shape, [4, 32, 20, 3]);
  assert.throws(() => shapes(random.key(0), { count: 1, channels: 2 as 1 }), {
    message: "shapes: channels must be 1 or 3, got 2",
  });
});

Deno.test("shapes: classes are learnable (1-nearest-neighbour well above chance)", () => {
  const train = shapes(random.key(10), { count: 400 });
  const test = shapes(random.key(11), { count: 100 });
  const d = 28 * 28;
  let correct = 0;
  for (let i = 0; i < 100; i++) {
    let best = Infinity;
    let guess = -1;
    for (let j = 0; j < 400; j++) {
      let dist = 0;
      for (let p = 0; p < d; p++) {
        const diff = test.images[i * d + p] - train.images[j * d + p];
        dist += diff * diff;
      }
      if (dist < best) [best, guess] = [dist, train.labels[j]];
    }
    if (guess === test.labels[i]) correct++;
  }
  assert.ok(correct >= 40, `1-NN accuracy ${correct}% (chance is 12.5%)`);
});

const dataset: ImageDataset = {
  images: Uint8Array.from({ length: 23 * 2 * 2 }, (_, i) => Math.floor(i / 4) * 10),
  shape: [23, 2, 2, 1],
  labels: Int32Array.from({ length: 23 }, (_, i) => i % 3),
  classNames: ["a", "b", "c"],
  source: "test data",
};

async function collect(key: random.Key, options: Parameters<typeof epochBatches>[2]) {
  const seen: number[][] = [];
  for await (const batch of epochBatches(key, dataset, options)) {
    const pixels = await batch.images.data();
    const labels = await batch.labels.data();
    batch.indices.forEach((index, i) => {
      assert.ok(Math.abs(pixels[i * 4] - (index * 10) / 255) < 1e-6, "pixels scaled to [0, 1]");
      assert.equal(labels[i], index % 3);
    });
    seen.push(Array.from(batch.indices));
    tf.dispose([batch.images, batch.labels]);
  }
  return seen;
}

Deno.test("epochBatches: every example once per epoch, order drawn from the key", async () => {
  const before = tf.memory().numTensors;
  const epoch = await collect(random.key(1), { batchSize: 5 });
  assert.deepEqual(epoch.map((b) => b.length), [5, 5, 5, 5, 3]);
  assert.deepEqual(epoch.flat().sort((a, b) => a - b), Array.from({ length: 23 }, (_, i) => i));
  assert.deepEqual(await collect(random.key(1), { batchSize: 5 }), epoch);
  assert.notDeepEqual(await collect(random.key(2), { batchSize: 5 }), epoch);
  const dropped = await collect(random.key(1), { batchSize: 5, dropRemainder: true });
  assert.deepEqual(dropped, epoch.slice(0, 4));
  assert.equal(batchesPerEpoch(23, { batchSize: 5, dropRemainder: true }), 4);
  const ordered = await collect(random.key(1), { batchSize: 10, shuffle: false });
  assert.deepEqual(ordered.flat(), Array.from({ length: 23 }, (_, i) => i));
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("epochBatches prefetches the next batch and frees it when the loop stops early", async () => {
  const before = tf.memory().numTensors;
  const batches = epochBatches(random.key(4), selectExamples(dataset, [0, 1, 2, 3, 4, 5]), {
    batchSize: 2,
  });
  const first = (await batches.next()).value as Batch;
  assert.equal(tf.memory().numTensors, before + 2, "only the first batch exists so far");
  await new Promise((resolve) => setTimeout(resolve, 0)); // the consumer yields to the event loop
  assert.equal(tf.memory().numTensors, before + 4, "the second batch was prepared meanwhile");
  tf.dispose([first.images, first.labels]);
  await batches.return();
  assert.equal(tf.memory().numTensors, before, "the prepared batch is disposed on return");
  await assert.rejects(
    epochBatches(random.key(0), dataset, { batchSize: 30, dropRemainder: true }).next(),
    {
      message: "epochBatches: batchSize 30 with dropRemainder leaves no batch from the 23 " +
        "examples of test data",
    },
  );
});

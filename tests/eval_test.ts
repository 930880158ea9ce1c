import assert from "node:assert/strict";
import { random, tf, useBackend } from "../mod.ts";
import type { ImageDataset } from "../mod.ts";
import {
  evaluate,
  extractFeatures,
  type FeatureSet,
  fitStandardizer,
  linearProbe,
  pixelFeatures,
  standardize,
  weightedKnn,
} from "../lib/eval/mod.ts";

await useBackend("wasm");

function featureSet(values: number[][], labels: number[], numClasses: number): FeatureSet {
  return {
    values: Float32Array.from(values.flat()),
    count: values.length,
    dim: values[0].length,
    labels: Int32Array.from(labels),
    numClasses,
  };
}

/**
 * Train and test sets of points close to `numClasses` far-apart random centres, labelled by
 * centre; both splits share the centres and differ in labels and noise.
 */
function clusters(seed: number, counts: [number, number], numClasses = 5): FeatureSet[] {
  const dim = 16;
  const [kCentres, ...kSplits] = random.split(random.key(seed), 3);
  const centres = random.normalArray(kCentres, numClasses * dim);
  return counts.map((count, s) => {
    const [kLabels, kNoise] = random.split(kSplits[s]);
    const labels = random.randintArray(kLabels, count, 0, numClasses);
    const noise = random.normalArray(kNoise, count * dim);
    const values = noise.map((z, i) =>
      4 * centres[labels[Math.floor(i / dim)] * dim + (i % dim)] + 0.3 * z
    );
    return { values, count, dim, labels, numClasses };
  });
}

/** Gaussian features with labels drawn independently of them. */
function randomLabels(seed: number, count: number, numClasses: number): FeatureSet {
  const [kValues, kLabels] = random.split(random.key(seed));
  const dim = 16;
  return {
    values: random.normalArray(kValues, count * dim),
    count,
    dim,
    labels: random.randintArray(kLabels, count, 0, numClasses),
    numClasses,
  };
}

/** Asserts `accuracy` on `count` labels independent of the features is within 3 SE of chance. */
function assertNearChance(accuracy: number, numClasses: number, count: number): void {
  const p = 1 / numClasses;
  const tolerance = 3 * Math.sqrt((p * (1 - p)) / count);
  assert.ok(Math.abs(accuracy - p) < tolerance, `accuracy ${accuracy}, chance ${p} ± ${tolerance}`);
}

/** A dataset of 6x6 gray images: class 0 has a bright top half, class 1 a bright bottom half. */
function halves(seed: number, count: number): ImageDataset {
  const labels = random.randintArray(random.key(seed), count, 0, 2);
  const noise = random.uniformArray(random.key(seed + 1), count * 36);
  const images = Uint8Array.from(noise, (u, i) => {
    const top = Math.floor((i % 36) / 6) < 3;
    const bright = top === (labels[Math.floor(i / 36)] === 0);
    return Math.round((bright ? 180 : 20) + 60 * u);
  });
  return {
    images,
    shape: [count, 6, 6, 1],
    labels,
    classNames: ["top", "bottom"],
    source: "halves",
  };
}

const key = random.key(7);

Deno.test("weightedKnn classifies well-separated clusters perfectly, for every k", async () => {
  const [train, test] = clusters(1, [300, 200]);
  const scores = await weightedKnn(train, test, { k: [200, 1, 20] });
  assert.deepEqual(scores.map((s) => s.k), [1, 20, 200]);
  for (const { accuracy, predictions } of scores) {
    assert.equal(accuracy, 1);
    assert.deepEqual(predictions, test.labels);
  }
});

Deno.test("weightedKnn is at chance on labels independent of the features", async () => {
  const scores = await weightedKnn(randomLabels(2, 500, 4), randomLabels(3, 2000, 4), {
    k: [20, 200],
  });
  for (const { accuracy } of scores) assertNearChance(accuracy, 4, 2000);
});

Deno.test("weightedKnn weights votes by exp(sim / T), where plain majority disagrees", async () => {
  // One class-0 neighbour at cosine 1 against two class-1 neighbours at cosine 0.5 (norms differ,
  // to check only the direction counts).
  const s = Math.sqrt(0.75);
  const train = featureSet([[3, 0], [0.5, s], [1, -2 * s], [-1, 0]], [0, 1, 1, 0], 2);
  const test = featureSet([[2, 0]], [0], 2);
  const sharp = await weightedKnn(train, test, { k: [1, 3], temperature: 0.1 });
  assert.deepEqual(sharp.map((r) => r.predictions[0]), [0, 0]);
  // exp(1 / 10) < 2 exp(0.5 / 10): at a high temperature the vote is nearly a plain count.
  const flat = await weightedKnn(train, test, { k: 3, temperature: 10 });
  assert.equal(flat[0].predictions[0], 1);
});

Deno.test("weightedKnn scores several k in one pass as separate calls do", async () => {
  const train = randomLabels(4, 300, 3);
  const test = randomLabels(5, 50, 3);
  const together = await weightedKnn(train, test, { k: [5, 50] });
  for (const k of [5, 50]) {
    const [alone] = await weightedKnn(train, test, { k });
    assert.deepEqual(together.find((r) => r.k === k)!.predictions, alone.predictions);
  }
});

Deno.test("weightedKnn gives the same predictions whatever the chunk of test rows", async () => {
  const train = randomLabels(6, 400, 5);
  const test = randomLabels(7, 60, 5);
  const whole = await weightedKnn(train, test, { k: [10, 100], chunkSize: 60 });
  for (const chunkSize of [1, 7]) {
    const chunked = await weightedKnn(train, test, { k: [10, 100], chunkSize });
    assert.deepEqual(chunked, whole);
  }
});

Deno.test("linearProbe separates clusters perfectly and stays at chance on random labels", async () => {
  const [train, test] = clusters(8, [300, 200]);
  const separated = await linearProbe(train, test, { key, batchSize: 64 });
  assert.equal(separated.trainAccuracy, 1);
  assert.equal(separated.testAccuracy, 1);
  assert.ok(separated.trainLoss < 0.1, `train loss ${separated.trainLoss}`);

  const noise = await linearProbe(randomLabels(9, 300, 4), randomLabels(10, 2000, 4), {
    key,
    epochs: 10,
    batchSize: 64,
  });
  assertNearChance(noise.testAccuracy, 4, 2000);
  assert.ok(noise.trainLoss > 1, `train loss ${noise.trainLoss} on random labels`);
});

Deno.test("linearProbe standardises: scaling the features changes nothing", async () => {
  const train = randomLabels(11, 200, 3);
  const test = randomLabels(12, 100, 3);
  const scaled = (s: FeatureSet) => ({ ...s, values: s.values.map((v) => 1000 * v + 5) });
  const options = { key, epochs: 3, batchSize: 32 };
  const plain = await linearProbe(train, test, options);
  const big = await linearProbe(scaled(train), scaled(test), options);
  assert.ok(
    Math.abs(plain.trainLoss - big.trainLoss) < 1e-3,
    `${plain.trainLoss} ${big.trainLoss}`,
  );
  assert.equal(plain.testAccuracy, big.testAccuracy);
});

Deno.test("standardize maps train features to mean 0, std 1, and constant ones to 0", () => {
  const train = featureSet([[1, 10], [3, 10], [5, 10]], [0, 0, 0], 1);
  const standardizer = fitStandardizer(train);
  assert.deepEqual(Array.from(standardizer.mean), [3, 10]);
  const out = standardize(train, standardizer).values;
  const std = Math.sqrt(8 / 3);
  for (const [got, want] of [[out[0], -2 / std], [out[2], 0], [out[4], 2 / std], [out[5], 0]]) {
    assert.ok(Math.abs(got - want) < 1e-5, `${got} vs ${want}`);
  }
  assert.throws(() => standardize(featureSet([[1]], [0], 1), standardizer), /2 features.*dim 1/);
});

Deno.test("extractFeatures runs the encoder batch by batch, in order, with the labels", async () => {
  const dataset = halves(13, 10);
  const w = tf.tensor2d(random.normalArray(random.key(1), 36 * 3), [36, 3]);
  const encode = (x: tf.Tensor4D) => tf.matMul(tf.reshape(x, [x.shape[0], 36]), w);
  const features = await extractFeatures(encode, dataset, { batchSize: 4 });
  assert.equal(features.count, 10);
  assert.equal(features.dim, 3);
  assert.equal(features.numClasses, 2);
  assert.deepEqual(features.labels, dataset.labels);
  const pixels = pixelFeatures(dataset);
  assert.equal(pixels.dim, 36);
  assert.equal(pixels.values[5], Math.fround(dataset.images[5] / 255));
  const expected = tf.tidy(() => tf.matMul(tf.tensor2d(pixels.values, [10, 36]), w));
  const want = await expected.data();
  features.values.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-4, `feature ${i}`));
  tf.dispose([w, expected]);
});

Deno.test("evaluate reports kNN by k and the linear probe, for an encoder and for pixels", async () => {
  const train = halves(14, 64);
  const test = halves(15, 32);
  const encode = (x: tf.Tensor4D) => tf.reshape(tf.mean(x, 2), [x.shape[0], 6]);
  const probe = { epochs: 5, batchSize: 16 };
  const encoded = await evaluate({ encode, train, test, key, knn: { k: [1, 10] }, probe });
  assert.deepEqual(encoded.knn, { k1: 1, k10: 1 });
  assert.equal(encoded.linear.testAccuracy, 1);
  // The features it reports are the encoder's, and the scores are those of the parts alone.
  const features = {
    train: await extractFeatures(encode, train),
    test: await extractFeatures(encode, test),
  };
  assert.deepEqual(encoded.features, features);
  assert.deepEqual(
    encoded.linear,
    await linearProbe(features.train, features.test, { key, ...probe }),
  );
  const pixels = await evaluate({ encode: "pixels", train, test, knn: { k: 5 }, probe: false });
  assert.deepEqual(pixels, {
    knn: { k5: 1 },
    linear: null,
    features: { train: pixelFeatures(train), test: pixelFeatures(test) },
  });
});

Deno.test("evaluate's kNN with a temperature and several k equals weightedKnn's", async () => {
  const train = halves(19, 80);
  const test = halves(20, 40);
  // A noisy encoder, so the accuracies are not all 1 and the k and temperature matter.
  const w = tf.tensor2d(random.normalArray(random.key(3), 36 * 4), [36, 4]);
  const encode = (x: tf.Tensor4D) => tf.matMul(tf.reshape(x, [x.shape[0], 36]), w);
  const knn = { k: [3, 30], temperature: 0.5 };
  const { knn: scores, features } = await evaluate({ encode, train, test, knn, probe: false });
  const direct = await weightedKnn(features.train, features.test, knn);
  assert.deepEqual(scores, { k3: direct[0].accuracy, k30: direct[1].accuracy });
  w.dispose();
});

Deno.test("kNN, the probe, feature extraction and evaluate leak no tensors", async () => {
  const [train, test] = clusters(16, [100, 40]);
  const dataset = halves(17, 9);
  const encode = (x: tf.Tensor4D) => tf.relu(tf.reshape(x, [x.shape[0], 36]));
  const run = async () => {
    await weightedKnn(train, test, { k: [3, 30], chunkSize: 16 });
    await linearProbe(train, test, { key, epochs: 2, batchSize: 32 });
    await extractFeatures(encode, dataset, { batchSize: 4 });
    await evaluate({ encode, train: dataset, test: dataset, key, knn: { k: 3 }, probe: {} });
  };
  await run();
  const before = tf.memory().numTensors;
  await run();
  await run();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("bad input gets errors that say what was wrong", async () => {
  const train = featureSet([[1, 0], [0, 1], [1, 1]], [0, 1, 0], 2);
  const test = featureSet([[1, 0]], [0], 2);
  const before = tf.memory().numTensors;
  const knnFails = (t: FeatureSet, s: FeatureSet, options: object, pattern: RegExp) =>
    assert.rejects(weightedKnn(t, s, options), pattern);
  await knnFails(train, featureSet([[1, 0, 0]], [0], 2), { k: 1 }, /dim 2 but test .* dim 3/);
  await knnFails(train, test, { k: 4 }, /k = 4 exceeds the 3 training examples/);
  await knnFails(train, test, { k: [] }, /at least one value/);
  await knnFails(train, test, { k: 0 }, /positive integer, got 0/);
  await knnFails(train, test, { k: 1, temperature: 0 }, /temperature .* > 0, got 0/);
  await knnFails(train, test, { k: 1, chunkSize: 0 }, /chunkSize .* got 0/);
  await knnFails(train, featureSet([[1, 0]], [0], 3), { k: 1 }, /2 classes but test has 3/);
  const empty = { ...test, values: new Float32Array(0), count: 0, labels: new Int32Array(0) };
  await knnFails(train, empty, { k: 1 }, /test features: needs at least one example/);
  await knnFails({ ...train, labels: Int32Array.of(0, 1) }, test, { k: 1 }, /2 labels for 3/);
  await knnFails({ ...train, labels: Int32Array.of(0, 2, 0) }, test, { k: 1 }, /label 2 .* 1/);
  const nan = { ...train, values: Float32Array.of(1, 0, NaN, 1, 1, 1) };
  await knnFails(nan, test, { k: 1 }, /feature 0 of example 1 is NaN/);

  await assert.rejects(linearProbe(train, test, { key, batchSize: 0 }), /batchSize .* got 0/);
  await assert.rejects(linearProbe(train, test, { key, epochs: 1.5 }), /epochs .* got 1.5/);
  await assert.rejects(
    linearProbe(train, test, { key, learningRate: -1 }),
    /learningRate .* > 0, got -1/,
  );

  const dataset = halves(18, 5);
  const noImages = { ...dataset, images: new Uint8Array(0), shape: [0, 6, 6, 1] as const };
  await assert.rejects(
    extractFeatures((x) => x, { ...noImages, labels: new Int32Array(0) }),
    /halves has no images/,
  );
  await assert.rejects(
    extractFeatures((x) => tf.reshape(x, [-1]), dataset),
    /float32 features of shape \[5, dim\] .* got float32 \[180\]/,
  );
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("an aborted signal stops extraction, kNN and the probe, mid-way, leaking no tensors", async () => {
  const before = tf.memory().numTensors;
  const stopped = AbortSignal.abort("stop");
  const [train, test] = clusters(16, [300, 100]);
  await assert.rejects(weightedKnn(train, test, { k: 20, chunkSize: 10, signal: stopped }));
  await assert.rejects(linearProbe(train, test, { key, signal: stopped }));
  // Aborted during the work: after the encoder's second batch, or the probe's second epoch.
  let batches = 0;
  const controller = new AbortController();
  const encode = (x: tf.Tensor4D) => {
    if (++batches === 2) controller.abort("stop");
    return tf.reshape(x, [x.shape[0], 36]) as tf.Tensor2D;
  };
  await assert.rejects(
    evaluate({
      encode,
      train: halves(17, 64),
      test: halves(18, 32),
      key,
      batchSize: 8,
      signal: controller.signal,
    }),
  );
  assert.equal(batches, 2, "no batch after the abort");
  const epochs = new AbortController();
  let seen = 0;
  const probe = linearProbe(train, test, {
    key,
    epochs: 50,
    batchSize: 300,
    signal: epochs.signal,
  });
  const timer = setInterval(() => {
    if (++seen === 2) epochs.abort("stop");
  }, 0);
  await assert.rejects(probe, (err) => err === "stop");
  clearInterval(timer);
  assert.equal(tf.memory().numTensors, before);
});

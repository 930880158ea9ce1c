// The paper's evaluations in lib/eval on tiny data: class-balanced label subsets, fine-tuning
// (semi-supervised, from pretrained weights and from scratch) and the standard linear protocol
// with its weight decay chosen on a held-out slice of the training set.
import assert from "node:assert/strict";
import { data, type ImageDataset, type Key, nn, random, tf, tree, useBackend } from "../mod.ts";
import {
  balancedSubset,
  examplesPerClass,
  fineTune,
  linearProbe,
  linearProtocol,
  semiSupervised,
} from "../lib/eval/mod.ts";

await useBackend("wasm");

/** A one-conv encoder small enough to fine-tune in a second on 12x12 images. */
const encoder = nn.sequential({
  conv: nn.conv2d({ filters: 8, kernel: 3, stride: 2 }),
  bn: nn.batchNorm(),
  act: nn.relu,
  flat: nn.flatten,
});

/** Drawn shapes at 12x12, 8 classes. */
const shapes = (seed: number, count: number): ImageDataset =>
  data.shapes(random.key(seed), { count, height: 12, width: 12 });

const key = random.key(5);

Deno.test("balancedSubset: the same count from every class, fixed by the key, 1% inside 10%", () => {
  const labels = Int32Array.from({ length: 1000 }, (_, i) => i % 4);
  const ten = balancedSubset(key, labels, 4, 10);
  assert.equal(ten.perClass, 25);
  assert.equal(ten.indices.length, 100);
  const counts = [0, 0, 0, 0];
  for (const i of ten.indices) counts[labels[i]]++;
  assert.deepEqual(counts, [25, 25, 25, 25]);
  assert.equal(new Set(ten.indices).size, 100, "no example twice");
  assert.deepEqual(ten.indices, Int32Array.from(ten.indices).sort(), "in increasing order");

  assert.deepEqual(
    balancedSubset(key, labels, 4, 10).indices,
    ten.indices,
    "same key, same subset",
  );
  const other = balancedSubset(random.key(6), labels, 4, 10);
  assert.notDeepEqual(other.indices, ten.indices, "another key, another subset");

  const one = balancedSubset(key, labels, 4, 1.2);
  assert.equal(one.perClass, 3);
  const inTen = new Set(ten.indices);
  assert.ok([...one.indices].every((i) => inTen.has(i)), "the smaller subset is inside the larger");
  assert.equal(balancedSubset(key, labels, 4, 100).indices.length, 1000);
});

Deno.test("balancedSubset: bad percentages and too few examples get clear errors", () => {
  const labels = Int32Array.from({ length: 100 }, (_, i) => (i < 5 ? 1 : 0));
  assert.throws(() => balancedSubset(key, labels, 2, 0), /percent must be in \(0, 100\], got 0/);
  assert.throws(() => balancedSubset(key, labels, 2, 150), /in \(0, 100\], got 150/);
  assert.throws(() => balancedSubset(key, labels, 2, NaN), /got NaN/);
  assert.throws(
    () => balancedSubset(key, labels, 2, 0.5),
    /0.5% of 100 labels over 2 classes is less than one example per class/,
  );
  assert.throws(
    () => balancedSubset(key, labels, 2, 20),
    /10 examples per class, but class 1 has only 5/,
  );
  assert.throws(() => balancedSubset(key, Int32Array.of(0, 3), 2, 100), /label 3 of example 1/);
  assert.equal(examplesPerClass(1, 60000, 10), 60);
});

Deno.test("fineTune lowers the loss and beats chance; consumes nothing and leaks no tensors", async () => {
  const train = shapes(1, 256);
  const test = shapes(2, 128);
  const start = encoder.init(random.key(3), [12, 12, 1]);
  const startValues = tree.leaves(start.params).map((t) => (t as tf.Tensor).dataSync().slice());
  const before = tf.memory().numTensors;
  const result = await fineTune(encoder, start, train, test, {
    key,
    steps: 100,
    batchSize: 32,
    learningRate: 2e-2,
  });
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
  assert.equal(result.losses.length, 100);
  const mean = (xs: Float32Array) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const [first, last] = [mean(result.losses.subarray(0, 10)), mean(result.losses.subarray(90))];
  assert.ok(last < 0.7 * first, `loss ${first} -> ${last}`);
  // Chance is 1/8, and its standard error on 128 test images 0.03.
  assert.ok(result.testAccuracy > 0.3, `test accuracy ${result.testAccuracy} (chance 0.125)`);
  assert.ok(result.trainAccuracy > 0.3, `train accuracy ${result.trainAccuracy}`);
  tree.leaves(start.params).forEach((t, i) =>
    assert.deepEqual((t as tf.Tensor).dataSync(), startValues[i], "start params changed")
  );
  tree.dispose(start.params, start.state);
});

Deno.test("fineTune: a batch larger than the labelled set is the set; bad options are named", async () => {
  const train = shapes(1, 16);
  const test = shapes(2, 16);
  const start = encoder.init(random.key(3), [12, 12, 1]);
  const before = tf.memory().numTensors;
  const small = await fineTune(encoder, start, train, test, { key, steps: 3, batchSize: 64 });
  assert.equal(small.losses.length, 3);
  await assert.rejects(
    fineTune(encoder, start, train, test, { key, steps: 0 }),
    /fineTune: steps must be a positive integer, got 0/,
  );
  await assert.rejects(
    fineTune(encoder, start, train, test, { key, learningRate: -1 }),
    /learningRate must be a finite number > 0, got -1/,
  );
  await assert.rejects(
    fineTune(encoder, start, train, data.shapes(key, { count: 4 }), { key }),
    /train images are 12x12x1 but test images are 28x28x1/,
  );
  const stopped = AbortSignal.abort("stop");
  await assert.rejects(
    fineTune(encoder, start, train, test, { key, signal: stopped }),
    (err) => err === "stop",
  );
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
  tree.dispose(start.params, start.state);
});

Deno.test("semiSupervised: one row per fraction; from scratch is fineTune from initKey's init", async () => {
  const train = shapes(1, 400);
  const test = shapes(2, 64);
  const initKey = random.key(9);
  // Pretrained weights equal to the from-scratch init: both columns must then agree exactly.
  const same = encoder.init(initKey, [12, 12, 1], { path: "encoder" });
  const before = tf.memory().numTensors;
  const options = { encoder, train, test, key, initKey, steps: 4, batchSize: 16 };
  const rows = await semiSupervised({ ...options, pretrained: same, percents: [10, 50] });
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
  assert.deepEqual(rows.map((r) => [r.percent, r.images, r.perClass]), [[10, 40, 5], [
    50,
    200,
    25,
  ]]);
  for (const row of rows) {
    assert.deepEqual(row.scratch.losses, row.pretrained.losses);
    assert.equal(row.scratch.testAccuracy, row.pretrained.testAccuracy);
  }
  // Other pretrained weights: the from-scratch column stays the same, the other one changes.
  const other = encoder.init(random.key(10), [12, 12, 1]);
  const [row] = await semiSupervised({ ...options, pretrained: other, percents: [10] });
  assert.deepEqual(row.scratch.losses, rows[0].scratch.losses);
  assert.notDeepEqual(row.pretrained.losses, rows[0].pretrained.losses);
  // Every fraction is checked before anything is fine-tuned.
  await assert.rejects(
    semiSupervised({ ...options, pretrained: other, percents: [10, 0.1] }),
    /0.1% of 400 labels over 8 classes is less than one example per class/,
  );
  tree.dispose(same.params, same.state, other.params, other.state);
});

Deno.test("linearProbe's weight decay shrinks the weights: random labels are no longer fitted", async () => {
  const [kx, ky] = random.split(random.key(11));
  const train = {
    values: random.normalArray(kx, 100 * 64),
    count: 100,
    dim: 64,
    labels: random.randintArray(ky, 100, 0, 4),
    numClasses: 4,
  };
  const options = { key, epochs: 100, batchSize: 50, learningRate: 5e-2 };
  const free = await linearProbe(train, train, options);
  const decayed = await linearProbe(train, train, { ...options, weightDecay: 10 });
  assert.ok(free.trainAccuracy > 0.6, `train accuracy without decay ${free.trainAccuracy}`);
  assert.ok(
    decayed.trainAccuracy < free.trainAccuracy - 0.2,
    `with decay ${decayed.trainAccuracy}`,
  );
  assert.ok(decayed.trainLoss > free.trainLoss);
  await assert.rejects(
    linearProbe(train, train, { key, weightDecay: -1 }),
    /weightDecay .* got -1/,
  );
});

Deno.test("linearProtocol chooses the weight decay on held-out training images, never the test set", async () => {
  const train = shapes(12, 240);
  const test = shapes(13, 120);
  const { params, state } = encoder.init(random.key(14), [12, 12, 1]);
  const encode = (x: tf.Tensor4D) => encoder.apply(params, state, x).y;
  const options = {
    key,
    weightDecays: [0, 1e-2, 1],
    probe: { epochs: 5, batchSize: 64 },
    batchSize: 64,
  };
  const before = tf.memory().numTensors;
  const result = await linearProtocol(encode, train, test, options);
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
  assert.deepEqual(result.validation.map((v) => v.weightDecay), [0, 1e-2, 1]);
  const best = Math.max(...result.validation.map((v) => v.accuracy));
  assert.equal(
    result.weightDecay,
    result.validation.find((v) => v.accuracy === best)!.weightDecay,
    "the first weight decay with the best held-out accuracy",
  );
  assert.equal(result.validationImages, 24);
  assert.equal(result.augmentedCopies, 1);
  assert.ok(result.testAccuracy > 0.125, `test accuracy ${result.testAccuracy}`);

  // The test labels shuffled: the same choice and held-out accuracies; only the test score moves.
  const shuffled = random.permutationArray(random.key(15), test.labels.length);
  const permuted = { ...test, labels: Int32Array.from(shuffled, (i) => test.labels[i]) };
  const blind = await linearProtocol(encode, train, permuted, options);
  assert.deepEqual(blind.validation, result.validation);
  assert.equal(blind.weightDecay, result.weightDecay);
  assert.equal(blind.trainAccuracy, result.trainAccuracy);
  assert.notEqual(blind.testAccuracy, result.testAccuracy);

  // Another held-out slice (another key) changes the held-out accuracies.
  const other = await linearProtocol(encode, train, test, { ...options, key: random.key(16) });
  assert.notDeepEqual(other.validation, result.validation);
  tree.dispose([params, state]);
});

Deno.test("linearProtocol: each augmented copy augments every batch with its own key; bad options are named", async () => {
  const train = shapes(12, 60);
  const test = shapes(13, 20);
  const encode = (x: tf.Tensor4D) => tf.reshape(x, [x.shape[0], 144]);
  const options = { key, weightDecays: [0], probe: { epochs: 2 }, batchSize: 16 };
  const keys: string[] = [];
  const spy = (k: Key, x: tf.Tensor4D) => {
    keys.push(String(k));
    return tf.clone(x);
  };
  await linearProtocol(encode, train, test, { ...options, augmentedCopies: 0, augment: spy });
  assert.equal(keys.length, 0, "no copies, no augmentation");
  await linearProtocol(encode, train, test, { ...options, augmentedCopies: 2, augment: spy });
  assert.equal(keys.length, 2 * 4, "2 copies of 4 batches of 16 (the last one 12)");
  assert.equal(new Set(keys).size, 8, "a key per batch and copy");

  const fails = (o: object, pattern: RegExp) =>
    assert.rejects(linearProtocol(encode, train, test, { ...options, ...o }), pattern);
  await fails({ weightDecays: [] }, /weightDecays must be one or more finite numbers >= 0/);
  await fails({ weightDecays: [-1] }, /got \[-1\]/);
  await fails({ validationFraction: 1 }, /validationFraction must be in \(0, 1\), got 1/);
  await fails({ augmentedCopies: 1.5 }, /augmentedCopies must be an integer >= 0, got 1.5/);
});

// Behaviour of the nn layers on the cpu backend: batch-norm modes and running statistics,
// dropout, fused activations, initialisers, keys, output shapes and parameter counts.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../lib/backend.ts";
import * as nn from "../lib/nn/mod.ts";
import * as random from "../lib/random.ts";
import * as tree from "../lib/tree.ts";

await useBackend("cpu");

function assertAllClose(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5): void {
  assert.equal(got.length, want.length, "lengths differ");
  for (let i = 0; i < want.length; i++) {
    assert.ok(
      Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])),
      `[${i}]: got ${got[i]}, expected ${want[i]}`,
    );
  }
}

/** Per-channel mean and biased variance of `[n, c]` data, in float64. */
function channelStats(
  data: ArrayLike<number>,
  channels: number,
): { mean: number[]; variance: number[] } {
  const n = data.length / channels;
  const mean = Array.from({ length: channels }, (_, c) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += data[i * channels + c];
    return s / n;
  });
  const variance = mean.map((m, c) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (data[i * channels + c] - m) ** 2;
    return s / n;
  });
  return { mean, variance };
}

Deno.test("batchNorm training normalises with batch statistics and updates running ones", () => {
  const momentum = 0.8;
  const bn = nn.batchNorm({ momentum, eps: 1e-5 });
  const { params, state } = bn.init(random.key(0), [2, 2, 3]);
  const x = random.normal(random.key(1), [4, 2, 2, 3], { mean: 2, stddev: 3 });
  const { y, state: s1 } = bn.apply(params, state, x, { training: true });
  const batch = channelStats(x.dataSync(), 3);
  const out = channelStats(y.dataSync(), 3);
  assertAllClose(out.mean, [0, 0, 0], 1e-5);
  assertAllClose(out.variance, batch.variance.map((v) => v / (v + 1e-5)), 1e-4);
  // running = momentum * running + (1 - momentum) * batch, from mean 0 and variance 1.
  const mean1 = batch.mean.map((m) => (1 - momentum) * m);
  const var1 = batch.variance.map((v) => momentum + (1 - momentum) * v);
  assertAllClose(s1.mean.dataSync(), mean1, 1e-5);
  assertAllClose(s1.variance.dataSync(), var1, 1e-5);

  const x2 = random.normal(random.key(2), [4, 2, 2, 3], { mean: -1 });
  const { y: y2, state: s2 } = bn.apply(params, s1, x2, { training: true });
  const batch2 = channelStats(x2.dataSync(), 3);
  assertAllClose(
    s2.mean.dataSync(),
    mean1.map((m, c) => momentum * m + (1 - momentum) * batch2.mean[c]),
  );
  assertAllClose(
    s2.variance.dataSync(),
    var1.map((v, c) => momentum * v + (1 - momentum) * batch2.variance[c]),
  );
  tree.dispose(params, state, x, y, s1, x2, y2, s2);
});

Deno.test("batchNorm evaluation uses running statistics and returns its state unchanged", () => {
  const bn = nn.batchNorm({ eps: 1e-3 });
  const { params } = bn.init(random.key(0), [3]);
  const state = { mean: tf.tensor1d([1, -2, 0.5]), variance: tf.tensor1d([4, 0.25, 1]) };
  const scaled = { scale: tf.tensor1d([2, 1, -1]), offset: tf.tensor1d([0, 1, 3]) };
  const x = tf.tensor2d([[3, -2, 0.5], [1, 0, 1.5]]);
  const { y, state: next } = bn.apply(scaled, state, x);
  const expect = [[3, -2, 0.5], [1, 0, 1.5]].flatMap((row) =>
    row.map((v, c) =>
      ((v - [1, -2, 0.5][c]) / Math.sqrt([4, 0.25, 1][c] + 1e-3)) * [2, 1, -1][c] + [0, 1, 3][c]
    )
  );
  assertAllClose(y.dataSync(), expect);
  assert.equal(next, state, "evaluation returns the state itself, with no copy to free");
  tree.dispose(params, state, scaled, x, y);
});

Deno.test("batchNorm rejects a training batch of one on 2-D input and bad options", () => {
  const bn = nn.batchNorm();
  const { params, state } = bn.init(random.key(0), [3]);
  const x = tf.ones([1, 3]);
  assert.throws(
    () => bn.apply(params, state, x, { training: true, path: "head/bn" }),
    /batchNorm at "head\/bn": training needs more than one value per channel/,
  );
  assert.throws(() => nn.batchNorm({ momentum: 1.5 }), /momentum must be in \[0, 1\], got 1.5/);
  tree.dispose(params, state, x);
});

Deno.test("dropout: the key decides the mask, kept values are scaled, evaluation is identity", () => {
  const drop = nn.dropout({ rate: 0.25 });
  const x = tf.ones([50, 40]);
  const a = drop.apply(null, null, x, { training: true, key: random.key(1) }).y;
  const b = drop.apply(null, null, x, { training: true, key: random.key(1) }).y;
  const c = drop.apply(null, null, x, { training: true, key: random.key(2) }).y;
  const values = a.dataSync();
  const kept = values.filter((v) => v !== 0);
  assert.ok(
    kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-6),
    "kept values are scaled by 1/(1-rate)",
  );
  assert.ok(Math.abs(1 - kept.length / values.length - 0.25) < 0.03, "about a quarter dropped");
  assert.deepEqual(b.dataSync(), values);
  assert.notDeepEqual(c.dataSync(), values);
  const evaluated = drop.apply(null, null, x).y;
  assert.notEqual(evaluated, x, "evaluation returns a fresh tensor");
  assert.deepEqual(evaluated.dataSync(), x.dataSync());
  assert.throws(
    () => drop.apply(null, null, x, { training: true, path: "head/drop" }),
    /dropout at "head\/drop": training with rate 0.25 needs a random key/,
  );
  assert.throws(() => nn.dropout({ rate: 1 }), /rate must be in \[0, 1\), got 1/);
  tree.dispose(x, a, b, c, evaluated);
});

Deno.test("sequential gives each child its own init and apply key", () => {
  const net = nn.sequential({
    a: nn.linear({ units: 3 }),
    b: nn.linear({ units: 3 }),
    dropA: nn.dropout({ rate: 0.5 }),
    dropB: nn.dropout({ rate: 0.5 }),
  });
  const { params, state } = net.init(random.key(0), [3]);
  assert.notDeepEqual(params.a.w.dataSync(), params.b.w.dataSync());
  const again = net.init(random.key(0), [3]);
  assert.deepEqual(again.params.a.w.dataSync(), params.a.w.dataSync(), "init is deterministic");
  // Two identical dropouts in a row: with independent keys the surviving fraction is ~1/4.
  const drops = nn.sequential({ d1: nn.dropout({ rate: 0.5 }), d2: nn.dropout({ rate: 0.5 }) });
  const x = tf.ones([100, 40]);
  const nulls = { d1: null, d2: null };
  const { y } = drops.apply(nulls, nulls, x, { training: true, key: random.key(3) });
  const alive = y.dataSync().filter((v) => v !== 0).length / x.size;
  assert.ok(Math.abs(alive - 0.25) < 0.03, `expected about 1/4 kept, got ${alive}`);
  tree.dispose(params, state, again.params, x, y);
});

Deno.test("fused activations give the same results as separate layers", () => {
  const x = random.normal(random.key(1), [3, 5]);
  const fused = nn.linear({ units: 4, activation: "relu" });
  const plain = nn.sequential({ fc: nn.linear({ units: 4 }), act: nn.relu });
  const { params } = fused.init(random.key(0), [5]);
  const a = fused.apply(params, null, x).y;
  const b = plain.apply({ fc: params, act: null }, { fc: null, act: null }, x).y;
  assert.deepEqual(a.dataSync(), b.dataSync());

  const images = random.normal(random.key(2), [2, 6, 6, 3]);
  const fusedConv = nn.conv2d({ filters: 4, kernel: 3, stride: 2, activation: "relu" });
  const plainConv = nn.sequential({
    conv: nn.conv2d({ filters: 4, kernel: 3, stride: 2 }),
    act: nn.relu,
  });
  const conv = fusedConv.init(random.key(0), [6, 6, 3]);
  const c = fusedConv.apply(conv.params, null, images).y;
  const d = plainConv.apply({ conv: conv.params, act: null }, { conv: null, act: null }, images).y;
  assertAllClose(c.dataSync(), d.dataSync(), 1e-6);
  tree.dispose(x, params, a, b, images, conv.params, c, d);
});

Deno.test("relu and gelu values", () => {
  const x = tf.tensor1d([-2, -1, 0, 1, 2]);
  const r = nn.relu.apply(null, null, x).y;
  const g = nn.gelu.apply(null, null, x).y;
  assert.deepEqual(Array.from(r.dataSync()), [0, 0, 0, 1, 2]);
  // x * Phi(x) with the standard normal CDF Phi.
  assertAllClose(g.dataSync(), [-0.0455003, -0.1586553, 0, 0.8413447, 1.9544997], 1e-6);
  tree.dispose(x, r, g);
});

Deno.test("init's output shape is the shape apply produces", () => {
  const cases: [string, nn.Layer, number[]][] = [
    ["conv same stride 2", nn.conv2d({ filters: 5, kernel: 3, stride: 2 }), [7, 8, 2]],
    ["conv valid", nn.conv2d({ filters: 2, kernel: [3, 1], padding: "valid" }), [7, 8, 2]],
    ["conv valid stride 3", nn.conv2d({ filters: 2, kernel: 2, stride: 3, padding: "valid" }), [
      7,
      8,
      2,
    ]],
    ["max pool same", nn.maxPool2d({ window: 3, stride: 2, padding: "same" }), [7, 8, 2]],
    ["max pool valid", nn.maxPool2d({ window: 2 }), [7, 8, 2]],
    ["avg pool same", nn.avgPool2d({ window: [2, 3], stride: [1, 2], padding: "same" }), [7, 8, 2]],
    ["global avg pool", nn.globalAvgPool, [7, 8, 2]],
    ["adaptive avg pool", nn.adaptiveAvgPool2d({ size: [2, 3] }), [7, 8, 2]],
    ["flatten", nn.flatten, [7, 8, 2]],
    ["layerNorm", nn.layerNorm(), [7, 8, 2]],
    ["batchNorm", nn.batchNorm(), [7, 8, 2]],
  ];
  for (const [name, layer, inputShape] of cases) {
    const { params, state, outputShape } = layer.init(random.key(0), inputShape);
    const x = tf.zeros([2, ...inputShape]);
    const { y, state: next } = layer.apply(params, state, x);
    assert.deepEqual(y.shape, [2, ...outputShape], name);
    tree.dispose(params, state, x, y, next);
  }
});

Deno.test("avgPool2d with same padding averages only the positions inside the input", () => {
  const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
  const { y } = nn.avgPool2d({ window: 2, padding: "same" }).apply(null, null, x);
  assert.deepEqual(Array.from(y.dataSync()), [3, 4.5, 7.5, 9]);
  tree.dispose(x, y);
});

Deno.test("adaptiveAvgPool2d averages PyTorch's cells, overlapping where the grid does not divide", () => {
  // 7 rows to 2 cells: rows 0-3 and 3-6; 3 columns to 3 cells: one column each.
  const x = tf.tensor4d(Array.from({ length: 21 }, (_, i) => i), [1, 7, 3, 1]);
  const { y } = nn.adaptiveAvgPool2d({ size: [2, 3] }).apply(null, null, x);
  assert.deepEqual(y.shape, [1, 2, 3, 1]);
  const rowMean = (rows: number[], col: number) =>
    rows.reduce((sum, r) => sum + 3 * r + col, 0) / rows.length;
  const expected = [[0, 1, 2, 3], [3, 4, 5, 6]].flatMap((rows) =>
    [0, 1, 2].map((c) => rowMean(rows, c))
  );
  assert.deepEqual(Array.from(y.dataSync()), expected);
  tree.dispose(x, y);

  const square = tf.ones([2, 4, 4, 3]);
  const pooled = nn.adaptiveAvgPool2d({ size: 4 }).apply(null, null, square);
  assert.deepEqual(Array.from(pooled.y.dataSync()), Array.from(square.dataSync()), "identity grid");
  tree.dispose(square, pooled.y);

  assert.throws(
    () => nn.adaptiveAvgPool2d({ size: 3 }).init(random.key(0), [2, 8, 4], { path: "enc/pool" }),
    /adaptiveAvgPool2d at "enc\/pool": a 3x3 grid needs an input of at least 3x3 positions, got 2x8/,
  );
});

Deno.test("initialisers: scales, bounds and the weight's fans for biases", () => {
  const { initializers } = nn;
  const he = initializers.heNormal(random.key(0), [3, 3, 32, 64]);
  const std = Math.sqrt(tf.tidy(() => tf.moments(he).variance).dataSync()[0]);
  assert.ok(Math.abs(std / Math.sqrt(2 / (3 * 3 * 32)) - 1) < 0.03, `He std ${std}`);
  const glorot = initializers.glorotUniform(random.key(1), [100, 200]);
  const limit = Math.sqrt(6 / 300);
  const g = glorot.dataSync();
  assert.ok(g.every((v) => Math.abs(v) <= limit) && g.some((v) => Math.abs(v) > 0.9 * limit));
  const fc = nn.linear({
    units: 50,
    init: initializers.torchUniform,
    biasInit: initializers.torchUniform,
  });
  const { params } = fc.init(random.key(2), [400]);
  const b = params.b.dataSync();
  assert.ok(
    b.every((v) => Math.abs(v) <= 1 / 20) && b.some((v) => Math.abs(v) > 0.04),
    "bias bound 1/sqrt(400)",
  );
  const bn = nn.batchNorm().init(random.key(0), [5]);
  assert.deepEqual(Array.from(bn.params.scale.dataSync()), [1, 1, 1, 1, 1]);
  assert.deepEqual(Array.from(bn.params.offset.dataSync()), [0, 0, 0, 0, 0]);
  const bad = nn.linear({ units: 3, init: (_key, shape) => tf.zeros([shape[0]]) });
  assert.throws(
    () => bad.init(random.key(0), [4], { path: "head" }),
    /linear at "head": the initialiser for w returned a tensor of shape \[4\], expected a tensor of shape \[4, 3\]/,
  );
  tree.dispose(he, glorot, params, bn.params, bn.state);
});

Deno.test("tree.size counts tensor elements, skipping nulls", () => {
  const net = nn.sequential({
    conv: nn.conv2d({ filters: 4, kernel: 3, bias: false }),
    bn: nn.batchNorm(),
    act: nn.relu,
    pool: nn.globalAvgPool,
    fc: nn.linear({ units: 10 }),
  });
  const { params, state } = net.init(random.key(0), [8, 8, 3]);
  assert.equal(tree.size(params), 3 * 3 * 3 * 4 + 4 + 4 + 4 * 10 + 10);
  assert.equal(tree.size(state), 8, "running statistics are state");
  tree.dispose(params, state);
});

Deno.test("options are checked with clear errors", () => {
  assert.throws(() => nn.linear({ units: 0 }), /linear: units must be a positive integer, got 0/);
  assert.throws(
    () => nn.conv2d({ filters: 2, kernel: 3, padding: "full" as nn.Padding }),
    /conv2d: padding must be one of "same", "valid", got "full"/,
  );
  assert.throws(
    () => nn.maxPool2d({ window: [2, 0] }),
    /maxPool2d: window must be a positive integer/,
  );
  assert.throws(() => nn.sequential({}), /needs at least one child/);
  assert.throws(() => nn.sequential({ "a/b": nn.relu }), /without "\/", got "a\/b"/);
  assert.throws(() => nn.sequential({ x: nn.relu, 0: nn.relu }), /mix integer-like \("0"\)/);
});

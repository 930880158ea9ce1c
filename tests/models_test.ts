// Models built from nn: parameter counts against torchvision, layouts, and forward passes.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../lib/backend.ts";
import * as nn from "../lib/nn/mod.ts";
import * as random from "../lib/random.ts";
import * as tree from "../lib/tree.ts";
import { convNet, mlp, resnet18, resnet34, resnet50 } from "../models/mod.ts";

Deno.test("ResNet-18 and ResNet-50 parameter counts equal torchvision's at 1000 classes", async () => {
  await useBackend("cpu");
  // The spatial size does not change the count; a small one keeps nothing else expensive.
  for (const [build, expected] of [[resnet18, 11_689_512], [resnet50, 25_557_032]] as const) {
    const { params, state, outputShape } = build({ classes: 1000 }).init(random.key(0), [
      32,
      32,
      3,
    ]);
    assert.equal(tree.size(params), expected, build.name);
    assert.deepEqual(outputShape, [1000]);
    tree.dispose(params, state);
  }
});

Deno.test("ResNet layout: torchvision names, bias-free convs, projections where shapes change", async () => {
  await useBackend("cpu");
  const { params, state, outputShape } = resnet18({ stem: "small", width: 0.25 }).init(
    random.key(0),
    [28, 28, 1],
  );
  assert.deepEqual(outputShape, [128], "pooled features without classes");
  const paths = tree.paths(params);
  assert.ok(paths.includes("stem/conv/w"));
  assert.ok(!paths.some((p) => p.endsWith("conv/b") || /conv\d\/b$/.test(p)), "convs have no bias");
  assert.ok(paths.includes("layer1/block0/main/conv1/w"));
  assert.ok(!paths.some((p) => p.startsWith("layer1/block0/shortcut")), "layer1 keeps the shape");
  assert.ok(paths.includes("layer2/block0/shortcut/conv/w"));
  assert.ok(!paths.some((p) => p.startsWith("layer2/block1/shortcut")));
  assert.deepEqual(params.stem.conv.w.shape, [3, 3, 1, 16], "small stem, width 0.25");
  assert.deepEqual(params.layer2.block0.shortcut?.conv.w.shape, [1, 1, 16, 32]);
  assert.equal(params.layer2.block1.shortcut, null, "identity shortcut");
  assert.ok(tree.paths(state).includes("layer4/block1/main/bn2/variance"));
  tree.dispose(params, state);

  const wide = resnet50({ width: 0.1 }).init(random.key(0), [64, 64, 3]);
  const widePaths = tree.paths(wide.params);
  assert.ok(widePaths.includes("stem/bn/scale") && !widePaths.includes("stem/pool"));
  assert.ok(widePaths.includes("layer1/block0/shortcut/conv/w"), "bottleneck expands in layer1");
  const main = wide.params.layer2.block0.main;
  assert.deepEqual(main.conv2.w.shape, [3, 3, 13, 13], "channels round(128 * 0.1)");
  assert.deepEqual(main.conv3.w.shape, [1, 1, 13, 51], "bottleneck: round(512 * 0.1) out");
  assert.deepEqual(wide.outputShape, [205], "round(2048 * 0.1) features");
  tree.dispose(wide.params, wide.state);
});

Deno.test("ResNet options are checked", () => {
  assert.throws(() => resnet18({ width: 0 }), /resnet18: width must be a positive number, got 0/);
  assert.throws(() => resnet50({ classes: 2.5 }), /resnet50: classes must be a positive integer/);
  assert.throws(
    () => resnet34({ stem: "cifar" as "small" }),
    /resnet34: stem must be "imagenet", "small" or "strided", got "cifar"/,
  );
});

for (const [build, features] of [[resnet18, 128], [resnet34, 128], [resnet50, 512]] as const) {
  Deno.test(`${build.name} (small stem, width 0.25) runs forward on wasm`, async () => {
    await useBackend("wasm");
    const model = build({ stem: "small", width: 0.25, classes: 10 });
    const { params, state, outputShape } = model.init(random.key(0), [28, 28, 1]);
    assert.deepEqual(outputShape, [10]);
    const x = random.normal(random.key(1), [2, 28, 28, 1]);
    const before = tf.memory().numTensors;
    const train = model.apply(params, state, x, { training: true });
    const evaluation = model.apply(params, train.state, x);
    assert.deepEqual(train.y.shape, [2, 10]);
    assert.deepEqual(evaluation.y.shape, [2, 10]);
    const values = await evaluation.y.data();
    assert.ok(values.every(Number.isFinite), "finite logits");
    tree.dispose(train.y, train.state, evaluation.y, evaluation.state);
    assert.equal(tf.memory().numTensors, before);
    tree.dispose(params, state, x);

    const encoder = build({ stem: "small", width: 0.25 });
    const enc = encoder.init(random.key(0), [28, 28, 1]);
    assert.deepEqual(enc.outputShape, [features]);
    tree.dispose(enc.params, enc.state);

    // The strided stem has the small stem's parameters and gives the same features.
    const stridedNet = build({ stem: "strided", width: 0.25 });
    const strided = stridedNet.init(random.key(0), [28, 28, 1]);
    assert.equal(tree.size(strided.params), tree.size(enc.params));
    assert.deepEqual(strided.outputShape, [features]);
    const input = tf.ones([2, 28, 28, 1]);
    const out = stridedNet.apply(strided.params, strided.state, input);
    assert.deepEqual(out.y.shape, [2, features]);
    tree.dispose(strided.params, strided.state, input, out.y);
  });
}

Deno.test("convNet: layout, strides, parameter count and forward pass on wasm", async () => {
  await useBackend("wasm");
  const encoder = convNet({ channels: [8, 16, 16], strides: [1, 2, 2] });
  const { params, state, outputShape } = encoder.init(random.key(0), [28, 28, 1]);
  assert.deepEqual(outputShape, [16]);
  assert.deepEqual(tree.paths(params), [
    "layer0/conv/w",
    "layer0/bn/scale",
    "layer0/bn/offset",
    "layer1/conv/w",
    "layer1/bn/scale",
    "layer1/bn/offset",
    "layer2/conv/w",
    "layer2/bn/scale",
    "layer2/bn/offset",
  ]);
  assert.equal(tree.size(params), 9 * 1 * 8 + 9 * 8 * 16 + 9 * 16 * 16 + 2 * (8 + 16 + 16));
  const x = random.uniform(random.key(1), [3, 28, 28, 1]);
  const before = tf.memory().numTensors;
  const { y, state: next } = encoder.apply(params, state, x, { training: true });
  assert.deepEqual(y.shape, [3, 16]);
  const values = await y.data();
  assert.ok(values.every((v) => v >= 0 && Number.isFinite(v)), "pooled relu features");
  tree.dispose(y, next);
  assert.equal(tf.memory().numTensors, before);
  tree.dispose(params, state, x);

  const classifier = convNet({ channels: [4], classes: 10 }).init(random.key(0), [8, 8, 3]);
  assert.deepEqual(classifier.outputShape, [10]);
  assert.deepEqual(classifier.params.fc?.w.shape, [4, 10]);
  tree.dispose(classifier.params, classifier.state);
});

Deno.test("convNet with poolGrid 2: the last map averaged to 2x2 cells, flattened", async () => {
  await useBackend("wasm");
  const options = { channels: [4, 6], strides: [1, 2] };
  const gridded = convNet({ ...options, poolGrid: 2 });
  const { params, state, outputShape } = gridded.init(random.key(0), [9, 9, 1]);
  assert.deepEqual(outputShape, [24], "2 x 2 cells x 6 channels");
  const x = random.uniform(random.key(1), [2, 9, 9, 1]);
  const { y } = gridded.apply(params, state, x);
  // Without the pool, the same parameters give the 5x5 map the cells average.
  const map = nn.sequential({
    layer0: nn.sequential({
      conv: nn.conv2d({ filters: 4, kernel: 3, bias: false }),
      bn: nn.batchNorm(),
      relu: nn.relu,
    }),
    layer1: nn.sequential({
      conv: nn.conv2d({ filters: 6, kernel: 3, stride: 2, bias: false }),
      bn: nn.batchNorm(),
      relu: nn.relu,
    }),
  });
  const { layer0, layer1 } = params;
  const m = map.apply({ layer0, layer1 }, { layer0: state.layer0, layer1: state.layer1 }, x).y;
  const cell = tf.mean(tf.slice(m, [0, 2, 0, 0], [-1, 3, 3, -1]), [1, 2]); // rows 2-4, cols 0-2
  const fromGrid = tf.slice(tf.reshape(y, [2, 2, 2, 6]), [0, 1, 0, 0], [-1, 1, 1, -1]);
  const flat = tf.reshape(fromGrid, [2, 6]);
  assert.ok(await tree.allClose(flat, cell, { rtol: 1e-5, atol: 1e-6 }));
  tree.dispose(params, state, x, y, m, cell, fromGrid, flat);
});

Deno.test("convNet options are checked, every error at once", () => {
  assert.throws(
    () => convNet({ channels: [8, 0], strides: [1], poolGrid: 0, classes: 1.5 }),
    (e: Error) =>
      e.message.includes("convNet: channels[1] must be a positive integer, got 0") &&
      e.message.includes("convNet: strides must have one entry per layer (2), got 1") &&
      e.message.includes("convNet: poolGrid must be a positive integer, got 0") &&
      e.message.includes("convNet: classes must be a positive integer, got 1.5"),
  );
  assert.throws(() => convNet({ channels: [] }), /convNet: channels must name at least one layer/);
});

Deno.test("mlp: layout, fused relu, batch norm, and output", async () => {
  await useBackend("cpu");
  const plain = mlp({ hidden: [8, 6], out: 3 });
  const a = plain.init(random.key(0), [5]);
  assert.deepEqual(tree.paths(a.params), ["fc0/w", "fc0/b", "fc1/w", "fc1/b", "out/w", "out/b"]);
  assert.equal(tree.size(a.params), 5 * 8 + 8 + 8 * 6 + 6 + 6 * 3 + 3);
  assert.deepEqual(a.params.out.w.shape, [6, 3]);

  // The fused relu gives what the unfused layers give.
  const x = random.normal(random.key(1), [4, 5]);
  const unfused = nn.sequential({
    fc0: nn.linear({ units: 8 }),
    act0: nn.relu,
    fc1: nn.linear({ units: 6 }),
    act1: nn.relu,
    out: nn.linear({ units: 3 }),
  });
  const y1 = plain.apply(a.params, a.state, x).y;
  const { fc0, fc1, out } = a.params;
  const y2 = unfused.apply(
    { fc0, act0: null, fc1, act1: null, out },
    { fc0: null, act0: null, fc1: null, act1: null, out: null },
    x,
  ).y;
  assert.deepEqual(y1.dataSync(), y2.dataSync());

  const projector = mlp({ hidden: [16], out: 4, batchNorm: true, activation: nn.gelu });
  const b = projector.init(random.key(0), [5]);
  assert.deepEqual(tree.paths(b.params), [
    "fc0/w",
    "fc0/b",
    "bn0/scale",
    "bn0/offset",
    "out/w",
    "out/b",
  ]);
  assert.deepEqual(tree.paths(b.state), ["bn0/mean", "bn0/variance"]);
  const { y, state } = projector.apply(b.params, b.state, x, { training: true });
  assert.deepEqual(y.shape, [4, 4]);
  tree.dispose(a.params, x, y1, y2, b.params, b.state, y, state);
});

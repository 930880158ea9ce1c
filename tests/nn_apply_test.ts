// Applying nn layers: shape errors name the layer's path and both shapes; repeated applies and
// gradients free every temporary tensor.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { advance } from "../lib/advance.ts";
import { useBackend } from "../lib/backend.ts";
import * as nn from "../lib/nn/mod.ts";
import * as random from "../lib/random.ts";
import * as tree from "../lib/tree.ts";

await useBackend("cpu");

const encoder = () =>
  nn.sequential({
    encoder: nn.sequential({
      stem: nn.sequential({ conv: nn.conv2d({ filters: 4, kernel: 3 }), bn: nn.batchNorm() }),
      pool: nn.globalAvgPool,
    }),
    head: nn.linear({ units: 2 }),
  });

Deno.test("a shape mismatch at apply names the layer path and both shapes", () => {
  const model = encoder();
  const { params, state } = model.init(random.key(0), [8, 8, 3]);
  const before = tf.memory().numTensors;
  const gray = tf.zeros([2, 8, 8, 1]);
  assert.throws(
    () => model.apply(params, state, gray),
    {
      message:
        'conv2d at "encoder/stem/conv": expected input of shape [batch, ?, ?, 3], got [2, 8, 8, 1]',
    },
  );
  const flat = tf.zeros([2, 192]);
  assert.throws(
    () => model.apply(params, state, flat, { path: "byol/online" }),
    /conv2d at "byol\/online\/encoder\/stem\/conv": expected input of shape \[batch, \?, \?, 3\], got \[2, 192\]/,
  );
  tree.dispose(gray, flat);
  assert.equal(tf.memory().numTensors, before, "a failed apply frees what it made");
  tree.dispose(params, state);
});

Deno.test("each layer's apply checks its input against its parameters", () => {
  const x2 = tf.zeros([2, 8]);
  const x4 = tf.zeros([2, 4, 4, 8]);
  const expectations: [nn.Layer, number[], tf.Tensor, RegExp][] = [
    [
      nn.linear({ units: 3 }),
      [16],
      x2,
      /linear at "p": expected input of shape \[batch, 16\], got \[2, 8\]/,
    ],
    [
      nn.batchNorm(),
      [4, 4, 6],
      x4,
      /batchNorm at "p": expected input of shape \[batch, \?, \?, 6\], got \[2, 4, 4, 8\]/,
    ],
    [
      nn.batchNorm(),
      [6],
      x2,
      /batchNorm at "p": expected input of shape \[batch, 6\], got \[2, 8\]/,
    ],
    [
      nn.layerNorm(),
      [6],
      x2,
      /layerNorm at "p": expected input of shape \[batch, \.\.\., 6\], got \[2, 8\]/,
    ],
    [
      nn.globalAvgPool,
      [4, 4, 8],
      x2,
      /globalAvgPool at "p": expected input of shape \[batch, \?, \?, \?\], got \[2, 8\]/,
    ],
    [
      nn.maxPool2d({ window: 2 }),
      [4, 4, 8],
      x2,
      /maxPool2d at "p": expected input of shape \[batch, \?, \?, \?\], got \[2, 8\]/,
    ],
  ];
  for (const [layer, inputShape, x, message] of expectations) {
    const { params, state } = layer.init(random.key(0), inputShape);
    assert.throws(() => layer.apply(params, state, x, { path: "p" }), message);
    tree.dispose(params, state);
  }
  tree.dispose(x2, x4);
});

Deno.test("init errors name the layer path and the per-example shape", () => {
  const noFlatten = nn.sequential({
    features: nn.conv2d({ filters: 4, kernel: 3 }),
    head: nn.sequential({ fc: nn.linear({ units: 2 }) }),
  });
  assert.throws(
    () => noFlatten.init(random.key(0), [8, 8, 3]),
    /linear at "head\/fc": expected a per-example input shape \[features\] \(batch excluded\), got \[8, 8, 4\]; flatten or pool images/,
  );
  assert.throws(
    () => encoder().init(random.key(0), [784]),
    /conv2d at "encoder\/stem\/conv": expected a per-example input shape \[height, width, channels\] \(batch excluded\), got \[784\]/,
  );
  assert.throws(
    () => nn.maxPool2d({ window: 5 }).init(random.key(0), [4, 4, 1], { path: "pool" }),
    /maxPool2d at "pool": a \[5, 5\] window with "valid" padding does not fit the input \[4, 4, 1\]/,
  );
});

Deno.test("residual branches of different shapes are rejected at init and at apply", () => {
  const noProjection = nn.sequential({
    block: nn.residual({ main: nn.conv2d({ filters: 8, kernel: 3, stride: 2 }) }),
  });
  assert.throws(
    () => noProjection.init(random.key(0), [8, 8, 4]),
    /residual at "block": the main branch gives \[4, 4, 8\] but the shortcut gives \[8, 8, 4\]/,
  );
  // Both branches halve an 8-pixel input alike, but a 9-pixel one differently.
  const block = nn.residual({
    main: nn.conv2d({ filters: 2, kernel: 2, stride: 2, padding: "valid" }),
    shortcut: nn.conv2d({ filters: 2, kernel: 1, stride: 2 }),
  });
  const { params, state } = block.init(random.key(0), [8, 8, 2]);
  const before = tf.memory().numTensors;
  const x = tf.zeros([1, 9, 9, 2]);
  assert.throws(
    () => block.apply(params, state, x, { path: "layer2/block0" }),
    /residual at "layer2\/block0": the main branch gives \[1, 4, 4, 2\] but the shortcut gives \[1, 5, 5, 2\]/,
  );
  x.dispose();
  assert.equal(tf.memory().numTensors, before);
  tree.dispose(params, state);
});

/** A small model using every layer kind, with batch norm and dropout. */
const everything = () =>
  nn.sequential({
    stem: nn.sequential({
      conv: nn.conv2d({ filters: 4, kernel: 3, bias: false }),
      bn: nn.batchNorm(),
      act: nn.relu,
      pool: nn.maxPool2d({ window: 3, stride: 2, padding: "same" }),
    }),
    block: nn.residual({
      main: nn.sequential({
        conv: nn.conv2d({ filters: 6, kernel: 3, stride: 2, activation: "relu" }),
        norm: nn.layerNorm(),
        act: nn.gelu,
      }),
      shortcut: nn.sequential({
        conv: nn.conv2d({ filters: 6, kernel: 1, stride: 2, bias: false }),
        bn: nn.batchNorm(),
      }),
      activation: nn.relu,
    }),
    avg: nn.avgPool2d({ window: 2, padding: "same" }),
    flat: nn.flatten,
    drop: nn.dropout({ rate: 0.2 }),
    fc: nn.linear({ units: 3, activation: "relu" }),
    bn: nn.batchNorm(),
    out: nn.linear({ units: 2 }),
  });

Deno.test("repeated training and evaluation applies with manual disposal leak no tensors", () => {
  const model = everything();
  const init = model.init(random.key(0), [9, 9, 2]);
  const x = random.normal(random.key(1), [3, 9, 9, 2]);
  const baseline = tf.memory().numTensors;
  let state = init.state;
  for (let step = 0; step < 3; step++) {
    const { y, state: next } = model.apply(init.params, state, x, {
      training: true,
      key: random.foldIn(random.key(2), step),
    });
    assert.deepEqual(y.shape, [3, 2]);
    y.dispose();
    tree.dispose(state);
    state = next;
    assert.equal(tf.memory().numTensors, baseline, `after training step ${step}`);
  }
  for (let step = 0; step < 3; step++) {
    const { y, state: same } = model.apply(init.params, state, x);
    y.dispose();
    state = advance(state, same);
    assert.equal(tf.memory().numTensors, baseline, `after evaluation ${step}`);
  }
  tree.dispose(init.params, state, x);
});

Deno.test("gradients through a model leak no tensors", () => {
  const model = everything();
  const { params, state } = model.init(random.key(0), [9, 9, 2]);
  const [leaves, def] = tree.flatten(params);
  const x = random.normal(random.key(1), [3, 9, 9, 2]);
  const baseline = tf.memory().numTensors;
  const loss = (...ws: tf.Tensor[]) =>
    tf.tidy(() => {
      const { y } = model.apply(tree.unflatten(def, ws) as typeof params, state, x, {
        training: true,
        key: random.key(3),
      });
      return tf.mean(tf.square(y));
    });
  for (let step = 0; step < 2; step++) {
    const grads = tf.grads(loss)(leaves as tf.Tensor[]);
    assert.equal(grads.length, leaves.length);
    tree.dispose(grads);
    assert.equal(tf.memory().numTensors, baseline, `after gradient step ${step}`);
  }
  tree.dispose(params, state, x);
});

Deno.test("each layer applied on its own leaks no tensors, in applies and gradients", () => {
  const layers: [string, nn.Layer][] = [
    ["linear+relu", nn.linear({ units: 3, activation: "relu" })],
    ["conv2d+relu", nn.conv2d({ filters: 3, kernel: 3, activation: "relu" })],
    ["batchNorm", nn.batchNorm()],
    ["layerNorm", nn.layerNorm()],
    ["gelu", nn.gelu],
    ["relu", nn.relu],
    ["maxPool2d", nn.maxPool2d({ window: 2, padding: "same" })],
    ["avgPool2d", nn.avgPool2d({ window: 2, padding: "same" })],
    ["globalAvgPool", nn.globalAvgPool],
    ["flatten", nn.flatten],
    ["dropout", nn.dropout({ rate: 0.5 })],
  ];
  for (const [name, layer] of layers) {
    const inputShape = name.startsWith("linear") ? [4] : [3, 3, 2];
    const { params, state } = layer.init(random.key(0), inputShape);
    const x = random.normal(random.key(1), [2, ...inputShape]);
    const [leaves, def] = tree.flatten(params);
    const baseline = tf.memory().numTensors;
    const run = (...ws: tf.Tensor[]) =>
      layer.apply(tree.unflatten(def, ws.slice(1)), state, ws[0], {
        training: true,
        key: random.key(2),
      });
    for (let step = 0; step < 2; step++) {
      const { y, state: next } = run(x, ...(leaves as tf.Tensor[]));
      const evaluated = layer.apply(params, state, x);
      tree.dispose(y, next, evaluated.y);
      assert.equal(evaluated.state, state, `${name}: evaluation returns the state unchanged`);
      const grads = tf.grads((...ws: tf.Tensor[]) => tf.sum(run(...ws).y))([
        x,
        ...(leaves as tf.Tensor[]),
      ]);
      tree.dispose(grads);
      assert.equal(tf.memory().numTensors, baseline, `${name}, step ${step}`);
    }
    tree.dispose(params, state, x);
  }
});

import assert from "node:assert/strict";
import { advance, data, random, tf, tree, useBackend } from "../mod.ts";
import { byol, fashionMnist, fromPreset } from "../models/byol/mod.ts";

await useBackend("wasm");

Deno.test("BYOL (fashion-mnist preset) on a tiny shapes batch on wasm: loss falls, tensor count flat", async () => {
  const shapes = data.shapes(random.key(0), { count: 16 });
  const images = tf.div(tf.tensor4d(shapes.images, [...shapes.shape], "float32"), 255);
  const model = byol(
    fromPreset(fashionMnist, { stepsPerEpoch: 50, epochs: 1, learningRate: 3e-3 }),
  );
  let state = model.init(random.key(1), fashionMnist.inputShape);
  const losses: number[] = [];
  let countAfter2 = 0;
  for (let i = 0; i < 50; i++) {
    const { state: next, metrics } = model.step(state, images, random.key(2));
    losses.push((await metrics.loss.data())[0]);
    tf.dispose([metrics.loss, metrics.gradNorm, metrics.collapse]);
    state = advance(state, next);
    if (i === 1) countAfter2 = tf.memory().numTensors;
  }
  assert.equal(
    tf.memory().numTensors,
    countAfter2,
    "tensor count changed between step 2 and step 50",
  );
  assert.ok(losses.every(Number.isFinite), `non-finite loss: ${losses}`);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const first = mean(losses.slice(0, 5));
  const last = mean(losses.slice(-5));
  assert.ok(last < first, `loss did not fall: ${first.toFixed(3)} -> ${last.toFixed(3)}`);
  tree.dispose(state);
  images.dispose();
});

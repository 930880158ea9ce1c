import assert from "node:assert/strict";
import { data, random, runSteps, tf, tree, useBackend } from "../mod.ts";
import { byol, fashionMnist, fromPreset } from "../models/byol/mod.ts";

await useBackend("wasm");

Deno.test("BYOL (fashion-mnist preset) on a tiny shapes batch on wasm: loss falls, tensor count flat", async () => {
  const shapes = data.shapes(random.key(0), { count: 16 });
  const images = tf.div(tf.tensor4d(shapes.images, [...shapes.shape], "float32"), 255);
  const model = byol(
    fromPreset(fashionMnist, { stepsPerEpoch: 50, epochs: 1, learningRate: 3e-3 }),
  );
  const losses: number[] = [];
  const counts: number[] = [];
  const state = await runSteps({
    state: model.init(random.key(1), fashionMnist.inputShape),
    step: (s) => model.step(s, images, random.key(2)),
    steps: 50,
    onStep: async ({ metrics }) => {
      losses.push((await metrics.loss.data())[0]);
      counts.push(tf.memory().numTensors);
    },
  });
  assert.deepEqual(
    counts.slice(1),
    counts.slice(1).map(() => counts[1]),
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

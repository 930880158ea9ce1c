import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useBackend } from "../lib/backend.ts";
import { cosineTau, ema } from "../lib/ema.ts";
import * as tree from "../lib/tree.ts";

await useBackend("cpu");
tf.env().set("PROD", true);

function pair() {
  const target = { w: tf.tensor([1, 2, 3, 4], [2, 2]), layers: [tf.tensor([10]), null] };
  const online = { w: tf.tensor([5, 6, 7, 8], [2, 2]), layers: [tf.tensor([-10]), null] };
  return { target, online };
}

Deno.test("ema is tau * target + (1 - tau) * online, leaf by leaf, keeping nulls", async () => {
  const { target, online } = pair();
  const mixed = ema(target, online, 0.75);
  assert.deepEqual(Array.from(await mixed.w.data()), [2, 3, 4, 5]);
  assert.deepEqual(Array.from(await (mixed.layers[0] as tf.Tensor).data()), [5]);
  assert.equal(mixed.layers[1], null);
  tree.dispose(target, online, mixed);
});

Deno.test("ema with tau 0 copies online and with tau 1 keeps target, as new tensors", async () => {
  const { target, online } = pair();
  const copied = ema(target, online, 0);
  const kept = ema(target, online, 1);
  assert.ok(await tree.allClose(copied, online, { rtol: 0, atol: 0 }));
  assert.ok(await tree.allClose(kept, target, { rtol: 0, atol: 0 }));
  assert.notEqual(kept.w, target.w);
  tree.dispose(target, online, copied, kept);
});

Deno.test("ema consumes nothing and leaks nothing over repeated calls", () => {
  const { target, online } = pair();
  let current = ema(target, online, 0.99);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 50; i++) {
    const next = ema(current, online, 0.99);
    tree.dispose(current);
    current = next;
  }
  assert.equal(tf.memory().numTensors, before);
  assert.ok(!target.w.isDisposed && !online.w.isDisposed);
  tree.dispose(target, online, current);
});

Deno.test("ema rejects trees that differ in structure or shapes, naming the path", () => {
  const { target, online } = pair();
  const reshaped = { ...online, w: tf.zeros([4]) };
  assert.throws(() => ema(target, reshaped, 0.5), {
    message: 'ema: target and online differ at "w": target has Tensor[2,2] float32, ' +
      "online has Tensor[4] float32; expected the same shape",
  });
  assert.throws(() => ema(target, { w: online.w, layers: [online.layers[0]] }, 0.5), {
    message: 'ema: target and online differ at "layers": target has array(2), online has ' +
      "array(1); expected the same structure",
  });
  assert.throws(() => ema(target, online, 1.5), {
    message: "ema: tau must be a number in [0, 1], got 1.5",
  });
  tree.dispose(target, online, reshaped);
});

Deno.test("cosineTau is base at 0, halfway to 1 at K/2, and 1 at K", () => {
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(cosineTau(0.996, 0, 1000), 0.996);
  close(cosineTau(0.996, 500, 1000), 0.998);
  close(cosineTau(0.996, 1000, 1000), 1);
  close(cosineTau(0.9, 250, 1000), 1 - 0.1 * (Math.SQRT1_2 + 1) / 2);
  assert.throws(() => cosineTau(0.996, 1001, 1000), {
    message: "cosineTau: step must be in [0, total = 1000], got 1001",
  });
  assert.throws(() => cosineTau(1.2, 0, 10), {
    message: "cosineTau: base must be a number in [0, 1], got 1.2",
  });
  assert.throws(() => cosineTau(0.99, 0, 0), {
    message: "cosineTau: total must be an integer >= 1, got 0",
  });
});

import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { advance } from "../lib/advance.ts";
import { stopGradient, valueAndGrad } from "../lib/autodiff.ts";
import * as tree from "../lib/tree.ts";

await tf.setBackend("cpu");
tf.env().set("PROD", true);

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) =>
  assert.ok(
    Array.from(a).every((v, i) => Math.abs(v - b[i]) <= tol * (1 + Math.abs(b[i]))),
    `${a} vs ${b}`,
  );

// loss(w, b) = sum((x w + b - y)^2) for x = [1, 2], y = 3: d/dw = 2 r x, d/db = 2 r with r = x w + b - y.
function params() {
  return { layer: { w: tf.tensor2d([[0.5], [-1]]), b: tf.tensor1d([0.25]) } };
}
const x = tf.tensor2d([[1, 2]]);
const y = tf.tensor2d([[3]]);
type Params = ReturnType<typeof params>;
const loss = (p: Params) =>
  tf.sum(tf.square(tf.sub(tf.add(tf.matMul(x, p.layer.w), p.layer.b), y)));

Deno.test("valueAndGrad gives the value and a tree of gradients computed by hand", async () => {
  const p = params();
  const { value, grads, aux } = valueAndGrad(loss)(p);
  const r = 0.5 * 1 + -1 * 2 + 0.25 - 3; // -4.25
  close(await value.data(), [r * r]);
  close(await grads.layer.w!.data(), [2 * r * 1, 2 * r * 2]);
  close(await grads.layer.b!.data(), [2 * r]);
  assert.equal(aux, undefined);
  tree.dispose(p, grads, value);
});

Deno.test("null, frozen and unused leaves: null gradients, or zeros when unused", async () => {
  const p = { ...params(), skip: null, unused: tf.ones([3]) };
  const { value, grads } = valueAndGrad((q: typeof p) => loss(q), {
    frozen: (path) => path === "layer/b",
  })(p);
  assert.equal(grads.layer.b, null);
  assert.equal(grads.skip, null);
  assert.ok(grads.layer.w instanceof tf.Tensor);
  close(await grads.unused!.data(), [0, 0, 0]);
  const all = valueAndGrad((q: typeof p) => loss(q), { frozen: () => true })(p);
  assert.deepEqual(tree.leaves(all.grads), []);
  close(await all.value.data(), await value.data());
  tree.dispose(p, grads, value, all.value);
});

Deno.test("hasAux passes auxiliary tensors out alive", async () => {
  const p = params();
  const f = (q: Params) => {
    const pred = tf.add(tf.matMul(x, q.layer.w), q.layer.b);
    return { value: tf.sum(tf.square(tf.sub(pred, y))), aux: { pred, note: "kept" } };
  };
  const { value, grads, aux } = valueAndGrad(f, { hasAux: true })(p);
  assert.equal(aux.note, "kept");
  close(await aux.pred.data(), [-1.25]);
  tree.dispose(p, grads, value, aux.pred);
});

Deno.test("valueAndGrad disposes every intermediate", () => {
  const p = params();
  const g = valueAndGrad(loss);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 20; i++) {
    const { value, grads } = g(p);
    tree.dispose(grads, value);
  }
  assert.equal(tf.memory().numTensors, before);
  tree.dispose(p);
});

Deno.test("a non-scalar value is a clear error", () => {
  const p = params();
  assert.throws(
    () =>
      valueAndGrad((q: Params) => tf.matMul(x, q.layer.w).reshape([1, 1, 1]).tile([2, 1, 1]))(p),
    { message: "valueAndGrad: f must return a scalar, got a tensor of shape [2, 1, 1]" },
  );
  tree.dispose(p);
});

Deno.test("stopGradient blocks the gradient and matches finite differences of the rest", async () => {
  const w = tf.tensor1d([1.5, -0.5]);
  // f(w) = sum(w * sg(w)^2): df/dw = sg(w)^2, not 3 w^2.
  const { value, grads } = valueAndGrad((p: { w: tf.Tensor }) => {
    const frozen = stopGradient(p.w);
    return tf.sum(tf.mul(p.w, tf.square(frozen)));
  })({ w });
  close(await grads.w!.data(), [2.25, 0.25]);
  close(await value.data(), [1.5 ** 3 - 0.125]);
  tree.dispose(w, grads, value);
});

Deno.test("advance disposes exactly the tensors the new state dropped", () => {
  const shared = tf.ones([2]);
  const old = { a: shared, b: tf.zeros([2]), c: null };
  const next = { a: shared, b: tf.ones([2]), c: null };
  const kept = advance(old, next);
  assert.equal(kept, next);
  assert.ok(!shared.isDisposed);
  assert.ok(old.b.isDisposed);
  tree.dispose(next);
});

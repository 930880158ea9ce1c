import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { advance } from "../lib/advance.ts";
import { stopGradient, valueAndGrad } from "../lib/autodiff.ts";
import { tfjsMismatch } from "../lib/tfjs_internals/version.ts";
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
    return { value: tf.sum(tf.square(tf.sub(pred, y))), aux: { pred, note: 7 } };
  };
  const { value, grads, aux } = valueAndGrad(f, { hasAux: true })(p);
  assert.equal(aux.note, 7);
  close(await aux.pred.data(), [-1.25]);
  tree.dispose(p, grads, value, aux.pred);
});

Deno.test("an aux that is not a tree is refused, naming the path, and nothing leaks", () => {
  const p = params();
  const before = tf.memory().numTensors;
  const f = (q: Params) => ({ value: tf.sum(q.layer.w), aux: { kept: tf.ones([2]), note: "x" } });
  assert.throws(() => valueAndGrad(f, { hasAux: true })(p), {
    message: 'valueAndGrad: aux has a non-tree value at "note": got string "x"; expected a ' +
      "tensor, boolean, number, null, plain object or array",
  });
  assert.equal(tf.memory().numTensors, before);
  tree.dispose(p);
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

// A small conv net with a residual add, a tensor used twice, an unused parameter, an output of a
// multi-output op left unused and paths that pass no gradient (round, stopGradient).
function convParams() {
  const normal = (seed: number, shape: number[]) => tf.randomNormal(shape, 0, 0.5, "float32", seed);
  return {
    conv1: normal(1, [3, 3, 2, 4]) as tf.Tensor4D,
    conv2: normal(2, [3, 3, 4, 4]) as tf.Tensor4D,
    scale: normal(3, [4]),
    dense: normal(4, [2, 3]),
    unused: normal(5, [5]),
  };
}
type ConvParams = ReturnType<typeof convParams>;
const images = tf.randomUniform([2, 6, 6, 2], -1, 1, "float32", 6) as tf.Tensor4D;
const convLoss = (p: ConvParams) => {
  const h = tf.relu(tf.conv2d(images, p.conv1, 1, "same"));
  const z = tf.add(h, tf.mul(tf.conv2d(h, p.conv2, 1, "same"), p.scale));
  const gated = tf.mul(z, tf.round(tf.sigmoid(z)));
  const [left] = tf.split(tf.mul(gated, p.scale), 2, 3);
  const logits = tf.matMul(tf.mean(left, [1, 2]), p.dense);
  return tf.add(tf.sum(tf.square(logits)), tf.sum(stopGradient(p.dense)));
};

Deno.test("the tfjs internals gate accepts the installed tfjs", () => {
  assert.equal(tfjsMismatch(), null);
});

Deno.test("conv net with branches: the same gradients as tf.grads, bit for bit", () => {
  const p = convParams();
  const { value, grads } = valueAndGrad(convLoss)(p);
  const used = ["conv1", "conv2", "scale", "dense"] as const;
  const expected = tf.grads((...ws: tf.Tensor[]) =>
    convLoss({ ...p, ...Object.fromEntries(used.map((k, i) => [k, ws[i]])) })
  )(used.map((k) => p[k]));
  used.forEach((k, i) => assert.deepEqual(grads[k]!.dataSync(), expected[i].dataSync(), k));
  assert.deepEqual(grads.unused!.dataSync(), new Float32Array(5));
  assert.deepEqual(value.dataSync(), convLoss(p).dataSync());
  tree.dispose(p, grads, value, expected);
});

Deno.test("conv net: no tensor or byte left behind over repeated calls", () => {
  const p = convParams();
  const g = valueAndGrad((q: ConvParams) => ({ value: convLoss(q), aux: tf.ones([2]) }), {
    hasAux: true,
  });
  const run = () => {
    const { value, grads, aux } = g(p);
    tree.dispose(value, grads, aux);
  };
  run();
  const before = tf.memory();
  for (let i = 0; i < 5; i++) run();
  assert.equal(tf.memory().numTensors, before.numTensors);
  assert.equal(tf.memory().numBytes, before.numBytes);
  tree.dispose(p);
});

Deno.test("a forward or backward pass that throws leaves no tensor behind", () => {
  const p = convParams();
  const before = tf.memory().numTensors;
  const midway = (q: ConvParams) => {
    tf.relu(tf.conv2d(images, q.conv1, 1, "same"));
    throw new Error("midway");
  };
  assert.throws(() => valueAndGrad(midway)(p), { message: "midway" });
  const notScalar = (q: ConvParams) => ({ value: tf.mul(q.scale, 2), aux: tf.ones([3]) });
  assert.throws(() => valueAndGrad(notScalar, { hasAux: true })(p), /must return a scalar/);
  const badShape = tf.customGrad((w) => ({
    value: tf.sum(w as tf.Tensor),
    gradFunc: () => tf.zeros([7]),
  }));
  const badGrad = (q: ConvParams) => ({ value: badShape(tf.square(q.scale)), aux: tf.ones([3]) });
  assert.throws(
    () => valueAndGrad(badGrad, { hasAux: true })(p),
    /gradient of input '0' has shape '7'.*the shape of the input '4'/,
  );
  assert.equal(tf.memory().numTensors, before);
  tree.dispose(p);
});

Deno.test("second derivatives through valueAndGrad fall back to tfjs's tape", async () => {
  const x = tf.tensor1d([1, -2]);
  const dd = tf.grad((w: tf.Tensor) => {
    const { value, grads } = valueAndGrad((p: { w: tf.Tensor }) => tf.sum(tf.pow(p.w, 3)))({ w });
    value.dispose();
    return tf.sum(grads.w!);
  })(x);
  close(await dd.data(), [6, -12]);
  tree.dispose(x, dd);
});

Deno.test("a deep chain's backward pass peaks well below tfjs's own", async () => {
  // Each step's input lives on only as the copy sin saves for its gradient, so the forward holds
  // 12 saved tensors; tfjs's backward adds 12 intermediate gradients on top, ours frees as it goes.
  const w = tf.randomNormal([64, 64], 0, 1, "float32", 7);
  const chain = (p: { w: tf.Tensor }) => {
    let h = p.w;
    for (let i = 0; i < 12; i++) {
      const next = tf.sin(h);
      if (i > 0) h.dispose();
      h = next;
    }
    return tf.sum(h) as tf.Scalar;
  };
  const peak = async (run: () => void) => (await tf.profile(run)).peakBytes;
  const ours = await peak(() => {
    const { value, grads } = valueAndGrad(chain)({ w });
    tree.dispose(value, grads);
  });
  const theirs = await peak(() => {
    const { value, grads } = tf.engine().gradients(() => chain({ w }), [w], undefined, true);
    tf.dispose([value, ...grads]);
  });
  assert.ok(ours < 0.7 * theirs, `peak ${ours} B, tfjs's ${theirs} B`);
  w.dispose();
});

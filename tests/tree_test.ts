import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import * as tree from "../lib/tree.ts";

await tf.setBackend("cpu");
tf.env().set("PROD", true);

const values = async (t: tf.Tensor) => Array.from(await t.data());

function sample() {
  return {
    encoder: { conv1: { w: tf.tensor([1, 2, 3, 4], [2, 2]), b: tf.tensor([0.5, -0.5]) } },
    layers: [tf.tensor([1]), tf.tensor([2, 3])],
    frozen: null,
  };
}

Deno.test("map applies fn leafwise over n trees and keeps nulls", async () => {
  const a = sample();
  const b = sample();
  const sum = tree.map((x, y) => tf.add(x, y as tf.Tensor), a, b);
  assert.deepEqual(await values(sum.encoder.conv1.w), [2, 4, 6, 8]);
  assert.deepEqual(await values(sum.layers[1]), [4, 6]);
  assert.equal(sum.frozen, null);
  tree.dispose(a, b, sum);
});

Deno.test("map over mismatched trees names the first differing path and both structures", () => {
  const a = sample();
  const b = { ...sample(), encoder: { conv1: { w: tf.tensor([1]) } } };
  assert.throws(
    () => tree.map((x, y) => tf.add(x, y as tf.Tensor), a, b),
    {
      message: 'tree.map: tree structures differ at "encoder/conv1": tree 0 has object{w,b}, ' +
        "tree 1 has object{w}",
    },
  );
  const c = { ...sample(), encoder: { conv1: { w: null, b: tf.tensor([1]) } } };
  assert.throws(
    () => tree.map((x) => x, a, c),
    { message: /differ at "encoder\/conv1\/w": tree 0 has Tensor\[2,2\] float32, tree 1 has null/ },
  );
  const d = { ...sample(), layers: [tf.tensor([1])] };
  assert.throws(() => tree.map((x) => x, a, d), {
    message: /at "layers": tree 0 has array\(2\), tree 1 has array\(1\)/,
  });
  tree.dispose(a, b, c, d);
});

Deno.test("non-tree values are rejected with their path", () => {
  assert.throws(() => tree.leaves({ a: { b: new Map() } } as never), {
    message: /not a tree at "a\/b": got Map/,
  });
  assert.throws(() => tree.leaves({ a: [undefined] } as never), {
    message: /not a tree at "a\/0": got undefined/,
  });
});

Deno.test("map preserves the tree's type", () => {
  const p = {
    w: tf.zeros([2, 2]) as tf.Tensor2D,
    inner: [tf.zeros([1]) as tf.Tensor1D] as const,
    none: null,
  };
  const doubled = tree.map((x) => tf.mul(x, 2), p);
  const w: tf.Tensor = doubled.w;
  const first: tf.Tensor = doubled.inner[0];
  const none: null = doubled.none;
  const mask = tree.mapWithPath((path) => path.startsWith("inner"), p);
  const flag: boolean = mask.inner[0];
  assert.equal(flag, true);
  assert.equal(none, null);
  tree.dispose(p, w, first);
});

Deno.test("mapWithPath passes /-joined keys and indices", () => {
  const t = sample();
  const seen: string[] = [];
  tree.mapWithPath((path, leaf) => {
    seen.push(path);
    return leaf;
  }, t);
  assert.deepEqual(seen, ["encoder/conv1/w", "encoder/conv1/b", "layers/0", "layers/1"]);
  tree.dispose(t);
});

Deno.test("flatten and unflatten round-trip with stable key order", () => {
  const t = { z: tf.scalar(1), a: [tf.scalar(2), null, { m: tf.scalar(3), b: true }], n: 7 };
  const [ls, def] = tree.flatten(t);
  assert.equal(ls.length, 5);
  const back = tree.unflatten(def, ls) as typeof t;
  assert.deepEqual(Object.keys(back), ["z", "a", "n"]);
  assert.deepEqual(Object.keys(back.a[2] as object), ["m", "b"]);
  assert.equal(back.a[1], null);
  assert.equal(back.z, t.z);
  assert.deepEqual(tree.leaves(back), ls);
  assert.throws(() => tree.unflatten(def, ls.slice(1)), {
    message: "tree.unflatten: the structure has 5 leaves, got 4",
  });
  tree.dispose(t);
});

Deno.test("partition and combine split and rejoin (function and boolean-tree filters)", async () => {
  const t = sample();
  const [weights, rest] = tree.partition(t, (path) => path.endsWith("/w"));
  assert.equal(weights.encoder.conv1.w, t.encoder.conv1.w);
  assert.equal(weights.encoder.conv1.b, null);
  assert.deepEqual(weights.layers, [null, null]);
  assert.equal(rest.encoder.conv1.w, null);
  assert.equal(rest.layers[0], t.layers[0]);
  const joined = tree.combine(weights, rest);
  assert.ok(await tree.allClose(joined, t));

  const mask = { encoder: { conv1: { w: false, b: true } }, layers: [true, false], frozen: null };
  const [sel, other] = tree.partition(t, mask);
  assert.deepEqual(tree.leaves(sel), [t.encoder.conv1.b, t.layers[0]]);
  assert.deepEqual(tree.leaves(other), [t.encoder.conv1.w, t.layers[1]]);
  assert.throws(() => tree.combine(t, t), {
    message: /more than one tree holds a value at "encoder\/conv1\/w"/,
  });
  tree.dispose(t);
});

Deno.test("zerosLike, dispose and allClose", async () => {
  const t = sample();
  const before = tf.memory().numTensors;
  const z = tree.zerosLike(t);
  assert.deepEqual(await values(z.encoder.conv1.w), [0, 0, 0, 0]);
  assert.equal(z.encoder.conv1.w.dtype, "float32");
  tree.dispose(z);
  assert.equal(tf.memory().numTensors, before);

  const near = tree.map((x) => tf.add(x, 1e-7), t);
  assert.ok(await tree.allClose(t, near, { atol: 1e-6 }));
  const far = tree.map((x) => tf.add(x, 1e-2), t);
  assert.ok(!(await tree.allClose(t, far)));
  assert.ok(await tree.allClose(t, far, { atol: 2e-2 }));
  const reshaped = { ...t, layers: [tf.tensor([1]), tf.tensor([[2, 3]])] };
  assert.ok(!(await tree.allClose(t, reshaped)), "different shapes are not close");
  assert.ok(
    !(await tree.allClose(t, { ...t, frozen: tf.scalar(0) })),
    "different structures are not close",
  );
  tree.dispose(t, near, far, reshaped.layers);
});

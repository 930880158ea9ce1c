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
      message: 'tree.map: tree 0 and tree 1 differ at "encoder/conv1/b": tree 0 has Tensor[2] ' +
        "float32, tree 1 has nothing; expected the same structure",
    },
  );
  const c = { ...sample(), encoder: { conv1: { w: null, b: tf.tensor([1]) } } };
  assert.throws(() => tree.map((x) => x, a, c), {
    message: 'tree.map: tree 0 and tree 1 differ at "encoder/conv1/w": tree 0 has Tensor[2,2] ' +
      "float32, tree 1 has null; expected the same structure",
  });
  const d = { ...sample(), layers: [tf.tensor([1])] };
  assert.throws(() => tree.map((x) => x, a, d), {
    message: 'tree.map: tree 0 and tree 1 differ at "layers": tree 0 has array(2), tree 1 has ' +
      "array(1); expected the same structure",
  });
  assert.throws(() => tree.map((x) => x, a, a, { ...sample(), extra: 1 }), {
    message: 'tree.map: tree 0 and tree 2 differ at "extra": tree 0 has nothing, tree 2 has ' +
      "number 1; expected the same structure",
  });
  assert.throws(() => tree.map((x) => x, tf.scalar(1), [tf.scalar(1)]), {
    message: 'tree.map: tree 0 and tree 1 differ at "(root)": tree 0 has Tensor[] float32, ' +
      "tree 1 has array(1); expected the same structure",
  });
  tree.dispose(a, b, c, d);
});

Deno.test("non-tree values are rejected with their path", () => {
  const expected = "expected a tensor, boolean, number, null, plain object or array";
  assert.throws(() => tree.leaves({ a: { b: new Map() } } as never), {
    message: `tree.leaves: tree has a non-tree value at "a/b": got Map; ${expected}`,
  });
  assert.throws(
    () => tree.leaves({ a: [undefined] } as never, { op: "train", names: ["params"] }),
    {
      message: `train: params has a non-tree value at "a/0": got undefined; ${expected}`,
    },
  );
  assert.throws(() => tree.map((x) => x, { a: tf.scalar(1) }, { a: "1" } as never), {
    message: `tree.map: tree 1 has a non-tree value at "a": got string "1"; ${expected}`,
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
    message: 'tree.combine: tree 0 and tree 1 both hold a value at "encoder/conv1/w": tree 0 ' +
      "has Tensor[2,2] float32, tree 1 has Tensor[2,2] float32; expected at most one",
  });
  assert.throws(() => tree.combine(weights, { ...rest, layers: [null] }), {
    message: /^tree\.combine: tree 0 and tree 1 differ at "layers": tree 0 has array\(2\)/,
  });
  const whole = tree.combine({ encoder: null, layers: [null, t.layers[1]] }, {
    encoder: t.encoder,
    layers: [t.layers[0], null],
  });
  assert.equal(whole.encoder, t.encoder, "a null stands for a whole subtree");
  assert.deepEqual(whole.layers, t.layers);
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

Deno.test("diff names every differing path: kind, keys both ways, length, dtype, shape", () => {
  const a = {
    w: tf.zeros([3, 3]),
    b: tf.zeros([3]),
    k: tf.zeros([2], "int32"),
    n: 1,
    flag: true,
    layers: [tf.zeros([1]), tf.zeros([1])],
    deep: { x: { y: null } },
    same: [tf.zeros([2]), 4],
  };
  const b = {
    w: tf.zeros([3, 4]),
    bias: tf.zeros([3]),
    k: tf.zeros([2], "float32"),
    n: tf.scalar(1),
    flag: 0,
    layers: [tf.zeros([1])],
    deep: { x: [null] },
    same: [tf.zeros([2]), 5],
  };
  const found = tree.diff(a, b, { names: ["model", "checkpoint"] });
  assert.deepEqual(found.map((d) => [d.path, d.what, d.a, d.b]), [
    ["b", "key", "Tensor[3] float32", "nothing"],
    ["bias", "key", "nothing", "Tensor[3] float32"],
    ["w", "shape", "Tensor[3,3] float32", "Tensor[3,4] float32"],
    ["k", "dtype", "Tensor[2] int32", "Tensor[2] float32"],
    ["n", "kind", "number 1", "Tensor[] float32"],
    ["flag", "kind", "boolean true", "number 0"],
    ["layers", "length", "array(2)", "array(1)"],
    ["deep/x", "kind", "object{y}", "array(1)"],
  ]);
  assert.equal(
    found[2].message,
    'model and checkpoint differ at "w": model has Tensor[3,3] float32, checkpoint has ' +
      "Tensor[3,4] float32; expected the same shape",
  );
  assert.equal(found[3].message.endsWith("expected the same dtype"), true);
  assert.equal(found[0].message.endsWith("expected the same structure"), true);
  const structural = tree.diff(a, b, { compare: "structure" }).map((d) => d.path);
  assert.deepEqual(structural, ["b", "bias", "layers", "deep/x"]);
  assert.deepEqual(tree.diff(a, a), []);
  assert.equal(
    tree.diff(null, [])[0].message,
    'a and b differ at "(root)": a has null, b has array(0); expected the same structure',
  );
  tree.dispose(a, b);
});

Deno.test("mapPrefix skips what other trees hold under the first tree's nulls", async () => {
  const updates = { w: tf.tensor([1, 2]), frozen: null, layers: [null, tf.tensor([3])] };
  const state = {
    w: tf.tensor([10, 20]),
    frozen: { m: tf.tensor([7]), n: 1 },
    layers: [5, tf.tensor([30])],
  };
  const seen: [string, number][] = [];
  const next = tree.mapPrefix(
    ([u, s], path) => {
      seen.push([path, u.size]);
      return tf.add(u, s);
    },
    [updates, state],
    {
      atNull: ([s], path) => {
        seen.push([path, -1]);
        return tree.clone(s);
      },
    },
  );
  assert.deepEqual(seen, [["w", 2], ["frozen", -1], ["layers/0", -1], ["layers/1", 1]]);
  assert.deepEqual(await values(next.w as tf.Tensor), [11, 22]);
  const frozen = next.frozen as { m: tf.Tensor; n: number };
  assert.notEqual(frozen.m, state.frozen.m, "a clone");
  assert.deepEqual(await values(frozen.m), [7]);
  assert.equal(frozen.n, 1);
  assert.equal(next.layers[0], 5);
  const plain = tree.mapPrefix(([u]) => tf.neg(u), [updates]);
  assert.equal(plain.frozen, null);
  assert.equal(plain.layers[0], null);
  tree.dispose(updates, state, next, plain);
});

Deno.test("mapPrefix checks the rest against the first tree, naming the trees", () => {
  const updates = { w: tf.zeros([2]), b: tf.zeros([3]) };
  const naming = { op: "scaleByAdam", names: ["updates", "mu"] };
  assert.throws(
    () => tree.mapPrefix(([u]) => u, [updates, { w: tf.zeros([2]), b: tf.zeros([4]) }], naming),
    {
      message: 'scaleByAdam: updates and mu differ at "b": updates has Tensor[3] float32, mu has ' +
        "Tensor[4] float32; expected the same shape",
    },
  );
  assert.throws(
    () => tree.mapPrefix(([u]) => u, [updates, { w: tf.zeros([2]), b: null }], naming),
    {
      message: 'scaleByAdam: updates and mu differ at "b": updates has Tensor[3] float32, mu has ' +
        "null; expected the same structure",
    },
  );
  assert.throws(() => tree.mapPrefix(([u]) => u, [updates, updates, { w: updates.w }]), {
    message: 'tree.mapPrefix: tree 0 and tree 2 differ at "b": tree 0 has Tensor[3] float32, ' +
      "tree 2 has nothing; expected the same structure",
  });
  const mask = { w: true, b: false };
  assert.throws(() => tree.mapPrefix(([u]) => u, [updates, mask]), {
    message: /expected the same structure/,
  });
  const picked = tree.mapPrefix(([u, m]) => (m ? u : null), [updates, mask], {
    compare: "structure",
  });
  assert.deepEqual(picked, { w: updates.w, b: null });
  tree.dispose(updates);
});

Deno.test("filters: a boolean in place of a subtree covers it, nulls stay null", () => {
  const params = {
    enc: { w: tf.zeros([2, 2]), b: tf.zeros([2]) },
    head: [tf.zeros([2, 1]), null],
    frozen: null,
  };
  assert.deepEqual(tree.resolveFilter(params, { enc: false, head: true, frozen: { x: true } }), {
    enc: { w: false, b: false },
    head: [true, null],
    frozen: null,
  });
  assert.deepEqual(tree.resolveFilter(params, true), {
    enc: { w: true, b: true },
    head: [true, null],
    frozen: null,
  });
  const [head, rest] = tree.partition(params, { enc: false, head: [true, null], frozen: null });
  assert.deepEqual(tree.leaves(head), [params.head[0]]);
  assert.deepEqual(tree.leaves(rest), [params.enc.w, params.enc.b]);
  const naming = { op: "masked", names: ["params", "mask"] };
  assert.throws(() => tree.resolveFilter(params, { enc: true, head: true }, naming), {
    message: 'masked: params and mask differ at "frozen": params has null, mask has nothing; ' +
      "expected the same structure",
  });
  assert.throws(() => tree.resolveFilter(params, { enc: null, head: true, frozen: null }, naming), {
    message: 'masked: params and mask differ at "enc": params has object{w,b}, mask has null; ' +
      "expected the same structure",
  });
  assert.throws(
    () =>
      tree.resolveFilter(
        params,
        { enc: { w: 1 as never, b: true }, head: true, frozen: null },
        naming,
      ),
    { message: 'masked: mask has number 1 at "enc/w"; expected a boolean' },
  );
  assert.throws(() => tree.resolveFilter(params, () => "yes" as never), {
    message: 'tree.resolveFilter: filter returned string "yes" at "enc/w"; expected a boolean',
  });
  tree.dispose(params);
});

Deno.test("size counts scalars, clone makes independent handles, leaves keep the order", async () => {
  const t = { w: tf.zeros([784, 10]), b: tf.zeros([10]), step: 3, on: true, none: null };
  assert.equal(tree.size(t), 7850 + 2);
  assert.equal(tree.size(null), 0);
  assert.equal(tree.size([tf.scalar(1), [tf.zeros([2, 3])]]), 7);
  assert.deepEqual(tree.leaves(t), [t.w, t.b, 3, true]);
  const before = tf.memory().numTensors;
  const copy: typeof t = tree.clone(t);
  assert.equal(tf.memory().numTensors, before + 2);
  assert.notEqual(copy.w, t.w);
  assert.deepEqual([copy.step, copy.on, copy.none], [3, true, null]);
  tree.dispose(t);
  assert.deepEqual(await values(copy.b), new Array(10).fill(0));
  tree.dispose(copy);
  assert.equal(tf.memory().numTensors, before - 2);
});

Deno.test("keys such as __proto__ are kept as plain keys by every rebuilding function", () => {
  const t = JSON.parse('{"__proto__": {"w": 1}, "constructor": 2}');
  for (const rebuilt of [tree.map((x) => x, t), tree.clone(t), tree.zerosLike(t)]) {
    assert.equal(Object.getPrototypeOf(rebuilt), Object.prototype);
    assert.deepEqual(Object.keys(rebuilt), ["__proto__", "constructor"]);
  }
  assert.deepEqual(tree.paths(t), ["__proto__/w", "constructor"]);
});

Deno.test("toJson and fromJson round-trip a tree exactly, tensors by reference", async () => {
  const store = new Map<string, tf.Tensor>();
  const t = {
    net: { w: tf.tensor([[1, 2]]), b: null },
    odd: [NaN, -0, Infinity, -Infinity, 0.5, 0],
    flags: [true, false],
    empty: [[], {}],
    step: 12,
  };
  const json = tree.toJson(t, (x, path) => {
    store.set(path, x);
    return path;
  });
  assert.equal(
    JSON.stringify(json),
    '{"dict":{"net":{"dict":{"w":{"tensor":"net/w"},"b":null}},"odd":[{"number":"NaN"},' +
      '{"number":"-0"},{"number":"Infinity"},{"number":"-Infinity"},0.5,0],' +
      '"flags":[true,false],"empty":[[],{"dict":{}}],"step":12}}',
  );
  const back = tree.fromJson(JSON.parse(JSON.stringify(json)), (ref, path) => {
    assert.equal(ref, path);
    return tf.clone(store.get(ref as string)!);
  }) as typeof t;
  const [leavesA, defA] = tree.flatten(back);
  const [leavesB, defB] = tree.flatten(t);
  assert.deepEqual(defA, defB);
  leavesA.forEach((x, i) => {
    if (!(x instanceof tf.Tensor)) assert.ok(Object.is(x, leavesB[i]), `leaf ${i}`);
  });
  assert.deepEqual(await values(back.net.w), [1, 2]);
  assert.deepEqual(
    tree.fromJson(tree.toJson(tf.zeros([0]), () => null), () => tf.scalar(1)) instanceof tf.Tensor,
    true,
  );
  assert.throws(() => tree.toJson({ a: [new Set()] } as never, () => null, { op: "save" }), {
    message: 'save: tree has a non-tree value at "a/0": got Set; expected a tensor, boolean, ' +
      "number, null, plain object or array",
  });
  tree.dispose(t, back);
});

Deno.test("fromJson rejects malformed data naming the path, before making any tensor", () => {
  const expected = 'expected null, a boolean, a number, {"number": "NaN" | "Infinity" | ' +
    '"-Infinity" | "-0"}, {"tensor": ...}, an array or {"dict": {...}}';
  const w = { tensor: "w" };
  const cases: [unknown, string][] = [
    [{ dict: { w, a: "w" } }, `json has an unrecognised entry at "a": "w"; ${expected}`],
    [{ dict: { w, a: { w: 1 } } }, `json has an unrecognised entry at "a": {"w":1}; ${expected}`],
    [
      [w, { tensor: 1, dict: {} }],
      `json has an unrecognised entry at "1": {"tensor":1,"dict":{}}; ${expected}`,
    ],
    [
      { dict: { w, a: [{ number: 3 }] } },
      `json has an unknown special number at "a/0": {"number":3}; ${expected}`,
    ],
    [
      { dict: { w, a: { dict: null } } },
      `json has a dict that is not an object at "a": {"dict":null}; ${expected}`,
    ],
    [[w, {}], `json has an unrecognised entry at "1": {}; ${expected}`],
    [{}, `json has an unrecognised entry at "(root)": {}; ${expected}`],
  ];
  let made = 0;
  for (const [json, message] of cases) {
    assert.throws(() => tree.fromJson(json, () => (made++, tf.scalar(0))), {
      message: `tree.fromJson: ${message}`,
    });
  }
  assert.equal(made, 0, "validated before the first tensor is made");
  const before = tf.memory().numTensors;
  assert.throws(
    () =>
      tree.fromJson([{ tensor: "a" }, { tensor: "b" }], (ref) => {
        if (ref === "b") throw new Error("no tensor b");
        return tf.scalar(1);
      }, { op: "load", names: ["file"] }),
    { message: "no tensor b" },
  );
  assert.equal(tf.memory().numTensors, before, "the tensors already made are disposed");
});

Deno.test("mapPrefix, map and clone keep the tree's type", () => {
  const updates = { w: tf.zeros([2]) as tf.Tensor1D, frozen: null };
  const mask = { w: true, frozen: null };
  const picked = tree.mapPrefix(([u, m]) => (m ? u : null), [updates, mask], {
    compare: "structure",
  });
  const w: tf.Tensor | null = picked.w;
  const frozen: null = picked.frozen;
  const sums = tree.map((u, m) => (u.rank === 1 && m ? 1 : 0), updates, mask);
  const one: number = sums.w;
  const cloned: typeof updates = tree.clone(updates);
  assert.deepEqual([w, frozen, one], [updates.w, null, 1]);
  tree.dispose(updates, cloned);
});

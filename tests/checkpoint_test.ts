import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileAtomic } from "../lib/deno/io/atomic_file.ts";
import {
  checkpointName,
  checkpointStep,
  decodeCheckpoint,
  encodeCheckpoint,
} from "../lib/io/checkpoint.ts";
import {
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  saveCheckpoint,
} from "../lib/deno/io/checkpoint_files.ts";
import { encodeSafetensors } from "../lib/io/safetensors.ts";
import { decodeSafetensors } from "../lib/io/safetensors_decode.ts";
import type { Leaf, Tree } from "../lib/tree.ts";
import * as tree from "../lib/tree.ts";

await tf.setBackend("cpu");
tf.env().set("PROD", true);

const concat = (parts: Uint8Array[]) => new Uint8Array(parts.flatMap((p) => [...p]));
const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function trainState() {
  const optState: Tree<Leaf>[] = [
    { count: tf.scalar(7, "int32"), mu: { online: { w: tf.zeros([3, 0]) } } },
    null,
    [],
    {},
  ];
  return {
    online: {
      encoder: {
        stem: { conv: { w: tf.tensor([1.5, -2, 3e-38, NaN], [2, 2]), b: null } },
        blocks: [{ scale: tf.scalar(1) }, { scale: tf.scalar(-0) }],
      },
      mask: { w: true, b: false },
    },
    optState,
    step: 120,
    key: [123456789, 4294967295],
    odd: [NaN, -0, Infinity, -Infinity, 0.1],
    alive: tf.tensor([true, false], [2], "bool"),
  };
}

/** Asserts that two trees have identical structure, leaves and tensor bytes. */
async function assertSameTree(actual: Tree<Leaf>, expected: Tree<Leaf>): Promise<void> {
  const [la, da] = tree.flatten(actual);
  const [le, de] = tree.flatten(expected);
  assert.deepEqual(da, de);
  assert.deepEqual(tree.paths(actual), tree.paths(expected));
  for (let i = 0; i < le.length; i++) {
    const [a, e] = [la[i], le[i]];
    if (e instanceof tf.Tensor) {
      assert.ok(a instanceof tf.Tensor);
      assert.equal(a.dtype, e.dtype);
      assert.deepEqual(a.shape, e.shape);
      assert.deepEqual(bytesOf(await a.data()), bytesOf(await e.data()));
    } else {
      assert.ok(Object.is(a, e), `leaf ${i}: ${String(a)} is not ${String(e)}`);
    }
  }
}

Deno.test("a nested tree with nulls, numbers, booleans and arrays round-trips exactly", async () => {
  const state = trainState();
  const config = { lr: 0.2, layers: [64, 128], name: "byol", nested: { on: true, none: null } };
  const parts = await encodeCheckpoint({ trees: state, metadata: { config, note: "hi" } });
  const loaded = decodeCheckpoint(concat(parts), { name: "rt" });
  await assertSameTree(loaded.trees, state);
  assert.deepEqual(Object.keys(loaded.trees.online as object), ["encoder", "mask"]);
  assert.deepEqual(loaded.metadata, { config, note: "hi" });
  tree.dispose(state, loaded.trees);
});

Deno.test("tensor names are tree paths prefixed by the tree's name, readable as plain safetensors", async () => {
  const state = trainState();
  const { tensors, metadata } = decodeSafetensors(concat(await encodeCheckpoint({ trees: state })));
  assert.deepEqual([...tensors.keys()].sort(), [
    "alive",
    "online/encoder/blocks/0/scale",
    "online/encoder/blocks/1/scale",
    "online/encoder/stem/conv/w",
    "optState/0/count",
    "optState/0/mu/online/w",
  ]);
  assert.deepEqual(tensors.get("optState/0/count"), {
    dtype: "I32",
    shape: [],
    data: bytesOf(new Int32Array([7])),
  });
  const structure = JSON.parse(metadata.tree);
  assert.equal(structure.step, 120);
  assert.deepEqual(structure.odd, [
    { number: "NaN" },
    { number: "-0" },
    { number: "Infinity" },
    { number: "-Infinity" },
    0.1,
  ]);
  assert.deepEqual(structure.online.dict.encoder.dict.stem.dict.conv.dict, {
    w: { tensor: "online/encoder/stem/conv/w" },
    b: null,
  });
  tree.dispose(state);
});

Deno.test("bad trees and metadata are refused with the path or key", async () => {
  const w = tf.tensor([1]);
  await assert.rejects(encodeCheckpoint({ trees: { a: { "b/c": w, b: { c: w } } } }), {
    message: 'checkpoint: two leaves are both named "a/b/c"; rename a key so tree paths are unique',
  });
  await assert.rejects(encodeCheckpoint({ trees: { a: { m: new Map() as never } } }), {
    message: 'checkpoint: trees has a non-tree value at "a/m": got Map; expected a tensor, ' +
      "boolean, number, null, plain object or array",
  });
  await assert.rejects(encodeCheckpoint({ trees: { w }, metadata: { tree: 1 } }), {
    message: 'checkpoint: metadata key "tree" is reserved for the trees\' structure',
  });
  await assert.rejects(encodeCheckpoint({ trees: { w }, metadata: { f: () => 1 } }), {
    message: 'checkpoint: metadata "f" is not JSON-serializable (function)',
  });
  w.dispose();
  await assert.rejects(encodeCheckpoint({ trees: { w } }), {
    message: 'tensor "w" is disposed; cannot save it',
  });
});

const EXPECTED_ENTRY = 'expected null, a boolean, a number, {"number": "NaN" | "Infinity" | ' +
  '"-Infinity" | "-0"}, {"tensor": ...}, an array or {"dict": {...}}';

Deno.test("the stored structure is the format checkpoints have always had", async () => {
  const w = tf.tensor([1, 2]);
  const trees = {
    net: { w, b: null, flags: [true, false] },
    step: 3,
    odd: [NaN, -0, Infinity, -Infinity, 0.5],
  };
  const { metadata } = decodeSafetensors(concat(await encodeCheckpoint({ trees })));
  assert.equal(
    metadata.tree,
    '{"net":{"dict":{"w":{"tensor":"net/w"},"b":null,"flags":[true,false]}},"step":3,' +
      '"odd":[{"number":"NaN"},{"number":"-0"},{"number":"Infinity"},{"number":"-Infinity"},0.5]}',
  );
  w.dispose();
});

Deno.test("keys such as __proto__ and dict survive a round trip as plain data", async () => {
  const w = tf.tensor([1, 2]);
  const trees = JSON.parse(
    '{"__proto__": {"dict": 1, "tensor": true}, "a": {"constructor": null}}',
  );
  trees.a.w = w;
  const loaded = decodeCheckpoint(concat(await encodeCheckpoint({ trees })));
  assert.deepEqual(Object.keys(loaded.trees), ["__proto__", "a"]);
  assert.equal(Object.getPrototypeOf(loaded.trees), Object.prototype);
  const proto = Object.getOwnPropertyDescriptor(loaded.trees, "__proto__")?.value;
  assert.deepEqual(proto, { dict: 1, tensor: true });
  await assertSameTree(loaded.trees, trees);
  tree.dispose(w, loaded.trees);
});

Deno.test("a file that does not match its structure is refused without leaking tensors", () => {
  const data = bytesOf(new Float32Array([1, 2]));
  const file = (tree: unknown, names: string[]) =>
    encodeSafetensors(
      new Map(names.map((n) => [n, { dtype: "F32" as const, shape: [2], data }])),
      tree === undefined ? {} : { tree: JSON.stringify(tree) },
    );
  const before = tf.memory().numTensors;
  const cases: [Uint8Array, string][] = [
    [
      file(undefined, ["w"]),
      'no "tree" entry in the metadata: not a checkpoint written by saveCheckpoint',
    ],
    [
      file({ a: { tensor: "w" }, b: { tensor: "v" } }, ["w"]),
      '"b" refers to tensor "v", which the file lacks',
    ],
    [file({ a: { tensor: "w" } }, ["w", "v"]), "tensors not part of any tree: v"],
    [file({ a: [{ tensor: "w" }, { tensor: "w" }] }, ["w"]), 'tensor "w" is referenced twice'],
    [
      file({ a: { tensor: "w" }, b: { dict: { c: { weird: 1 } } } }, ["w"]),
      `metadata "tree" has an unrecognised entry at "b/c": {"weird":1}; ${EXPECTED_ENTRY}`,
    ],
    [
      file({ a: { tensor: "w" }, b: [{ tensor: "w2", number: "NaN" }] }, ["w"]),
      `metadata "tree" has an unrecognised entry at "b/0": {"tensor":"w2","number":"NaN"}; ` +
      EXPECTED_ENTRY,
    ],
    [
      file({ a: { tensor: "w" }, b: { number: "nan" } }, ["w"]),
      `metadata "tree" has an unknown special number at "b": {"number":"nan"}; ${EXPECTED_ENTRY}`,
    ],
    [
      file({ a: { tensor: "w" }, b: { dict: [1] } }, ["w"]),
      `metadata "tree" has a dict that is not an object at "b": {"dict":[1]}; ${EXPECTED_ENTRY}`,
    ],
    [
      file({ a: { tensor: "w" }, b: "w" }, ["w"]),
      `metadata "tree" has an unrecognised entry at "b": "w"; ${EXPECTED_ENTRY}`,
    ],
    [
      file({ a: { tensor: "w" }, b: { tensor: 3 } }, ["w"]),
      '"b" has a tensor reference 3; expected a tensor name',
    ],
    [file([{ tensor: "w" }], ["w"]), 'metadata "tree" must be an object of named trees'],
  ];
  for (const [bytes, problem] of cases) {
    assert.throws(() => decodeCheckpoint(bytes, { name: "x.safetensors" }), {
      message: `x.safetensors: ${problem}`,
    });
    assert.equal(tf.memory().numTensors, before, problem);
  }
});

Deno.test("repeated save and load leaves the tensor count unchanged", async () => {
  const state = trainState();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    const loaded = decodeCheckpoint(concat(await encodeCheckpoint({ trees: state })));
    tree.dispose(loaded.trees);
  }
  assert.equal(tf.memory().numTensors, before);
  tree.dispose(state);
});

Deno.test("checkpointName pads steps and checkpointStep reads them back", () => {
  assert.equal(checkpointName(120), "step-000120.safetensors");
  assert.equal(checkpointName(12345678), "step-12345678.safetensors");
  assert.equal(checkpointStep("step-000120.safetensors"), 120);
  assert.equal(checkpointStep("step-000120.safetensors.tmp"), null);
  assert.throws(() => checkpointName(-1), {
    message: "checkpointName: step must be a non-negative integer, got -1",
  });
});

Deno.test("files: save, load, refuse to overwrite, and find the latest step", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const state = trainState();
    const path = join(dir, checkpointName(120));
    await saveCheckpoint(path, { trees: state, metadata: { run: "a" } });
    const loaded = await loadCheckpoint(path);
    await assertSameTree(loaded.trees, state);
    assert.deepEqual(loaded.metadata, { run: "a" });
    tree.dispose(loaded.trees);

    const original = await Deno.readFile(path);
    await assert.rejects(saveCheckpoint(path, { trees: { step: 1 } }), {
      message: `${path} already exists; pass overwrite: true to replace it`,
    });
    assert.deepEqual(await Deno.readFile(path), original);
    await saveCheckpoint(path, { trees: { step: 1 }, overwrite: true });
    assert.deepEqual((await loadCheckpoint(path)).trees, { step: 1 });

    for (const step of [9, 1000000, 100]) {
      await saveCheckpoint(join(dir, checkpointName(step)), { trees: { step } });
    }
    await Deno.writeTextFile(join(dir, ".step-9999999.safetensors.0.tmp"), "partial");
    await Deno.writeTextFile(join(dir, "notes.txt"), "");
    assert.deepEqual(
      (await listCheckpoints(dir)).map((c) => c.step),
      [9, 100, 120, 1000000],
    );
    assert.deepEqual(await latestCheckpoint(dir), {
      step: 1000000,
      path: join(dir, "step-1000000.safetensors"),
    });
    assert.deepEqual(await listCheckpoints(join(dir, "missing")), []);
    assert.equal(await latestCheckpoint(join(dir, "missing")), null);
    tree.dispose(state);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a failed write leaves no partial file and keeps an existing one", async () => {
  const dir = await Deno.makeTempDir();
  const names = async () => (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
  async function* failing() {
    yield new Uint8Array(1024).fill(1);
    throw new Error("disk on fire");
  }
  try {
    const path = join(dir, checkpointName(5));
    await assert.rejects(writeFileAtomic(path, failing()), { message: "disk on fire" });
    assert.deepEqual(await names(), []);

    await saveCheckpoint(path, { trees: { step: 5 } });
    const original = await Deno.readFile(path);
    await assert.rejects(writeFileAtomic(path, failing(), { overwrite: true }), {
      message: "disk on fire",
    });
    assert.deepEqual(await Deno.readFile(path), original);
    assert.deepEqual(await names(), [checkpointName(5)]);

    const gone = tf.tensor([1]);
    gone.dispose();
    await assert.rejects(saveCheckpoint(join(dir, checkpointName(6)), { trees: { gone } }), {
      message: 'tensor "gone" is disposed; cannot save it',
    });
    await Deno.mkdir(join(dir, checkpointName(7)));
    await assert.rejects(
      saveCheckpoint(join(dir, checkpointName(7)), { trees: { step: 7 }, overwrite: true }),
    );
    assert.deepEqual(await names(), [checkpointName(5), checkpointName(7)]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A checkpoint file with a hand-written "tree" entry and tensors. */
function craftedCheckpoint(
  treeJson: string,
  extra: Record<string, unknown> = {},
  buffer = new Uint8Array(0),
) {
  const header = new TextEncoder().encode(
    JSON.stringify({ __metadata__: { tree: treeJson }, ...extra }),
  );
  const out = new Uint8Array(8 + header.length + buffer.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(buffer, 8 + header.length);
  return out;
}

Deno.test("limits: deep nesting, inherited names and unsupported dtypes are refused with the file name", () => {
  const before = tf.memory().numTensors;
  const depth = 100_000;
  const deep = craftedCheckpoint(`{"a":${'{"dict":{"a":'.repeat(depth)}null${"}}".repeat(depth)}}`);
  assert.throws(() => decodeCheckpoint(deep, { name: "deep.safetensors" }), {
    message:
      /^deep.safetensors: metadata "tree" nests more than 256 levels deep, over the limit maxDepth = 256; if the file is trusted, raise it with the option limits: \{ maxDepth: N \}$/,
  });
  const shallow = craftedCheckpoint('{"a":{"dict":{"b":[1]}}}');
  assert.deepEqual(decodeCheckpoint(shallow).trees, { a: { b: [1] } });
  assert.throws(() => decodeCheckpoint(shallow, { name: "s", limits: { maxDepth: 3 } }), {
    message: /^s: metadata "tree" nests more than 3 levels deep/,
  });
  for (const name of ["constructor", "__proto__", "toString"]) {
    assert.throws(
      () => decodeCheckpoint(craftedCheckpoint(`{"x":{"number":"${name}"}}`), { name: "n.st" }),
      {
        message: new RegExp(`^n.st: metadata "tree" has an unknown special number at "x"`),
      },
    );
  }
  const f8 = craftedCheckpoint('{"w":{"tensor":"w"}}', {
    w: { dtype: "F8_E4M3", shape: [2], data_offsets: [0, 2] },
  }, new Uint8Array(2));
  assert.throws(() => decodeCheckpoint(f8, { name: "f8.safetensors" }), {
    message: 'f8.safetensors: tensor "w" has dtype F8_E4M3, which has no tfjs counterpart',
  });
  const i64 = craftedCheckpoint('{"w":{"tensor":"w"}}', {
    w: { dtype: "I64", shape: [1], data_offsets: [0, 8] },
  }, new Uint8Array(8).fill(0x7f));
  assert.throws(() => decodeCheckpoint(i64, { name: "i64.safetensors" }), {
    message: /^i64.safetensors: tensor "w" \(I64\) holds \d+ at index 0, outside int32's range$/,
  });
  assert.equal(tf.memory().numTensors, before, "no tensor is left allocated");
});

Deno.test("limits: loadCheckpoint checks the file's size before reading it", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, checkpointName(1));
  const w = tf.ones([4]);
  try {
    await saveCheckpoint(path, { trees: { w } });
    await assert.rejects(loadCheckpoint(path, { limits: { maxFileBytes: 64 } }), {
      message: new RegExp(`^${path}: file is \\d+ bytes, over the limit maxFileBytes = 64`),
    });
    const { trees } = await loadCheckpoint(path);
    tree.dispose(trees);
  } finally {
    w.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

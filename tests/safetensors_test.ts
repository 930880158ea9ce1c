import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { encodeSafetensors, type StoredTensor } from "../lib/io/safetensors.ts";
import { decodeSafetensors } from "../lib/io/safetensors_decode.ts";
import { storedFromTensor, tensorFromStored } from "../lib/io/tensor_bytes.ts";

await tf.setBackend("cpu");
tf.env().set("PROD", true);

const ascii = (s: string) => new TextEncoder().encode(s);
const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** A file from a header JSON string (padded with spaces to 8 bytes) and a data buffer. */
function fileFrom(headerJson: string, buffer: Uint8Array = new Uint8Array(0), length?: number) {
  const json = ascii(headerJson);
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + buffer.length).fill(0x20, 8, 8 + padded);
  new DataView(out.buffer).setBigUint64(0, BigInt(length ?? padded), true);
  out.set(json, 8);
  out.set(buffer, 8 + padded);
  return out;
}

// The reference implementation's own serialization test (safetensors/src/tensor.rs,
// test_serialization_forced_alignement): F32 "attn0" of shape [1, 1, 2, 3] holding 0..5.
const REFERENCE = new Uint8Array([
  72,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  ...ascii('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       '),
  ...bytesOf(new Float32Array([0, 1, 2, 3, 4, 5])),
]);

Deno.test("a file hand-built per the spec decodes, and encoding gives the same bytes", () => {
  const { tensors, metadata } = decodeSafetensors(REFERENCE);
  assert.deepEqual(metadata, {});
  assert.deepEqual([...tensors.keys()], ["attn0"]);
  const attn = tensors.get("attn0")!;
  assert.equal(attn.dtype, "F32");
  assert.deepEqual(attn.shape, [1, 1, 2, 3]);
  assert.deepEqual([...new Float32Array(attn.data.slice().buffer)], [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(encodeSafetensors(tensors), REFERENCE);
});

Deno.test("empty files and metadata match the reference implementation's bytes", () => {
  assert.deepEqual(
    encodeSafetensors(new Map()),
    new Uint8Array([8, 0, 0, 0, 0, 0, 0, 0, ...ascii("{}      ")]),
  );
  const withMeta = encodeSafetensors(new Map(), { framework: "pt" });
  assert.deepEqual(
    withMeta,
    new Uint8Array([40, 0, 0, 0, 0, 0, 0, 0, ...ascii('{"__metadata__":{"framework":"pt"}}     ')]),
  );
  assert.deepEqual(decodeSafetensors(withMeta).metadata, { framework: "pt" });
});

Deno.test("float32, int32 and bool tensors round-trip bit-exactly, scalars and empty included", async () => {
  const specialBits = new Uint32Array([0x7fc00001, 0xffc12345, 0x80000000, 0x00000001, 0x7f800000]);
  const originals: Record<string, tf.Tensor> = {
    special: tf.tensor(new Float32Array(specialBits.buffer), [5]),
    matrix: tf.tensor([[1.5, -2.25, 3e-30], [4e30, 0, -7]]),
    scalar: tf.scalar(3.14159),
    empty: tf.zeros([2, 0, 3]),
    ints: tf.tensor([-2147483648, 2147483647, 0, -1], [2, 2], "int32"),
    intScalar: tf.scalar(42, "int32"),
    emptyInts: tf.zeros([0], "int32"),
    flags: tf.tensor([true, false, true], [3], "bool"),
    flagScalar: tf.scalar(false, "bool"),
  };
  const stored = new Map<string, StoredTensor>();
  for (const [name, t] of Object.entries(originals)) {
    stored.set(name, await storedFromTensor(t, name));
  }
  const bytes = encodeSafetensors(stored, { note: "round trip" });
  const { tensors, metadata } = decodeSafetensors(bytes, { name: "rt.safetensors" });
  assert.deepEqual(metadata, { note: "round trip" });
  assert.deepEqual(new Set(tensors.keys()), new Set(Object.keys(originals)));
  const before = tf.memory().numTensors;
  for (const [name, original] of Object.entries(originals)) {
    const loaded = tensorFromStored(tensors.get(name)!, name);
    assert.equal(loaded.dtype, original.dtype, name);
    assert.deepEqual(loaded.shape, original.shape, name);
    assert.deepEqual(bytesOf(await loaded.data()), bytesOf(await original.data()), name);
    loaded.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
  tf.dispose(Object.values(originals));
});

Deno.test("tensors are laid out by decreasing alignment so each one's data is aligned", () => {
  const t = (dtype: StoredTensor["dtype"], n: number, size: number): StoredTensor => ({
    dtype,
    shape: [n],
    data: new Uint8Array(n * size),
  });
  const bytes = encodeSafetensors(
    new Map([["b", t("BOOL", 3, 1)], ["h", t("F16", 1, 2)], ["f", t("F32", 2, 4)], [
      "d",
      t("F64", 1, 8),
    ]]),
  );
  const { tensors } = decodeSafetensors(bytes);
  assert.deepEqual([...tensors.keys()], ["d", "f", "h", "b"]);
  for (const [name, s] of tensors) {
    assert.equal(
      s.data.byteOffset % { BOOL: 1, F16: 2, F32: 4, F64: 8 }[s.dtype as "F32"],
      0,
      name,
    );
  }
});

Deno.test("each corruption is reported with the file name and the problem", () => {
  const f32 = bytesOf(new Float32Array([1, 2]));
  const cases: [Uint8Array, string][] = [
    [new Uint8Array(5), "file is 5 bytes, too short for the 8-byte header length"],
    [
      fileFrom("{}", new Uint8Array(0), 80),
      "header length 80 is beyond the file (8 bytes follow it)",
    ],
    [
      (() => {
        const f = fileFrom('{"a":1}');
        f[10] = 0xff;
        return f;
      })(),
      "header is not valid UTF-8",
    ],
    [fileFrom('{"w": {"dtype": "F32",'), /header is not valid JSON \(.+\)/.source],
    [fileFrom("[1, 2]"), "header must be a JSON object, got an array"],
    [
      fileFrom('{"__metadata__": {"epoch": 3}}'),
      '"__metadata__" must be an object mapping strings to strings',
    ],
    [fileFrom('{"w": 7}'), 'tensor "w" must be an object {dtype, shape, data_offsets}'],
    [
      fileFrom('{"w": {"dtype": "F17", "shape": [2], "data_offsets": [0, 8]}}', f32),
      'tensor "w" has unknown dtype "F17"; expected one of BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64',
    ],
    [
      fileFrom('{"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}', f32),
      'tensor "w": shape [-2] must hold non-negative integers',
    ],
    [
      fileFrom('{"w": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}}', f32),
      'tensor "w" has data_offsets [8,0]; expected [begin, end] with 0 <= begin <= end',
    ],
    [
      fileFrom('{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}', f32),
      'tensor "w" has data_offsets [0, 16] beyond the 8-byte data buffer',
    ],
    [
      fileFrom('{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}', f32),
      'tensor "w" of shape [3] and dtype F32 needs 12 bytes, but data_offsets [0, 8] hold 8',
    ],
    [
      fileFrom(
        '{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},' +
          ' "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}',
        f32,
      ),
      'tensors "a" [0, 8] and "b" [4, 8] overlap',
    ],
    [
      fileFrom('{"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}', f32),
      "bytes [0, 4) of the data buffer are unused",
    ],
    [
      fileFrom('{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}', f32),
      "the tensors cover 4 bytes of the 8-byte data buffer",
    ],
  ];
  for (const [bytes, problem] of cases) {
    const escaped = problem.startsWith("header is not valid JSON")
      ? problem
      : problem.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    assert.throws(() => decodeSafetensors(bytes, { name: "bad.safetensors" }), {
      message: new RegExp(`^bad\\.safetensors: ${escaped}$`),
    });
  }
});

Deno.test("encoding rejects inconsistent tensors with their name", () => {
  const data = new Uint8Array(8);
  assert.throws(() => encodeSafetensors(new Map([["w", { dtype: "F32", shape: [3], data }]])), {
    message: 'safetensors: tensor "w" of shape [3] and dtype F32 needs 12 bytes, got 8',
  });
  assert.throws(
    () => encodeSafetensors(new Map([["__metadata__", { dtype: "U8", shape: [8], data }]])),
    {
      message: 'safetensors: "__metadata__" is a reserved name',
    },
  );
});

Deno.test("other dtypes from Python files convert to float32 or int32", async () => {
  const stored = (dtype: StoredTensor["dtype"], view: ArrayBufferView, shape: number[]) =>
    tensorFromStored({ dtype, shape, data: bytesOf(view) }, `t_${dtype}`);
  const values = async (t: tf.Tensor) => {
    const v = [...(await t.data())];
    t.dispose();
    return v;
  };
  // F16 0x3c00 = 1, 0xc000 = -2, 0x3800 = 0.5, 0x0001 = 2^-24, 0x7c00 = Infinity.
  assert.deepEqual(
    await values(stored("F16", new Uint16Array([0x3c00, 0xc000, 0x3800, 0x0001, 0x7c00]), [5])),
    [1, -2, 0.5, 2 ** -24, Infinity],
  );
  // BF16 is the high half of a float32: 0x3fc0 = 1.5, 0xc120 = -10.
  assert.deepEqual(await values(stored("BF16", new Uint16Array([0x3fc0, 0xc120]), [2])), [
    1.5,
    -10,
  ]);
  assert.deepEqual(await values(stored("F64", new Float64Array([0.5, 1 / 3]), [2])), [
    0.5,
    Math.fround(1 / 3),
  ]);
  assert.deepEqual(await values(stored("U8", new Uint8Array([0, 255]), [2])), [0, 255]);
  assert.deepEqual(await values(stored("I8", new Int8Array([-128, 127]), [2])), [-128, 127]);
  assert.deepEqual(await values(stored("I64", new BigInt64Array([-5n, 7n]), [2])), [-5, 7]);
  const before = tf.memory().numTensors;
  assert.throws(() => stored("I64", new BigInt64Array([1n, 2n ** 40n]), [2]), {
    message: 'tensor "t_I64" (I64) holds 1099511627776 at index 1, outside int32\'s range',
  });
  assert.throws(() => stored("F8_E4M3", new Uint8Array([1]), [1]), {
    message: 'tensor "t_F8_E4M3" has dtype F8_E4M3, which has no tfjs counterpart',
  });
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("saving a disposed or string tensor fails with its name", async () => {
  const t = tf.tensor([1]);
  t.dispose();
  await assert.rejects(storedFromTensor(t, "enc/w"), {
    message: 'tensor "enc/w" is disposed; cannot save it',
  });
  const s = tf.tensor(["a"]);
  await assert.rejects(storedFromTensor(s, "names"), {
    message: 'tensor "names" has dtype string; only float32, int32 and bool tensors can be saved',
  });
  s.dispose();
});

Deno.test("limits: the header's size and nesting are checked before it is decoded", () => {
  const header = '{"__metadata__":{"a":"b"}}';
  assert.throws(
    () => decodeSafetensors(fileFrom(header), { name: "m.st", limits: { maxHeaderBytes: 16 } }),
    {
      message: new RegExp(
        "^m.st: header length is 32 bytes, over the limit maxHeaderBytes = 16; if the file is " +
          "trusted, raise it with the option limits: \\{ maxHeaderBytes: N \\}$",
      ),
    },
  );
  assert.deepEqual(decodeSafetensors(fileFrom(header), { name: "m.st" }).metadata, { a: "b" });
  const deep = `{"w":{"dtype":${"[".repeat(100_000)}${"]".repeat(100_000)}}}`;
  assert.throws(() => decodeSafetensors(fileFrom(deep), { name: "deep.st" }), {
    message: /^deep.st: the header nests more than 256 levels deep, over the limit maxDepth = 256/,
  });
  assert.throws(
    () => decodeSafetensors(fileFrom('{"a":[[1]]}'), { name: "d.st", limits: { maxDepth: 2 } }),
    {
      message: /^d.st: the header nests more than 2 levels deep/,
    },
  );
});

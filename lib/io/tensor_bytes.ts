/**
 * Conversions between tfjs tensors and safetensors' stored form (dtype, shape, raw bytes).
 * `float32`, `int32` and `bool` tensors round-trip bit-exactly as `F32`, `I32` and `BOOL`; files
 * from elsewhere may also hold the wider set of dtypes that {@link tensorFromStored} converts.
 *
 * Pure: no file system. Assumes a little-endian platform, as the format and every JS engine in
 * use are.
 *
 * @module
 */
import { tf } from "../tf.ts";
import type { SafetensorsDtype, StoredTensor } from "./safetensors.ts";

const STORED_DTYPE: Partial<Record<tf.DataType, SafetensorsDtype>> = {
  float32: "F32",
  int32: "I32",
  bool: "BOOL",
};

/**
 * Reads a tensor back from the device (`await t.data()`) into its stored form. `name` is used in
 * error messages. Throws for a disposed tensor or a dtype safetensors cannot hold (`string`,
 * `complex64`). Consumes nothing.
 *
 * @example
 * ```ts
 * import { io, tf } from "@byol/tfjs";
 *
 * const w = tf.tensor([1, 2, 3]);
 * const stored = await io.storedFromTensor(w, "w"); // { dtype: "F32", shape: [3], data }
 * w.dispose();
 * ```
 */
export async function storedFromTensor(t: tf.Tensor, name: string): Promise<StoredTensor> {
  if (t.isDisposed) throw new Error(`tensor "${name}" is disposed; cannot save it`);
  const dtype = STORED_DTYPE[t.dtype];
  if (!dtype) {
    throw new Error(
      `tensor "${name}" has dtype ${t.dtype}; only float32, int32 and bool tensors can be saved`,
    );
  }
  const values = (await t.data()) as Float32Array | Int32Array | Uint8Array;
  return {
    dtype,
    shape: t.shape,
    data: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  };
}

/** A copy of `bytes` in a fresh buffer, so typed arrays of any element size can view it. */
function aligned(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function exactInt32(values: ArrayLike<bigint | number>, name: string, dtype: string): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (v < -0x80000000 || v > 0x7fffffff) {
      throw new RangeError(
        `tensor "${name}" (${dtype}) holds ${values[i]} at index ${i}, outside int32's range`,
      );
    }
    out[i] = v;
  }
  return out;
}

/**
 * Makes a tfjs tensor (on the current backend) from a stored tensor. `F32`, `I32` and `BOOL`
 * are exact; `F16` and `BF16` widen exactly to `float32`; `F64` rounds to `float32`; `U8`, `I8`,
 * `U16`, `I16` widen to `int32`, and `U32`, `I64`, `U64` become `int32` when every value fits
 * (else a RangeError). `F8_*` has no tfjs counterpart and throws. `name` is used in error
 * messages. Consumes nothing; the bytes are copied.
 *
 * @example
 * ```ts
 * import { io } from "@byol/tfjs";
 *
 * const data = new Uint8Array(new Float32Array([1, 2]).buffer);
 * const w = io.tensorFromStored({ dtype: "F32", shape: [2], data }, "w");
 * w.dispose();
 * ```
 */
export function tensorFromStored(stored: StoredTensor, name: string): tf.Tensor {
  const { dtype, shape, data } = stored;
  const shapeCopy = [...shape];
  switch (dtype) {
    case "F32":
      return tf.tensor(new Float32Array(aligned(data)), shapeCopy, "float32");
    case "I32":
      return tf.tensor(new Int32Array(aligned(data)), shapeCopy, "int32");
    case "BOOL":
      return tf.tensor(Uint8Array.from(data, (b) => (b ? 1 : 0)), shapeCopy, "bool");
    case "F64":
      return tf.tensor(Float32Array.from(new Float64Array(aligned(data))), shapeCopy, "float32");
    case "F16":
      return tf.tensor(
        Float32Array.from(new Uint16Array(aligned(data)), halfToFloat),
        shapeCopy,
        "float32",
      );
    case "BF16": {
      const bits = Uint32Array.from(new Uint16Array(aligned(data)), (h) => h << 16);
      return tf.tensor(new Float32Array(bits.buffer), shapeCopy, "float32");
    }
    case "U8":
      return tf.tensor(Int32Array.from(data), shapeCopy, "int32");
    case "I8":
      return tf.tensor(Int32Array.from(new Int8Array(aligned(data))), shapeCopy, "int32");
    case "U16":
      return tf.tensor(Int32Array.from(new Uint16Array(aligned(data))), shapeCopy, "int32");
    case "I16":
      return tf.tensor(Int32Array.from(new Int16Array(aligned(data))), shapeCopy, "int32");
    case "U32":
      return tf.tensor(exactInt32(new Uint32Array(aligned(data)), name, dtype), shapeCopy, "int32");
    case "I64":
      return tf.tensor(
        exactInt32(new BigInt64Array(aligned(data)), name, dtype),
        shapeCopy,
        "int32",
      );
    case "U64":
      return tf.tensor(
        exactInt32(new BigUint64Array(aligned(data)), name, dtype),
        shapeCopy,
        "int32",
      );
    case "F8_E5M2":
    case "F8_E4M3":
      throw new Error(`tensor "${name}" has dtype ${dtype}, which has no tfjs counterpart`);
  }
}

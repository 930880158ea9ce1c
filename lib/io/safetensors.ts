/**
 * The safetensors file format (Hugging Face): an 8-byte little-endian header length `N`, `N`
 * bytes of JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__":
 * {string: string}}`, then one byte buffer holding every tensor's little-endian, row-major data.
 * Files written here read in Python's `safetensors` and the other way round. This module has
 * the types and the encoder; `safetensors_decode.ts` has the validating decoder.
 *
 * Pure: bytes in memory only, no file system and no tfjs.
 *
 * @module
 */

/** Bytes per element of each safetensors dtype, in the reference's order of increasing alignment. */
const DTYPE_SIZES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
} as const;

/** An element type of the safetensors format (`BOOL` is stored as one byte, 0 or 1). */
export type SafetensorsDtype = keyof typeof DTYPE_SIZES;

/**
 * The safetensors dtypes, in order of increasing alignment.
 *
 * @example
 * ```ts
 * import { io } from "@byol/tfjs";
 *
 * io.SAFETENSORS_DTYPES.includes("F32"); // true
 * ```
 */
export const SAFETENSORS_DTYPES = Object.keys(DTYPE_SIZES) as readonly SafetensorsDtype[];

/** The header key reserved for the file's string metadata. */
export const METADATA_KEY = "__metadata__";

/** One tensor as stored: dtype, shape and its raw little-endian, row-major bytes. */
export interface StoredTensor {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

/** The contents of a safetensors file: tensors in data order and the string metadata. */
export interface SafetensorsContents {
  readonly tensors: ReadonlyMap<string, StoredTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Whether `s` names a safetensors dtype.
 *
 * @example
 * ```ts
 * import { io } from "@byol/tfjs";
 *
 * [io.isSafetensorsDtype("BF16"), io.isSafetensorsDtype("float32")]; // [true, false]
 * ```
 */
export function isSafetensorsDtype(s: unknown): s is SafetensorsDtype {
  return typeof s === "string" && Object.hasOwn(DTYPE_SIZES, s);
}

/**
 * Bytes per element of a safetensors dtype.
 *
 * @example
 * ```ts
 * import { io } from "@byol/tfjs";
 *
 * io.dtypeSize("F64"); // 8
 * ```
 */
export function dtypeSize(dtype: SafetensorsDtype): number {
  return DTYPE_SIZES[dtype];
}

/** Number of elements of a shape (1 for a scalar `[]`), or an error message when invalid. */
export function elementCount(shape: unknown): number | string {
  if (!Array.isArray(shape)) return `shape must be an array of integers, got ${typeof shape}`;
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      return `shape ${JSON.stringify(shape)} must hold non-negative integers`;
    }
    n *= d;
  }
  return Number.isSafeInteger(n) ? n : `shape ${JSON.stringify(shape)} is too large`;
}

function compareUtf8(a: string, b: string): number {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/**
 * Encodes tensors and string metadata as safetensors, returned as parts to write one after the
 * other (the header, then each tensor's bytes, not copied). As the reference implementation,
 * tensors are laid out by decreasing dtype alignment, then by name, and the header is padded with
 * spaces to a multiple of 8 bytes, so every tensor's data is aligned. Consumes nothing.
 *
 * @example
 * ```ts
 * import { io } from "@byol/tfjs";
 *
 * const data = new Uint8Array(new Float32Array([1, 2]).buffer);
 * const parts = io.encodeSafetensorsParts(new Map([["w", { dtype: "F32", shape: [2], data }]]));
 * const size = parts.reduce((n, part) => n + part.length, 0);
 * ```
 */
export function encodeSafetensorsParts(
  tensors: ReadonlyMap<string, StoredTensor>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array[] {
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== "string") {
      throw new TypeError(`safetensors: metadata "${key}" must be a string, got ${typeof value}`);
    }
  }
  for (const [name, t] of tensors) {
    if (name === METADATA_KEY) throw new Error(`safetensors: "${METADATA_KEY}" is a reserved name`);
    if (!isSafetensorsDtype(t.dtype)) {
      throw new Error(`safetensors: tensor "${name}" has unknown dtype ${JSON.stringify(t.dtype)}`);
    }
    const count = elementCount(t.shape);
    if (typeof count === "string") throw new Error(`safetensors: tensor "${name}": ${count}`);
    if (t.data.byteLength !== count * DTYPE_SIZES[t.dtype]) {
      throw new Error(
        `safetensors: tensor "${name}" of shape [${t.shape}] and dtype ${t.dtype} needs ` +
          `${count * DTYPE_SIZES[t.dtype]} bytes, got ${t.data.byteLength}`,
      );
    }
  }
  const ordered = [...tensors].sort(([na, a], [nb, b]) =>
    SAFETENSORS_DTYPES.indexOf(b.dtype) - SAFETENSORS_DTYPES.indexOf(a.dtype) || compareUtf8(na, nb)
  );
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const [name, t] of ordered) {
    const end = offset + t.data.byteLength;
    Object.defineProperty(header, name, {
      value: { dtype: t.dtype, shape: t.shape, data_offsets: [offset, end] },
      enumerable: true,
    });
    offset = end;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const head = new Uint8Array(8 + padded).fill(0x20, 8 + json.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, 8);
  return [head, ...ordered.map(([, t]) => t.data)];
}

/**
 * Encodes tensors and string metadata as one safetensors buffer (see
 * {@link encodeSafetensorsParts}). Consumes nothing.
 *
 * @example
 * ```ts
 * import { io } from "@byol/tfjs";
 *
 * const data = new Uint8Array(new Float32Array([1, 2]).buffer);
 * const bytes = io.encodeSafetensors(new Map([["w", { dtype: "F32", shape: [2], data }]]));
 * ```
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, StoredTensor>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const parts = encodeSafetensorsParts(tensors, metadata);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

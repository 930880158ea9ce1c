/**
 * Explicit, splittable random keys (as JAX's `jax.random`). A key is a small plain value, two
 * unsigned 32-bit words; every random draw takes one, and the same key always gives the same
 * numbers. Keys are derived with the counter-based Threefry-2x32 hash (20 rounds, Salmon et al.
 * 2011), so splits are independent streams and nothing is stateful.
 *
 * The numbers are generated in JavaScript and uploaded, so they are identical on every backend.
 *
 * @module
 */
import { tf } from "./tf.ts";

/**
 * A random key: two unsigned 32-bit words. Make one with {@link key}, derive more with
 * {@link split}.
 *
 * @example
 * ```ts
 * import { type Key, random } from "@byol/tfjs";
 *
 * const k: Key = random.key(7); // [0, 7]
 * ```
 */
export type Key = readonly [number, number];

const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24] as const;

/**
 * Threefry-2x32 with 20 rounds: hashes the counter `[x0, x1]` under `key`. The one primitive
 * every other function here is built on.
 *
 * @example
 * ```ts
 * import { random } from "@byol/tfjs";
 *
 * const [a, b] = random.threefry2x32(random.key(0), 0, 0); // two uint32 words
 * ```
 */
export function threefry2x32(key: Key, x0: number, x1: number): [number, number] {
  const ks = [key[0] >>> 0, key[1] >>> 0, (key[0] ^ key[1] ^ 0x1bd11bda) >>> 0];
  x0 = (x0 + ks[0]) >>> 0;
  x1 = (x1 + ks[1]) >>> 0;
  for (let group = 1; group <= 5; group++) {
    const r = group % 2 === 1 ? 0 : 4;
    for (let j = 0; j < 4; j++) {
      const rot = ROTATIONS[r + j];
      x0 = (x0 + x1) >>> 0;
      x1 = ((x1 << rot) | (x1 >>> (32 - rot))) ^ x0;
    }
    x0 = (x0 + ks[group % 3]) >>> 0;
    x1 = (x1 + ks[(group + 1) % 3] + group) >>> 0;
  }
  return [x0, x1];
}

// Domain tags in the counter's high word keep split, foldIn and bit streams apart.
const SPLIT = 0;
const FOLD_IN = 1;
const STREAM = 2;

function checkKey(k: Key, fn: string): void {
  if (
    !Array.isArray(k) || k.length !== 2 ||
    !k.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)
  ) {
    throw new TypeError(
      `random.${fn}: expected a key (two uint32 words from random.key), got ${JSON.stringify(k)}`,
    );
  }
}

function checkCount(n: number, what: string, fn: string): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new RangeError(`random.${fn}: ${what} must be an integer in [0, 2^32), got ${n}`);
  }
}

/**
 * A key from an integer seed (up to 2^53).
 *
 * @example
 * ```ts
 * import { random } from "@byol/tfjs";
 *
 * const k = random.key(0);
 * const [kInit, kData] = random.split(k);
 * ```
 */
export function key(seed: number): Key {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`random.key: seed must be a non-negative safe integer, got ${seed}`);
  }
  return [Math.floor(seed / 2 ** 32) >>> 0, seed >>> 0];
}

/**
 * `n` new independent keys derived from `k` (default 2). The parent key should not be reused.
 *
 * @example
 * ```ts
 * import { random } from "@byol/tfjs";
 *
 * const [kEncoder, kProjector, kPredictor] = random.split(random.key(0), 3);
 * ```
 */
export function split(k: Key, n = 2): Key[] {
  checkKey(k, "split");
  checkCount(n, "n", "split");
  return Array.from({ length: n }, (_, i) => threefry2x32(k, SPLIT, i));
}

/**
 * A new key derived from `k` and an integer, e.g. the step number or a layer index.
 *
 * @example
 * ```ts
 * import { random } from "@byol/tfjs";
 *
 * const run = random.key(0);
 * const stepKeys = [0, 1, 2].map((step) => random.foldIn(run, step));
 * ```
 */
export function foldIn(k: Key, data: number): Key {
  checkKey(k, "foldIn");
  checkCount(data, "data", "foldIn");
  return threefry2x32(k, FOLD_IN, data);
}

/**
 * `n` random uint32 words from `k`.
 *
 * @example
 * ```ts
 * import { random } from "@byol/tfjs";
 *
 * const words = random.bits(random.key(0), 4); // Uint32Array(4)
 * ```
 */
export function bits(k: Key, n: number): Uint32Array {
  checkKey(k, "bits");
  checkCount(n, "n", "bits");
  const stream = threefry2x32(k, STREAM, 0);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i += 2) {
    const [a, b] = threefry2x32(stream, i >>> 1, 0);
    out[i] = a;
    if (i + 1 < n) out[i + 1] = b;
  }
  return out;
}

/**
 * `n` uniform floats in [0, 1) from `k`, as a plain array (for host-side use).
 *
 * @example
 * ```ts
 * import { random } from "@byol/tfjs";
 *
 * const u = random.uniformArray(random.key(0), 3); // Float32Array(3), each in [0, 1)
 * ```
 */
export function uniformArray(k: Key, n: number): Float32Array {
  const words = bits(k, n);
  const out = new Float32Array(n);
  // 24 high bits give exactly representable float32 values in [0, 1).
  for (let i = 0; i < n; i++) out[i] = (words[i] >>> 8) * 2 ** -24;
  return out;
}

function size(shape: readonly number[], fn: string): number {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RangeError(
      `random.${fn}: shape must be non-negative integers, got [${shape.join(", ")}]`,
    );
  }
  return shape.reduce((a, b) => a * b, 1);
}

/** Options for {@link uniform}. */
export interface UniformOptions {
  /** The lower bound, included; default 0. */
  readonly minval?: number;
  /** The upper bound, excluded; default 1. */
  readonly maxval?: number;
}

/**
 * A float32 tensor of uniform numbers in `[minval, maxval)` (default [0, 1)). Consumes nothing.
 *
 * @example
 * ```ts
 * import { random, tf } from "@byol/tfjs";
 *
 * const x = random.uniform(random.key(0), [256, 1], { minval: -1, maxval: 1 });
 * tf.dispose(x);
 * ```
 */
export function uniform(
  k: Key,
  shape: readonly number[],
  { minval = 0, maxval = 1 }: UniformOptions = {},
): tf.Tensor {
  const u = uniformArray(k, size(shape, "uniform"));
  if (minval !== 0 || maxval !== 1) {
    for (let i = 0; i < u.length; i++) u[i] = minval + (maxval - minval) * u[i];
  }
  return tf.tensor(u, [...shape], "float32");
}

/** Options for {@link normal}. */
export interface NormalOptions {
  /** The mean; default 0. */
  readonly mean?: number;
  /** The standard deviation; default 1. */
  readonly stddev?: number;
}

/**
 * `n` standard normal floats from `k` (Box-Muller), as a plain array.
 *
 * @example
 * ```ts
 * import { random } from "@byol/tfjs";
 *
 * const z = random.normalArray(random.key(0), 1000);
 * const mean = z.reduce((a, b) => a + b, 0) / z.length; // near 0
 * ```
 */
export function normalArray(k: Key, n: number): Float32Array {
  const m = n + (n % 2);
  const u = uniformArray(k, m);
  const out = new Float32Array(n);
  for (let i = 0; i < m; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u[i])); // 1 - u is in (0, 1], so the log is finite.
    const theta = 2 * Math.PI * u[i + 1];
    out[i] = r * Math.cos(theta);
    if (i + 1 < n) out[i + 1] = r * Math.sin(theta);
  }
  return out;
}

/**
 * A float32 tensor of normal numbers (default mean 0, standard deviation 1). Consumes nothing.
 *
 * @example
 * ```ts
 * import { random, tf } from "@byol/tfjs";
 *
 * const w = random.normal(random.key(0), [784, 128], { stddev: 0.05 });
 * tf.dispose(w);
 * ```
 */
export function normal(
  k: Key,
  shape: readonly number[],
  { mean = 0, stddev = 1 }: NormalOptions = {},
): tf.Tensor {
  const z = normalArray(k, size(shape, "normal"));
  if (mean !== 0 || stddev !== 1) {
    for (let i = 0; i < z.length; i++) {
      z[i] = mean + stddev * z[i];
    }
  }
  return tf.tensor(z, [...shape], "float32");
}

/**
 * A bool tensor whose entries are `true` with probability `p`. Consumes nothing.
 *
 * @example
 * ```ts
 * import { random, tf } from "@byol/tfjs";
 *
 * const keep = random.bernoulli(random.key(0), 0.9, [4, 16]);
 * tf.dispose(keep);
 * ```
 */
export function bernoulli(k: Key, p: number, shape: readonly number[]): tf.Tensor {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`random.bernoulli: p must be in [0, 1], got ${p}`);
  const u = uniformArray(k, size(shape, "bernoulli"));
  const out = new Uint8Array(u.length);
  for (let i = 0; i < u.length; i++) out[i] = u[i] < p ? 1 : 0;
  return tf.tensor(out, [...shape], "bool");
}

/**
 * Integers uniform in `[minval, maxval)` as a plain array (unbiased, by rejection).
 *
 * @example
 * ```ts
 * import { random } from "@byol/tfjs";
 *
 * const dice = random.randintArray(random.key(0), 10, 1, 7); // Int32Array of 1..6
 * ```
 */
export function randintArray(k: Key, n: number, minval: number, maxval: number): Int32Array {
  if (
    !Number.isInteger(minval) || !Number.isInteger(maxval) || maxval <= minval ||
    maxval - minval > 2 ** 31
  ) {
    throw new RangeError(
      `random.randint: need integers minval < maxval within 2^31, got [${minval}, ${maxval})`,
    );
  }
  const range = maxval - minval;
  const limit = 2 ** 32 - (2 ** 32 % range);
  const out = new Int32Array(n);
  let stream = k;
  let filled = 0;
  while (filled < n) {
    const [next, sub] = split(stream);
    stream = next;
    const words = bits(sub, n - filled + 16);
    for (let i = 0; i < words.length && filled < n; i++) {
      if (words[i] < limit) out[filled++] = minval + (words[i] % range);
    }
  }
  return out;
}

/**
 * An int32 tensor of integers uniform in `[minval, maxval)`. Consumes nothing.
 *
 * @example
 * ```ts
 * import { random, tf } from "@byol/tfjs";
 *
 * const labels = random.randint(random.key(0), [32], 0, 10);
 * tf.dispose(labels);
 * ```
 */
export function randint(
  k: Key,
  shape: readonly number[],
  minval: number,
  maxval: number,
): tf.Tensor {
  return tf.tensor(randintArray(k, size(shape, "randint"), minval, maxval), [...shape], "int32");
}

/**
 * A random permutation of `0 … n-1` as a plain array (Fisher-Yates).
 *
 * @example
 * ```ts
 * import { random } from "@byol/tfjs";
 *
 * const order = random.permutationArray(random.key(0), 5); // e.g. Int32Array [3, 0, 4, 1, 2]
 * ```
 */
export function permutationArray(k: Key, n: number): Int32Array {
  checkCount(n, "n", "permutation");
  const out = Int32Array.from({ length: n }, (_, i) => i);
  const u = uniformArray(k, n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(u[i] * (i + 1)));
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/**
 * A random permutation of `0 … n-1` as an int32 tensor. Consumes nothing.
 *
 * @example
 * ```ts
 * import { random, tf } from "@byol/tfjs";
 *
 * const order = random.permutation(random.key(0), 5);
 * tf.dispose(order);
 * ```
 */
export function permutation(k: Key, n: number): tf.Tensor1D {
  return tf.tensor1d(permutationArray(k, n), "int32");
}

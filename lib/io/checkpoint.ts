/**
 * Checkpoints of parameter trees in the safetensors format. Each tensor is stored under its tree
 * path prefixed by its tree's name (`online/encoder/stem/conv/w`, `optState/0/mu/...`), so a
 * checkpoint reads in Python as a flat dict. The exact structure of the trees (object keys in
 * order, arrays, `null`s, and number and boolean leaves such as the step or a random key) is kept
 * as JSON in the metadata under `"tree"`, next to the caller's metadata (each value JSON-encoded),
 * so loading rebuilds identical trees.
 *
 * Pure: bytes in memory only; the files live in `checkpoint_files.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { describe, type Leaf, type Tree } from "../tree.ts";
import { encodeSafetensorsParts, type StoredTensor } from "./safetensors.ts";
import { decodeSafetensors } from "./safetensors_decode.ts";
import { storedFromTensor, tensorFromStored } from "./tensor_bytes.ts";

/** A checkpoint: named trees and JSON-compatible metadata (e.g. the run's config). */
export interface Checkpoint {
  readonly trees: Readonly<Record<string, Tree<Leaf>>>;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** The metadata key holding the trees' structure. */
const TREE_KEY = "tree";

/**
 * A tree's structure as stored: `null`, booleans and finite numbers as themselves, other numbers
 * as `{number: "NaN" | "Infinity" | "-Infinity" | "-0"}`, tensors as `{tensor: name}`, arrays
 * as arrays and objects as `{dict: {...}}`, so every JSON object has exactly one tag.
 */
type StoredNode =
  | null
  | boolean
  | number
  | { readonly number: string }
  | { readonly tensor: string }
  | readonly StoredNode[]
  | { readonly dict: Readonly<Record<string, StoredNode>> };

const SPECIAL_NUMBERS: Readonly<Record<string, number>> = {
  "NaN": NaN,
  "Infinity": Infinity,
  "-Infinity": -Infinity,
  "-0": -0,
};

function isPlainObject(x: object): x is Record<string, unknown> {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function encodeNode(
  x: unknown,
  path: string,
  tensors: Map<string, tf.Tensor>,
): StoredNode {
  if (x === null || typeof x === "boolean") return x;
  if (typeof x === "number") {
    return Number.isFinite(x) && !Object.is(x, -0)
      ? x
      : { number: Object.is(x, -0) ? "-0" : `${x}` };
  }
  if (x instanceof tf.Tensor) {
    if (tensors.has(path)) {
      throw new Error(
        `checkpoint: two leaves are both named "${path}"; rename a key so tree paths are unique`,
      );
    }
    tensors.set(path, x);
    return { tensor: path };
  }
  if (Array.isArray(x)) return x.map((c, i) => encodeNode(c, `${path}/${i}`, tensors));
  if (typeof x === "object" && isPlainObject(x)) {
    const dict: Record<string, StoredNode> = {};
    for (const k of Object.keys(x)) {
      Object.defineProperty(dict, k, {
        value: encodeNode(x[k], `${path}/${k}`, tensors),
        enumerable: true,
      });
    }
    return { dict };
  }
  throw new TypeError(
    `checkpoint: "${path}" is not a tree: got ${describe(x)}; expected a tensor, boolean, ` +
      `number, null, plain object or array`,
  );
}

/**
 * Encodes a checkpoint as safetensors parts to write one after the other. Reads every tensor back
 * from the device (`await t.data()`). Throws, naming the path, for a disposed tensor, a tensor
 * dtype other than float32/int32/bool, two leaves with one name, or metadata that is not
 * JSON-serializable or uses the reserved key `"tree"`. Consumes nothing.
 *
 * @example
 * ```ts
 * const parts = await encodeCheckpoint({ trees: { online, step: 120 }, metadata: { config } });
 * const blob = new Blob(parts); // e.g. to download from a browser
 * ```
 */
export async function encodeCheckpoint(checkpoint: Checkpoint): Promise<Uint8Array[]> {
  const tensors = new Map<string, tf.Tensor>();
  const structure: Record<string, StoredNode> = {};
  for (const [name, t] of Object.entries(checkpoint.trees)) {
    Object.defineProperty(structure, name, {
      value: encodeNode(t, name, tensors),
      enumerable: true,
    });
  }
  const metadata: Record<string, string> = { [TREE_KEY]: JSON.stringify(structure) };
  for (const [key, value] of Object.entries(checkpoint.metadata ?? {})) {
    if (key === TREE_KEY) {
      throw new Error(
        `checkpoint: metadata key "${TREE_KEY}" is reserved for the trees' structure`,
      );
    }
    const json = JSON.stringify(value);
    if (json === undefined) {
      throw new TypeError(
        `checkpoint: metadata "${key}" is not JSON-serializable (${typeof value})`,
      );
    }
    Object.defineProperty(metadata, key, { value: json, enumerable: true });
  }
  const stored = new Map<string, StoredTensor>();
  const read = await Promise.all([...tensors].map(([n, t]) => storedFromTensor(t, n)));
  [...tensors.keys()].forEach((n, i) => stored.set(n, read[i]));
  return encodeSafetensorsParts(stored, metadata);
}

/** Options for {@link decodeCheckpoint}. */
export interface DecodeCheckpointOptions {
  /** The file's name, for error messages. */
  readonly name?: string;
}

/**
 * Decodes a checkpoint written by {@link encodeCheckpoint}, making its tensors on the current
 * backend, bit-exactly. Validates the safetensors layout and that the stored structure and the
 * tensors match one to one; errors name the file and the problem. Consumes nothing; on an error
 * no tensor is left allocated.
 *
 * @example
 * ```ts
 * const { trees, metadata } = decodeCheckpoint(bytes, { name: "step-000120.safetensors" });
 * ```
 */
export function decodeCheckpoint(
  bytes: Uint8Array,
  { name = "checkpoint" }: DecodeCheckpointOptions = {},
): Required<Checkpoint> {
  const { tensors, metadata: raw } = decodeSafetensors(bytes, { name });
  const fail = (problem: string): never => {
    throw new Error(`${name}: ${problem}`);
  };
  const parse = (key: string): unknown => {
    try {
      return JSON.parse(raw[key]);
    } catch (e) {
      return fail(`metadata "${key}" is not valid JSON (${(e as Error).message})`);
    }
  };
  if (!Object.hasOwn(raw, TREE_KEY)) {
    fail(`no "${TREE_KEY}" entry in the metadata: not a checkpoint written by saveCheckpoint`);
  }
  const structure = parse(TREE_KEY);
  const metadata: Record<string, unknown> = {};
  for (const key of Object.keys(raw)) {
    if (key !== TREE_KEY) {
      Object.defineProperty(metadata, key, { value: parse(key), enumerable: true });
    }
  }
  if (typeof structure !== "object" || structure === null || Array.isArray(structure)) {
    fail(`metadata "${TREE_KEY}" must be an object of named trees`);
  }
  const used = new Set<string>();
  const made: tf.Tensor[] = [];
  const build = (node: unknown, path: string): Tree<Leaf> => {
    if (node === null || typeof node === "boolean" || typeof node === "number") return node;
    if (Array.isArray(node)) return node.map((c, i) => build(c, `${path}/${i}`));
    const tags = typeof node === "object" ? Object.keys(node) : [];
    const value = tags.length === 1 ? (node as Record<string, unknown>)[tags[0]] : undefined;
    if (tags[0] === "tensor" && typeof value === "string") {
      const stored = tensors.get(value);
      if (!stored) return fail(`"${path}" refers to tensor "${value}", which the file lacks`);
      if (used.has(value)) return fail(`tensor "${value}" is referenced twice`);
      used.add(value);
      made.push(tensorFromStored(stored, value));
      return made[made.length - 1];
    }
    if (tags[0] === "number" && typeof value === "string" && value in SPECIAL_NUMBERS) {
      return SPECIAL_NUMBERS[value];
    }
    if (
      tags[0] === "dict" && typeof value === "object" && value !== null && !Array.isArray(value)
    ) {
      return Object.fromEntries(
        Object.entries(value).map(([k, c]) => [k, build(c, `${path}/${k}`)]),
      );
    }
    return fail(`"${path}" has an unrecognised structure entry ${JSON.stringify(node)}`);
  };
  try {
    const trees = Object.fromEntries(
      Object.entries(structure as Record<string, unknown>).map(([k, node]) => [k, build(node, k)]),
    );
    const unused = [...tensors.keys()].filter((t) => !used.has(t));
    if (unused.length > 0) fail(`tensors not part of any tree: ${unused.join(", ")}`);
    return { trees, metadata };
  } catch (e) {
    tf.dispose(made);
    throw e;
  }
}

/**
 * The file name of the checkpoint at `step`, zero-padded to six digits so names sort by step:
 * `checkpointName(120)` is `"step-000120.safetensors"`.
 *
 * @example
 * ```ts
 * await saveCheckpoint(join(runDir, checkpointName(step)), { trees: { online, step } });
 * ```
 */
export function checkpointName(step: number): string {
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new RangeError(`checkpointName: step must be a non-negative integer, got ${step}`);
  }
  return `step-${String(step).padStart(6, "0")}.safetensors`;
}

/** The step of a file named by {@link checkpointName}, or `null` for any other name. */
export function checkpointStep(fileName: string): number | null {
  const match = /^step-(\d+)\.safetensors$/.exec(fileName);
  return match ? Number(match[1]) : null;
}

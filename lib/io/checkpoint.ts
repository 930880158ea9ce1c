/**
 * Checkpoints of parameter trees in the safetensors format. Each tensor is stored under its tree
 * path prefixed by its tree's name (`online/encoder/stem/conv/w`, `optState/0/mu/...`), so a
 * checkpoint reads in Python as a flat dict. The exact structure of the trees (object keys in
 * order, arrays, `null`s, and number and boolean leaves such as the step or a random key) is kept
 * in the metadata under `"tree"` as the trees' JSON form (`tree.toJson`, with each tensor stored as
 * `{"tensor": name}`), next to the caller's metadata (each value JSON-encoded), so loading rebuilds
 * identical trees.
 *
 * Pure: bytes in memory only; the files live in `lib/deno/io/checkpoint_files.ts`.
 *
 * @module
 */
import type { tf } from "../tf.ts";
import { dispose, fromJson, type Leaf, toJson, type Tree, type TreeJson } from "../tree.ts";
import { encodeSafetensorsParts, type StoredTensor } from "./safetensors.ts";
import { decodeSafetensors } from "./safetensors_decode.ts";
import { storedFromTensor, tensorFromStored } from "./tensor_bytes.ts";
import { checkDepth, decodeLimits, type WithLimits } from "./limits.ts";

/**
 * A checkpoint: named trees and JSON-compatible metadata (e.g. the run's config).
 *
 * @example
 * ```ts
 * import { io, tf, tree } from "@byol/tfjs";
 *
 * const checkpoint: io.Checkpoint = { trees: { online: { w: tf.zeros([2]) }, step: 3 } };
 * tree.dispose(checkpoint.trees);
 * ```
 */
export interface Checkpoint {
  /** The trees by name, e.g. `{ online, target, optState, step, key }`. */
  readonly trees: Readonly<Record<string, Tree<Leaf>>>;
  /** JSON-compatible metadata, e.g. `{ config }`; the key `"tree"` is reserved. */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** The metadata key holding the trees' structure. */
const TREE_KEY = "tree";

/**
 * Encodes a checkpoint as safetensors parts to write one after the other. Reads every tensor back
 * from the device (`await t.data()`). Throws, naming the path, for a value that is not a tree, a
 * disposed tensor, a tensor dtype other than float32/int32/bool, two leaves with one name, or
 * metadata that is not JSON-serializable or uses the reserved key `"tree"`. Consumes nothing.
 *
 * @example
 * ```ts
 * import { io, tf } from "@byol/tfjs";
 *
 * const online = { w: tf.zeros([2, 2]) };
 * const parts = await io.encodeCheckpoint({ trees: { online, step: 120 }, metadata: { lr: 0.1 } });
 * const fileSize = parts.reduce((n, part) => n + part.byteLength, 0);
 * tf.dispose(online);
 * ```
 */
export async function encodeCheckpoint(checkpoint: Checkpoint): Promise<Uint8Array[]> {
  const tensors = new Map<string, tf.Tensor>();
  // The trees by name are one tree, whose leaf paths are the tensors' names.
  const json = toJson(checkpoint.trees, (t, path) => {
    if (tensors.has(path)) {
      throw new Error(
        `checkpoint: two leaves are both named "${path}"; rename a key so tree paths are unique`,
      );
    }
    tensors.set(path, t);
    return path;
  }, { op: "checkpoint", names: ["trees"] });
  const structure = (json as { readonly dict: Record<string, TreeJson> }).dict;
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

/**
 * Options for {@link decodeCheckpoint}.
 *
 * @example
 * ```ts
 * import type { io } from "@byol/tfjs";
 *
 * const options: io.DecodeCheckpointOptions = { name: "step-000120.safetensors" };
 * ```
 */
export interface DecodeCheckpointOptions extends WithLimits {
  /** The file's name, for error messages. */
  readonly name?: string;
}

/**
 * Decodes a checkpoint written by {@link encodeCheckpoint}, making its tensors on the current
 * backend, bit-exactly. Validates the safetensors layout, the stored structure, and that the
 * structure and the tensors match one to one; the header and the metadata are checked against
 * `limits` (`maxHeaderBytes`, `maxDepth`) first. Errors name the file, the path and the problem.
 * Consumes nothing; on an error no tensor is left allocated.
 *
 * @example
 * ```ts
 * import { io, tf, tree } from "@byol/tfjs";
 *
 * const online = { w: tf.ones([2]) };
 * const parts = await io.encodeCheckpoint({ trees: { online, step: 120 } });
 * const bytes = Uint8Array.from(parts.flatMap((part) => [...part]));
 * const { trees } = io.decodeCheckpoint(bytes, { name: "step-000120.safetensors" });
 * tree.dispose(online, trees);
 * ```
 */
export function decodeCheckpoint(
  bytes: Uint8Array,
  { name = "checkpoint", limits }: DecodeCheckpointOptions = {},
): Required<Checkpoint> {
  const { maxDepth } = decodeLimits(limits);
  const { tensors, metadata: raw } = decodeSafetensors(bytes, { name, limits });
  const fail = (problem: string): never => {
    throw new Error(`${name}: ${problem}`);
  };
  const parse = (key: string): unknown => {
    let value: unknown;
    try {
      value = JSON.parse(raw[key]);
    } catch (e) {
      return fail(`metadata "${key}" is not valid JSON (${(e as Error).message})`);
    }
    return checkDepth(value, name, `metadata "${key}"`, maxDepth);
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
  const trees = fromJson({ dict: structure }, (ref, path) => {
    if (typeof ref !== "string") {
      return fail(
        `"${path}" has a tensor reference ${JSON.stringify(ref)}; expected a tensor name`,
      );
    }
    const stored = tensors.get(ref);
    if (!stored) return fail(`"${path}" refers to tensor "${ref}", which the file lacks`);
    if (used.has(ref)) return fail(`tensor "${ref}" is referenced twice`);
    used.add(ref);
    try {
      return tensorFromStored(stored, ref);
    } catch (e) {
      return fail((e as Error).message);
    }
  }, { op: name, names: [`metadata "${TREE_KEY}"`] }) as Record<string, Tree<Leaf>>;
  const unused = [...tensors.keys()].filter((t) => !used.has(t));
  if (unused.length > 0) {
    dispose(trees);
    fail(`tensors not part of any tree: ${unused.join(", ")}`);
  }
  return { trees, metadata };
}

/**
 * The file name of the checkpoint at `step`, zero-padded to six digits so names sort by step:
 * `checkpointName(120)` is `"step-000120.safetensors"`.
 *
 * @example
 * ```ts
 * import { io } from "@byol/tfjs";
 *
 * io.checkpointName(120); // "step-000120.safetensors"
 * ```
 */
export function checkpointName(step: number): string {
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new RangeError(`checkpointName: step must be a non-negative integer, got ${step}`);
  }
  return `step-${String(step).padStart(6, "0")}.safetensors`;
}

/**
 * The step of a file named by {@link checkpointName}, or `null` for any other name.
 *
 * @example
 * ```ts
 * import { io } from "@byol/tfjs";
 *
 * io.checkpointStep("step-000120.safetensors"); // 120
 * io.checkpointStep("notes.txt"); // null
 * ```
 */
export function checkpointStep(fileName: string): number | null {
  const match = /^step-(\d+)\.safetensors$/.exec(fileName);
  return match ? Number(match[1]) : null;
}

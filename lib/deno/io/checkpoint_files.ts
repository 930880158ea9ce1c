/**
 * Checkpoint files: saving trees atomically as safetensors, loading them back, and finding a run's
 * checkpoints by step. Needs Deno; the format itself is in `checkpoint.ts`.
 *
 * @module
 */
import { join } from "node:path";
import type { Leaf, Tree } from "../../tree.ts";
import { writeFileAtomic } from "./atomic_file.ts";
import { readFileLimited } from "./read_file.ts";
import type { WithLimits } from "../../io/limits.ts";
import {
  type Checkpoint,
  checkpointStep,
  decodeCheckpoint,
  encodeCheckpoint,
} from "../../io/checkpoint.ts";

/** What {@link saveCheckpoint} writes, and whether it may replace an existing file. */
export interface SaveCheckpointOptions {
  /** Named trees, e.g. `{ online, target, optState, step, key }`. */
  readonly trees: Readonly<Record<string, Tree<Leaf>>>;
  /** JSON-compatible metadata, e.g. `{ config }`; the key `"tree"` is reserved. */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Replace an existing checkpoint at the path (default false: refuse with an error). */
  readonly overwrite?: boolean;
}

/**
 * Saves trees and metadata to a safetensors file, atomically (temporary file in the same
 * directory, fsync, rename): a failed save leaves no partial file and an existing checkpoint
 * intact, and an existing file is only replaced with `overwrite: true`. Reads the tensors back
 * from the device with `await t.data()`. Consumes nothing.
 *
 * @example
 * ```ts
 * import { io, random, tf, tree } from "@byol/tfjs";
 * import { saveCheckpoint } from "@byol/tfjs/deno";
 *
 * const dir = await Deno.makeTempDir();
 * const step = 120;
 * const online = { w: tf.ones([2, 2]) };
 * await saveCheckpoint(`${dir}/${io.checkpointName(step)}`, {
 *   trees: { online, step, key: random.key(0) },
 *   metadata: { config: { learningRate: 0.1 } },
 * });
 * tree.dispose(online);
 * ```
 */
export async function saveCheckpoint(
  path: string,
  { trees, metadata, overwrite = false }: SaveCheckpointOptions,
): Promise<void> {
  const parts = await encodeCheckpoint({ trees, metadata });
  await writeFileAtomic(path, parts, { overwrite });
}

/**
 * Loads a checkpoint written by {@link saveCheckpoint}: the trees, with their tensors made on the
 * current backend bit-exactly, and the metadata. The file's size, its header and its metadata are
 * checked against `limits` before they are decoded. Errors name the file and what is wrong with
 * it. Consumes nothing; the caller owns the returned tensors.
 *
 * @example
 * ```ts
 * import { tree } from "@byol/tfjs";
 * import { loadCheckpoint } from "@byol/tfjs/deno";
 *
 * const { trees, metadata } = await loadCheckpoint("runs/byol/step-000120.safetensors");
 * const online = trees.online;
 * tree.dispose(trees);
 * ```
 */
export async function loadCheckpoint(
  path: string,
  { limits }: WithLimits = {},
): Promise<Required<Checkpoint>> {
  return decodeCheckpoint(await readFileLimited(path, { limits }), { name: path, limits });
}

/** A checkpoint file found by {@link listCheckpoints}. */
export interface CheckpointFile {
  /** The training step in its name. */
  readonly step: number;
  /** Its path: the directory searched joined with its name. */
  readonly path: string;
}

/**
 * The checkpoints in `dir` named by `checkpointName` (`step-000120.safetensors`), by increasing
 * step; an empty list when `dir` does not exist. Other files, including temporary files of
 * unfinished saves, are ignored.
 *
 * @example
 * ```ts
 * import { listCheckpoints } from "@byol/tfjs/deno";
 *
 * for (const { step, path } of await listCheckpoints("runs/byol")) console.log(step, path);
 * ```
 */
export async function listCheckpoints(dir: string): Promise<CheckpointFile[]> {
  const found: CheckpointFile[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      const step = entry.isFile ? checkpointStep(entry.name) : null;
      if (step !== null) found.push({ step, path: join(dir, entry.name) });
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  return found.sort((a, b) => a.step - b.step || (a.path < b.path ? -1 : 1));
}

/**
 * The checkpoint in `dir` with the highest step, or `null` when there is none (e.g. to resume a
 * run).
 *
 * @example
 * ```ts
 * import { tree } from "@byol/tfjs";
 * import { latestCheckpoint, loadCheckpoint } from "@byol/tfjs/deno";
 *
 * const latest = await latestCheckpoint("runs/byol");
 * if (latest) {
 *   const { trees } = await loadCheckpoint(latest.path);
 *   console.log(`resuming from step ${latest.step}`);
 *   tree.dispose(trees);
 * }
 * ```
 */
export async function latestCheckpoint(dir: string): Promise<CheckpointFile | null> {
  return (await listCheckpoints(dir)).at(-1) ?? null;
}

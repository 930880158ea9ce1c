/**
 * A run's checkpoints: the whole BYOL state (online, predictor, target, batch-norm statistics,
 * optimizer state, step), the run's random key and the count of batches skipped for a non-finite
 * loss, in safetensors files named by step (`step-000234.safetensors`, tensor names are tree
 * paths) with the run's config in the metadata. Only the newest `keep` checkpoints of a run are
 * kept; loading falls back to an older one when the newest cannot be read. Needs Deno.
 *
 * @module
 */
import { join } from "node:path";
import { listCheckpoints, loadCheckpoint, readFileLimited, saveCheckpoint } from "../../../deno.ts";
import { io, type Key, type Leaf, type Tree, tree } from "../../../mod.ts";
import type { ByolState } from "../mod.ts";
import { checkConfig, type RunConfig } from "./config.ts";

/** The trees a checkpoint of a run holds. */
export const STATE_TREES = ["online", "predictor", "target", "bnState", "optState"] as const;

/** What {@link saveTrainState} saves. */
export interface TrainStateToSave {
  /** The state; its step names the file. */
  readonly state: ByolState;
  /** The run's root key. */
  readonly key: Key;
  /** The run's config, stored in the metadata. */
  readonly config: RunConfig;
  /** How many checkpoints to keep, the newest ones. */
  readonly keep: number;
  /** Batches skipped so far for a non-finite loss or gradient norm (default 0). */
  readonly skipped?: number;
}

/**
 * Saves `state`, `key` and `skipped` to `<dir>/step-NNNNNN.safetensors` with `config` in the
 * metadata, atomically, replacing a file of the same step (e.g. a damaged one an earlier session
 * fell back from), then deletes all but the newest `keep` checkpoints in `dir`. Returns the path.
 * Consumes nothing.
 *
 * @example
 * ```ts
 * import { random, tree } from "@byol/tfjs";
 * import { readConfig, saveTrainState, modelOf } from "@byol/tfjs/train";
 *
 * const dir = "runs/shapes-fashion-mnist-20250101-120000";
 * const config = await readConfig(dir);
 * const key = random.key(config.seed);
 * const state = modelOf(config).init(key, config.dataset.imageShape);
 * const path = await saveTrainState(dir, { state, key, config, keep: 3 });
 * tree.dispose(state);
 * ```
 */
export async function saveTrainState(
  dir: string,
  { state, key, config, keep, skipped = 0 }: TrainStateToSave,
): Promise<string> {
  const path = join(dir, io.checkpointName(state.step));
  await saveCheckpoint(path, {
    trees: { ...state, step: state.step, key: [key[0], key[1]], skipped },
    metadata: { config },
    overwrite: true,
  });
  const all = await listCheckpoints(dir);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) await Deno.remove(old.path);
  return path;
}

/**
 * Every place where the loaded trees differ from the model's in structure, leaf kind, dtype or
 * shape, as messages naming the path (prefixed by the tree's name).
 */
function mismatches(
  expected: Readonly<Record<string, Tree<Leaf>>>,
  loaded: Readonly<Record<string, Tree<Leaf>>>,
): string[] {
  return tree.diff(expected, loaded, { names: ["the model", "the checkpoint"] })
    .map((d) => d.message);
}

/** A checkpoint of a run, loaded. */
export interface LoadedTrainState {
  /** The BYOL state; the caller owns and frees it. */
  readonly state: ByolState;
  /** The run's root key. */
  readonly key: Key;
  /** The config in the metadata, or `null` for a checkpoint written without one. */
  readonly config: RunConfig | null;
  /** Batches skipped for a non-finite loss or gradient norm up to this step (0 when absent). */
  readonly skipped: number;
}

/**
 * Loads a checkpoint written by {@link saveTrainState}. With `like` (e.g. a freshly initialised
 * state of the same model), checks that every tree has the same paths, dtypes and shapes, and
 * throws naming the file and the first differing paths. Consumes nothing; the caller owns the
 * returned state.
 *
 * @example
 * ```ts
 * import { random, tree } from "@byol/tfjs";
 * import { latestCheckpoint } from "@byol/tfjs/deno";
 * import { loadTrainState, modelOf, readConfig, runKeys } from "@byol/tfjs/train";
 *
 * const dir = "runs/shapes-fashion-mnist-20250101-120000";
 * const config = await readConfig(dir);
 * const like = modelOf(config).init(runKeys(random.key(config.seed)).init, config.dataset.imageShape);
 * const { state, key } = await loadTrainState((await latestCheckpoint(dir))!.path, { like });
 * tree.dispose([like, state]);
 * ```
 */
export async function loadTrainState(
  path: string,
  { like }: { like?: ByolState } = {},
): Promise<LoadedTrainState> {
  const { trees, metadata } = await loadCheckpoint(path);
  const problems: string[] = [];
  const missing = [...STATE_TREES, "step", "key"].filter((n) => !Object.hasOwn(trees, n));
  if (missing.length > 0) problems.push(`missing trees ${missing.join(", ")}`);
  const { step, key } = trees;
  if (!missing.includes("step") && !(typeof step === "number" && Number.isInteger(step))) {
    problems.push(`"step" must be an integer, found ${tree.describe(step)}`);
  }
  const keyOk = Array.isArray(key) && key.length === 2 && key.every((k) => typeof k === "number");
  if (!missing.includes("key") && !keyOk) problems.push(`"key" must be two numbers`);
  const { skipped = 0 } = trees;
  if (!(typeof skipped === "number" && Number.isInteger(skipped) && skipped >= 0)) {
    problems.push(`"skipped" must be a non-negative integer, found ${tree.describe(skipped)}`);
  }
  if (problems.length === 0 && like) {
    const pick = (from: Readonly<Record<string, unknown>>) =>
      Object.fromEntries(STATE_TREES.map((n) => [n, from[n] as Tree<Leaf>]));
    problems.push(...mismatches(pick(like), pick(trees)));
  }
  if (problems.length > 0) {
    tree.dispose(trees);
    const shown = problems.slice(0, 8).join("\n  ");
    const more = problems.length > 8 ? `\n  ... and ${problems.length - 8} more` : "";
    throw new Error(`${path}: not a checkpoint of this run's model:\n  ${shown}${more}`);
  }
  let config: RunConfig | null;
  try {
    config = metadata.config === undefined
      ? null
      : checkConfig(metadata.config, `${path} (metadata "config")`);
  } catch (err) {
    tree.dispose(trees);
    throw err;
  }
  const state = Object.fromEntries(STATE_TREES.map((n) => [n, trees[n]]));
  return {
    state: { ...state, step } as unknown as ByolState,
    key: [(key as number[])[0], (key as number[])[1]],
    skipped: skipped as number,
    config,
  };
}

/** The checkpoint {@link loadLatestTrainState} loaded, and the newer ones it could not read. */
export interface LatestTrainState extends LoadedTrainState {
  /** The file loaded. */
  readonly path: string;
  /** Newer checkpoints that failed to load, newest first, each with why. */
  readonly failed: readonly { readonly path: string; readonly reason: string }[];
}

/**
 * Loads the newest checkpoint of run folder `dir` that loads (see {@link loadTrainState}),
 * falling back to older ones when the newest is damaged (cut short, bit flips, another model),
 * and telling `warn` which file failed, why, and which one is used instead. Returns `null` when
 * `dir` has no checkpoint; throws listing every file and reason when none loads. Consumes
 * nothing; the caller owns the returned state.
 *
 * @example
 * ```ts
 * import { random, tree } from "@byol/tfjs";
 * import { loadLatestTrainState, modelOf, readConfig, runKeys } from "@byol/tfjs/train";
 *
 * const dir = "runs/shapes-fashion-mnist-20250101-120000";
 * const config = await readConfig(dir);
 * const like = modelOf(config).init(runKeys(random.key(config.seed)).init, config.dataset.imageShape);
 * const latest = await loadLatestTrainState(dir, { like, warn: console.error });
 * tree.dispose(like);
 * if (latest) tree.dispose(latest.state);
 * ```
 */
export async function loadLatestTrainState(
  dir: string,
  { like, warn }: { like?: ByolState; warn: (text: string) => void },
): Promise<LatestTrainState | null> {
  const all = (await listCheckpoints(dir)).reverse();
  if (all.length === 0) return null;
  const failed: { path: string; reason: string }[] = [];
  for (const { path } of all) {
    try {
      const loaded = await loadTrainState(path, { like });
      for (const f of failed) {
        warn(`warning: cannot load ${f.path} (${f.reason}); resuming from ${path} instead`);
      }
      return { ...loaded, path, failed };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const reason = message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
      failed.push({ path, reason });
    }
  }
  throw new Error(
    `${dir}: no checkpoint could be loaded:\n` +
      failed.map((f) => `  ${f.path}: ${f.reason}`).join("\n"),
  );
}

/**
 * The run config in checkpoint `path`'s metadata, checked ({@link checkConfig}), or `null` for a
 * checkpoint written without one; read without making tensors. Throws naming the file when it is
 * not a safetensors file or its config is not valid JSON or not a valid config.
 *
 * @example
 * ```ts
 * import { readCheckpointConfig } from "@byol/tfjs/train";
 *
 * const config = await readCheckpointConfig("runs/a/step-000120.safetensors");
 * console.log(config?.totalSteps);
 * ```
 */
export async function readCheckpointConfig(path: string): Promise<RunConfig | null> {
  const { metadata } = io.decodeSafetensors(await readFileLimited(path), { name: path });
  if (metadata.config === undefined) return null;
  let json: unknown;
  try {
    json = JSON.parse(metadata.config);
  } catch (err) {
    throw new Error(`${path}: metadata "config" is not valid JSON (${(err as Error).message})`);
  }
  return checkConfig(json, `${path} (metadata "config")`);
}

/**
 * The config stored in the newest checkpoint of run folder `dir` whose metadata reads, with that
 * file, or `null` when no checkpoint has one. Damaged newer files are passed over (loading them
 * says why).
 */
export async function newestStoredConfig(
  dir: string,
): Promise<{ readonly path: string; readonly config: RunConfig } | null> {
  for (const { path } of (await listCheckpoints(dir)).reverse()) {
    try {
      const config = await readCheckpointConfig(path);
      if (config) return { path, config };
    } catch {
      // A damaged file: an older checkpoint may still hold the config.
    }
  }
  return null;
}

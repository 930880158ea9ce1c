/**
 * A run's checkpoints: the whole BYOL state (online, predictor, target, batch-norm statistics,
 * optimizer state, step) and the run's random key, in safetensors files named by step
 * (`step-000234.safetensors`, tensor names are tree paths) with the run's config in the
 * metadata. Only the newest `keep` checkpoints of a run are kept. Needs Deno.
 *
 * @module
 */
import { join } from "node:path";
import { listCheckpoints, loadCheckpoint, pathExists, saveCheckpoint } from "../../../deno.ts";
import { io, type Key, type Leaf, type Tree, tree } from "../../../mod.ts";
import type { ByolState } from "../mod.ts";
import { checkConfig, type RunConfig } from "./config.ts";

/** The trees a checkpoint of a run holds. */
export const STATE_TREES = ["online", "predictor", "target", "bnState", "optState"] as const;

/**
 * Saves `state` and `key` to `<dir>/step-NNNNNN.safetensors` with `config` in the metadata, then
 * deletes all but the newest `keep` checkpoints in `dir`. A checkpoint of the same step that
 * already exists is kept as it is (it holds the same state). Returns the path. Consumes nothing.
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
  { state, key, config, keep }: { state: ByolState; key: Key; config: RunConfig; keep: number },
): Promise<string> {
  const path = join(dir, io.checkpointName(state.step));
  if (!(await pathExists(path))) {
    await saveCheckpoint(path, {
      trees: { ...state, step: state.step, key: [key[0], key[1]] },
      metadata: { config },
    });
  }
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
  const state = Object.fromEntries(STATE_TREES.map((n) => [n, trees[n]]));
  return {
    state: { ...state, step } as unknown as ByolState,
    key: [(key as number[])[0], (key as number[])[1]],
    config: metadata.config === undefined
      ? null
      : checkConfig(metadata.config, `${path} (metadata "config")`),
  };
}

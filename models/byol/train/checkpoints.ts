/**
 * A run's checkpoints: the whole BYOL state (online, predictor, target, batch-norm statistics,
 * optimizer state, step) and the run's random key, in safetensors files named by step
 * (`step-000234.safetensors`, tensor names are tree paths) with the run's config in the
 * metadata. Only the newest `keep` checkpoints of a run are kept. Needs Deno.
 *
 * @module
 */
import { join } from "node:path";
import { io, type Key, type Leaf, tf, type Tree, tree } from "../../../mod.ts";
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
 * const path = await saveTrainState(dir, { state, key, config, keep: 3 });
 * ```
 */
export async function saveTrainState(
  dir: string,
  { state, key, config, keep }: { state: ByolState; key: Key; config: RunConfig; keep: number },
): Promise<string> {
  const path = join(dir, io.checkpointName(state.step));
  if (!(await io.pathExists(path))) {
    await io.saveCheckpoint(path, {
      trees: { ...state, step: state.step, key: [key[0], key[1]] },
      metadata: { config },
    });
  }
  const all = await io.listCheckpoints(dir);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) await Deno.remove(old.path);
  return path;
}

function describeLeaf(x: Leaf | undefined): string {
  if (x instanceof tf.Tensor) return `${x.dtype} [${x.shape}]`;
  return x === undefined ? "nothing" : typeof x;
}

/** Every path where `loaded` differs from `expected` in presence, kind, dtype or shape. */
function mismatches(expected: Tree<Leaf>, loaded: Tree<Leaf>, name: string): string[] {
  const byPath = (t: Tree<Leaf>) => {
    const leaves = tree.leaves(t);
    return new Map(tree.paths(t).map((p, i) => [p, leaves[i]]));
  };
  const [want, have] = [byPath(expected), byPath(loaded)];
  const out: string[] = [];
  for (const p of new Set([...want.keys(), ...have.keys()])) {
    const [w, h] = [want.get(p), have.get(p)];
    const same = w instanceof tf.Tensor && h instanceof tf.Tensor
      ? w.dtype === h.dtype && tf.util.arraysEqual(w.shape, h.shape)
      : typeof w === typeof h;
    if (!same) out.push(`${name}/${p}: expected ${describeLeaf(w)}, found ${describeLeaf(h)}`);
  }
  return out;
}

/** A checkpoint of a run, loaded. */
export interface LoadedTrainState {
  readonly state: ByolState;
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
 * const { state, key } = await loadTrainState(latest.path, { like: model.init(k, shape) });
 * ```
 */
export async function loadTrainState(
  path: string,
  { like }: { like?: ByolState } = {},
): Promise<LoadedTrainState> {
  const { trees, metadata } = await io.loadCheckpoint(path);
  const problems: string[] = [];
  const missing = [...STATE_TREES, "step", "key"].filter((n) => !Object.hasOwn(trees, n));
  if (missing.length > 0) problems.push(`missing trees ${missing.join(", ")}`);
  const { step, key } = trees;
  if (!missing.includes("step") && !(typeof step === "number" && Number.isInteger(step))) {
    problems.push(`"step" must be an integer, found ${describeLeaf(step as Leaf)}`);
  }
  const keyOk = Array.isArray(key) && key.length === 2 && key.every((k) => typeof k === "number");
  if (!missing.includes("key") && !keyOk) problems.push(`"key" must be two numbers`);
  if (problems.length === 0 && like) {
    for (const name of STATE_TREES) {
      problems.push(...mismatches(like[name] as Tree<Leaf>, trees[name], name));
    }
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

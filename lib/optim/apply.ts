/**
 * Applying updates to parameters (Optax's `apply_updates`).
 *
 * @module
 */
import { tf } from "../tf.ts";
import * as tree from "../tree.ts";
import type { Updates } from "./types.ts";

/**
 * The new parameters `params + updates`, leaf by leaf. Where an update is `null` (a frozen
 * parameter) the result holds a clone of the parameter: a new handle on the same data, not a copy.
 * So every tensor returned is new and the training loop disposes the old parameters and the
 * updates in full, with no special case for frozen ones. Throws, naming the path, when the trees
 * differ in structure. Consumes nothing.
 *
 * @example
 * ```ts
 * import { optim, tf, tree } from "@byol/tfjs";
 *
 * const params = { w: tf.ones([2]), frozen: tf.ones([2]) };
 * const updates = { w: tf.fill([2], -0.5), frozen: null };
 * const next = optim.applyUpdates(params, updates); // w: 0.5, frozen: a clone of params.frozen
 * tree.dispose(params, updates);
 * tree.dispose(next);
 * ```
 */
export function applyUpdates<P extends Updates>(params: P, updates: Updates): P {
  const applied: unknown = tree.mapPrefix(([u, p]) => tf.add(p, u), [updates, params], {
    op: "applyUpdates",
    names: ["updates", "params"],
    atNull: ([p]) => tree.clone(p),
  });
  return applied as P;
}

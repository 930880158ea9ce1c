/**
 * Applying updates to parameters (Optax's `apply_updates`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Updates } from "./types.ts";
import { mapState } from "./walk.ts";

/**
 * The new parameters `params + updates`, leaf by leaf. Where an update is `null` (a frozen
 * parameter) the result holds a clone of the parameter: a new handle on the same data, not a copy.
 * So every tensor returned is new and the training loop disposes the old parameters and the
 * updates in full, with no special case for frozen ones. Throws, naming the path, when the trees
 * differ in structure. Consumes nothing.
 *
 * @example
 * ```ts
 * const { updates, state: nextState } = opt.update(grads, state, params);
 * const nextParams = applyUpdates(params, updates);
 * tree.dispose(params, grads, updates, state);
 * ```
 */
export function applyUpdates<P extends Updates>(params: P, updates: Updates): P {
  const applied: unknown = mapState(
    "applyUpdates",
    ["updates", "params"],
    (u, p) => tf.add(p, u),
    updates,
    params,
  );
  return applied as P;
}

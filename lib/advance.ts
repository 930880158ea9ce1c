/**
 * Ownership across training steps: a step returns a new state that may share some tensors with
 * the old one (a frozen parameter, a passed-through statistic); the loop then frees the rest.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { flatten, type Leaf, type Tree } from "./tree.ts";

/**
 * Disposes every tensor of `old` that `next` does not also hold, and returns `next`. This is the
 * one disposal a training loop needs after each step. Consumes `old`.
 *
 * @example
 * ```ts
 * let state = init();
 * for (const batch of batches) {
 *   const out = step(state, batch);
 *   state = advance(state, out.state);
 * }
 * ```
 */
export function advance<T extends Tree<Leaf>>(old: Tree<Leaf>, next: T): T {
  const kept = new Set(flatten(next)[0] as Leaf[]);
  for (const leaf of flatten(old)[0] as Leaf[]) {
    if (leaf instanceof tf.Tensor && !kept.has(leaf) && !leaf.isDisposed) leaf.dispose();
  }
  return next;
}

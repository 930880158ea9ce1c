/**
 * Ownership across training steps: a step returns a new state that may share some tensors with
 * the old one (a frozen parameter, a passed-through statistic); the loop then frees the rest.
 *
 * @module
 */
import { tf } from "./tf.ts";
import { type Leaf, leaves, type Tree } from "./tree.ts";

/**
 * Disposes every tensor of `old` that `next` does not also hold, and returns `next`. This is the
 * one disposal a training loop needs after each step. Consumes `old`.
 *
 * @example
 * ```ts
 * import { advance, tf, tree } from "@byol/tfjs";
 *
 * // A step that updates `w` and passes the frozen `v` through unchanged.
 * const step = (s: { w: tf.Tensor; v: tf.Tensor }) => ({ w: tf.add(s.w, 1), v: s.v });
 * let state = { w: tf.zeros([2]), v: tf.ones([2]) };
 * for (let i = 0; i < 3; i++) state = advance(state, step(state)); // frees each old `w` only
 * tree.dispose(state);
 * ```
 */
export function advance<T extends Tree<Leaf>>(old: Tree<Leaf>, next: T): T {
  const kept = new Set<Leaf>(leaves(next, { op: "advance", names: ["next"] }));
  for (const leaf of leaves(old, { op: "advance", names: ["old"] })) {
    if (leaf instanceof tf.Tensor && !kept.has(leaf) && !leaf.isDisposed) leaf.dispose();
  }
  return next;
}

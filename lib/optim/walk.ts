/**
 * Internal tree walks for the optimizers. Unlike `tree.map`, they follow the updates' `null`
 * places (frozen parameters) even where the state or parameters hold a tensor.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import * as tree from "../tree.ts";
import type { Leaf, Tree } from "../tree.ts";
import type { Mask, Updates } from "./types.ts";

type Visit = (leaves: readonly Leaf[], path: string) => unknown;

function isLeaf(x: unknown): x is Leaf {
  return x instanceof tf.Tensor || typeof x === "boolean" || typeof x === "number";
}

function kindOf(x: unknown): string {
  if (x === null) return "null";
  if (isLeaf(x)) return "leaf";
  return Array.isArray(x) ? "array" : typeof x === "object" ? "object" : "other";
}

function mismatch(
  op: string,
  names: readonly string[],
  xs: readonly unknown[],
  path: string[],
  i = xs.findIndex((x, j) => j > 0 && !sameNode(xs[0], x)),
) {
  return new Error(
    `${op}: ${names[i]} and ${names[0]} differ at "${path.join("/") || "(root)"}": ` +
      `${names[0]} has ${tree.describe(xs[0])}, ${names[i]} has ${tree.describe(xs[i])}; ` +
      `expected the same structure`,
  );
}

function sameNode(a: unknown, b: unknown): boolean {
  const kind = kindOf(a);
  if (kind !== kindOf(b)) return false;
  if (kind === "array") return (a as unknown[]).length === (b as unknown[]).length;
  if (kind === "object") {
    const ka = Object.keys(a as object);
    return ka.length === Object.keys(b as object).length && ka.every((k) => k in (b as object));
  }
  return true;
}

/**
 * Walks `trees[0]` (the updates) and the trees after it (state, parameters) together. At a leaf
 * of the updates it returns `visit(leaves)`; where the updates are `null` it returns
 * `onNull(subtrees)` without looking into the other trees there.
 */
function walk(
  op: string,
  names: readonly string[],
  trees: readonly unknown[],
  visit: Visit,
  onNull: (subtrees: readonly unknown[]) => unknown,
  path: string[] = [],
): unknown {
  const [head] = trees;
  if (head === null) return onNull(trees.slice(1));
  if (kindOf(head) === "other") {
    throw new TypeError(
      `${op}: ${names[0]} are not a tree at "${path.join("/") || "(root)"}": got ` +
        `${tree.describe(head)}; expected a tensor, null, plain object or array`,
    );
  }
  if (!trees.every((t) => sameNode(head, t))) throw mismatch(op, names, trees, path);
  if (isLeaf(head)) {
    const shape = head instanceof tf.Tensor ? head.shape : [];
    const i = trees.findIndex((t) =>
      t instanceof tf.Tensor && !tf.util.arraysEqual(t.shape, shape)
    );
    if (i > 0) throw mismatch(op, names, trees, path, i);
    return visit(trees as Leaf[], path.join("/"));
  }
  if (Array.isArray(head)) {
    return head.map((_, i) =>
      walk(op, names, trees.map((t) => (t as unknown[])[i]), visit, onNull, [...path, String(i)])
    );
  }
  return Object.fromEntries(
    Object.keys(head as object).map((k) => [
      k,
      walk(op, names, trees.map((t) => (t as Record<string, unknown>)[k]), visit, onNull, [
        ...path,
        k,
      ]),
    ]),
  );
}

/**
 * Maps the tensors of `updates` (with the leaves of `others` at the same places) to new tensors;
 * `null` updates stay `null`. `names` label the trees in error messages. Consumes nothing.
 */
export function mapUpdates(
  op: string,
  names: readonly string[],
  fn: (update: tf.Tensor, ...others: Leaf[]) => tf.Tensor,
  updates: Updates,
  ...others: readonly Tree<Leaf>[]
): Updates {
  return walk(
    op,
    names,
    [updates, ...others],
    ([u, ...rest]) => fn(u as tf.Tensor, ...rest),
    () => null,
  ) as Updates;
}

/**
 * Maps a state tree along `updates`: at a tensor of `updates` it returns `fn(update, stateLeaf,
 * ...)`, and where `updates` are `null` it keeps a clone of the state there, so the next state
 * shares no tensor with the old one. Consumes nothing.
 */
export function mapState(
  op: string,
  names: readonly string[],
  fn: (update: tf.Tensor, stateLeaf: tf.Tensor, ...others: Leaf[]) => tf.Tensor,
  updates: Updates,
  state: Updates,
  ...others: readonly Tree<Leaf>[]
): Updates {
  return walk(
    op,
    names,
    [updates, state, ...others],
    ([u, s, ...rest]) => fn(u as tf.Tensor, s as tf.Tensor, ...rest),
    ([s]) => cloneTree(s as Updates),
  ) as Updates;
}

/**
 * The leaves of `values` where `mask` is `want`, and `null` elsewhere, along the structure of
 * `updates` (`mask` as from {@link resolveMask}). The leaves are shared, not copied.
 */
export function selectWhere(
  op: string,
  updates: Updates,
  mask: Tree<boolean>,
  values: Updates,
  want: boolean,
): Updates {
  return walk(
    op,
    ["updates", "mask", "values"],
    [updates, mask, values],
    ([, m, v]) => (m === want ? v : null),
    () => null,
  ) as Updates;
}

/** A tree of zeros of the shapes and dtypes of the tensors of `t`. Consumes nothing. */
export function zerosTree(t: Updates): Updates {
  return tree.map((x) => tf.zerosLike(x), t);
}

/** A tree of clones (new handles on the same data) of the tensors of `t`. Consumes nothing. */
export function cloneTree(t: Updates): Updates {
  return tree.map((x) => tf.clone(x), t);
}

/**
 * The boolean tree of `updates`' structure that `mask` selects, `null` where `updates` are
 * `null`. A boolean in a mask tree where the updates have a subtree applies to all of it. A mask
 * function sees each parameter's path and tensor (the update's, when `params` are not given).
 */
export function resolveMask(
  op: string,
  mask: Mask,
  updates: Updates,
  params?: Updates,
): Tree<boolean> {
  if (typeof mask === "function") {
    const names = ["updates", "params"];
    const trees = params === undefined ? [updates] : [updates, params];
    return walk(op, names, trees, (ls, path) => {
      const selected: unknown = mask(path, ls[ls.length - 1] as tf.Tensor);
      if (typeof selected !== "boolean") {
        throw new TypeError(
          `${op}: the mask function must return a boolean, got ${typeof selected} at "${path}"`,
        );
      }
      return selected;
    }, () => null) as Tree<boolean>;
  }
  const fill = (t: unknown, value: boolean): unknown =>
    walk(op, ["updates"], [t], () => value, () => null);
  const go = (u: unknown, m: unknown, path: string[]): unknown => {
    if (typeof m === "boolean") return fill(u, m);
    if (u === null) return null;
    if (isLeaf(u) || !sameNode(u, m)) {
      throw new Error(
        `${op}: the mask does not fit the updates at "${path.join("/") || "(root)"}": updates ` +
          `have ${tree.describe(u)}, the mask has ${tree.describe(m)}; expected a boolean or ` +
          `the same structure`,
      );
    }
    if (Array.isArray(u)) return u.map((x, i) => go(x, (m as unknown[])[i], [...path, String(i)]));
    const record = m as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(u as object).map(([k, x]) => [k, go(x, record[k], [...path, k])]),
    );
  };
  return go(updates, mask, []) as Tree<boolean>;
}

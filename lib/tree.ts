/**
 * Parameter trees: nested plain objects and arrays whose leaves are tensors (or, for masks and
 * counters, booleans and numbers), with `null` marking an empty place. Every function here is pure:
 * it never disposes or mutates its inputs unless its name says so (`dispose`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** A value stored at a tree's leaves: a tensor, or a boolean/number for masks and counters. */
export type Leaf = tf.Tensor | boolean | number;

/** A tree with leaves of type `L`; `null` is an empty place with no leaf (e.g. a frozen slot). */
export type Tree<L extends Leaf = tf.Tensor> =
  | L
  | null
  | readonly Tree<L>[]
  | { readonly [key: string]: Tree<L> };

/**
 * The tree `T` with every leaf replaced by `R`, keeping the shape (keys, tuple positions and
 * `null`s) in the type system: `MapLeaves<{ w: Tensor2D; b: null }, boolean>` is
 * `{ w: boolean; b: null }`.
 */
export type MapLeaves<T, R, Depth extends unknown[] = []> = Depth["length"] extends 12
  ? Tree<Extract<R, Leaf>>
  : T extends null ? null
  : T extends Leaf ? R
  : T extends readonly unknown[] ? { -readonly [K in keyof T]: MapLeaves<T[K], R, [...Depth, 0]> }
  : T extends object ? { -readonly [K in keyof T]: MapLeaves<T[K], R, [...Depth, 0]> }
  : never;

/** The leaf type of a tree type (depth-limited, so the wide `Tree<L>` type gives `L`). */
export type LeafOf<T, Depth extends unknown[] = []> = Depth["length"] extends 12 ? Leaf
  : T extends null ? never
  : T extends Leaf ? T
  : T extends readonly (infer E)[] ? LeafOf<E, [...Depth, 0]>
  : T extends object ? { [K in keyof T]: LeafOf<T[K], [...Depth, 0]> }[keyof T]
  : never;

/** The structure of a tree without its leaves, as returned by {@link flatten}. */
export type TreeDef =
  | { readonly kind: "leaf" }
  | { readonly kind: "null" }
  | { readonly kind: "array"; readonly children: readonly TreeDef[] }
  | {
    readonly kind: "object";
    readonly keys: readonly string[];
    readonly children: readonly TreeDef[];
  };

type Node =
  | { kind: "leaf"; leaf: Leaf }
  | { kind: "null" }
  | { kind: "array"; items: readonly unknown[] }
  | { kind: "object"; keys: string[]; record: Record<string, unknown> };

function isPlainObject(x: object): x is Record<string, unknown> {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function joinPath(path: readonly string[]): string {
  return path.length === 0 ? "(root)" : path.join("/");
}

function classify(x: unknown, path: readonly string[]): Node {
  if (x === null) return { kind: "null" };
  if (x instanceof tf.Tensor || typeof x === "boolean" || typeof x === "number") {
    return { kind: "leaf", leaf: x };
  }
  if (Array.isArray(x)) return { kind: "array", items: x };
  if (typeof x === "object" && isPlainObject(x)) {
    return { kind: "object", keys: Object.keys(x), record: x };
  }
  const what = x === undefined
    ? "undefined"
    : typeof x === "object"
    ? x.constructor?.name ?? "object"
    : typeof x;
  throw new TypeError(
    `not a tree at "${joinPath(path)}": got ${what}; expected a tensor, boolean, number, null, ` +
      `plain object or array`,
  );
}

/** A short description of the structure at one place, for error messages. */
export function describe(x: unknown): string {
  if (x === null) return "null";
  if (x instanceof tf.Tensor) return `Tensor[${x.shape.join(",")}] ${x.dtype}`;
  if (typeof x === "boolean" || typeof x === "number") return `${typeof x} ${x}`;
  if (Array.isArray(x)) return `array(${x.length})`;
  if (typeof x === "object" && x !== undefined) return `object{${Object.keys(x).join(",")}}`;
  return String(x);
}

function sameShape(nodes: readonly Node[]): boolean {
  const first = nodes[0];
  return nodes.every((n) => {
    if (n.kind !== first.kind) return false;
    if (n.kind === "array" && first.kind === "array") return n.items.length === first.items.length;
    if (n.kind === "object" && first.kind === "object") {
      return n.keys.length === first.keys.length && first.keys.every((k) => k in n.record);
    }
    return true;
  });
}

/**
 * Walks several trees of one structure together, calling `visit` at each leaf position and
 * rebuilding the structure from its results. `null` places stay `null` without a visit.
 */
function zipWalk(
  op: string,
  trees: readonly unknown[],
  visit: (leaves: Leaf[], path: readonly string[]) => unknown,
  path: string[] = [],
): unknown {
  const nodes = trees.map((t) => classify(t, path));
  if (!sameShape(nodes)) {
    const i = nodes.findIndex((n, j) => j > 0 && !sameShape([nodes[0], n]));
    throw new Error(
      `${op}: tree structures differ at "${joinPath(path)}": tree 0 has ${describe(trees[0])}, ` +
        `tree ${i} has ${describe(trees[i])}`,
    );
  }
  const first = nodes[0];
  switch (first.kind) {
    case "null":
      return null;
    case "leaf":
      return visit(nodes.map((n) => (n as Node & { kind: "leaf" }).leaf), path);
    case "array":
      return first.items.map((_, i) =>
        zipWalk(op, nodes.map((n) => (n as Node & { kind: "array" }).items[i]), visit, [
          ...path,
          String(i),
        ])
      );
    case "object": {
      const out: Record<string, unknown> = {};
      for (const k of first.keys) {
        out[k] = zipWalk(op, nodes.map((n) => (n as Node & { kind: "object" }).record[k]), visit, [
          ...path,
          k,
        ]);
      }
      return out;
    }
  }
}

/**
 * Applies `fn` to the leaves of one or more trees of the same structure and returns a new tree.
 * `null` places stay `null`. Throws, naming the first differing path and both structures there,
 * when the trees' structures differ. Consumes nothing.
 *
 * @example
 * ```ts
 * const avg = tree.map((a, b) => tf.add(a, b).div(2), paramsA, paramsB);
 * ```
 */
export function map<T extends Tree<Leaf>, R extends Leaf | null>(
  fn: (leaf: LeafOf<T>, ...rest: Leaf[]) => R,
  tree: T,
  ...rest: readonly Tree<Leaf>[]
): MapLeaves<T, R> {
  return zipWalk(
    "tree.map",
    [tree, ...rest],
    (ls) => fn(ls[0] as LeafOf<T>, ...ls.slice(1)),
  ) as MapLeaves<T, R>;
}

/**
 * Like {@link map} over one tree, with each leaf's path (`/`-joined keys and indices, e.g.
 * `encoder/stem/conv/w`) passed first. Consumes nothing.
 */
export function mapWithPath<T extends Tree<Leaf>, R extends Leaf | null>(
  fn: (path: string, leaf: LeafOf<T>) => R,
  tree: T,
): MapLeaves<T, R> {
  return zipWalk(
    "tree.mapWithPath",
    [tree],
    (ls, path) => fn(path.join("/"), ls[0] as LeafOf<T>),
  ) as MapLeaves<
    T,
    R
  >;
}

/** The leaves of a tree in a stable depth-first order (object keys in insertion order). */
export function leaves<T extends Tree<Leaf>>(tree: T): LeafOf<T>[] {
  return flatten(tree)[0];
}

/** The `/`-joined paths of a tree's leaves, in the order of {@link leaves}. */
export function paths(tree: Tree<Leaf>): string[] {
  const out: string[] = [];
  zipWalk("tree.paths", [tree], (_, path) => out.push(path.join("/")));
  return out;
}

/** Splits a tree into its leaves and a structure that {@link unflatten} rebuilds it from. */
export function flatten<T extends Tree<Leaf>>(tree: T): [LeafOf<T>[], TreeDef] {
  const out: LeafOf<T>[] = [];
  const build = (x: unknown, path: string[]): TreeDef => {
    const node = classify(x, path);
    switch (node.kind) {
      case "null":
        return { kind: "null" };
      case "leaf":
        out.push(node.leaf as LeafOf<T>);
        return { kind: "leaf" };
      case "array":
        return {
          kind: "array",
          children: node.items.map((c, i) => build(c, [...path, String(i)])),
        };
      case "object":
        return {
          kind: "object",
          keys: node.keys,
          children: node.keys.map((k) => build(node.record[k], [...path, k])),
        };
    }
  };
  const def = build(tree, []);
  return [out, def];
}

/** Number of leaves in a structure. */
function countLeaves(def: TreeDef): number {
  if (def.kind === "leaf") return 1;
  if (def.kind === "null") return 0;
  return def.children.reduce((n, c) => n + countLeaves(c), 0);
}

/** Rebuilds a tree from {@link flatten}'s structure and a list of leaves (not copied). */
export function unflatten<L extends Leaf>(def: TreeDef, leafList: readonly L[]): Tree<L> {
  const expected = countLeaves(def);
  if (leafList.length !== expected) {
    throw new Error(`tree.unflatten: the structure has ${expected} leaves, got ${leafList.length}`);
  }
  let i = 0;
  const build = (d: TreeDef): Tree<L> => {
    switch (d.kind) {
      case "leaf":
        return leafList[i++];
      case "null":
        return null;
      case "array":
        return d.children.map(build);
      case "object":
        return Object.fromEntries(d.keys.map((k, j) => [k, build(d.children[j])]));
    }
  };
  return build(def);
}

/** Selects leaves: a function of path and leaf, or a tree of booleans of the same structure. */
export type Filter<T extends Tree<Leaf>> =
  | ((path: string, leaf: LeafOf<T>) => boolean)
  | Tree<boolean>;

/** Resolves a {@link Filter} into a boolean tree with the structure of `tree`. */
export function resolveFilter<T extends Tree<Leaf>>(
  tree: T,
  filter: Filter<T>,
): MapLeaves<T, boolean> {
  if (typeof filter === "function") return mapWithPath(filter, tree);
  return zipWalk("tree.partition", [tree, filter], (ls) => {
    if (typeof ls[1] !== "boolean") {
      throw new TypeError(`a filter tree's leaves must be booleans, got ${describe(ls[1])}`);
    }
    return ls[1];
  }) as MapLeaves<T, boolean>;
}

/**
 * Splits a tree in two of the same structure: the leaves the filter selects, and the rest, each
 * with `null` in the other's places (as Equinox's `partition`). {@link combine} joins them again.
 * Consumes nothing; the leaves are shared, not copied.
 *
 * @example
 * ```ts
 * const [trainable, frozen] = tree.partition(params, (path) => !path.startsWith("encoder/stem"));
 * ```
 */
export function partition<T extends Tree<Leaf>>(
  tree: T,
  filter: Filter<T>,
): [Parted<T>, Parted<T>] {
  const mask: unknown = resolveFilter(tree, filter);
  const pick = (want: boolean): unknown =>
    zipWalk("tree.partition", [tree, mask], (ls) => (ls[1] === want ? ls[0] : null));
  const parts: unknown = [pick(true), pick(false)];
  return parts as [Parted<T>, Parted<T>];
}

/** One side of {@link partition}: the tree `T` with each leaf possibly replaced by `null`. */
export type Parted<T> = MapLeaves<T, LeafOf<T> | null>;

/**
 * Joins trees of the same structure, taking at each place the first non-`null` value (as
 * Equinox's `combine`). Throws when two trees both hold a leaf at one place. Consumes nothing.
 */
export function combine<T extends Tree<Leaf>>(...trees: readonly T[]): MapLeaves<T, LeafOf<T>> {
  if (trees.length === 0) throw new Error("tree.combine: needs at least one tree");
  const go = (xs: unknown[], path: string[]): unknown => {
    const present = xs.filter((x) => x !== null);
    if (present.length === 0) return null;
    const nodes = present.map((x) => classify(x, path));
    if (nodes.some((n) => n.kind === "leaf")) {
      if (present.length > 1) {
        throw new Error(
          `tree.combine: more than one tree holds a value at "${joinPath(path)}": ` +
            present.map(describe).join(" and "),
        );
      }
      return present[0];
    }
    if (!sameShape(nodes)) {
      throw new Error(
        `tree.combine: tree structures differ at "${joinPath(path)}": ${
          present.map(describe).join(" vs ")
        }`,
      );
    }
    const first = nodes[0];
    if (first.kind === "array") {
      return first.items.map((_, i) =>
        go(xs.map((x) => (x === null ? null : (x as unknown[])[i])), [...path, String(i)])
      );
    }
    const { keys } = first as { keys: string[] };
    return Object.fromEntries(
      keys.map((
        k,
      ) => [
        k,
        go(xs.map((x) => (x === null ? null : (x as Record<string, unknown>)[k])), [...path, k]),
      ]),
    );
  };
  return go(trees as unknown[], []) as MapLeaves<T, LeafOf<T>>;
}

/** Disposes every tensor leaf of the given trees. Consumes the trees. */
export function dispose(...trees: readonly Tree<Leaf>[]): void {
  for (const t of trees) {
    for (const leaf of flatten(t)[0] as Leaf[]) if (leaf instanceof tf.Tensor) leaf.dispose();
  }
}

/** A tree of zeros with the structure, shapes and dtypes of `tree`. Consumes nothing. */
export function zerosLike<T extends Tree<Leaf>>(tree: T): MapLeaves<T, LeafOf<T>> {
  return zipWalk(
    "tree.zerosLike",
    [tree],
    ([x]) => (x instanceof tf.Tensor ? tf.zerosLike(x) : typeof x === "boolean" ? false : 0),
  ) as MapLeaves<
    T,
    LeafOf<T>
  >;
}

/** Tolerances for {@link allClose}: `|a - b| <= atol + rtol * |b|` elementwise. */
export interface CloseOptions {
  readonly rtol?: number;
  readonly atol?: number;
}

/**
 * Whether two trees have the same structure and leaf shapes and their leaves agree elementwise
 * within `atol + rtol * |b|` (defaults 1e-5 and 1e-8, as NumPy). Reads the values back from the
 * device, so it is async; for tests and checks. Consumes nothing.
 */
export async function allClose(
  a: Tree<Leaf>,
  b: Tree<Leaf>,
  { rtol = 1e-5, atol = 1e-8 }: CloseOptions = {},
): Promise<boolean> {
  const pairs: [Leaf, Leaf][] = [];
  try {
    zipWalk("tree.allClose", [a, b], (ls) => pairs.push([ls[0], ls[1]]));
  } catch {
    return false;
  }
  for (const [x, y] of pairs) {
    const xs = x instanceof tf.Tensor ? x : null;
    const ys = y instanceof tf.Tensor ? y : null;
    if (xs && ys && !tf.util.arraysEqual(xs.shape, ys.shape)) return false;
    const xv = xs ? await xs.data() : [Number(x)];
    const yv = ys ? await ys.data() : [Number(y)];
    if (xv.length !== yv.length) return false;
    for (let i = 0; i < xv.length; i++) {
      const u = Number(xv[i]);
      const v = Number(yv[i]);
      if (Number.isNaN(u) || Number.isNaN(v)) return false;
      if (Math.abs(u - v) > atol + rtol * Math.abs(v)) return false;
    }
  }
  return true;
}

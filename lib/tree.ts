/**
 * Parameter trees: nested plain objects and arrays whose leaves are tensors (or, for masks and
 * counters, booleans and numbers), with `null` marking an empty place. This is the one tree walker
 * of the library: every function here checks that its input is a tree and, where it walks several
 * trees together, that they agree, naming the first path where they do not. Every function is pure:
 * it never disposes or mutates its inputs unless its name says so (`dispose`).
 *
 * @module
 */
import { tf } from "./tf.ts";

/** A value stored at a tree's leaves: a tensor, or a boolean/number for masks and counters. */
export type Leaf = tf.Tensor | boolean | number;

/** A tree with leaves of type `L`; `null` is an empty place with no leaf (e.g. a frozen slot). */
export type Tree<L extends Leaf = tf.Tensor> =
  | L
  | null
  | readonly Tree<L>[]
  | { readonly [key: string]: Tree<L> };

/**
 * `L` when `T` is the wide type `Tree<L>` itself, and `never` for a tree of a known shape: how
 * {@link MapLeaves} and {@link LeafOf} map `Tree<Tensor>` to `Tree<R>` and `Tensor`.
 *
 * @example
 * ```ts
 * import { tf, type Tree, tree } from "@byol/tfjs";
 *
 * const leaf: tree.WideLeaf<Tree<tf.Tensor>> = tf.scalar(1); // tf.Tensor
 * const none: tree.WideLeaf<{ w: tf.Tensor }>[] = []; // never
 * leaf.dispose();
 * ```
 */
export type WideLeaf<T> = [T] extends [Tree<infer L extends Leaf>] ? (Tree<L> extends T ? L : never)
  : never;

/**
 * The tree `T` with every leaf replaced by `R` and every `null` by `N` (default `null`), keeping
 * the shape (keys and tuple positions) in the type system: `MapLeaves<{ w: Tensor2D; b: null },
 * boolean>` is `{ w: boolean; b: null }`, and `MapLeaves<Tree<Tensor>, boolean>` is
 * `Tree<boolean>`.
 *
 * @example
 * ```ts
 * import { tf, type MapLeaves } from "@byol/tfjs";
 *
 * type Mask = MapLeaves<{ w: tf.Tensor2D; b: tf.Tensor1D }, boolean>; // { w: boolean; b: boolean }
 * const mask: Mask = { w: true, b: false };
 * ```
 */
export type MapLeaves<T, R, N = null, Depth extends unknown[] = []> = [WideLeaf<T>] extends [never]
  ? (
    Depth["length"] extends 12 ? Tree<Extract<R | LeafOf<N>, Leaf>>
      : T extends null ? N
      : T extends Leaf ? R
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: MapLeaves<T[K], R, N, [...Depth, 0]> }
      : T extends object ? { -readonly [K in keyof T]: MapLeaves<T[K], R, N, [...Depth, 0]> }
      : never
  )
  : Tree<Extract<R | LeafOf<N>, Leaf>>;

/**
 * The leaf type of a tree type: `LeafOf<{ w: Tensor2D; n: number }>` is `Tensor2D | number`, and
 * `LeafOf<Tree<Tensor>>` is `Tensor`.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const leaf: tree.LeafOf<{ w: tf.Tensor2D; step: number }> = 3;
 * ```
 */
export type LeafOf<T, Depth extends unknown[] = []> = [WideLeaf<T>] extends [never] ? (
    Depth["length"] extends 12 ? Leaf
      : T extends null ? never
      : T extends Leaf ? T
      : T extends readonly (infer E)[] ? LeafOf<E, [...Depth, 0]>
      : T extends object ? { [K in keyof T]: LeafOf<T[K], [...Depth, 0]> }[keyof T]
      : never
  )
  : WideLeaf<T>;

/**
 * The leaf types of a tuple of trees, in order: `LeavesOf<[Tree<Tensor>, Tree<boolean>]>` is
 * `[Tensor, boolean]`.
 *
 * @example
 * ```ts
 * import { tf, type Tree, tree } from "@byol/tfjs";
 *
 * const pair: tree.LeavesOf<[Tree<tf.Tensor>, Tree<boolean>]> = [tf.scalar(1), true];
 * tree.dispose(pair);
 * ```
 */
export type LeavesOf<Trees extends readonly unknown[]> = {
  -readonly [K in keyof Trees]: LeafOf<Trees[K]>;
};

/**
 * The structure of a tree without its leaves, as returned by {@link flatten}.
 *
 * @example
 * ```ts
 * import { tf, tree, type TreeDef } from "@byol/tfjs";
 *
 * const params = { w: tf.zeros([2]), b: null };
 * const [, def] = tree.flatten(params);
 * const same: TreeDef = {
 *   kind: "object",
 *   keys: ["w", "b"],
 *   children: [{ kind: "leaf" }, { kind: "null" }],
 * };
 * tree.dispose(params);
 * ```
 */
export type TreeDef =
  | { readonly kind: "leaf" }
  | { readonly kind: "null" }
  | { readonly kind: "array"; readonly children: readonly TreeDef[] }
  | {
    readonly kind: "object";
    readonly keys: readonly string[];
    readonly children: readonly TreeDef[];
  };

/**
 * How error messages name the operation and the trees: `{ op: "scaleByAdam", names: ["updates",
 * "mu"] }` gives `scaleByAdam: updates and mu differ at "b": ...`. Without `names`, several trees
 * are `tree 0`, `tree 1`, ... (one tree is `tree`), and `op` is the function's own name.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const params = { w: tf.zeros([2]) };
 * const leaves = tree.leaves(params, { op: "train", names: ["params"] });
 * tree.dispose(params);
 * ```
 */
export interface Naming {
  /** The operation named first in error messages. */
  readonly op?: string;
  /** The trees' names in error messages, in argument order. */
  readonly names?: readonly string[];
}

/**
 * What two trees must agree in: `"structure"` (where `null`s, leaves, arrays and object keys are;
 * any leaf matches any leaf) or `"specs"` (also each leaf's kind, tensor, number or boolean, and a
 * tensor's dtype and shape; not the values).
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const compare: tree.Compare = "structure";
 * const params = { w: tf.zeros([2]) };
 * tree.diff(params, { w: true }, { compare }); // []
 * tree.dispose(params);
 * ```
 */
export type Compare = "structure" | "specs";

/**
 * One place where two trees differ, as {@link diff} lists them.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const [a, b] = [{ w: tf.zeros([2]) }, { w: tf.zeros([3]) }];
 * const [d]: tree.Difference[] = tree.diff(a, b);
 * d.message; // 'a and b differ at "w": a has Tensor[2] float32, b has Tensor[3] float32; ...'
 * tree.dispose(a, b);
 * ```
 */
export interface Difference {
  /** The `/`-joined path (`""` at the root). */
  readonly path: string;
  /**
   * What differs: the kind of node (`null`, leaf, array, object; with `"specs"` also tensor,
   * number, boolean), a `key` only one tree has, an array's `length`, a tensor's `dtype` or `shape`.
   */
  readonly what: "kind" | "key" | "length" | "dtype" | "shape";
  /** What the first tree holds there, e.g. `Tensor[3,3] float32`, or `nothing`. */
  readonly a: string;
  /** What the second tree holds there. */
  readonly b: string;
  /** `<a> and <b> differ at "<path>": <a> has ..., <b> has ...; expected the same ...`. */
  readonly message: string;
}

/**
 * Options of {@link diff}.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const options: tree.DiffOptions = { names: ["model", "checkpoint"], compare: "structure" };
 * const [model, checkpoint] = [{ w: tf.zeros([2]) }, { w: tf.zeros([3]) }];
 * tree.diff(model, checkpoint, options); // [] (shapes not compared)
 * tree.dispose(model, checkpoint);
 * ```
 */
export interface DiffOptions extends Naming {
  /** What must agree; default `"specs"`. */
  readonly compare?: Compare;
}

/**
 * The subtrees that trees after the first may hold where the first is `null`: for trees `[A, B,
 * C]`, `[Tree<LeafOf<B>>, Tree<LeafOf<C>>]`.
 *
 * @example
 * ```ts
 * import { tf, type Tree, tree } from "@byol/tfjs";
 *
 * type Others = tree.SubtreesOf<[Tree<tf.Tensor>, Tree<tf.Tensor>, Tree<boolean>]>;
 * const others: Others = [{ m: tf.zeros([2]) }, [true, null]];
 * tree.dispose(others);
 * ```
 */
export type SubtreesOf<Trees extends readonly unknown[]> = Trees extends
  readonly [unknown, ...infer Rest]
  ? { -readonly [K in keyof Rest]: Tree<Extract<LeafOf<Rest[K]>, Leaf>> }
  : Tree<Leaf>[];

/**
 * Options of {@link mapPrefix}.
 *
 * @example
 * ```ts
 * import { tf, type Tree, tree } from "@byol/tfjs";
 *
 * type Trees = [Tree<tf.Tensor>, Tree<tf.Tensor>];
 * const options: tree.PrefixMapOptions<Trees, Tree<tf.Tensor>> = {
 *   op: "applyUpdates",
 *   names: ["updates", "params"],
 *   atNull: ([params]) => tree.clone(params),
 * };
 * ```
 */
export interface PrefixMapOptions<Trees extends readonly unknown[], N> extends Naming {
  /** What the leaves at one place must agree in; default `"specs"`. */
  readonly compare?: Compare;
  /**
   * The value where the first tree is `null`, from the other trees' subtrees there (in order);
   * default `null`.
   */
  readonly atNull?: (subtrees: SubtreesOf<Trees>, path: string) => N;
}

type Path = readonly string[];
type Kind = "null" | "tensor" | "number" | "boolean" | "array" | "object";

/** Stands for a missing object key in {@link Difference}s. */
const NOTHING: unique symbol = Symbol("nothing");

function isPlainObject(x: object): x is Record<string, unknown> {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function showPath(path: Path | string): string {
  const joined = typeof path === "string" ? path : path.join("/");
  return joined === "" ? '"(root)"' : `"${joined}"`;
}

function nameOf(naming: Naming, i: number, count: number): string {
  return naming.names?.[i] ?? (count === 1 ? "tree" : `tree ${i}`);
}

function kindOf(x: unknown): Kind | undefined {
  if (x === null) return "null";
  if (x instanceof tf.Tensor) return "tensor";
  if (typeof x === "number") return "number";
  if (typeof x === "boolean") return "boolean";
  if (Array.isArray(x)) return "array";
  if (typeof x === "object" && isPlainObject(x)) return "object";
  return undefined;
}

/** The kind of `x`, or a TypeError naming the tree and the path when `x` is not a tree. */
function classify(x: unknown, op: string, name: string, path: Path): Kind {
  const kind = kindOf(x);
  if (kind === undefined) {
    throw new TypeError(
      `${op}: ${name} has a non-tree value at ${showPath(path)}: got ${describe(x)}; expected a ` +
        `tensor, boolean, number, null, plain object or array`,
    );
  }
  return kind;
}

const isLeafKind = (k: Kind): boolean => k === "tensor" || k === "number" || k === "boolean";

/**
 * A short description of the structure at one place, for error messages: `null`,
 * `Tensor[2,3] float32`, `number 3`, `array(2)`, `object{w,b}`, or what a non-tree value is.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const x = tf.zeros([2, 3]);
 * tree.describe(x); // "Tensor[2,3] float32"
 * tree.describe({ w: null, b: 1 }); // "object{w,b}"
 * x.dispose();
 * ```
 */
export function describe(x: unknown): string {
  if (x === NOTHING) return "nothing";
  switch (kindOf(x)) {
    case "null":
      return "null";
    case "tensor": {
      const t = x as tf.Tensor;
      return `Tensor[${t.shape.join(",")}] ${t.dtype}`;
    }
    case "number":
    case "boolean":
      return `${typeof x} ${x}`;
    case "array":
      return `array(${(x as unknown[]).length})`;
    case "object":
      return `object{${Object.keys(x as object).join(",")}}`;
  }
  if (typeof x === "string") return `string ${JSON.stringify(x)}`;
  if (typeof x === "object" && x !== null) return x.constructor?.name ?? "object";
  return String(x);
}

const EXPECTED: Readonly<Record<Difference["what"], string>> = {
  kind: "structure",
  key: "structure",
  length: "structure",
  dtype: "dtype",
  shape: "shape",
};

function difference(
  what: Difference["what"],
  path: Path,
  x: unknown,
  y: unknown,
  [nameA, nameB]: readonly [string, string],
): Difference {
  const [a, b] = [describe(x), describe(y)];
  const message = `${nameA} and ${nameB} differ at ${showPath(path)}: ${nameA} has ${a}, ` +
    `${nameB} has ${b}; expected the same ${EXPECTED[what]}`;
  return { path: path.join("/"), what, a, b, message };
}

/**
 * The differences between `a` and `b` at this node itself (not below it): a different kind, array
 * length, tensor dtype or shape, or each key only one of two objects has. Throws when either is
 * not a tree there.
 */
function differencesHere(
  a: unknown,
  b: unknown,
  path: Path,
  compare: Compare,
  op: string,
  names: readonly [string, string],
): Difference[] {
  const ka = classify(a, op, names[0], path);
  const kb = classify(b, op, names[1], path);
  const sameKind = compare === "structure" && isLeafKind(ka) ? isLeafKind(kb) : ka === kb;
  if (!sameKind) return [difference("kind", path, a, b, names)];
  if (ka === "array" && (a as unknown[]).length !== (b as unknown[]).length) {
    return [difference("length", path, a, b, names)];
  }
  if (ka === "object") {
    const [ra, rb] = [a as Record<string, unknown>, b as Record<string, unknown>];
    return [
      ...Object.keys(ra).filter((k) => !Object.hasOwn(rb, k)).map((k) =>
        difference("key", [...path, k], ra[k], NOTHING, names)
      ),
      ...Object.keys(rb).filter((k) => !Object.hasOwn(ra, k)).map((k) =>
        difference("key", [...path, k], NOTHING, rb[k], names)
      ),
    ];
  }
  if (compare === "specs" && ka === "tensor") {
    const [ta, tb] = [a as tf.Tensor, b as tf.Tensor];
    if (!tf.util.arraysEqual(ta.shape, tb.shape)) return [difference("shape", path, a, b, names)];
    if (ta.dtype !== tb.dtype) return [difference("dtype", path, a, b, names)];
  }
  return [];
}

/**
 * Every place where `a` and `b` differ, in depth-first order: a different kind of node, an object
 * key only one of them has, an array length, and (with `compare: "specs"`, the default) a leaf's
 * kind or a tensor's dtype or shape. Below a place that differs in kind or length nothing more is
 * compared; the common keys of two objects are. Leaf values are not compared (see
 * {@link allClose}). Throws, naming the path, where either is not a tree. Consumes nothing.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const model = { w: tf.zeros([3, 3]), b: tf.zeros([3]) };
 * const loaded = { w: tf.zeros([3, 4]), bias: tf.zeros([3]) };
 * for (const d of tree.diff(model, loaded, { names: ["model", "checkpoint"] })) {
 *   console.log(d.message); // ... differ at "w": ..., at "b": ..., at "bias": ...
 * }
 * ```
 */
export function diff(
  a: Tree<Leaf>,
  b: Tree<Leaf>,
  { op = "tree.diff", names = ["a", "b"], compare = "specs" }: DiffOptions = {},
): Difference[] {
  const pair: [string, string] = [names[0] ?? "a", names[1] ?? "b"];
  const out: Difference[] = [];
  const visit = (x: unknown, y: unknown, path: Path): void => {
    const here = differencesHere(x, y, path, compare, op, pair);
    out.push(...here);
    if (here.some((d) => d.what === "kind" || d.what === "length")) return;
    if (Array.isArray(x)) {
      x.forEach((c, i) => visit(c, (y as unknown[])[i], [...path, String(i)]));
    } else if (kindOf(x) === "object") {
      const [rx, ry] = [x as Record<string, unknown>, y as Record<string, unknown>];
      for (const k of Object.keys(rx)) if (Object.hasOwn(ry, k)) visit(rx[k], ry[k], [...path, k]);
    }
  };
  visit(a, b, []);
  return out;
}

interface ZipRules {
  readonly op: string;
  readonly naming: Naming;
  readonly compare: Compare;
  /** The value at a leaf of the first tree, from the values of all trees there. */
  readonly atLeaf: (values: unknown[], path: Path) => unknown;
  /**
   * The value where the first tree is `null`, from the other trees' subtrees, which are not looked
   * into. Without it, the other trees must be `null` there too, and the result is `null`.
   */
  readonly atNull?: (subtrees: unknown[], path: Path) => unknown;
}

/** Walks trees together along the first one's structure, rebuilding it from the rules' values. */
function zip(rules: ZipRules, trees: readonly unknown[], path: Path = []): unknown {
  const { op, naming, compare } = rules;
  const head = trees[0];
  const kind = classify(head, op, nameOf(naming, 0, trees.length), path);
  if (kind === "null" && rules.atNull) return rules.atNull(trees.slice(1), path);
  for (let i = 1; i < trees.length; i++) {
    const names = [nameOf(naming, 0, trees.length), nameOf(naming, i, trees.length)] as const;
    const [first] = differencesHere(head, trees[i], path, compare, op, names);
    if (first) throw new Error(`${op}: ${first.message}`);
  }
  switch (kind) {
    case "null":
      return null;
    case "array":
      return (head as unknown[]).map((_, i) =>
        zip(rules, trees.map((t) => (t as unknown[])[i]), [...path, String(i)])
      );
    case "object":
      return Object.fromEntries(
        Object.keys(head as object).map((k) => [
          k,
          zip(rules, trees.map((t) => (t as Record<string, unknown>)[k]), [...path, k]),
        ]),
      );
    default:
      return rules.atLeaf([...trees], path);
  }
}

/**
 * Applies `fn` to the leaves of one or more trees of the same structure and returns a new tree of
 * that structure. `null` places stay `null` (and must be `null` in every tree). Throws, naming the
 * first differing path and what each tree holds there, when the structures differ; leaves of
 * different kinds or shapes at one place are allowed. Consumes nothing.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const a = { w: tf.ones([2]), b: null };
 * const b = { w: tf.ones([2]), b: null };
 * const avg = tree.map((x, y) => tf.tidy(() => tf.div(tf.add(x, y), 2)), a, b); // { w, b: null }
 * tree.dispose(a, b, avg);
 * ```
 */
export function map<
  T extends Tree<Leaf>,
  const Rest extends readonly Tree<Leaf>[],
  R extends Leaf | null,
>(
  fn: (leaf: LeafOf<T>, ...rest: LeavesOf<Rest>) => R,
  tree: T,
  ...rest: Rest
): MapLeaves<T, R> {
  const mapped: unknown = zip({
    op: "tree.map",
    naming: {},
    compare: "structure",
    atLeaf: (values) => (fn as (...xs: unknown[]) => R)(...values),
  }, [tree, ...rest]);
  return mapped as MapLeaves<T, R>;
}

/**
 * Like {@link map} over one tree, with each leaf's path (`/`-joined keys and indices, e.g.
 * `encoder/stem/conv/w`; `""` for a leaf at the root) passed first. Consumes nothing.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const params = { conv: { w: tf.zeros([3, 3]), b: tf.zeros([3]) } };
 * const isBias = tree.mapWithPath((path) => path.endsWith("/b"), params);
 * console.log(isBias); // { conv: { w: false, b: true } }
 * tree.dispose(params);
 * ```
 */
export function mapWithPath<T extends Tree<Leaf>, R extends Leaf | null>(
  fn: (path: string, leaf: LeafOf<T>) => R,
  tree: T,
): MapLeaves<T, R> {
  const mapped: unknown = zip({
    op: "tree.mapWithPath",
    naming: {},
    compare: "structure",
    atLeaf: ([leaf], path) => fn(path.join("/"), leaf as LeafOf<T>),
  }, [tree]);
  return mapped as MapLeaves<T, R>;
}

/**
 * Maps along the structure of the first of `trees`, where its `null`s are prefixes of the others:
 * where the first tree is `null` (a frozen parameter's update, say) the others may hold anything,
 * which is skipped (the result is `atNull` of it, by default `null`). Elsewhere all trees must
 * have the same structure and (with `compare: "specs"`, the default) leaves of the same kind,
 * dtype and shape; errors name the path and the trees (option `names`). `fn` gets the leaves of
 * all trees at a place, in order, and the place's path. This is how the optimizers walk updates,
 * states and parameters together (as Optax treats `None` updates). Consumes nothing.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const updates = { w: tf.ones([2]), frozen: null };
 * const params = { w: tf.zeros([2]), frozen: { v: tf.zeros([4]) } };
 * const next = tree.mapPrefix(([u, p]) => tf.add(p, u), [updates, params], {
 *   op: "applyUpdates",
 *   names: ["updates", "params"],
 *   atNull: ([p]) => tree.clone(p),
 * }); // { w: params.w + 1, frozen: { v: a clone of params.frozen.v } }
 * tree.dispose(updates, params, next);
 * ```
 */
export function mapPrefix<
  const Trees extends readonly [Tree<Leaf>, ...Tree<Leaf>[]],
  R extends Leaf | null,
  N extends Tree<Leaf> = null,
>(
  fn: (leaves: LeavesOf<Trees>, path: string) => R,
  trees: Trees,
  { op = "tree.mapPrefix", names, compare = "specs", atNull }: PrefixMapOptions<Trees, N> = {},
): MapLeaves<Trees[0], R, N> {
  const mapped: unknown = zip({
    op,
    naming: { names },
    compare,
    atLeaf: (values, path) => fn(values as LeavesOf<Trees>, path.join("/")),
    atNull: (subtrees, path) =>
      atNull ? atNull(subtrees as SubtreesOf<Trees>, path.join("/")) : null,
  }, trees);
  return mapped as MapLeaves<Trees[0], R, N>;
}

/**
 * The leaves of a tree in a stable depth-first order (object keys in insertion order). `naming`
 * labels the tree in the error for a non-tree value. Consumes nothing.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const state = { w: tf.zeros([2]), step: 3, frozen: null };
 * const leaves = tree.leaves(state); // [Tensor, 3]
 * tree.dispose(state);
 * ```
 */
export function leaves<T extends Tree<Leaf>>(tree: T, naming: Naming = {}): LeafOf<T>[] {
  return flatten(tree, { op: "tree.leaves", ...naming })[0];
}

/**
 * The `/`-joined paths of a tree's leaves, in the order of {@link leaves}. Consumes nothing.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const params = { enc: { w: tf.zeros([2]) }, layers: [tf.zeros([1])] };
 * tree.paths(params); // ["enc/w", "layers/0"]
 * tree.dispose(params);
 * ```
 */
export function paths(tree: Tree<Leaf>): string[] {
  const out: string[] = [];
  zip({
    op: "tree.paths",
    naming: {},
    compare: "structure",
    atLeaf: (_, path) => out.push(path.join("/")),
  }, [tree]);
  return out;
}

/**
 * The number of scalars in a tree: the total size of its tensors, plus one for each number and
 * boolean leaf (e.g. a model's parameter count). Consumes nothing.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const params = { w: tf.zeros([784, 10]), b: tf.zeros([10]), frozen: null };
 * tree.size(params); // 7850
 * tree.dispose(params);
 * ```
 */
export function size(tree: Tree<Leaf>): number {
  let n = 0;
  for (const leaf of flatten(tree, { op: "tree.size" })[0] as Leaf[]) {
    n += leaf instanceof tf.Tensor ? leaf.size : 1;
  }
  return n;
}

/**
 * Splits a tree into its leaves and a structure that {@link unflatten} rebuilds it from. Consumes
 * nothing; the leaves are shared, not copied.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const [leaves, def] = tree.flatten({ w: tf.zeros([2]), n: 3 });
 * const rebuilt = tree.unflatten(def, leaves); // { w: the same tensor, n: 3 }
 * tree.dispose(rebuilt);
 * ```
 */
export function flatten<T extends Tree<Leaf>>(
  tree: T,
  { op = "tree.flatten", names }: Naming = {},
): [LeafOf<T>[], TreeDef] {
  const out: LeafOf<T>[] = [];
  const name = names?.[0] ?? "tree";
  const build = (x: unknown, path: string[]): TreeDef => {
    switch (classify(x, op, name, path)) {
      case "null":
        return { kind: "null" };
      case "array":
        return {
          kind: "array",
          children: (x as unknown[]).map((c, i) => build(c, [...path, String(i)])),
        };
      case "object": {
        const record = x as Record<string, unknown>;
        const keys = Object.keys(record);
        return { kind: "object", keys, children: keys.map((k) => build(record[k], [...path, k])) };
      }
      default:
        out.push(x as LeafOf<T>);
        return { kind: "leaf" };
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

/**
 * Rebuilds a tree from {@link flatten}'s structure and a list of leaves (not copied). Throws when
 * the number of leaves does not fit the structure.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const [leaves, def] = tree.flatten({ w: tf.ones([2]), b: tf.ones([2]) });
 * const doubled = tree.unflatten(def, leaves.map((x) => tf.mul(x, 2)));
 * tree.dispose(leaves, doubled);
 * ```
 */
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

/**
 * A tree of clones of the tensors of `tree` (new handles on the same data, as `tf.clone`), with
 * its numbers, booleans and `null`s, so the result can be disposed independently. Consumes
 * nothing.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const online = { w: tf.ones([2]) };
 * const target = tree.clone(online);
 * tree.dispose(online); // target.w is still valid
 * tree.dispose(target);
 * ```
 */
export function clone<T extends Tree<Leaf>>(tree: T): T {
  const cloned: unknown = zip({
    op: "tree.clone",
    naming: {},
    compare: "structure",
    atLeaf: ([x]) => (x instanceof tf.Tensor ? tf.clone(x) : x),
  }, [tree]);
  return cloned as T;
}

/**
 * Selects leaves: a function of a leaf's path and value, or a tree of booleans whose structure is
 * a prefix of the tree's: a boolean where the tree has a subtree selects or drops all of it, so
 * `{ encoder: false, head: true }` selects the head's leaves.
 *
 * @example
 * ```ts
 * import { tf, type Tree, tree } from "@byol/tfjs";
 *
 * const weightsOnly: tree.Filter<Tree<tf.Tensor>> = (path, leaf) => leaf.rank > 1;
 * const headOnly: tree.Filter<Tree<tf.Tensor>> = { encoder: false, head: true };
 * ```
 */
export type Filter<T extends Tree<Leaf>> =
  | ((path: string, leaf: LeafOf<T>) => boolean)
  | Tree<boolean>;

/** `x`, or a TypeError `<what> <x> at "<path>"; expected a boolean`. */
function requireBoolean(x: unknown, what: string, path: Path | string): boolean {
  if (typeof x !== "boolean") {
    throw new TypeError(`${what} ${describe(x)} at ${showPath(path)}; expected a boolean`);
  }
  return x;
}

/**
 * Resolves a {@link Filter} into a boolean tree with the structure of `tree` (`null` where `tree`
 * is `null`). A filter function must return booleans; a filter tree must fit `tree` as a prefix.
 * Errors name the path, and the trees by `naming.names` (default `tree` and `filter`). Consumes
 * nothing.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const params = {
 *   encoder: { w: tf.zeros([2, 2]) },
 *   head: { w: tf.zeros([2, 1]), b: tf.zeros([1]) },
 * };
 * const trainable = tree.resolveFilter(params, { encoder: false, head: true });
 * console.log(trainable); // { encoder: { w: false }, head: { w: true, b: true } }
 * tree.dispose(params);
 * ```
 */
export function resolveFilter<T extends Tree<Leaf>>(
  tree: T,
  filter: Filter<T>,
  { op = "tree.resolveFilter", names }: Naming = {},
): MapLeaves<T, boolean> {
  const [treeName, filterName] = [names?.[0] ?? "tree", names?.[1] ?? "filter"];
  if (typeof filter === "function") {
    return mapWithPath(
      (path, leaf) => requireBoolean(filter(path, leaf), `${op}: ${filterName} returned`, path),
      tree,
    );
  }
  const go = (full: unknown, prefix: unknown, path: Path): unknown => {
    const kind = classify(full, op, treeName, path);
    if (kind === "null") return null;
    if (typeof prefix === "boolean") {
      return zip(
        {
          op,
          naming: { names: [treeName] },
          compare: "structure",
          atLeaf: () => prefix,
        },
        [full],
        path,
      );
    }
    const [first] = differencesHere(full, prefix, path, "structure", op, [treeName, filterName]);
    if (first) throw new Error(`${op}: ${first.message}`);
    if (kind === "array") {
      return (full as unknown[]).map((c, i) =>
        go(c, (prefix as unknown[])[i], [...path, String(i)])
      );
    }
    if (kind === "object") {
      const [rf, rp] = [full as Record<string, unknown>, prefix as Record<string, unknown>];
      return Object.fromEntries(Object.keys(rf).map((k) => [k, go(rf[k], rp[k], [...path, k])]));
    }
    return requireBoolean(prefix, `${op}: ${filterName} has`, path);
  };
  return go(tree, filter, []) as MapLeaves<T, boolean>;
}

/**
 * Splits a tree in two of the same structure: the leaves the filter selects, and the rest, each
 * with `null` in the other's places (as Equinox's `partition`). {@link combine} joins them again.
 * Consumes nothing; the leaves are shared, not copied.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const params = { stem: { w: tf.zeros([2, 2]) }, head: { w: tf.zeros([2, 1]) } };
 * const [trainable, frozen] = tree.partition(params, (path) => !path.startsWith("stem"));
 * const whole = tree.combine(trainable, frozen); // the same tensors as params
 * tree.dispose(params);
 * ```
 */
export function partition<T extends Tree<Leaf>>(
  tree: T,
  filter: Filter<T>,
): [Parted<T>, Parted<T>] {
  const mask: Tree<Leaf> = resolveFilter(tree, filter, { op: "tree.partition" });
  const pick = (want: boolean): unknown =>
    zip({
      op: "tree.partition",
      naming: {},
      compare: "structure",
      atLeaf: ([leaf, selected]) => (selected === want ? leaf : null),
    }, [tree, mask]);
  const parts: unknown = [pick(true), pick(false)];
  return parts as [Parted<T>, Parted<T>];
}

/**
 * One side of {@link partition}: the tree `T` with each leaf possibly replaced by `null`.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const params = { w: tf.zeros([2, 2]), b: tf.zeros([2]) };
 * const [weights]: tree.Parted<typeof params>[] = tree.partition(params, (path) => path === "w");
 * tree.dispose(params);
 * ```
 */
export type Parted<T> = MapLeaves<T, LeafOf<T> | null>;

/**
 * Joins trees of the same structure, taking at each place the first non-`null` value (as
 * Equinox's `combine`); a `null` may stand for a whole subtree. Throws, naming the path, when two
 * trees both hold a leaf at one place or their structures differ. Consumes nothing.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const whole = tree.combine({ w: tf.zeros([2]), b: null }, { w: null, b: tf.zeros([2]) });
 * tree.dispose(whole);
 * ```
 */
export function combine<T extends Tree<Leaf>>(...trees: readonly T[]): MapLeaves<T, LeafOf<T>> {
  if (trees.length === 0) throw new Error("tree.combine: needs at least one tree");
  const op = "tree.combine";
  const go = (xs: unknown[], path: string[]): unknown => {
    const present = xs.flatMap((x, i) => (x === null ? [] : [i]));
    if (present.length === 0) return null;
    const names = present.map((i) => nameOf({}, i, trees.length));
    const kinds = present.map((i, j) => classify(xs[i], op, names[j], path));
    if (kinds.some(isLeafKind) && present.length > 1) {
      throw new Error(
        `${op}: ${names[0]} and ${names[1]} both hold a value at ${showPath(path)}: ` +
          `${names[0]} has ${describe(xs[present[0]])}, ${names[1]} has ` +
          `${describe(xs[present[1]])}; expected at most one`,
      );
    }
    if (present.length === 1) return xs[present[0]];
    const head = xs[present[0]];
    for (const [j, i] of present.entries()) {
      const [first] = differencesHere(head, xs[i], path, "structure", op, [names[0], names[j]]);
      if (first) throw new Error(`${op}: ${first.message}`);
    }
    const child = (x: unknown, k: string | number) =>
      x === null ? null : (x as Record<string | number, unknown>)[k];
    if (Array.isArray(head)) {
      return head.map((_, i) => go(xs.map((x) => child(x, i)), [...path, String(i)]));
    }
    return Object.fromEntries(
      Object.keys(head as object).map((k) => [k, go(xs.map((x) => child(x, k)), [...path, k])]),
    );
  };
  return go([...trees], []) as MapLeaves<T, LeafOf<T>>;
}

/**
 * Disposes every tensor leaf of the given trees. Consumes the trees.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const state = { mu: tf.zeros([2]), nu: tf.zeros([2]), count: 0 };
 * tree.dispose(state);
 * ```
 */
export function dispose(...trees: readonly Tree<Leaf>[]): void {
  for (const t of trees) {
    for (const leaf of flatten(t, { op: "tree.dispose" })[0] as Leaf[]) {
      if (leaf instanceof tf.Tensor) leaf.dispose();
    }
  }
}

/**
 * A tree of zeros with the structure, shapes and dtypes of `tree` (numbers become 0, booleans
 * `false`). Consumes nothing.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const params = { w: tf.ones([3, 3]), b: tf.ones([3]) };
 * const momentum = tree.zerosLike(params);
 * tree.dispose(params, momentum);
 * ```
 */
export function zerosLike<T extends Tree<Leaf>>(tree: T): MapLeaves<T, LeafOf<T>> {
  const zeros: unknown = zip({
    op: "tree.zerosLike",
    naming: {},
    compare: "structure",
    atLeaf: (
      [x],
    ) => (x instanceof tf.Tensor ? tf.zerosLike(x) : typeof x === "boolean" ? false : 0),
  }, [tree]);
  return zeros as MapLeaves<T, LeafOf<T>>;
}

/**
 * A JSON value, as `JSON.parse` returns.
 *
 * @example
 * ```ts
 * import type { tree } from "@byol/tfjs";
 *
 * const ref: tree.Json = { file: "weights.bin", offset: 0 };
 * ```
 */
export type Json = null | boolean | number | string | readonly Json[] | {
  readonly [key: string]: Json;
};

/**
 * The JSON tags of numbers that JSON cannot hold, in {@link TreeJson}.
 *
 * @example
 * ```ts
 * import type { tree } from "@byol/tfjs";
 *
 * const tag: tree.SpecialNumber = "-0";
 * ```
 */
export type SpecialNumber = "NaN" | "Infinity" | "-Infinity" | "-0";

/**
 * A tree as JSON data, as {@link toJson} writes it: `null`, booleans and finite numbers as
 * themselves, other numbers as `{ number: "NaN" | "Infinity" | "-Infinity" | "-0" }`, tensors as
 * `{ tensor: ref }` (a reference the caller chooses, e.g. a name in a file), arrays as arrays and
 * objects as `{ dict: {...} }`. Every JSON object has exactly one tag, so any key (`"dict"`,
 * `"__proto__"`) is safe in a tree.
 *
 * @example
 * ```ts
 * import type { tree } from "@byol/tfjs";
 *
 * const json: tree.TreeJson = { dict: { w: { tensor: "w" }, step: 3, lr: { number: "NaN" } } };
 * ```
 */
export type TreeJson =
  | null
  | boolean
  | number
  | { readonly number: SpecialNumber }
  | { readonly tensor: Json }
  | readonly TreeJson[]
  | { readonly dict: { readonly [key: string]: TreeJson } };

const SPECIAL_NUMBERS: ReadonlyMap<string, number> = new Map([
  ["NaN", NaN],
  ["Infinity", Infinity],
  ["-Infinity", -Infinity],
  ["-0", -0],
]);

/**
 * The JSON form of a tree (see {@link TreeJson}): its structure, its number and boolean leaves, and
 * for each tensor what `tensorToJson(tensor, path)` returns (a name, a shape, ...). Throws, naming
 * the path, where `tree` is not a tree. Consumes nothing.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const params = { w: tf.zeros([2, 3]), step: 7 };
 * const json = tree.toJson(params, (t) => t.shape);
 * JSON.stringify(json); // '{"dict":{"w":{"tensor":[2,3]},"step":7}}'
 * tree.dispose(params);
 * ```
 */
export function toJson(
  tree: Tree<Leaf>,
  tensorToJson: (tensor: tf.Tensor, path: string) => Json,
  { op = "tree.toJson", names }: Naming = {},
): TreeJson {
  const name = names?.[0] ?? "tree";
  const encode = (x: unknown, path: string[]): TreeJson => {
    switch (classify(x, op, name, path)) {
      case "null":
      case "boolean":
        return x as null | boolean;
      case "number": {
        const n = x as number;
        if (Number.isFinite(n) && !Object.is(n, -0)) return n;
        return { number: (Object.is(n, -0) ? "-0" : `${n}`) as SpecialNumber };
      }
      case "tensor":
        return { tensor: tensorToJson(x as tf.Tensor, path.join("/")) };
      case "array":
        return (x as unknown[]).map((c, i) => encode(c, [...path, String(i)]));
      case "object": {
        const record = x as Record<string, unknown>;
        return {
          dict: Object.fromEntries(
            Object.keys(record).map((k) => [k, encode(record[k], [...path, k])]),
          ),
        };
      }
    }
  };
  return encode(tree, []);
}

/** A parsed leaf of {@link TreeJson}: a value, or a tensor reference still to resolve. */
type JsonLeaf = { readonly value: Leaf } | { readonly ref: Json; readonly path: string };

/**
 * Reads a tree back from its JSON form (see {@link TreeJson}), making each tensor with
 * `tensorFromJson(ref, path)`. The whole structure is validated before the first tensor is made,
 * with errors naming the path and what was found; if `tensorFromJson` throws, the tensors already
 * made are disposed, so a failed read leaves nothing allocated. Consumes nothing.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const json = JSON.parse('{"dict":{"w":{"tensor":[2,3]},"step":7}}');
 * const params = tree.fromJson(json, (shape) => tf.zeros(shape as number[])); // w: zeros [2, 3]
 * tree.dispose(params);
 * ```
 */
export function fromJson(
  json: unknown,
  tensorFromJson: (ref: Json, path: string) => tf.Tensor,
  { op = "tree.fromJson", names }: Naming = {},
): Tree<Leaf> {
  const name = names?.[0] ?? "json";
  const found: JsonLeaf[] = [];
  const fail = (path: string[], node: unknown, problem = "an unrecognised entry"): never => {
    throw new Error(
      `${op}: ${name} has ${problem} at ${showPath(path)}: ${JSON.stringify(node)}; expected ` +
        `null, a boolean, a number, {"number": "NaN" | "Infinity" | "-Infinity" | "-0"}, ` +
        `{"tensor": ...}, an array or {"dict": {...}}`,
    );
  };
  const parse = (node: unknown, path: string[]): TreeDef => {
    if (node === null) return { kind: "null" };
    if (typeof node === "boolean" || typeof node === "number") {
      found.push({ value: node });
      return { kind: "leaf" };
    }
    if (Array.isArray(node)) {
      return { kind: "array", children: node.map((c, i) => parse(c, [...path, String(i)])) };
    }
    if (typeof node !== "object" || !isPlainObject(node)) return fail(path, node);
    const tags = Object.keys(node);
    if (tags.length !== 1) return fail(path, node);
    const value = node[tags[0]];
    switch (tags[0]) {
      case "tensor":
        found.push({ ref: value as Json, path: path.join("/") });
        return { kind: "leaf" };
      case "number":
        if (typeof value !== "string" || !SPECIAL_NUMBERS.has(value)) {
          return fail(path, node, "an unknown special number");
        }
        found.push({ value: SPECIAL_NUMBERS.get(value)! });
        return { kind: "leaf" };
      case "dict": {
        if (typeof value !== "object" || value === null || !isPlainObject(value)) {
          return fail(path, node, "a dict that is not an object");
        }
        const keys = Object.keys(value);
        return { kind: "object", keys, children: keys.map((k) => parse(value[k], [...path, k])) };
      }
      default:
        return fail(path, node);
    }
  };
  const def = parse(json, []);
  const made: tf.Tensor[] = [];
  try {
    const leafList = found.map((leaf) => {
      if ("value" in leaf) return leaf.value;
      const t = tensorFromJson(leaf.ref, leaf.path);
      made.push(t);
      return t;
    });
    return unflatten(def, leafList);
  } catch (error) {
    tf.dispose(made);
    throw error;
  }
}

/**
 * Tolerances for {@link allClose}: `|a - b| <= atol + rtol * |b|` elementwise.
 *
 * @example
 * ```ts
 * import type { tree } from "@byol/tfjs";
 *
 * const loose: tree.CloseOptions = { rtol: 1e-3, atol: 1e-6 };
 * ```
 */
export interface CloseOptions {
  /** Relative tolerance; default 1e-5. */
  readonly rtol?: number;
  /** Absolute tolerance; default 1e-8. */
  readonly atol?: number;
}

/**
 * Whether two trees have the same structure and leaf shapes and their leaves agree elementwise
 * within `atol + rtol * |b|` (defaults 1e-5 and 1e-8, as NumPy). Reads the values back from the
 * device, so it is async; for tests and checks. Consumes nothing.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const [a, b] = [{ w: tf.ones([2]) }, { w: tf.fill([2], 1 + 1e-7) }];
 * const same = await tree.allClose(a, b); // true
 * tree.dispose(a, b);
 * ```
 */
export async function allClose(
  a: Tree<Leaf>,
  b: Tree<Leaf>,
  { rtol = 1e-5, atol = 1e-8 }: CloseOptions = {},
): Promise<boolean> {
  if (diff(a, b, { op: "tree.allClose", compare: "structure" }).length > 0) return false;
  const pairs: [Leaf, Leaf][] = [];
  map(
    (x, y) => {
      pairs.push([x, y]);
      return null;
    },
    a,
    b,
  );
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

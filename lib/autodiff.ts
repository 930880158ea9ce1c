/**
 * Gradients of functions of parameter trees, on tfjs's tape (as JAX's `value_and_grad`); the
 * backward pass (lib/tape.ts) frees each tensor as soon as it is no longer needed.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { gradients } from "./tape.ts";
import {
  type Filter,
  flatten,
  type Leaf,
  map,
  type MapLeaves,
  resolveFilter,
  type Tree,
  unflatten,
} from "./tree.ts";

/** Gradients with the structure of the parameters `P`: `null` where no gradient is taken. */
export type Grads<P> = MapLeaves<P, tf.Tensor | null>;

/** What the function returned by {@link valueAndGrad} returns. */
export interface ValueAndGrad<P, Aux> {
  /** The scalar value of `f`. */
  readonly value: tf.Scalar;
  /** d value / d params, with `null` for `null`, frozen and non-float leaves. */
  readonly grads: Grads<P>;
  /** The auxiliary output of `f` (with `hasAux: true`), else `undefined`. */
  readonly aux: Aux;
}

/** Options of {@link valueAndGrad}. */
export interface ValueAndGradOptions<P extends Tree<Leaf>> {
  /** `f` returns `{ value, aux }` rather than a scalar; `aux` (e.g. new batch-norm state) is passed out. */
  readonly hasAux?: boolean;
  /** Leaves to treat as constants: a function of the leaf's path, or a boolean tree. They get `null`. */
  readonly frozen?: Filter<P>;
}

function collectTensors(x: unknown, out: tf.Tensor[]): void {
  if (x instanceof tf.Tensor) out.push(x);
  else if (Array.isArray(x)) { for (const v of x) collectTensors(v, out); }
  else if (x !== null && typeof x === "object") {
    for (const v of Object.values(x)) collectTensors(v, out);
  }
}

function checkScalar(value: unknown): tf.Scalar {
  if (!(value instanceof tf.Tensor)) {
    throw new TypeError(`valueAndGrad: f must return a scalar tensor, got ${typeof value}`);
  }
  if (value.size !== 1) {
    throw new Error(
      `valueAndGrad: f must return a scalar, got a tensor of shape [${value.shape.join(", ")}]`,
    );
  }
  return value.reshape([]) as tf.Scalar;
}

/**
 * Turns `f(params, ...args)` into a function returning its value and the gradient with respect to
 * `params`, a tree. Leaves that are `null`, frozen (option `frozen`) or not float get a `null`
 * gradient; parameters that do not affect the value get zeros. With `hasAux: true`, `f` returns
 * `{ value, aux }` and `aux` is passed through (its tensors survive).
 *
 * Every intermediate tensor is disposed; `value`, `grads` and `aux` are new and owned by the
 * caller. Consumes nothing.
 *
 * @example
 * ```ts
 * const loss = (p: { w: tf.Tensor }, x: tf.Tensor, y: tf.Tensor) =>
 *   tf.losses.meanSquaredError(y, tf.matMul(x, p.w)) as tf.Scalar;
 * const { value, grads } = valueAndGrad(loss)(params, x, y);
 * ```
 */
export function valueAndGrad<P extends Tree<Leaf>, A extends unknown[]>(
  f: (params: P, ...args: A) => tf.Tensor,
  options?: ValueAndGradOptions<P> & { readonly hasAux?: false },
): (params: P, ...args: A) => ValueAndGrad<P, undefined>;
export function valueAndGrad<P extends Tree<Leaf>, A extends unknown[], Aux>(
  f: (params: P, ...args: A) => { readonly value: tf.Tensor; readonly aux: Aux },
  options: ValueAndGradOptions<P> & { readonly hasAux: true },
): (params: P, ...args: A) => ValueAndGrad<P, Aux>;
export function valueAndGrad<P extends Tree<Leaf>, A extends unknown[], Aux>(
  f: (params: P, ...args: A) => tf.Tensor | { readonly value: tf.Tensor; readonly aux: Aux },
  { hasAux = false, frozen }: ValueAndGradOptions<P> = {},
): (params: P, ...args: A) => ValueAndGrad<P, Aux | undefined> {
  return (params, ...args) => {
    const tree: Tree<Leaf> = params;
    const [leafList, def] = flatten(tree);
    const frozenLeaves = frozen === undefined
      ? null
      : flatten(resolveFilter(tree, frozen as Filter<Tree<Leaf>>) as Tree<boolean>)[0];
    const differentiable = leafList.map((leaf, i) =>
      leaf instanceof tf.Tensor && leaf.dtype === "float32" && frozenLeaves?.[i] !== true
    );
    const xs = leafList.filter((_, i) => differentiable[i]) as tf.Tensor[];

    let aux: Aux | undefined;
    const forward = (): tf.Scalar => {
      const out = f(params, ...args);
      if (!hasAux) return checkScalar(out);
      if (
        out instanceof tf.Tensor || out === null || typeof out !== "object" || !("value" in out)
      ) {
        throw new TypeError("valueAndGrad: with hasAux, f must return { value, aux }");
      }
      const value = checkScalar(out.value);
      // Kept only once f has succeeded, so that a failing f leaves nothing behind.
      aux = out.aux;
      const kept: tf.Tensor[] = [];
      collectTensors(aux, kept);
      for (const t of kept) tf.keep(t);
      return value;
    };

    let value: tf.Scalar;
    let gradList: (tf.Tensor | undefined)[];
    if (xs.length === 0) {
      value = tf.tidy(forward);
      gradList = [];
    } else {
      let result: ReturnType<typeof gradients>;
      try {
        result = gradients(forward, xs);
      } catch (error) {
        const kept: tf.Tensor[] = [];
        collectTensors(aux, kept);
        tf.dispose(kept);
        throw error;
      }
      value = result.value as tf.Scalar;
      gradList = result.grads;
    }

    let next = 0;
    const grads = unflatten(
      def,
      leafList.map((leaf, i) => {
        if (!differentiable[i]) return null as unknown as tf.Tensor;
        const g = gradList[next++];
        return g ?? tf.zerosLike(leaf as tf.Tensor);
      }),
    ) as unknown as Grads<P>;
    return { value, grads, aux };
  };
}

/**
 * A copy of a tree through which no gradient flows (as JAX's `stop_gradient`): for target
 * branches and SimSiam's stop-gradient. The copies share memory with the inputs but are new
 * tensors the caller disposes. Consumes nothing.
 *
 * @example
 * ```ts
 * const zTarget = stopGradient(projection);
 * ```
 */
export function stopGradient<T extends Tree<Leaf>>(t: T): T {
  const wide: Tree<Leaf> = t;
  return map((x: Leaf) => (x instanceof tf.Tensor ? blockGradient(x) : x), wide) as unknown as T;
}

const blockGradient: (x: tf.Tensor) => tf.Tensor = tf.customGrad((...inputs) => ({
  value: tf.clone(inputs[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

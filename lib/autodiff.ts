/**
 * Gradients of functions of parameter trees, on tfjs's tape (as JAX's `value_and_grad`); the
 * backward pass (lib/tfjs_internals/tape.ts) frees each tensor as soon as it is no longer needed.
 *
 * @module
 */
import { tf } from "./tf.ts";
import { gradients } from "./tfjs_internals/tape.ts";
import {
  dispose,
  type Filter,
  flatten,
  type Leaf,
  leaves,
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
  /**
   * `f` returns `{ value, aux }` rather than a scalar; `aux`, a tree (e.g. new batch-norm state and
   * metrics; typed freely so that interfaces fit, checked when `f` returns), is passed out.
   */
  readonly hasAux?: boolean;
  /** Leaves to treat as constants: a function of the leaf's path, or a boolean tree. They get `null`. */
  readonly frozen?: Filter<P>;
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
 * `{ value, aux }` with `aux` a tree, which is passed through (its tensors survive); throws, naming
 * the path, when `aux` is not a tree.
 *
 * Every intermediate tensor is disposed; `value`, `grads` and `aux` are new and owned by the
 * caller. Consumes nothing.
 *
 * @example
 * ```ts
 * import { tf, tree, valueAndGrad } from "@byol/tfjs";
 *
 * const loss = (p: { w: tf.Tensor }, x: tf.Tensor, y: tf.Tensor) =>
 *   tf.losses.meanSquaredError(y, tf.matMul(x, p.w));
 * const params = { w: tf.ones([2, 1]) };
 * const [x, y] = [tf.ones([4, 2]), tf.zeros([4, 1])];
 * const { value, grads } = valueAndGrad(loss)(params, x, y); // grads.w: [[4], [4]]
 * tree.dispose(params, x, y, value, grads);
 * ```
 */
export function valueAndGrad<P extends Tree<Leaf>, A extends unknown[]>(
  f: (params: P, ...args: A) => tf.Tensor,
  options?: ValueAndGradOptions<P> & { readonly hasAux?: false },
): (params: P, ...args: A) => ValueAndGrad<P, undefined>;
/**
 * {@link valueAndGrad} with `hasAux: true`: `f` returns `{ value, aux }`, and `aux` (a tree, e.g.
 * new batch-norm state and metrics) comes out beside the value and gradients, its tensors kept.
 * Consumes nothing; `value`, `grads` and `aux` are new.
 *
 * @example
 * ```ts
 * import { tf, tree, valueAndGrad } from "@byol/tfjs";
 *
 * const loss = (p: { w: tf.Tensor }, x: tf.Tensor) => {
 *   const y = tf.matMul(x, p.w);
 *   return { value: tf.mean(tf.square(y)), aux: { outputMean: tf.mean(y) } };
 * };
 * const params = { w: tf.ones([2, 1]) };
 * const x = tf.ones([4, 2]);
 * const { value, grads, aux } = valueAndGrad(loss, { hasAux: true })(params, x);
 * console.log(await aux.outputMean.data()); // [2]
 * tree.dispose(params, x, value, grads, aux);
 * ```
 */
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
    const [leafList, def] = flatten(tree, { op: "valueAndGrad", names: ["params"] });
    const frozenLeaves = frozen === undefined ? null : leaves(
      resolveFilter(tree, frozen as Filter<Tree<Leaf>>, {
        op: "valueAndGrad",
        names: ["params", "frozen"],
      }),
    );
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
      const auxLeaves = leaves(out.aux as Tree<Leaf>, { op: "valueAndGrad", names: ["aux"] });
      aux = out.aux;
      for (const t of auxLeaves) if (t instanceof tf.Tensor) tf.keep(t);
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
        if (aux !== undefined) dispose(aux as Tree<Leaf>);
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
 * import { stopGradient, tf, tree, valueAndGrad } from "@byol/tfjs";
 *
 * const f = (p: { w: tf.Tensor }) => tf.sum(tf.mul(p.w, stopGradient(p.w)));
 * const params = { w: tf.ones([2]) };
 * const { value, grads } = valueAndGrad(f)(params); // grads.w: [1, 1], not [2, 2]
 * tree.dispose(params, value, grads);
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

/**
 * The layer abstraction: a layer is a pair of pure functions, `init` and `apply` (as Haiku's
 * transformed functions or Equinox's modules split into parameters and code). Parameters and
 * state are explicit trees of tensors that the caller owns and threads through.
 *
 * @module
 */
import type { tf } from "../tf.ts";
import type { Key } from "../random.ts";
import type { Tree } from "../tree.ts";

/** A per-example shape: a tensor's shape without its leading batch dimension (NHWC images). */
export type Shape = readonly number[];

/** Options for {@link Layer.init}. */
export interface InitOptions {
  /** Where the layer sits in the model (`encoder/stem/conv`), for error messages. */
  readonly path?: string;
}

/** Options for {@link Layer.apply}. */
export interface ApplyOptions {
  /** Training mode: batch statistics in batch norm, active dropout. Default `false`. */
  readonly training?: boolean;
  /** Randomness for stochastic layers (dropout); needed only when they are active. */
  readonly key?: Key;
  /** Where the layer sits in the model (`encoder/stem/conv`), for error messages. */
  readonly path?: string;
}

/** What {@link Layer.init} returns. */
export interface Initialized<P, S> {
  /** The trainable parameters. */
  readonly params: P;
  /** The non-trainable state (batch-norm running statistics), `null` for stateless layers. */
  readonly state: S;
  /** The per-example shape of the layer's output. */
  readonly outputShape: Shape;
}

/** What {@link Layer.apply} returns: the output and the new state. */
export interface Applied<S> {
  /** The output batch, a fresh tensor for the caller to dispose. */
  readonly y: tf.Tensor;
  /**
   * The new state. In training it holds new tensors (the old state stays valid); where a layer
   * leaves its state unchanged (evaluation) it is the input state itself, with no copy.
   */
  readonly state: S;
}

/**
 * A layer: pure `init` and `apply` functions over explicit parameter and state trees.
 *
 * `init(key, inputShape)` creates parameters and state for inputs of the given per-example
 * shape and reports the output shape. `apply(params, state, x, options)` runs the layer on a
 * batch; it consumes nothing (its inputs stay valid and unchanged). `y` is always a new tensor
 * for the caller to dispose. The returned state holds new tensors where the layer updated it
 * (batch norm in training) and the input state's own tensors where it did not (evaluation), as
 * JAX returns unchanged arrays: a training loop frees the old state with `advance(old, next)`,
 * which disposes only the tensors that the new state dropped, and evaluation code needs to free
 * nothing but `y`.
 *
 * @typeParam P The parameter tree, e.g. `{ w: tf.Tensor2D; b: tf.Tensor1D }`.
 * @typeParam S The state tree (batch-norm running statistics), `null` for stateless layers.
 */
export interface Layer<P extends Tree = Tree, S extends Tree = Tree> {
  /** Creates the parameters and state for a per-example input shape. Consumes nothing. */
  init(key: Key, inputShape: Shape, options?: InitOptions): Initialized<P, S>;
  /** Runs the layer on a batch `x`. Consumes nothing; `y` is new, see the interface for `state`. */
  apply(params: P, state: S, x: tf.Tensor, options?: ApplyOptions): Applied<S>;
  /**
   * A layer computing this one followed by the stateless layer `next` in one pass (with this
   * layer's params and state), or `undefined` where there is none: `sequential` runs adjacent
   * pairs through it, e.g. batch norm and `relu` as one fused kernel. Optional.
   */
  fuseNext?(next: Layer): Layer<P, S> | undefined;
}

/** The parameter tree type of a layer. */
export type ParamsOf<L> = L extends Layer<infer P, Tree> ? P : never;

/** The state tree type of a layer. */
export type StateOf<L> = L extends Layer<Tree, infer S> ? S : never;

/** A layer with neither parameters nor state, such as `relu`. */
export type StatelessLayer = Layer<null, null>;

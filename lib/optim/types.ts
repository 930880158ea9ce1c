/**
 * The types shared by the optimizers: gradient transformations (Optax's `GradientTransformation`),
 * their results, masks and learning rates.
 *
 * @module
 */
import type { tf } from "../tf.ts";
import type { Schedule } from "../schedules.ts";
import type { Filter, Leaf, Tree } from "../tree.ts";

/**
 * A tree of parameters, gradients or updates. A `null` place is a parameter that is not trained
 * (e.g. one side of `tree.partition`); transforms pass `null` gradients through as `null` updates.
 */
export type Updates = Tree<tf.Tensor>;

/** What {@link GradientTransformation.update} returns: fresh updates and the next state. */
export interface UpdateResult<S> {
  /** The transformed updates, of the structure of the incoming gradients. */
  readonly updates: Updates;
  /** The transformation's next state. */
  readonly state: S;
}

/**
 * A pure gradient transformation, as Optax's: `init` builds a state from the parameters, and
 * `update` maps gradients (or the updates of an earlier transformation) and a state to updates and
 * the next state. States are trees whose step counters are plain numbers, so schedules need no
 * device read; `tree.dispose(state)` frees a state.
 *
 * Ownership: `init` and `update` consume nothing. Every tensor they return is new, shared neither
 * with their inputs nor between `updates` and `state`, so the caller disposes the old state, the
 * gradients and, once applied, the updates, each exactly once.
 */
export interface GradientTransformation<S extends Tree<Leaf>> {
  /** The initial state for `params`. Consumes nothing. */
  init(params: Updates): S;
  /**
   * The updates for `updates` (gradients, or an earlier transformation's output) and the next
   * state. `params` are the current parameters, needed by transformations such as weight decay.
   * Consumes nothing.
   */
  update(updates: Updates, state: S, params?: Updates): UpdateResult<S>;
}

/** The state type of a gradient transformation. */
export type StateOf<T> = T extends GradientTransformation<infer S> ? S : never;

/** A learning rate: a constant, or a schedule evaluated at the optimizer's step count. */
export type LearningRate = number | Schedule;

/**
 * Selects the parameters a transformation applies to (a `tree.Filter` of parameter trees): a
 * function of a parameter's `/`-joined path (e.g. `encoder/conv1/w`) and tensor, or a tree of
 * booleans of the parameters' structure where a boolean in place of a subtree applies to all of
 * it, so `{ encoder: false, head: true }` selects the head's parameters.
 */
export type Mask = Filter<Updates>;

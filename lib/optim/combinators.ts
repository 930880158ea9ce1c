/**
 * Combining gradient transformations: `chain` runs them one after another, `masked` restricts one
 * to some of the parameters (Optax's `chain` and `masked`).
 *
 * @module
 */
import * as tree from "../tree.ts";
import type { Leaf, Tree } from "../tree.ts";
import type { GradientTransformation, Mask, StateOf, Updates } from "./types.ts";
import { cloneTree, resolveMask, selectWhere } from "./walk.ts";

/** Any gradient transformation, whatever its state. */
export type AnyTransformation = GradientTransformation<Tree<Leaf>>;

/** The state of {@link chain}: the tuple of its parts' states. */
export type ChainState<Ts extends readonly AnyTransformation[]> = {
  -readonly [K in keyof Ts]: StateOf<Ts[K]>;
};

/**
 * Runs transformations one after another, each on the previous one's updates; its state is the
 * tuple of their states. The intermediate updates are disposed; the caller's gradients are not.
 * Consumes nothing.
 *
 * @example
 * ```ts
 * const opt = chain(clipByGlobalNorm(1), scaleByAdam(), scaleByLearningRate(1e-3));
 * ```
 */
export function chain<const Ts extends readonly AnyTransformation[]>(
  ...transforms: Ts
): GradientTransformation<ChainState<Ts>> {
  return {
    init: (params) => transforms.map((t) => t.init(params)) as ChainState<Ts>,
    update: (updates, state, params) => {
      const states = state as unknown as readonly Tree<Leaf>[];
      if (!Array.isArray(states) || states.length !== transforms.length) {
        throw new Error(
          `chain: the state must be an array of ${transforms.length} part states (from this ` +
            `chain's init), got ${tree.describe(state)}`,
        );
      }
      if (transforms.length === 0) return { updates: cloneTree(updates), state };
      let current = updates;
      const next: Tree<Leaf>[] = [];
      try {
        for (const [i, t] of transforms.entries()) {
          const result = t.update(current, states[i], params);
          if (current !== updates) tree.dispose(current);
          current = result.updates;
          next.push(result.state);
        }
      } catch (error) {
        if (current !== updates) tree.dispose(current);
        tree.dispose(...next);
        throw error;
      }
      return { updates: current, state: next as ChainState<Ts> };
    },
  };
}

/**
 * Applies `inner` only to the parameters `mask` selects; the other updates pass through unchanged
 * (as copies). `inner` sees `null` in the places not selected, in `init` and `update` alike, so its
 * state holds nothing there. Consumes nothing.
 *
 * @example
 * ```ts
 * const decayWeightsOnly = masked(addDecayedWeights({ weightDecay: 1e-4 }), excludeBiasAndNorm);
 * ```
 */
export function masked<S extends Tree<Leaf>>(
  inner: GradientTransformation<S>,
  mask: Mask,
): GradientTransformation<S> {
  return {
    init: (params) => {
      const selected = resolveMask("masked", mask, params);
      return inner.init(selectWhere("masked", params, selected, params, true));
    },
    update: (updates, state, params) => {
      const selected = resolveMask("masked", mask, updates, params);
      const result = inner.update(
        selectWhere("masked", updates, selected, updates, true),
        state,
        params === undefined ? undefined : selectWhere("masked", updates, selected, params, true),
      );
      const passed = cloneTree(selectWhere("masked", updates, selected, updates, false));
      const merged: unknown = tree.combine(result.updates, passed);
      return { updates: merged as Updates, state: result.state };
    },
  };
}

/**
 * Combining gradient transformations: `chain` runs them one after another, `masked` restricts one
 * to some of the parameters (Optax's `chain` and `masked`).
 *
 * @module
 */
import * as tree from "../tree.ts";
import type { Leaf, Tree } from "../tree.ts";
import type { GradientTransformation, Mask, StateOf, Updates } from "./types.ts";

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
 * import { optim, tf, tree } from "@byol/tfjs";
 *
 * const opt = optim.chain(
 *   optim.clipByGlobalNorm(1),
 *   optim.scaleByAdam(),
 *   optim.scaleByLearningRate(1e-3),
 * );
 * const params = { w: tf.zeros([2]) };
 * const [clipState, adamState, { count }] = opt.init(params);
 * tree.dispose(params, clipState, adamState);
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
      if (transforms.length === 0) return { updates: tree.clone(updates), state };
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
 * The boolean tree, along `updates` (`null` where they are `null`), of the parameters `mask`
 * selects. A mask function sees each parameter's path and tensor (the update's when `params` are
 * not given), as Optax passes masks the parameters.
 */
function selection(mask: Mask, updates: Updates, params?: Updates): Tree<boolean> {
  if (typeof mask !== "function" || params === undefined) {
    return tree.resolveFilter(updates, mask, { op: "masked", names: ["updates", "mask"] });
  }
  const chosen = tree.resolveFilter(params, mask, { op: "masked", names: ["params", "mask"] });
  return tree.mapPrefix(([, c]) => c, [updates, chosen], {
    op: "masked",
    names: ["updates", "params"],
    compare: "structure",
  });
}

/** The leaves of `values` where `selected` is `want`, `null` elsewhere; shared, not copied. */
function pick(selected: Tree<boolean>, values: Updates, want: boolean, name: string): Updates {
  return tree.mapPrefix(([s, v]) => (s === want ? v : null), [selected, values], {
    op: "masked",
    names: ["mask", name],
    compare: "structure",
  });
}

/**
 * Applies `inner` only to the parameters `mask` selects; the other updates pass through unchanged
 * (as copies). `inner` sees `null` in the places not selected, in `init` and `update` alike, so its
 * state holds nothing there. Consumes nothing.
 *
 * @example
 * ```ts
 * import { optim } from "@byol/tfjs";
 *
 * const decay = optim.addDecayedWeights({ weightDecay: 1e-4 });
 * const decayWeightsOnly = optim.masked(decay, optim.excludeBiasAndNorm);
 * const decayHeadOnly = optim.masked(decay, { encoder: false, head: true });
 * ```
 */
export function masked<S extends Tree<Leaf>>(
  inner: GradientTransformation<S>,
  mask: Mask,
): GradientTransformation<S> {
  return {
    init: (params) => {
      const selected = tree.resolveFilter(params, mask, {
        op: "masked",
        names: ["params", "mask"],
      });
      return inner.init(pick(selected, params, true, "params"));
    },
    update: (updates, state, params) => {
      const selected = selection(mask, updates, params);
      const result = inner.update(
        pick(selected, updates, true, "updates"),
        state,
        params === undefined ? undefined : pick(selected, params, true, "params"),
      );
      const passed = tree.clone(pick(selected, updates, false, "updates"));
      return { updates: tree.combine(result.updates, passed), state: result.state };
    },
  };
}

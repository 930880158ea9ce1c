/**
 * Elementwise gradient transformations: scaling, learning rates, Adam's moments, momentum and
 * weight decay (Optax's `scale`, `scale_by_learning_rate`, `scale_by_adam`, `trace`,
 * `add_decayed_weights`). Every `update` consumes nothing and returns new tensors only.
 *
 * @module
 */
import { tf } from "../tf.ts";
import * as tree from "../tree.ts";
import { NON_NEGATIVE, requireRange } from "./check.ts";
import { masked } from "./combinators.ts";
import type { GradientTransformation, LearningRate, Mask, Updates } from "./types.ts";

/** The state of a transformation that counts its updates (what schedules are evaluated at). */
export type CountState = { readonly count: number };

/** The state of {@link scaleByAdam}: the step count and the first and second moments. */
export type AdamState = { readonly count: number; readonly mu: Updates; readonly nu: Updates };

/** The state of {@link trace}: the momentum buffer. */
export type TraceState = { readonly trace: Updates };

/**
 * Multiplies updates by a constant `factor`. Consumes nothing.
 *
 * @example
 * ```ts
 * import { optim, tf, tree } from "@byol/tfjs";
 *
 * const halve = optim.scale(0.5);
 * const grads = { w: tf.ones([2]) };
 * const { updates } = halve.update(grads, null); // w: [0.5, 0.5]
 * tree.dispose(grads, updates);
 * ```
 */
export function scale(factor: number): GradientTransformation<null> {
  if (typeof factor !== "number" || !Number.isFinite(factor)) {
    throw new RangeError(`scale: factor must be a finite number, got ${factor}`);
  }
  return {
    init: () => null,
    update: (updates) => ({
      updates: tree.mapPrefix(([u]) => tf.tidy(() => tf.mul(u, factor)), [updates], {
        op: "scale",
        names: ["updates"],
      }),
      state: null,
    }),
  };
}

/**
 * Multiplies updates by `-learningRate` (so that adding them descends), a schedule being evaluated
 * at the number of updates done before this one. Consumes nothing.
 *
 * @example
 * ```ts
 * import { optim, schedules } from "@byol/tfjs";
 *
 * const lr = schedules.warmupCosine({ peak: 0.2, warmupSteps: 10, totalSteps: 100 });
 * const step = optim.scaleByLearningRate(lr);
 * ```
 */
export function scaleByLearningRate(
  learningRate: LearningRate,
): GradientTransformation<CountState> {
  if (typeof learningRate !== "function") {
    requireRange("scaleByLearningRate", "learningRate", learningRate, NON_NEGATIVE);
  }
  return {
    init: () => ({ count: 0 }),
    update: (updates, state) => {
      const lr = typeof learningRate === "function" ? learningRate(state.count) : learningRate;
      if (!Number.isFinite(lr)) {
        throw new RangeError(
          `scaleByLearningRate: the schedule gave ${lr} at step ${state.count}; expected a finite number`,
        );
      }
      const scaled = tree.mapPrefix(([u]) => tf.tidy(() => tf.mul(u, -lr)), [updates], {
        op: "scaleByLearningRate",
        names: ["updates"],
      });
      return { updates: scaled, state: { count: state.count + 1 } };
    },
  };
}

/** Options of {@link scaleByAdam}. */
export interface AdamOptions {
  /** Decay of the first moment, in [0, 1); default 0.9. */
  readonly b1?: number;
  /** Decay of the second moment, in [0, 1); default 0.999. */
  readonly b2?: number;
  /** Added to the root of the second moment, outside the square root; default 1e-8. */
  readonly eps?: number;
  /** Added to the second moment inside the square root; default 0. */
  readonly epsRoot?: number;
}

/**
 * Adam's rescaling (Kingma & Ba 2014): bias-corrected first moment over the root of the
 * bias-corrected second moment. Consumes nothing.
 *
 * @example
 * ```ts
 * import { optim } from "@byol/tfjs";
 *
 * const opt = optim.chain(optim.scaleByAdam({ b1: 0.9 }), optim.scaleByLearningRate(1e-3));
 * ```
 */
export function scaleByAdam(
  { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0 }: AdamOptions = {},
): GradientTransformation<AdamState> {
  requireRange("scaleByAdam", "b1", b1, [0, 1, "open"]);
  requireRange("scaleByAdam", "b2", b2, [0, 1, "open"]);
  requireRange("scaleByAdam", "eps", eps, NON_NEGATIVE);
  requireRange("scaleByAdam", "epsRoot", epsRoot, NON_NEGATIVE);
  const op = "scaleByAdam";
  return {
    init: (params) => ({ count: 0, mu: tree.zerosLike(params), nu: tree.zerosLike(params) }),
    update: (updates, { count, mu, nu }) => {
      const next = count + 1;
      const mu2 = tree.mapPrefix(
        ([g, m]) => tf.tidy(() => tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1))),
        [updates, mu],
        { op, names: ["updates", "mu"], atNull: ([m]) => tree.clone(m) },
      );
      const nu2 = tree.mapPrefix(
        ([g, v]) => tf.tidy(() => tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2))),
        [updates, nu],
        { op, names: ["updates", "nu"], atNull: ([v]) => tree.clone(v) },
      );
      const c1 = 1 - b1 ** next;
      const c2 = 1 - b2 ** next;
      const scaled = tree.mapPrefix(
        ([, m, v]) =>
          tf.tidy(() =>
            tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.add(tf.div(v, c2), epsRoot)), eps))
          ),
        [updates, mu2, nu2],
        { op, names: ["updates", "mu", "nu"] },
      );
      return { updates: scaled, state: { count: next, mu: mu2, nu: nu2 } };
    },
  };
}

/** Options of {@link trace}. */
export interface TraceOptions {
  /** Decay of the momentum buffer, in [0, 1). */
  readonly decay: number;
  /** Nesterov momentum: return `g + decay * trace` instead of the trace; default false. */
  readonly nesterov?: boolean;
}

/**
 * Momentum: keeps `trace = g + decay * trace` and returns it (or, with `nesterov`, returns
 * `g + decay * trace`). Consumes nothing.
 *
 * @example
 * ```ts
 * import { optim } from "@byol/tfjs";
 *
 * const heavyBall = optim.chain(optim.trace({ decay: 0.9 }), optim.scaleByLearningRate(0.1));
 * ```
 */
export function trace(
  { decay, nesterov = false }: TraceOptions,
): GradientTransformation<TraceState> {
  requireRange("trace", "decay", decay, [0, 1, "open"]);
  const accumulate = ([g, t]: readonly [tf.Tensor, tf.Tensor]) =>
    tf.tidy(() => tf.add(g, tf.mul(t, decay)));
  return {
    init: (params) => ({ trace: tree.zerosLike(params) }),
    update: (updates, state) => {
      const next = tree.mapPrefix(accumulate, [updates, state.trace], {
        op: "trace",
        names: ["updates", "trace"],
        atNull: ([t]) => tree.clone(t),
      });
      const out = tree.mapPrefix(nesterov ? accumulate : ([, t]) => tf.clone(t), [updates, next], {
        op: "trace",
        names: ["updates", "trace"],
      });
      return { updates: out, state: { trace: next } };
    },
  };
}

/** Options of {@link addDecayedWeights}. */
export interface DecayedWeightsOptions {
  /** Coefficient of the parameters added to the updates (>= 0). */
  readonly weightDecay: number;
  /** The parameters to decay; default all. See {@link Mask}. */
  readonly mask?: Mask;
}

/**
 * Adds `weightDecay * params` to the updates (decoupled weight decay, as AdamW and LARS use it),
 * only where `mask` selects. Needs `params` in `update`. Consumes nothing.
 *
 * @example
 * ```ts
 * import { optim } from "@byol/tfjs";
 *
 * const decay = optim.addDecayedWeights({ weightDecay: 1.5e-6, mask: optim.excludeBiasAndNorm });
 * ```
 */
export function addDecayedWeights(
  { weightDecay, mask }: DecayedWeightsOptions,
): GradientTransformation<null> {
  requireRange("addDecayedWeights", "weightDecay", weightDecay, NON_NEGATIVE);
  const decay: GradientTransformation<null> = {
    init: () => null,
    update: (updates, _, params) => {
      if (params === undefined) {
        throw new Error("addDecayedWeights: update needs the current params, got none");
      }
      const out = tree.mapPrefix(
        ([u, p]) => tf.tidy(() => tf.add(u, tf.mul(p, weightDecay))),
        [updates, params],
        { op: "addDecayedWeights", names: ["updates", "params"] },
      );
      return { updates: out, state: null };
    },
  };
  return mask === undefined ? decay : masked(decay, mask);
}

/**
 * Learning-rate (and other hyper-parameter) schedules, as Optax's: plain functions from the step
 * count to a number, so evaluating one needs no device read. Steps before 0 are treated as 0 and
 * steps past a schedule's end keep its final value.
 *
 * @module
 */

/**
 * A schedule: the value to use at a step (0-based count of updates done so far).
 *
 * @example
 * ```ts
 * import { optim, type Schedule } from "@byol/tfjs";
 *
 * const halving: Schedule = (step) => 0.1 * 0.5 ** Math.floor(step / 100);
 * const opt = optim.sgd({ learningRate: halving });
 * ```
 */
export type Schedule = (step: number) => number;

function requireFinite(fn: string, name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RangeError(`${fn}: ${name} must be a finite number, got ${value}`);
  }
}

function requireSteps(fn: string, name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${fn}: ${name} must be an integer >= ${min}, got ${value}`);
  }
}

function clampStep(fn: string, step: number, end: number): number {
  if (Number.isNaN(step)) throw new RangeError(`${fn} schedule: step must be a number, got NaN`);
  return Math.min(Math.max(step, 0), end);
}

/**
 * A schedule that is `value` at every step.
 *
 * @example
 * ```ts
 * import { schedules } from "@byol/tfjs";
 *
 * schedules.constant(0.1)(1000); // 0.1
 * ```
 */
export function constant(value: number): Schedule {
  requireFinite("constant", "value", value);
  return () => value;
}

/** Options of {@link linear}. */
export interface LinearOptions {
  /** Value at step 0. */
  readonly init: number;
  /** Value at step `steps` and after. */
  readonly end: number;
  /** Number of steps to go from `init` to `end` (an integer >= 1). */
  readonly steps: number;
}

/**
 * A schedule going linearly from `init` at step 0 to `end` at step `steps`, then staying at `end`
 * (Optax's `linear_schedule`).
 *
 * @example
 * ```ts
 * import { schedules } from "@byol/tfjs";
 *
 * const warmup = schedules.linear({ init: 0, end: 0.2, steps: 10 });
 * warmup(5); // 0.1
 * ```
 */
export function linear({ init, end, steps }: LinearOptions): Schedule {
  requireFinite("linear", "init", init);
  requireFinite("linear", "end", end);
  requireSteps("linear", "steps", steps, 1);
  return (step) => init + (end - init) * (clampStep("linear", step, steps) / steps);
}

/** Options of {@link cosineDecay}. */
export interface CosineDecayOptions {
  /** Value at step 0. */
  readonly init: number;
  /** Number of steps of the decay (an integer >= 1). */
  readonly steps: number;
  /** Final value as a fraction of `init`, in [0, 1]; default 0. */
  readonly alpha?: number;
}

/**
 * A schedule decaying from `init` at step 0 to `alpha * init` at step `steps` along half a cosine,
 * then staying there (Optax's `cosine_decay_schedule`).
 *
 * @example
 * ```ts
 * import { schedules } from "@byol/tfjs";
 *
 * const lr = schedules.cosineDecay({ init: 0.2, steps: 1000 });
 * lr(500); // 0.1
 * ```
 */
export function cosineDecay({ init, steps, alpha = 0 }: CosineDecayOptions): Schedule {
  requireFinite("cosineDecay", "init", init);
  requireSteps("cosineDecay", "steps", steps, 1);
  if (!(alpha >= 0 && alpha <= 1)) {
    throw new RangeError(`cosineDecay: alpha must be in [0, 1], got ${alpha}`);
  }
  return cosineBetween("cosineDecay", init, alpha * init, steps);
}

function cosineBetween(fn: string, from: number, to: number, steps: number): Schedule {
  return (step) => {
    const k = clampStep(fn, step, steps);
    return to + (from - to) * 0.5 * (1 + Math.cos((Math.PI * k) / steps));
  };
}

/** Options of {@link warmupCosine}. */
export interface WarmupCosineOptions {
  /** Value reached at the end of the warmup. */
  readonly peak: number;
  /** Number of linear warmup steps (an integer >= 0). */
  readonly warmupSteps: number;
  /** Length of the whole schedule, warmup included (an integer > `warmupSteps`). */
  readonly totalSteps: number;
  /** Value at step 0; default 0. */
  readonly init?: number;
  /** Value at step `totalSteps` and after; default 0. */
  readonly end?: number;
}

/**
 * Linear warmup from `init` to `peak` over `warmupSteps`, then cosine decay from `peak` to `end` at
 * `totalSteps` (Optax's `warmup_cosine_decay_schedule`; `totalSteps` is its `decay_steps`).
 *
 * @example
 * ```ts
 * import { schedules } from "@byol/tfjs";
 *
 * const lr = schedules.warmupCosine({ peak: 0.2, warmupSteps: 10, totalSteps: 100 });
 * [lr(0), lr(10), lr(100)]; // [0, 0.2, 0]
 * ```
 */
export function warmupCosine(
  { peak, warmupSteps, totalSteps, init = 0, end = 0 }: WarmupCosineOptions,
): Schedule {
  requireFinite("warmupCosine", "peak", peak);
  requireFinite("warmupCosine", "init", init);
  requireFinite("warmupCosine", "end", end);
  requireSteps("warmupCosine", "warmupSteps", warmupSteps, 0);
  requireSteps("warmupCosine", "totalSteps", totalSteps, warmupSteps + 1);
  const decay = cosineBetween("warmupCosine", peak, end, totalSteps - warmupSteps);
  if (warmupSteps === 0) return decay;
  return join([linear({ init, end: peak, steps: warmupSteps }), decay], [warmupSteps]);
}

/**
 * Joins schedules end to end (Optax's `join_schedules`): `schedules[0]` runs before
 * `boundaries[0]`, and `schedules[i]` from `boundaries[i - 1]` on, seeing `step - boundaries[i - 1]`
 * as its step. Needs one boundary fewer than schedules, in increasing order.
 *
 * @example
 * ```ts
 * import { schedules } from "@byol/tfjs";
 *
 * const { constant, join, linear } = schedules;
 * const lr = join([constant(0.1), linear({ init: 0.1, end: 0, steps: 50 })], [100]);
 * lr(125); // 0.05
 * ```
 */
export function join(schedules: readonly Schedule[], boundaries: readonly number[]): Schedule {
  if (schedules.length === 0) throw new RangeError("join: needs at least one schedule, got none");
  if (boundaries.length !== schedules.length - 1) {
    throw new RangeError(
      `join: needs ${schedules.length - 1} boundaries for ${schedules.length} schedules, ` +
        `got ${boundaries.length}`,
    );
  }
  boundaries.forEach((b, i) => {
    requireSteps("join", `boundaries[${i}]`, b, i === 0 ? 0 : boundaries[i - 1] + 1);
  });
  return (step) => {
    let i = 0;
    while (i < boundaries.length && step >= boundaries[i]) i++;
    return schedules[i](i === 0 ? step : step - boundaries[i - 1]);
  };
}

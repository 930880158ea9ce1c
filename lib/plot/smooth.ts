/**
 * Smoothing of noisy training curves for display, as TensorBoard does it: an exponential moving
 * average with its start-up bias removed, skipping missing values.
 *
 * Pure: no DOM, no file system.
 *
 * @module
 */

/**
 * A smoothing weight for a curve of `count` points: none below 10 points, then `1 - 20 / count`
 * up to 0.98 (an average over about the last 50 points), so short and long runs both read well.
 *
 * @example
 * ```ts
 * import { plot } from "@byol/tfjs";
 *
 * [plot.smoothingWeight(5), plot.smoothingWeight(200), plot.smoothingWeight(4000)]; // [0, 0.9, 0.98]
 * ```
 */
export function smoothingWeight(count: number): number {
  return count < 10 ? 0 : Math.min(0.98, Math.max(0, 1 - 20 / count));
}

/**
 * The debiased exponential moving average of `values` with `weight` in `[0, 1)` (0: the values
 * themselves): `avg = weight * avg + (1 - weight) * v`, divided by `1 - weight^n` after `n`
 * finite values. Non-finite values stay non-finite in the result and do not move the average.
 * Consumes nothing.
 *
 * @example
 * ```ts
 * import { plot } from "@byol/tfjs";
 *
 * plot.smooth([4, 2, NaN, 2], 0.5); // [4, 2.67, NaN, 2.29] (rounded)
 * ```
 */
export function smooth(values: ArrayLike<number>, weight: number): number[] {
  if (!(weight >= 0 && weight < 1)) {
    throw new RangeError(`smooth: weight must be in [0, 1), got ${weight}`);
  }
  const out: number[] = [];
  let avg = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out.push(v);
      continue;
    }
    avg = weight * avg + (1 - weight) * v;
    n++;
    out.push(avg / (1 - weight ** n));
  }
  return out;
}

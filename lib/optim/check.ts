/**
 * Option checks for the optimizers, with errors that name the function, the option and the range.
 *
 * @module
 */

/** A range `[lo, hi]` (closed) or `[lo, hi)` (open). */
export type Range = readonly [lo: number, hi: number, end: "closed" | "open"];

/**
 * Any finite number >= 0.
 *
 * @example
 * ```ts
 * import { NON_NEGATIVE, requireRange } from "./check.ts";
 *
 * requireRange("sgd", "learningRate", 0.1, NON_NEGATIVE); // passes
 * ```
 */
export const NON_NEGATIVE: Range = [0, Infinity, "open"];

/**
 * Throws a RangeError naming `fn`, `name` and the range unless `value` is a number in `range`.
 *
 * @example
 * ```ts
 * import { requireRange } from "./check.ts";
 *
 * requireRange("adam", "b1", 0.9, [0, 1, "open"]); // passes
 * try {
 *   requireRange("adam", "b1", 1, [0, 1, "open"]);
 * } catch (e) {
 *   console.log((e as Error).message); // adam: b1 must be a number in [0, 1), got 1
 * }
 * ```
 */
export function requireRange(fn: string, name: string, value: number, range: Range): void {
  const [lo, hi, end] = range;
  const ok = typeof value === "number" && value >= lo &&
    (end === "closed" ? value <= hi : value < hi);
  if (!ok) {
    const shown = `[${lo}, ${hi}${end === "closed" ? "]" : ")"}`;
    throw new RangeError(`${fn}: ${name} must be a number in ${shown}, got ${value}`);
  }
}

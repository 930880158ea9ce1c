/**
 * Option checks for the optimizers, with errors that name the function, the option and the range.
 *
 * @module
 */

/** A range `[lo, hi]` (closed) or `[lo, hi)` (open). */
export type Range = readonly [lo: number, hi: number, end: "closed" | "open"];

/** Any finite number >= 0. */
export const NON_NEGATIVE: Range = [0, Infinity, "open"];

/** Throws a RangeError naming `fn`, `name` and the range unless `value` is a number in `range`. */
export function requireRange(fn: string, name: string, value: number, range: Range): void {
  const [lo, hi, end] = range;
  const ok = typeof value === "number" && value >= lo &&
    (end === "closed" ? value <= hi : value < hi);
  if (!ok) {
    const shown = `[${lo}, ${hi}${end === "closed" ? "]" : ")"}`;
    throw new RangeError(`${fn}: ${name} must be a number in ${shown}, got ${value}`);
  }
}

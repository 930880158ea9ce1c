/**
 * Stopping a run on request: the phases a run goes through (so a signal handler can say what
 * will happen), and abandoning an evaluation when the run is asked to stop (its results are
 * derived data, recomputed on `--resume`). Pure TypeScript.
 *
 * @module
 */

/**
 * What a run is doing: setting up, training steps, writing a checkpoint, the kNN monitor, the
 * final evaluation with its files.
 */
export type Phase = "setup" | "step" | "checkpoint" | "monitor" | "final";

/** What {@link untilAborted} returns when the signal came first. */
export const ABANDONED: unique symbol = Symbol("abandoned");

/**
 * Waits for `work`, or for `signal` to be aborted, whichever comes first; then returns
 * {@link ABANDONED}. Abandoned work is left to finish (or fail) unobserved; its result is dropped.
 * Use it for work whose result can be recomputed, such as an evaluation.
 *
 * @example
 * ```ts
 * import { ABANDONED, untilAborted } from "./stopping.ts";
 *
 * const stop = new AbortController();
 * const slow = new Promise<number>((resolve) => setTimeout(() => resolve(1), 50));
 * stop.abort();
 * console.log((await untilAborted(slow, stop.signal)) === ABANDONED); // true
 * ```
 */
export function untilAborted<T>(
  work: Promise<T>,
  signal?: AbortSignal,
): Promise<T | typeof ABANDONED> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.resolve(ABANDONED);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      work.catch(() => {});
      resolve(ABANDONED);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

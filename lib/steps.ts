/**
 * The step loop: run a pure step function over inputs, owning the state across steps and the
 * metrics of each step.
 *
 * @module
 */
import { advance } from "./advance.ts";
import { dispose, type Leaf, type Tree } from "./tree.ts";

/** What one step returns: the next state (it may share tensors with the old one) and metrics. */
export interface StepOutput<S, M> {
  /** The state after the step. */
  readonly state: S;
  /** What the step reports (losses, norms), for the loop to show and then dispose. */
  readonly metrics: M;
}

/** What {@link RunStepsOptions.onStep} sees after each step. */
export interface StepReport<S, M> {
  /** The state after the step; it stays valid until the next step, unless it is the last. */
  readonly state: S;
  /** The step's metrics, disposed when the callback returns (or its promise settles). */
  readonly metrics: M;
  /** The step's position in this run, from 0. */
  readonly index: number;
}

/** What {@link RunStepsOptions.choose} sees after each step, before anything is freed. */
export interface StepChoice<S, M> {
  /** The state before the step. */
  readonly previous: S;
  /** The state the step returned. */
  readonly next: S;
  /** The step's metrics. */
  readonly metrics: M;
  /** The step's position in this run, from 0. */
  readonly index: number;
}

/** Options of {@link runSteps}. */
export interface RunStepsOptions<S extends Tree<Leaf>, M extends Tree<Leaf>, I> {
  /** The state before the first step; consumed (see {@link runSteps}). */
  readonly state: S;
  /** One pure step: consumes nothing, returns the next state and metrics the loop then owns. */
  readonly step: (state: S, input: I, index: number) => StepOutput<S, M>;
  /** The inputs, one per step (batches); without them each step gets `undefined`. */
  readonly inputs?: Iterable<I> | AsyncIterable<I>;
  /** At most this many steps (default: until `inputs` end). */
  readonly steps?: number;
  /** Called after each step, before its metrics are disposed; may be async (the loop awaits). */
  readonly onStep?: (report: StepReport<S, M>) => void | Promise<void>;
  /** Stops the loop after the current step once aborted. */
  readonly signal?: AbortSignal;
  /**
   * Picks the state the loop goes on with after each step, before anything is freed: `next`
   * (what happens without `choose`), or a state made from `previous` to reject the step (e.g. one
   * whose loss is not finite). It may throw to end the loop with `previous` as the latest state.
   * The tensors of `previous` and `next` that the chosen state does not hold are freed.
   */
  readonly choose?: (choice: StepChoice<S, M>) => S | Promise<S>;
}

/**
 * Runs `step` over `inputs` (or `steps` times): after each step it frees what the old state
 * does not share with the new one (`advance`), calls `onStep` with the step's metrics, then
 * disposes every tensor of the metrics. It stops when `inputs` end, after `steps` steps, or
 * after the step during which `signal` was aborted, and returns the last state. With `choose`,
 * each step's outcome is first checked (and possibly rejected) before the old state is freed.
 *
 * Ownership: consumes `state` (as `advance` does) and every state and metrics tree that `step`
 * returns, except the returned state; the inputs stay the caller's (a step that owns its input,
 * such as a batch, disposes it itself). When `step` or `onStep` throws, the error propagates,
 * the failed step's metrics are freed, and the latest state (the one `onStep` last saw, or
 * `state` before the first step) is left for the caller to free; when `choose` throws, the failed
 * step's new state is freed too.
 *
 * @example
 * ```ts
 * import { runSteps, tf } from "@byol/tfjs";
 *
 * // Gradient descent on f(w) = w^2 (w <- w - 0.1 * 2w), with the loss as a metric.
 * const final = await runSteps({
 *   state: { w: tf.tensor([3]) },
 *   step: ({ w }) => ({ state: { w: tf.mul(w, 0.8) }, metrics: { loss: tf.square(w) } }),
 *   steps: 10,
 *   onStep: async ({ metrics, index }) => console.log(index, await metrics.loss.data()),
 * });
 * final.w.dispose();
 * ```
 */
export async function runSteps<S extends Tree<Leaf>, M extends Tree<Leaf>, I = undefined>(
  options: RunStepsOptions<S, M, I>,
): Promise<S> {
  const { step, inputs, steps, onStep, signal, choose } = options;
  if (inputs === undefined && steps === undefined) {
    throw new TypeError("runSteps: give `inputs`, `steps` or both, else the loop never ends");
  }
  if (steps !== undefined && !(Number.isInteger(steps) && steps >= 0)) {
    throw new RangeError(`runSteps: steps must be a non-negative integer, got ${steps}`);
  }
  let state = options.state;
  let index = 0;
  const source: Iterable<I> | AsyncIterable<I> = inputs ?? forever(undefined as I);
  if (steps === 0) return state;
  for await (const input of source) {
    const out = step(state, input, index);
    try {
      let next = out.state;
      if (choose) {
        try {
          next = await choose({ previous: state, next, metrics: out.metrics, index });
        } catch (err) {
          advance(out.state, state);
          throw err;
        }
        if (next !== out.state) advance(out.state, next);
      }
      state = advance(state, next);
      await onStep?.({ state, metrics: out.metrics, index });
    } finally {
      dispose(out.metrics);
    }
    index++;
    if (index === steps || signal?.aborted) break;
  }
  return state;
}

function* forever<T>(value: T): Generator<T> {
  while (true) yield value;
}

/**
 * The progress line of a run and the clock behind its throughput and ETA. Pure text and
 * arithmetic; printing it is `terminal.ts`'s.
 *
 * @module
 */
import { HEALTH } from "../health.ts";

/** What the progress line shows. */
export interface ProgressInfo {
  /** Steps completed, and in all. */
  readonly step: number;
  readonly totalSteps: number;
  /** 0-based epoch and the number of epochs. */
  readonly epoch: number;
  readonly epochs: number;
  readonly imagesPerSecond: number;
  /** The last logged loss. */
  readonly loss: number;
  readonly tau: number;
  readonly lr: number;
  /** Seconds left, or `null` before it can be estimated. */
  readonly etaSeconds: number | null;
  /**
   * The step's collapse signal relative to `1/sqrt(d)` (the std of its normalised online
   * projections times `sqrt(d)`): about 1 when well spread, 0 when collapsed; absent: not shown.
   */
  readonly spread?: number;
}

/**
 * A duration as `45s`, `12m05s` or `3h07m`.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./progress.ts";
 *
 * formatDuration(3725); // "1h02m"
 * ```
 */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
}

/**
 * The progress line: `step 120/2340  epoch 1/10  212 img/s  loss 3.1234  tau 0.99012
 * lr 2.00e-3  spread 0.81  ETA 1h02m`, with `spread 0.03 COLLAPSED` once the projections' spread
 * falls below `HEALTH.collapsedBelow`.
 *
 * @example
 * ```ts
 * import { formatProgress } from "./progress.ts";
 *
 * formatProgress({ step: 1, totalSteps: 8, epoch: 0, epochs: 1, imagesPerSecond: 50,
 *   loss: 3.9, tau: 0.99, lr: 2e-3, etaSeconds: 35, spread: 0.81 });
 * ```
 */
export function formatProgress(p: ProgressInfo): string {
  const width = String(p.totalSteps).length;
  return [
    `step ${String(p.step).padStart(width)}/${p.totalSteps}`,
    `epoch ${p.epoch + 1}/${p.epochs}`,
    `${p.imagesPerSecond.toFixed(p.imagesPerSecond < 100 ? 1 : 0)} img/s`,
    `loss ${p.loss.toFixed(4)}`,
    `tau ${p.tau.toFixed(5)}`,
    `lr ${p.lr.toExponential(2)}`,
    ...(p.spread === undefined
      ? []
      : [`spread ${p.spread.toFixed(2)}${p.spread < HEALTH.collapsedBelow ? " COLLAPSED" : ""}`]),
    `ETA ${p.etaSeconds === null ? "?" : formatDuration(p.etaSeconds)}`,
  ].join("  ");
}

/**
 * Training time and throughput, counting only time spent in steps (not evaluations or
 * checkpoints), so the ETA is of the remaining steps. The first step of a session, which
 * includes one-off kernel compilation, is left out of the rate once later steps exist.
 */
export class StepClock {
  #steps = 0;
  #seconds = 0;
  #firstSeconds = 0;
  #windowImages = 0;
  #windowSeconds = 0;

  /** Records one step of `images` images that took `seconds`. */
  add(images: number, seconds: number): void {
    if (this.#steps === 0) this.#firstSeconds = seconds;
    this.#steps++;
    this.#seconds += seconds;
    this.#windowImages += images;
    this.#windowSeconds += seconds;
  }

  /** Images per second since the last call (the window then restarts). */
  takeThroughput(): number {
    const rate = this.#windowSeconds > 0 ? this.#windowImages / this.#windowSeconds : 0;
    this.#windowImages = 0;
    this.#windowSeconds = 0;
    return rate;
  }

  /** Seconds spent in the recorded steps, all of them. */
  get totalSeconds(): number {
    return this.#seconds;
  }

  /** Seconds the remaining steps should take at the average step time, or `null` before one. */
  eta(remainingSteps: number): number | null {
    if (this.#steps === 0) return null;
    const perStep = this.#steps > 1
      ? (this.#seconds - this.#firstSeconds) / (this.#steps - 1)
      : this.#seconds;
    return perStep * remainingSteps;
  }
}

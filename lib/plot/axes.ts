/**
 * Scales and axes for the SVG charts: "nice" tick values covering the finite data, linear maps
 * from data to pixels, and a frame with grid lines, tick labels and axis titles.
 *
 * Pure: no DOM, no file system.
 *
 * @module
 */
import { coord, tag, text } from "./svg.ts";

/** Tick values and the rounded domain they span. */
export interface NiceScale {
  /** The domain's lower end: the first tick. */
  readonly lo: number;
  /** The domain's upper end: the last tick. */
  readonly hi: number;
  /** The distance between ticks. */
  readonly step: number;
  /** The tick values from `lo` to `hi`. */
  readonly ticks: readonly number[];
}

/**
 * Round tick values (steps of 1, 2 or 5 times a power of ten, about `count` of them) spanning the
 * finite values of `values`. NaN and infinities are ignored; no finite value gives `[0, 1]`, and
 * a single value gets a margin around it, so every chart has a usable axis.
 *
 * @example
 * ```ts
 * import { plot } from "@byol/tfjs";
 *
 * plot.niceScale([0.13, 0.87]); // { lo: 0, hi: 1, step: 0.2, ticks: [0, 0.2, ..., 1] }
 * ```
 */
export function niceScale(values: Iterable<number>, count = 5): NiceScale {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (lo > hi) [lo, hi] = [0, 1];
  if (lo === hi) {
    const margin = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    [lo, hi] = [lo - margin, hi + margin];
  }
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const first = Math.floor(lo / step);
  const last = Math.ceil(hi / step);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(i * step);
  return { lo: first * step, hi: last * step, step, ticks };
}

/**
 * A tick label: thousands as `k` when the step is a multiple of 1000, else fixed decimals.
 *
 * @example
 * ```ts
 * import { plot } from "@byol/tfjs";
 *
 * [plot.formatTick(2000, 1000), plot.formatTick(0.4, 0.2)]; // ["2k", "0.4"]
 * ```
 */
export function formatTick(value: number, step: number): string {
  if (step >= 1000 && Math.round(value) % 1000 === 0 && value !== 0) {
    return `${Math.round(value) / 1000}k`;
  }
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return value.toFixed(Math.min(decimals, 10)).replace(/^-(0\.?0*)$/, "$1");
}

/** A pixel rectangle: the plotting area of one panel. */
export interface Frame {
  /** Its left edge, in pixels from the picture's. */
  readonly left: number;
  /** Its top edge, in pixels from the picture's. */
  readonly top: number;
  /** Its width in pixels. */
  readonly width: number;
  /** Its height in pixels. */
  readonly height: number;
}

/**
 * The map from a scale's domain to `[from, to]` pixels.
 *
 * @example
 * ```ts
 * import { plot } from "@byol/tfjs";
 *
 * const toY = plot.linear(plot.niceScale([0, 1]), 300, 20); // y grows downwards in SVG
 * toY(0.5); // 160
 * ```
 */
export function linear(scale: NiceScale, from: number, to: number): (v: number) => number {
  const k = (to - from) / (scale.hi - scale.lo);
  return (v) => from + (v - scale.lo) * k;
}

/** What {@link axes} draws. */
export interface AxesOptions {
  /** The plotting area. */
  readonly frame: Frame;
  /** The horizontal scale. */
  readonly x: NiceScale;
  /** The vertical scale. */
  readonly y: NiceScale;
  /** The horizontal axis's title. */
  readonly xLabel?: string;
  /** The vertical axis's title. */
  readonly yLabel?: string;
}

/**
 * SVG elements for a frame with light grid lines at the ticks, tick labels below and to the
 * left, and the axis titles.
 *
 * @example
 * ```ts
 * import { plot } from "@byol/tfjs";
 *
 * const frame = { left: 60, top: 40, width: 400, height: 240 };
 * const body = plot.axes({
 *   frame,
 *   x: plot.niceScale([0, 1000]),
 *   y: plot.niceScale([0.2, 0.9]),
 *   xLabel: "step",
 *   yLabel: "accuracy",
 * });
 * const svg = plot.svgDocument({ width: 500, height: 330, title: "Axes" }, body);
 * ```
 */
export function axes({ frame, x, y, xLabel, yLabel }: AxesOptions): string[] {
  const { left, top, width, height } = frame;
  const toX = linear(x, left, left + width);
  const toY = linear(y, top + height, top);
  const grid: string[] = [];
  const labels: string[] = [];
  for (const t of x.ticks) {
    grid.push(`M${coord(toX(t))} ${coord(top)}v${coord(height)}`);
    labels.push(
      text(toX(t), top + height + 16, formatTick(t, x.step), { "text-anchor": "middle" }),
    );
  }
  for (const t of y.ticks) {
    grid.push(`M${coord(left)} ${coord(toY(t))}h${coord(width)}`);
    labels.push(
      text(left - 6, toY(t) + 4, formatTick(t, y.step), { "text-anchor": "end" }),
    );
  }
  const out = [
    tag("path", { d: grid.join(""), stroke: "#e5e5e5", fill: "none" }),
    tag("rect", { x: left, y: top, width, height, fill: "none", stroke: "#888888" }),
    tag("g", { class: "ticks", fill: "#333333" }, labels.join("")),
  ];
  if (xLabel) {
    out.push(text(left + width / 2, top + height + 36, xLabel, { "text-anchor": "middle" }));
  }
  if (yLabel) {
    const cx = left - 52;
    const cy = top + height / 2;
    out.push(
      text(cx, cy, yLabel, {
        "text-anchor": "middle",
        transform: `rotate(-90 ${coord(cx)} ${coord(cy)})`,
      }),
    );
  }
  return out;
}

/**
 * Line charts of training curves as SVG strings: one or more panels stacked over a shared step
 * axis, each with its own y axis (and optionally a second one on the right), series and legend;
 * the legend is made as wide as its longest name. Missing values (NaN, infinities) break a
 * line; every point of a short series (at most 40 points, e.g. evaluations) and any point with no
 * neighbour is drawn as a dot, so few points, one point or none all give a readable chart.
 *
 * Pure: no DOM, no file system.
 *
 * @module
 */
import { axes, formatTick, type Frame, linear, type NiceScale, niceScale } from "./axes.ts";
import { coord, PALETTE, svgDocument, tag, text, textWidth } from "./svg.ts";

/** One curve: `values[i]` at `steps[i]`. */
export interface Series {
  readonly name: string;
  readonly steps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
  /** Its colour (default: the panel's next colour of {@link PALETTE}). */
  readonly color?: string;
  /** Drawn thin and light, behind the others (e.g. the raw values under a smoothed curve). */
  readonly faint?: boolean;
}

/** Curves drawn against a panel's second y axis, on its right. */
export interface RightAxis {
  readonly yLabel: string;
  readonly series: readonly Series[];
}

/**
 * One panel of a {@link lineChart}: a y-axis title and the curves drawn against it, and
 * optionally curves of another scale against a second axis on the right.
 */
export interface Panel {
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly right?: RightAxis;
}

/** Options for {@link lineChart}. */
export interface LineChartOptions {
  readonly title: string;
  readonly panels: readonly Panel[];
  /** Title of the shared x axis (default `"step"`). */
  readonly xLabel?: string;
  /** Width of the picture in pixels (default 720). */
  readonly width?: number;
  /** Height of each panel's plotting area in pixels (default 200). */
  readonly panelHeight?: number;
}

/** Series with at most this many points get a dot at each point. */
const MAX_MARKED_POINTS = 40;

const MARGIN = { left: 72, top: 40, gap: 56, bottom: 48 };
/** Room for a right axis's tick labels and title. */
const RIGHT_AXIS = 64;
/** A legend entry: 16 px gap, the 20 px line sample, 6 px gap, the name, 8 px slack. */
const LEGEND = { gap: 16, sample: 26, slack: 8, minWidth: 160 };

function checkSeries(s: Series, panel: number): void {
  if (s.steps.length !== s.values.length) {
    throw new Error(
      `lineChart: series "${s.name}" in panel ${panel} has ${s.steps.length} steps but ` +
        `${s.values.length} values; expected one value per step`,
    );
  }
}

/** Path data for a series, breaking at non-finite points, and the points to mark with dots. */
function trace(
  s: Series,
  toX: (v: number) => number,
  toY: (v: number) => number,
): { d: string; dots: [number, number][] } {
  let d = "";
  const dots: [number, number][] = [];
  const all: [number, number][] = [];
  let run: [number, number][] = [];
  const flush = () => {
    all.push(...run);
    if (run.length === 1) dots.push(run[0]);
    if (run.length > 1) d += "M" + run.map(([x, y]) => `${coord(x)} ${coord(y)}`).join(" ");
    run = [];
  };
  for (let i = 0; i < s.steps.length; i++) {
    const [step, value] = [s.steps[i], s.values[i]];
    if (Number.isFinite(step) && Number.isFinite(value)) run.push([toX(step), toY(value)]);
    else flush();
  }
  flush();
  return { d, dots: all.length <= MAX_MARKED_POINTS ? all : dots };
}

const allSeries = (panel: Panel) => [...panel.series, ...(panel.right?.series ?? [])];

/** The marks of one series: its line (or dots), in its colour. */
function drawSeries(
  s: Series,
  color: string,
  dash: Record<string, string>,
  toX: (v: number) => number,
  toY: (v: number) => number,
): { mark: string; empty: boolean } {
  const { d, dots } = trace(s, toX, toY);
  const stroke: Record<string, string | number> = s.faint
    ? { stroke: color, "stroke-width": 1, "stroke-opacity": "0.3" }
    : { stroke: color, "stroke-width": 1.5 };
  const marks = [
    d ? tag("path", { d, fill: "none", ...stroke, ...dash }) : "",
    ...(s.faint ? [] : dots.map(([x, y]) => tag("circle", { cx: x, cy: y, r: 3, fill: color }))),
  ];
  return {
    mark: tag("g", { class: "series", "data-name": s.name }, marks.join("")),
    empty: d === "" && dots.length === 0,
  };
}

/** The right axis's ticks and title. */
function rightAxis(frame: Frame, scale: NiceScale, yLabel: string): string[] {
  const x = frame.left + frame.width;
  const toY = linear(scale, frame.top + frame.height, frame.top);
  const labels = scale.ticks.map((t) =>
    text(x + 6, toY(t) + 4, formatTick(t, scale.step), { "text-anchor": "start" })
  );
  const cx = x + RIGHT_AXIS - 10;
  const cy = frame.top + frame.height / 2;
  return [
    tag("g", { class: "ticks", fill: "#333333" }, labels.join("")),
    text(cx, cy, yLabel, {
      "text-anchor": "middle",
      transform: `rotate(90 ${coord(cx)} ${coord(cy)})`,
    }),
  ];
}

function drawPanel(
  panel: Panel,
  frame: Frame,
  xScale: NiceScale,
  xLabel: string | undefined,
  legendX: number,
): string {
  const yScale = niceScale(panel.series.flatMap((s) => Array.from(s.values)));
  const toX = linear(xScale, frame.left, frame.left + frame.width);
  const toY = linear(yScale, frame.top + frame.height, frame.top);
  const out = axes({ frame, x: xScale, y: yScale, xLabel, yLabel: panel.yLabel });
  const right = panel.right;
  const rightScale = right ? niceScale(right.series.flatMap((s) => Array.from(s.values))) : null;
  if (right && rightScale) out.push(...rightAxis(frame, rightScale, right.yLabel));
  const toRightY = rightScale ? linear(rightScale, frame.top + frame.height, frame.top) : toY;
  let empty = true;
  const legend: string[] = [];
  let colorIndex = 0;
  const series = allSeries(panel);
  // Faint series first, so the others are drawn over them.
  const order = series.map((_, i) => i).sort((a, b) =>
    Number(!series[a].faint) - Number(!series[b].faint)
  );
  const colors = series.map((s) => s.color ?? PALETTE[colorIndex++ % PALETTE.length]);
  for (const i of order) {
    const s = series[i];
    const dash: Record<string, string> = !s.color && i >= PALETTE.length
      ? { "stroke-dasharray": "6 3" }
      : {};
    const drawn = drawSeries(s, colors[i], dash, toX, i < panel.series.length ? toY : toRightY);
    empty &&= drawn.empty;
    out.push(drawn.mark);
  }
  series.forEach((s, i) => {
    const y = frame.top + 12 + i * 18;
    legend.push(
      tag(
        "g",
        { class: "legend-entry" },
        [
          tag("path", {
            d: `M${coord(legendX)} ${coord(y - 4)}h20`,
            stroke: colors[i],
            "stroke-width": s.faint ? 1.5 : 2.5,
            ...(s.faint ? { "stroke-opacity": "0.4" } : {}),
          }),
          text(legendX + 26, y, s.name),
        ].join(""),
      ),
    );
  });
  out.push(...legend);
  if (empty) {
    out.push(
      text(frame.left + frame.width / 2, frame.top + frame.height / 2, "no data yet", {
        "text-anchor": "middle",
        fill: "#888888",
      }),
    );
  }
  return tag("g", { class: "panel", "data-label": panel.yLabel }, "\n" + out.join("\n") + "\n");
}

/**
 * A line chart as an SVG string: panels stacked vertically over one shared step axis, each with
 * ticks, grid, a y-axis title and a legend of its series. Throws when a series has different
 * numbers of steps and values. Consumes nothing.
 *
 * @example
 * ```ts
 * import { plot } from "@byol/tfjs";
 *
 * const steps = [0, 100, 200, 300];
 * const losses = [3.9, 2.2, 1.6, 1.4];
 * const evalSteps = [0, 300];
 * const accs = [0.81, 0.85];
 * const svg = plot.lineChart({
 *   title: "BYOL on Fashion-MNIST",
 *   panels: [
 *     { yLabel: "loss", series: [{ name: "train loss", steps, values: losses }] },
 *     { yLabel: "accuracy", series: [{ name: "kNN top-1", steps: evalSteps, values: accs }] },
 *   ],
 * });
 * ```
 */
export function lineChart(
  { title, panels, xLabel = "step", width = 720, panelHeight = 200 }: LineChartOptions,
): string {
  if (panels.length === 0) throw new Error("lineChart: needs at least one panel");
  panels.forEach((p, i) => p.series.forEach((s) => checkSeries(s, i)));
  const xScale = niceScale(
    panels.flatMap((p) => p.series.flatMap((s) => Array.from(s.steps))),
    8,
  );
  panels.forEach((p, i) => {
    if (p.series.length + (p.right?.series.length ?? 0) > Math.floor(panelHeight / 18)) {
      throw new Error(
        `lineChart: panel ${i} has more series than its legend has room for at ` +
          `panelHeight ${panelHeight} (18 px each)`,
      );
    }
  });
  const rightAxisWidth = panels.some((p) => p.right) ? RIGHT_AXIS : 0;
  const legendWidth = Math.max(
    LEGEND.minWidth,
    ...panels.flatMap(allSeries).map((s) =>
      LEGEND.gap + LEGEND.sample + textWidth(s.name, 12) + LEGEND.slack
    ),
  );
  const plotWidth = width - MARGIN.left - rightAxisWidth - legendWidth;
  if (plotWidth < 100) {
    throw new Error(
      `lineChart: width ${width} leaves ${Math.round(plotWidth)} px for the plot beside the ` +
        `axes and legend; expected at least 100 (make the picture wider or the names shorter)`,
    );
  }
  const body = panels.map((panel, i) =>
    drawPanel(
      panel,
      {
        left: MARGIN.left,
        top: MARGIN.top + i * (panelHeight + MARGIN.gap),
        width: plotWidth,
        height: panelHeight,
      },
      xScale,
      i === panels.length - 1 ? xLabel : undefined,
      MARGIN.left + plotWidth + rightAxisWidth + LEGEND.gap,
    )
  );
  const height = MARGIN.top + panels.length * panelHeight + (panels.length - 1) * MARGIN.gap +
    MARGIN.bottom;
  return svgDocument({ width, height, title }, body);
}

/** A curve as steps and values, for {@link trainingCurves}. */
export interface Curve {
  readonly steps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

/** Options for {@link trainingCurves}. */
export interface TrainingCurvesOptions {
  readonly title: string;
  /** The training loss at each logged step. */
  readonly loss: Curve;
  /** The kNN accuracy (a fraction) at each evaluation step. */
  readonly knnAccuracy: Curve;
  readonly width?: number;
}

/**
 * The standard picture of a training run as an SVG string: the loss over steps above the kNN
 * accuracy over steps. Consumes nothing.
 *
 * @example
 * ```ts
 * import { plot } from "@byol/tfjs";
 *
 * const svg = plot.trainingCurves({
 *   title: "BYOL, Fashion-MNIST",
 *   loss: { steps: [0, 10, 20], values: [3.9, 2.1, 1.4] },
 *   knnAccuracy: { steps: [0, 20], values: [0.31, 0.62] },
 * });
 * ```
 */
export function trainingCurves({ title, loss, knnAccuracy, width }: TrainingCurvesOptions): string {
  return lineChart({
    title,
    width,
    panels: [
      { yLabel: "loss", series: [{ name: "training loss", ...loss }] },
      { yLabel: "kNN accuracy", series: [{ name: "kNN accuracy", ...knnAccuracy }] },
    ],
  });
}

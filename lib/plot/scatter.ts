/**
 * Scatter plots of 2-D points coloured by class, as SVG strings (e.g. embeddings projected with
 * `pca2`). Thousands of points stay compact: small circles with coordinates rounded to 0.1 px,
 * grouped by class so each colour is written once.
 *
 * Pure: no DOM, no file system.
 *
 * @module
 */
import { axes, linear, niceScale } from "./axes.ts";
import { PALETTE, svgDocument, tag, text, textWidth } from "./svg.ts";

/** Options for {@link scatterPlot}. */
export interface ScatterPlotOptions {
  readonly title: string;
  /** `[n, 2]` row-major: `x0, y0, x1, y1, ...` (as `pca2` returns). */
  readonly points: ArrayLike<number>;
  /** The class index of each point, in `[0, classNames.length)`. */
  readonly labels: ArrayLike<number>;
  /** The legend's name of each class. */
  readonly classNames: readonly string[];
  readonly xLabel?: string;
  readonly yLabel?: string;
  /** Width of the picture in pixels (default 720). */
  readonly width?: number;
  /** Height of the picture in pixels (default 560). */
  readonly height?: number;
  /** Radius of each point in pixels (default 2). */
  readonly radius?: number;
}

const MARGIN = { left: 72, right: 170, top: 40, bottom: 52 };
/** A legend entry: 20 px gap, the 12 px marker, the name, 8 px slack. */
const LEGEND = { gap: 20, marker: 12, slack: 8 };

/**
 * A scatter plot as an SVG string: one circle per point with finite coordinates, coloured by its
 * class, with axes and a legend of every class name. Colours are a colour-blind-friendly palette
 * of ten; classes beyond ten repeat it with hollow circles. Throws when `points` is not `[n, 2]`,
 * `labels` does not have `n` entries, or a label is not a class index. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, plot, random } from "@byol/tfjs";
 *
 * const [kFeatures, kLabels] = random.split(random.key(0));
 * const features = random.normalArray(kFeatures, 200 * 32); // 200 rows of 32 features
 * const testLabels = random.randintArray(kLabels, 200, 0, 10);
 * const svg = plot.scatterPlot({
 *   title: "Embeddings (PCA)",
 *   points: await plot.pca2(features, { columns: 32 }),
 *   labels: testLabels,
 *   classNames: data.FASHION_MNIST.classNames,
 * });
 * ```
 */
export function scatterPlot(
  {
    title,
    points,
    labels,
    classNames,
    xLabel,
    yLabel,
    width = 720,
    height = 560,
    radius = 2,
  }: ScatterPlotOptions,
): string {
  if (points.length % 2 !== 0) {
    throw new Error(`scatterPlot: points must be [n, 2] row-major, got ${points.length} numbers`);
  }
  const n = points.length / 2;
  if (labels.length !== n) {
    throw new Error(`scatterPlot: ${n} points but ${labels.length} labels; expected one per point`);
  }
  const byClass: number[][] = classNames.map(() => []);
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= classNames.length) {
      throw new RangeError(
        `scatterPlot: label ${label} of point ${i} is not a class index in ` +
          `[0, ${classNames.length})`,
      );
    }
    byClass[label].push(i);
  }
  const xs = Array.from({ length: n }, (_, i) => points[2 * i]);
  const ys = Array.from({ length: n }, (_, i) => points[2 * i + 1]);
  const right = Math.max(
    MARGIN.right,
    ...classNames.map((name) => LEGEND.gap + LEGEND.marker + textWidth(name, 12) + LEGEND.slack),
  );
  const frame = {
    left: MARGIN.left,
    top: MARGIN.top,
    width: width - MARGIN.left - right,
    height: height - MARGIN.top - MARGIN.bottom,
  };
  const xScale = niceScale(xs);
  const yScale = niceScale(ys);
  const toX = linear(xScale, frame.left, frame.left + frame.width);
  const toY = linear(yScale, frame.top + frame.height, frame.top);
  const body = axes({ frame, x: xScale, y: yScale, xLabel, yLabel });
  const legendX = frame.left + frame.width + LEGEND.gap;
  classNames.forEach((name, c) => {
    const color = PALETTE[c % PALETTE.length];
    const paint: Record<string, string | number> = c < PALETTE.length
      ? { fill: color, "fill-opacity": "0.75" }
      : { fill: "none", stroke: color, "stroke-width": 1 };
    const circles = byClass[c]
      .filter((i) => Number.isFinite(xs[i]) && Number.isFinite(ys[i]))
      .map((i) => tag("circle", { cx: toX(xs[i]), cy: toY(ys[i]), r: radius }));
    body.push(tag("g", { class: "points", "data-class": name, ...paint }, circles.join("")));
    const y = frame.top + 10 + c * 18;
    body.push(
      tag(
        "g",
        { class: "legend-entry", ...paint, "fill-opacity": "1" },
        [
          tag("circle", { cx: legendX, cy: y - 4, r: 5 }),
          text(legendX + 12, y, name, { fill: "#222222", stroke: "none" }),
        ].join(""),
      ),
    );
  });
  return svgDocument({ width, height, title }, body);
}

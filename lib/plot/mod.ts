/**
 * Pictures of a training run as SVG strings, with no dependencies: line charts of training
 * curves (`lineChart`, `trainingCurves`), scatter plots of 2-D points coloured by class
 * (`scatterPlot`), and the projection of embeddings onto their top two principal components
 * (`pca2`). Everything here runs in a browser; writing the SVG to a file is the caller's.
 *
 * @module
 */
export {
  type Curve,
  lineChart,
  type LineChartOptions,
  type Panel,
  type Series,
  trainingCurves,
  type TrainingCurvesOptions,
} from "./line_chart.ts";
export { scatterPlot, type ScatterPlotOptions } from "./scatter.ts";
export { pca2, type Pca2ArrayOptions } from "./pca.ts";
export {
  axes,
  type AxesOptions,
  formatTick,
  type Frame,
  linear,
  type NiceScale,
  niceScale,
} from "./axes.ts";
export { coord, escapeXml, PALETTE, svgDocument, tag, text } from "./svg.ts";

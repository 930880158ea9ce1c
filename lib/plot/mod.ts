/**
 * Pictures of a training run as SVG strings: line charts of training curves (`lineChart`,
 * `trainingCurves`, `smooth`), scatter plots of 2-D points coloured by class (`scatterPlot`), and
 * the projection of embeddings to 2-D, onto their top two principal components (`pca2`) or by
 * UMAP (`umap-js`, loaded when first used) with PCA as the fallback (`embedding2d`). Everything
 * here runs in a browser; writing the SVG to a file is the caller's.
 *
 * @module
 */
export {
  type Curve,
  lineChart,
  type LineChartOptions,
  type Panel,
  type RightAxis,
  type Series,
  trainingCurves,
  type TrainingCurvesOptions,
} from "./line_chart.ts";
export { smooth, smoothingWeight } from "./smooth.ts";
export { scatterPlot, type ScatterPlotOptions } from "./scatter.ts";
export { pca2, type Pca2ArrayOptions } from "./pca.ts";
export {
  type Embedding,
  embedding2d,
  type Embedding2dOptions,
  type EmbeddingMethod,
  UMAP_EPOCHS,
  UMAP_NEIGHBORS,
} from "./embedding.ts";
export {
  axes,
  type AxesOptions,
  formatTick,
  type Frame,
  linear,
  type NiceScale,
  niceScale,
} from "./axes.ts";
export { coord, escapeXml, PALETTE, svgDocument, tag, text, textWidth, wrapText } from "./svg.ts";

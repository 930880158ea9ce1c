/**
 * A run's pictures as SVG strings: the training curves (loss and kNN accuracy over steps, from
 * the records of `metrics.jsonl`) and the test set's encoder features projected to 2-D by PCA,
 * coloured by class. Pure: writing them is the caller's.
 *
 * @module
 */
import { type FeatureSet, plot } from "../../../mod.ts";
import type { MetricsRecord } from "./records.ts";

/** At most this many test images are drawn in `features.svg` (the first ones). */
export const SCATTER_POINTS = 2000;

/**
 * `curves.svg`: the training loss of every `train` record, and the kNN accuracy (k = 200) of every
 * `eval` record and of the trained encoder's `final` record, against the step.
 *
 * @example
 * ```ts
 * import { readMetrics } from "@byol/tfjs/train";
 * import { curvesSvg } from "./pictures.ts";
 *
 * const { records } = await readMetrics("runs/shapes-fashion-mnist-20250101-120000");
 * const svg = curvesSvg(records, "BYOL on shapes");
 * ```
 */
export function curvesSvg(records: readonly MetricsRecord[], title: string): string {
  const loss = { steps: [] as number[], values: [] as number[] };
  const knn = { steps: [] as number[], values: [] as number[] };
  for (const r of records) {
    if (r.type === "train") {
      loss.steps.push(r.step);
      loss.values.push(r.loss);
    } else if (r.type === "eval" || (r.type === "final" && r.encoder === "trained")) {
      knn.steps.push(r.step);
      knn.values.push(r.knn.k200);
    }
  }
  return plot.trainingCurves({ title: `${title} (kNN: k = 200)`, loss, knnAccuracy: knn });
}

/**
 * `features.svg`: the first {@link SCATTER_POINTS} test features projected onto their top two
 * principal components (`plot.pca2`), coloured by class, class names in the legend.
 *
 * @example
 * ```ts
 * import { data, evaluation, random } from "@byol/tfjs";
 * import { featuresSvg } from "./pictures.ts";
 *
 * const test = data.shapes(random.key(0), { count: 200 });
 * const svg = await featuresSvg(evaluation.pixelFeatures(test), test.classNames, "Pixels");
 * ```
 */
export async function featuresSvg(
  features: FeatureSet,
  classNames: readonly string[],
  title: string,
): Promise<string> {
  const n = Math.min(features.count, SCATTER_POINTS);
  const points = await plot.pca2(features.values.subarray(0, n * features.dim), {
    columns: features.dim,
  });
  return plot.scatterPlot({
    title: `${title} (PCA of ${n} test images)`,
    points,
    labels: features.labels.subarray(0, n),
    classNames,
    xLabel: "principal component 1",
    yLabel: "principal component 2",
  });
}

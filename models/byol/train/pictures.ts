/**
 * A run's pictures as SVG strings: the training curves (loss, kNN accuracies, health signals,
 * learning rate and tau over steps, from the records of `metrics.jsonl`) and the test set's
 * encoder features projected to 2-D, coloured by class. Pure: writing them is the caller's.
 *
 * @module
 */
import { type Embedding, plot } from "../../../mod.ts";
import { HEALTH } from "../health.ts";
import type { MetricsRecord } from "./records.ts";

/**
 * `curves.svg`: panels against the step, from the records of `metrics.jsonl`: the training
 * loss of every `train` record (raw, faint, under its smoothed curve, `plot.smooth`); the kNN
 * accuracies with k = 20 and k = 200 of every `eval` record and of the trained encoder's `final`
 * record; their health signals, when recorded (the projections' spread relative to `1/sqrt(d)`
 * with the collapse threshold, and the online-target cosine gap on a second axis); and the
 * learning rate with tau (on a second axis). Cheap enough to rewrite at every evaluation.
 *
 * @example
 * ```ts
 * import { curvesSvg } from "./pictures.ts";
 *
 * const time = new Date().toISOString();
 * const svg = curvesSvg([
 *   {
 *     type: "eval", step: 0, epoch: 0, knn: { k20: 0.3, k200: 0.28 }, time,
 *     health: {
 *       images: 1024, dim: 16, projectionStd: 0.2, relativeStd: 0.8, cosineGap: 1, collapsed: false,
 *     },
 *   },
 *   {
 *     type: "train", step: 1, epoch: 0, loss: 3.9, tau: 0.99, lr: 0.001, gradNorm: 3,
 *     collapse: 0.07, imagesPerSecond: 120, time,
 *   },
 * ], "BYOL on shapes");
 * ```
 */
export function curvesSvg(records: readonly MetricsRecord[], title: string): string {
  const steps: number[] = [];
  const loss: number[] = [];
  const lr: number[] = [];
  const tau: number[] = [];
  const knnSteps: number[] = [];
  const k20: number[] = [];
  const k200: number[] = [];
  const healthSteps: number[] = [];
  const spread: number[] = [];
  const gap: number[] = [];
  for (const r of records) {
    if (r.type === "train") {
      steps.push(r.step);
      loss.push(r.loss);
      lr.push(r.lr);
      tau.push(r.tau);
    } else if (r.type === "eval" || (r.type === "final" && r.encoder === "trained")) {
      knnSteps.push(r.step);
      k20.push(r.knn.k20);
      k200.push(r.knn.k200);
      if (r.health !== undefined) {
        healthSteps.push(r.step);
        spread.push(r.health.relativeStd);
        gap.push(r.health.cosineGap);
      }
    }
  }
  const ends = healthSteps.length > 0 ? [healthSteps[0], healthSteps[healthSteps.length - 1]] : [];
  const healthPanel: plot.Panel = {
    yLabel: "spread (x 1/sqrt(d))",
    series: [
      { name: "projection spread", steps: healthSteps, values: spread, color: plot.PALETTE[2] },
      {
        name: `collapse threshold (${HEALTH.collapsedBelow})`,
        steps: ends,
        values: ends.map(() => HEALTH.collapsedBelow),
        color: plot.PALETTE[2],
        faint: true,
      },
    ],
    right: {
      yLabel: "cosine gap",
      series: [{
        name: "online-target cosine gap (right axis)",
        steps: healthSteps,
        values: gap,
        color: plot.PALETTE[4],
      }],
    },
  };
  const weight = plot.smoothingWeight(loss.length);
  const [lossColor, lrColor, tauColor] = [plot.PALETTE[0], plot.PALETTE[3], plot.PALETTE[6]];
  return plot.lineChart({
    title,
    panelHeight: 180,
    panels: [
      {
        yLabel: "loss",
        series: [
          { name: "training loss", steps, values: loss, color: lossColor, faint: true },
          {
            name: `smoothed (EMA ${weight})`,
            steps,
            values: plot.smooth(loss, weight),
            color: lossColor,
          },
        ],
      },
      {
        yLabel: "kNN accuracy",
        series: [
          { name: "kNN k = 20", steps: knnSteps, values: k20 },
          { name: "kNN k = 200", steps: knnSteps, values: k200 },
        ],
      },
      ...(healthSteps.length > 0 ? [healthPanel] : []),
      {
        yLabel: "learning rate",
        series: [{ name: "learning rate", steps, values: lr, color: lrColor }],
        right: {
          yLabel: "tau",
          series: [{ name: "tau (right axis)", steps, values: tau, color: tauColor }],
        },
      },
    ],
  });
}

/**
 * `features.svg`: a run's embedding picture (`embedding.json`: the test features projected by
 * UMAP, or PCA), coloured by class, class names in the legend.
 *
 * @example
 * ```ts
 * import { data, evaluation, plot, random } from "@byol/tfjs";
 * import { featuresSvg } from "./pictures.ts";
 *
 * const test = data.shapes(random.key(0), { count: 200 });
 * const features = evaluation.pixelFeatures(test);
 * const embedding = await plot.embedding2d({
 *   features: features.values, columns: features.dim, labels: features.labels,
 *   classNames: test.classNames, step: 0, key: random.key(1), method: "pca",
 * });
 * const svg = featuresSvg(embedding, "Pixels");
 * ```
 */
export function featuresSvg(embedding: Embedding, title: string): string {
  const n = embedding.labels.length;
  const [what, axis] = embedding.method === "umap"
    ? ["UMAP", "UMAP"]
    : ["PCA", "principal component"];
  return plot.scatterPlot({
    title: `${title} (${what} of ${n} test images)`,
    points: embedding.points,
    labels: embedding.labels,
    classNames: embedding.classNames,
    xLabel: `${axis} 1`,
    yLabel: `${axis} 2`,
  });
}

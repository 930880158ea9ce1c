/**
 * The final table of a run: kNN and linear-probe accuracies of the trained encoder next to the
 * random-encoder and raw-pixel baselines, and the state's health signals. Pure text.
 *
 * @module
 */
import { HEALTH, type HealthSignals } from "../health.ts";
import type { BaselineResults, EncoderScores, TrainedResults } from "./records.ts";

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

/**
 * The table's rows: each encoder's kind (in results) and name, the trained encoder first, then
 * the baselines.
 *
 * @example
 * ```ts
 * import { ENCODER_ROWS } from "./report.ts";
 *
 * console.log(ENCODER_ROWS.map(([kind, name]) => `${kind}: ${name}`).join("\n"));
 * ```
 */
export const ENCODER_ROWS = [
  ["trained", "BYOL (trained)"],
  ["random", "random-init encoder"],
  ["pixels", "raw pixels"],
] as const;

/**
 * The table's columns: each accuracy's key (in summaries), name and place in the scores.
 *
 * @example
 * ```ts
 * import { SCORE_COLUMNS } from "./report.ts";
 *
 * const scores = { knn: { k20: 0.8, k200: 0.78 }, linear: { testAccuracy: 0.85, trainAccuracy: 0.9, trainLoss: 0.4 } };
 * console.log(SCORE_COLUMNS.map(([key, , score]) => `${key} ${score(scores)}`).join(", "));
 * ```
 */
export const SCORE_COLUMNS = [
  ["knn20", "kNN k=20", (s: EncoderScores) => s.knn.k20],
  ["knn200", "kNN k=200", (s: EncoderScores) => s.knn.k200],
  ["linearTest", "linear test", (s: EncoderScores) => s.linear.testAccuracy],
  ["linearTrain", "linear train", (s: EncoderScores) => s.linear.trainAccuracy],
] as const;

/**
 * Rows of cells as aligned text: the first column padded on the right, the others on the left.
 *
 * @example
 * ```ts
 * import { alignedTable } from "./report.ts";
 *
 * console.log(alignedTable([["encoder", "kNN k=20"], ["raw pixels", "80.00%"]]));
 * ```
 */
export function alignedTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((cells) =>
    cells.map((cell, c) => c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))
      .join("   ")
  ).join("\n");
}

/**
 * The health signals in words: the projections' spread relative to `1/sqrt(d)` (about 1 when
 * well spread, 0 when collapsed) and the online-target cosine gap, with `COLLAPSED` and its
 * threshold when the state has collapsed.
 *
 * @example
 * ```ts
 * import { formatHealth } from "@byol/tfjs/train";
 *
 * formatHealth({ images: 1024, dim: 16, projectionStd: 0.2, relativeStd: 0.8, cosineGap: 0.05,
 *   collapsed: false });
 * // "projection spread 0.800 x 1/sqrt(16) (std 0.2000), online-target cosine gap 0.0500"
 * ```
 */
export function formatHealth(h: HealthSignals): string {
  return `projection spread ${h.relativeStd.toFixed(3)} x 1/sqrt(${h.dim}) ` +
    `(std ${h.projectionStd.toFixed(4)}), online-target cosine gap ${h.cosineGap.toFixed(4)}` +
    (h.collapsed ? `: COLLAPSED (spread below ${HEALTH.collapsedBelow})` : "");
}

/**
 * The results as an aligned text table with a title line, e.g.
 *
 * ```text
 * BYOL on shapes, step 24: 256 train / 256 test images
 * encoder                 kNN k=20   kNN k=200   linear test   linear train
 * BYOL (trained)            71.48%      65.23%        74.61%         80.86%
 * random-init encoder       ...
 * raw pixels                ...
 * health (first 256 test images): projection spread 0.812 x 1/sqrt(16) (std 0.2030), ...
 * ```
 *
 * Rows whose scores are absent (baselines not run) are left out, and so is the health line of
 * results from before it was measured.
 *
 * @example
 * ```ts
 * import { formatResults } from "@byol/tfjs/train";
 *
 * const scores = { knn: { k20: 0.85, k200: 0.82 }, linear: { testAccuracy: 0.89, trainAccuracy: 0.91, trainLoss: 0.3 } };
 * console.log(formatResults({
 *   step: 3748, dataset: "fashion-mnist", trainImages: 60000, testImages: 10000, trained: scores,
 * }));
 * ```
 */
export function formatResults(results: TrainedResults & Partial<BaselineResults>): string {
  const header = ["encoder", ...SCORE_COLUMNS.map(([, name]) => name)];
  const body = ENCODER_ROWS.flatMap(([kind, name]) => {
    const s = results[kind];
    return s === undefined
      ? []
      : [[name, ...SCORE_COLUMNS.map(([, , score]) => percent(score(s)))]];
  });
  const { health } = results;
  return [
    `BYOL on ${results.dataset}, step ${results.step}: ${results.trainImages} train / ` +
    `${results.testImages} test images`,
    alignedTable([header, ...body]),
    ...(health === undefined
      ? []
      : [`health (first ${health.images} test images): ${formatHealth(health)}`]),
  ].join("\n");
}

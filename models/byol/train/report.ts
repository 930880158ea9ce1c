/**
 * The final table of a run: kNN and linear-probe accuracies of the trained encoder next to the
 * random-encoder and raw-pixel baselines. Pure text.
 *
 * @module
 */
import type { BaselineResults, EncoderScores, TrainedResults } from "./records.ts";

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

/**
 * The results as an aligned text table with a title line, e.g.
 *
 * ```text
 * BYOL on shapes, step 24: 256 train / 256 test images
 * encoder                 kNN k=20   kNN k=200   linear test   linear train
 * BYOL (trained)            71.48%      65.23%        74.61%         80.86%
 * random-init encoder       ...
 * raw pixels                ...
 * ```
 *
 * Rows whose scores are absent (baselines not run) are left out.
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
  const rows: [string, EncoderScores | undefined][] = [
    ["BYOL (trained)", results.trained],
    ["random-init encoder", results.random],
    ["raw pixels", results.pixels],
  ];
  const header = ["encoder", "kNN k=20", "kNN k=200", "linear test", "linear train"];
  const body = rows.filter((r): r is [string, EncoderScores] => r[1] !== undefined).map((
    [name, s],
  ) => [
    name,
    percent(s.knn.k20),
    percent(s.knn.k200),
    percent(s.linear.testAccuracy),
    percent(s.linear.trainAccuracy),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))
      .join("   ");
  return [
    `BYOL on ${results.dataset}, step ${results.step}: ${results.trainImages} train / ` +
    `${results.testImages} test images`,
    line(header),
    ...body.map(line),
  ].join("\n");
}

/**
 * The paper's semi-supervised evaluation (Grill et al. 2020, Table 2): for each fraction of the
 * labels, a pretrained encoder fine-tuned on a class-balanced subset, next to the same network
 * trained from its random initialisation on the same labels.
 *
 * @module
 */
import { selectExamples } from "../data/dataset.ts";
import type { ImageDataset } from "../data/dataset.ts";
import type { Layer } from "../nn/layer.ts";
import * as random from "../random.ts";
import type { Key } from "../random.ts";
import * as tree from "../tree.ts";
import type { Tree } from "../tree.ts";
import {
  type EncoderWeights,
  fineTune,
  type FineTuneOptions,
  type FineTuneResult,
} from "./fine_tune.ts";
import { balancedSubset } from "./subsets.ts";

/** Options of {@link semiSupervised}. */
export interface SemiSupervisedOptions<P extends Tree = Tree, S extends Tree = Tree>
  extends Omit<FineTuneOptions, "key"> {
  /** The encoder's layer. */
  readonly encoder: Layer<P, S>;
  /** Its pretrained weights (e.g. BYOL's online encoder); not consumed. */
  readonly pretrained: EncoderWeights<P, S>;
  /** The images the labelled subsets are drawn from. */
  readonly train: ImageDataset;
  /** The split the accuracies are measured on. */
  readonly test: ImageDataset;
  /** The percentages of `train`'s labels to fine-tune on, each in (0, 100], e.g. `[1, 10]`. */
  readonly percents: readonly number[];
  /** Drives the subsets (`balancedSubset`) and every fine-tuning (the same for both starts). */
  readonly key: Key;
  /** The from-scratch network's initialisation: `encoder.init(initKey, ...)`. */
  readonly initKey: Key;
  /** Hears which fine-tuning is running (each takes a while on a CPU). */
  readonly say?: (text: string) => void;
}

/** One label fraction's results. */
export interface SemiSupervisedRow {
  /** The percentage of the training labels used. */
  readonly percent: number;
  /** The labelled images fine-tuned on. */
  readonly images: number;
  /** Of which from each class. */
  readonly perClass: number;
  /** Fine-tuned from the pretrained weights. */
  readonly pretrained: FineTuneResult;
  /** Trained from the random initialisation. */
  readonly scratch: FineTuneResult;
}

/**
 * For each of `percents`: a class-balanced subset of `train` ({@link balancedSubset}, nested:
 * 1% is inside 10%), the encoder fine-tuned on it from `pretrained` and, with the same key,
 * from a fresh `encoder.init(initKey, ...)` ({@link fineTune}), both scored on `test`. Every
 * tensor it makes is freed. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, evaluation, nn, random, tree, useBackend } from "@byol/tfjs";
 *
 * await useBackend("auto");
 * const encoder = nn.sequential({
 *   conv: nn.conv2d({ filters: 8, kernel: 3, stride: 2 }),
 *   bn: nn.batchNorm(),
 *   act: nn.relu,
 *   pool: nn.globalAvgPool,
 * });
 * const pretrained = encoder.init(random.key(0), [28, 28, 1]); // e.g. BYOL's online encoder
 * const rows = await evaluation.semiSupervised({
 *   encoder,
 *   pretrained,
 *   train: data.shapes(random.key(1), { count: 800 }),
 *   test: data.shapes(random.key(2), { count: 200 }),
 *   percents: [10],
 *   key: random.key(3),
 *   initKey: random.key(4),
 *   steps: 10,
 * });
 * console.log(rows[0].pretrained.testAccuracy, rows[0].scratch.testAccuracy);
 * tree.dispose(pretrained.params, pretrained.state);
 * ```
 */
export async function semiSupervised<P extends Tree, S extends Tree>(
  options: SemiSupervisedOptions<P, S>,
): Promise<SemiSupervisedRow[]> {
  const { encoder, pretrained, train, test, percents, key, initKey, say, ...tuning } = options;
  const numClasses = train.classNames.length;
  // Every subset is checked before the first (long) fine-tuning starts.
  const [kSubset, kTune] = random.split(key);
  const subsets = percents.map((percent) => ({
    percent,
    ...balancedSubset(kSubset, train.labels, numClasses, percent),
  }));
  const rows: SemiSupervisedRow[] = [];
  for (const { percent, indices, perClass } of subsets) {
    const labelled = selectExamples(train, indices);
    const run = (start: EncoderWeights<P, S>) =>
      fineTune(encoder, start, labelled, test, { ...tuning, key: kTune });
    say?.(`fine-tuning on ${percent}% of the labels (${indices.length} images): pretrained`);
    const fromPretrained = await run(pretrained);
    say?.(`fine-tuning on ${percent}% of the labels (${indices.length} images): from scratch`);
    const fresh = encoder.init(initKey, train.shape.slice(1), { path: "encoder" });
    let scratch: FineTuneResult;
    try {
      scratch = await run(fresh);
    } finally {
      tree.dispose(fresh.params, fresh.state);
    }
    rows.push({
      percent,
      images: indices.length,
      perClass,
      pretrained: fromPretrained,
      scratch,
    });
  }
  return rows;
}

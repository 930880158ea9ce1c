/**
 * A run's evaluations: the kNN monitor during training, and the final kNN + linear probe of the
 * trained online encoder next to two baselines, the same encoder at its random initialisation
 * and the raw pixels. Features come from `model.encode` on un-augmented images in [0, 1].
 *
 * @module
 */
import {
  type Encoder,
  evaluation,
  type FeatureSet,
  type ImageDataset,
  type Key,
  type Shape,
  tree,
} from "../../../mod.ts";
import type { Byol, ByolState } from "../mod.ts";
import type { BaselineResults, EncoderScores, KnnAccuracy, TrainedResults } from "./records.ts";

/** The kNN neighbour counts and temperature every evaluation uses. */
export const KNN = { k: [20, 200], temperature: 0.1 } as const;

/** The online encoder of `state` as a frozen feature extractor. */
export function onlineEncoder(model: Byol, state: ByolState): Encoder {
  return (images) => model.encode(state, images);
}

/** kNN accuracies of test features against a training memory bank. */
export async function knnScores(train: FeatureSet, test: FeatureSet): Promise<KnnAccuracy> {
  const scores = await evaluation.weightedKnn(train, test, KNN);
  const at = (k: number) => scores.find((s) => s.k === k)!.accuracy;
  return { k20: at(20), k200: at(200) };
}

/**
 * The kNN monitor: the online encoder's features of `train` (the memory bank) and `test`, and
 * the kNN accuracies. Consumes nothing.
 *
 * @example
 * ```ts
 * const { k20, k200 } = await knnMonitor(model, state, train, test);
 * ```
 */
export async function knnMonitor(
  model: Byol,
  state: ByolState,
  train: ImageDataset,
  test: ImageDataset,
): Promise<KnnAccuracy> {
  const encode = onlineEncoder(model, state);
  return knnScores(
    await evaluation.extractFeatures(encode, train),
    await evaluation.extractFeatures(encode, test),
  );
}

/** kNN and linear probe on a pair of feature sets. */
export async function scoresOf(
  train: FeatureSet,
  test: FeatureSet,
  key: Key,
): Promise<EncoderScores> {
  const knn = await knnScores(train, test);
  const { testAccuracy, trainAccuracy, trainLoss } = await evaluation.linearProbe(train, test, {
    key,
  });
  return { knn, linear: { testAccuracy, trainAccuracy, trainLoss } };
}

/** The data and keys a final evaluation uses. */
export interface EvaluationData {
  readonly train: ImageDataset;
  readonly test: ImageDataset;
  /** Drives the linear probes' shuffling. */
  readonly probeKey: Key;
  /** Hears which part is running (each takes a while on a CPU). */
  readonly say?: (text: string) => void;
}

/** What {@link evaluateTrained} needs. */
export interface EvaluateTrainedOptions extends EvaluationData {
  readonly model: Byol;
  readonly state: ByolState;
  /** The dataset's name, for the results. */
  readonly dataset: string;
}

/**
 * The trained online encoder's kNN (k = 20, 200; T = 0.1) and linear probe (`linearProbe`'s
 * defaults), with its test features (for the PCA picture). Consumes nothing.
 *
 * @example
 * ```ts
 * const { results } = await evaluateTrained({ model, state, train, test, probeKey, dataset });
 * ```
 */
export async function evaluateTrained(
  o: EvaluateTrainedOptions,
): Promise<{ results: TrainedResults; testFeatures: FeatureSet }> {
  const [trainImages, testImages] = [o.train.shape[0], o.test.shape[0]];
  o.say?.(`final evaluation (${trainImages} train / ${testImages} test images): trained encoder`);
  const encode = onlineEncoder(o.model, o.state);
  const testFeatures = await evaluation.extractFeatures(encode, o.test);
  const trainFeatures = await evaluation.extractFeatures(encode, o.train);
  const trained = await scoresOf(trainFeatures, testFeatures, o.probeKey);
  const results = { step: o.state.step, dataset: o.dataset, trainImages, testImages, trained };
  return { results, testFeatures };
}

/** What {@link evaluateBaselines} needs. */
export interface EvaluateBaselinesOptions extends EvaluationData {
  readonly model: Byol;
  /** The key the run initialised its state with. */
  readonly initKey: Key;
  readonly inputShape: Shape;
}

/**
 * The baselines, evaluated as the trained encoder is: the same encoder re-initialised from
 * `initKey` (the run's state before training) and the raw pixels. Consumes nothing; the
 * re-initialised parameters are freed.
 *
 * @example
 * ```ts
 * const { random, pixels } = await evaluateBaselines({ model, initKey, inputShape, train, test,
 *   probeKey });
 * ```
 */
export async function evaluateBaselines(o: EvaluateBaselinesOptions): Promise<BaselineResults> {
  o.say?.("final evaluation: random-init encoder baseline");
  const initial = o.model.init(o.initKey, o.inputShape);
  let random: EncoderScores;
  try {
    const encode = onlineEncoder(o.model, initial);
    const testFeatures = await evaluation.extractFeatures(encode, o.test);
    random = await scoresOf(
      await evaluation.extractFeatures(encode, o.train),
      testFeatures,
      o.probeKey,
    );
  } finally {
    tree.dispose(initial);
  }
  o.say?.("final evaluation: raw-pixel baseline");
  const pixels = await scoresOf(
    evaluation.pixelFeatures(o.train),
    evaluation.pixelFeatures(o.test),
    o.probeKey,
  );
  return { random, pixels };
}

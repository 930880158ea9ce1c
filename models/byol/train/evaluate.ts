/**
 * A run's evaluations with `evaluation.evaluate`, as the run records them: the kNN monitor during
 * training, and the final kNN + linear probe of the trained online encoder next to the two
 * baselines only a BYOL run has, the same encoder at its random initialisation and the raw pixels.
 * Features come from `model.encode` on un-augmented images in [0, 1]. The monitor and the trained
 * encoder's evaluation also measure the state's health signals (`../health.ts`) on the first
 * test images.
 *
 * @module
 */
import {
  type Encoder,
  type EvaluateResult,
  evaluation,
  type FeatureSet,
  type ImageDataset,
  type Key,
  type Shape,
  tree,
} from "../../../mod.ts";
import type { Byol, ByolState } from "../mod.ts";
import { type HealthSignals, measureHealth } from "../health.ts";
import type { BaselineResults, EncoderScores, KnnAccuracy, TrainedResults } from "./records.ts";

/**
 * The kNN neighbour counts and temperature every evaluation of a run uses.
 *
 * @example
 * ```ts
 * import { data, evaluation, random } from "@byol/tfjs";
 * import { KNN } from "@byol/tfjs/train";
 *
 * const train = evaluation.pixelFeatures(data.shapes(random.key(0), { count: 500 }));
 * const test = evaluation.pixelFeatures(data.shapes(random.key(1), { count: 100 }));
 * const scores = await evaluation.weightedKnn(train, test, KNN);
 * ```
 */
export const KNN: { readonly k: readonly [20, 200]; readonly temperature: number } = {
  k: [20, 200],
  temperature: 0.1,
};

/** The fewest training images a run can evaluate: its largest k. */
export const KNN_MIN_IMAGES: number = Math.max(...KNN.k);

/**
 * The online encoder of `state` as a frozen feature extractor.
 *
 * @example
 * ```ts
 * import { data, evaluation, random, tree } from "@byol/tfjs";
 * import { byol, fashionMnist, fromPreset } from "@byol/tfjs/byol";
 * import { onlineEncoder } from "@byol/tfjs/train";
 *
 * const model = byol(fromPreset(fashionMnist, { stepsPerEpoch: 10 }));
 * const state = model.init(random.key(0), [28, 28, 1]);
 * const train = data.shapes(random.key(1), { count: 512 });
 * const test = data.shapes(random.key(2), { count: 128 });
 * const features = await evaluation.extractFeatures(onlineEncoder(model, state), test);
 * tree.dispose(state);
 * ```
 */
export function onlineEncoder(model: Byol, state: ByolState): Encoder {
  return (images) => model.encode(state, images);
}

const knnAccuracy = ({ knn }: Pick<EvaluateResult, "knn">): KnnAccuracy => ({
  k20: knn.k20,
  k200: knn.k200,
});

/** What {@link knnMonitor} found. */
export interface KnnMonitorResult {
  /** kNN test accuracies. */
  readonly knn: KnnAccuracy;
  /** The test images' features it used (host arrays; nothing to free). */
  readonly testFeatures: FeatureSet;
  /** The state's health signals on the first test images. */
  readonly health: HealthSignals;
}

/**
 * The kNN monitor: kNN accuracies of the online encoder's features of `test` against those of
 * `train` (the memory bank), with the test features (e.g. for the embedding picture) and the
 * state's health signals on the first test images (`measureHealth`). `signal`
 * stops it at its next batch (it then throws the signal's reason). Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, random, tree } from "@byol/tfjs";
 * import { byol, fashionMnist, fromPreset } from "@byol/tfjs/byol";
 * import { knnMonitor } from "@byol/tfjs/train";
 *
 * const model = byol(fromPreset(fashionMnist, { stepsPerEpoch: 10 }));
 * const state = model.init(random.key(0), [28, 28, 1]);
 * const train = data.shapes(random.key(1), { count: 512 });
 * const test = data.shapes(random.key(2), { count: 128 });
 * const { knn, health } = await knnMonitor(model, state, train, test);
 * console.log(knn.k20, knn.k200, health.relativeStd, health.collapsed);
 * tree.dispose(state);
 * ```
 */
export async function knnMonitor(
  model: Byol,
  state: ByolState,
  train: ImageDataset,
  test: ImageDataset,
  { signal }: { readonly signal?: AbortSignal } = {},
): Promise<KnnMonitorResult> {
  const encode = onlineEncoder(model, state);
  const result = await evaluation.evaluate({
    encode,
    train,
    test,
    knn: KNN,
    probe: false,
    signal,
  });
  const health = await measureHealth(model, state, test, { signal });
  return { knn: knnAccuracy(result), testFeatures: result.features.test, health };
}

/** The data and key a final evaluation uses. */
export interface EvaluationData {
  /** The training split: the kNN memory bank and the probe's training set. */
  readonly train: ImageDataset;
  /** The split the accuracies are measured on. */
  readonly test: ImageDataset;
  /** Drives the linear probes' shuffling. */
  readonly probeKey: Key;
  /** Hears which part is running (each takes a while on a CPU). */
  readonly say?: (text: string) => void;
  /** Stops the evaluation at its next batch (it throws the signal's reason). */
  readonly signal?: AbortSignal;
}

/** kNN and linear probe of one encoder (or the pixels), and the test features. */
async function scores(
  encode: Encoder | "pixels",
  o: EvaluationData,
): Promise<{ scores: EncoderScores; testFeatures: FeatureSet }> {
  const { train, test, probeKey: key, signal } = o;
  const result = await evaluation.evaluate({ encode, train, test, key, knn: KNN, signal });
  const { testAccuracy, trainAccuracy, trainLoss } = result.linear;
  return {
    scores: { knn: knnAccuracy(result), linear: { testAccuracy, trainAccuracy, trainLoss } },
    testFeatures: result.features.test,
  };
}

/** What {@link evaluateTrained} needs. */
export interface EvaluateTrainedOptions extends EvaluationData {
  /** The run's model. */
  readonly model: Byol;
  /** The trained state, whose online encoder is evaluated. */
  readonly state: ByolState;
  /** The dataset's name, for the results. */
  readonly dataset: string;
}

/**
 * The trained online encoder's kNN and linear probe (`linearProbe`'s defaults) and the state's
 * health signals on the first test images, with its test features (for the PCA picture).
 * Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, random, tree } from "@byol/tfjs";
 * import { byol, fashionMnist, fromPreset } from "@byol/tfjs/byol";
 * import { evaluateTrained } from "@byol/tfjs/train";
 *
 * const model = byol(fromPreset(fashionMnist, { stepsPerEpoch: 10 }));
 * const state = model.init(random.key(0), [28, 28, 1]);
 * const train = data.shapes(random.key(1), { count: 512 });
 * const test = data.shapes(random.key(2), { count: 128 });
 * const { results } = await evaluateTrained({
 *   model, state, train, test, probeKey: random.key(3), dataset: "shapes",
 * });
 * console.log(results.trained.knn.k20, results.trained.linear.testAccuracy, results.health);
 * tree.dispose(state);
 * ```
 */
export async function evaluateTrained(
  o: EvaluateTrainedOptions,
): Promise<{ results: TrainedResults; testFeatures: FeatureSet }> {
  const [trainImages, testImages] = [o.train.shape[0], o.test.shape[0]];
  o.say?.(`final evaluation (${trainImages} train / ${testImages} test images): trained encoder`);
  const trained = await scores(onlineEncoder(o.model, o.state), o);
  const health = await measureHealth(o.model, o.state, o.test, { signal: o.signal });
  const results = {
    step: o.state.step,
    dataset: o.dataset,
    trainImages,
    testImages,
    trained: trained.scores,
    health,
  };
  return { results, testFeatures: trained.testFeatures };
}

/** What {@link evaluateBaselines} needs. */
export interface EvaluateBaselinesOptions extends EvaluationData {
  /** The run's model, re-initialised for the random-encoder baseline. */
  readonly model: Byol;
  /** The key the run initialised its state with. */
  readonly initKey: Key;
  /** Per-image `[height, width, channels]`. */
  readonly inputShape: Shape;
}

/**
 * The baselines, evaluated as the trained encoder is: the same encoder re-initialised from
 * `initKey` (the run's state before training) and the raw pixels. Consumes nothing; the
 * re-initialised parameters are freed.
 *
 * @example
 * ```ts
 * import { data, random, tree } from "@byol/tfjs";
 * import { byol, fashionMnist, fromPreset } from "@byol/tfjs/byol";
 * import { evaluateBaselines } from "@byol/tfjs/train";
 *
 * const model = byol(fromPreset(fashionMnist, { stepsPerEpoch: 10 }));
 * const state = model.init(random.key(0), [28, 28, 1]);
 * const train = data.shapes(random.key(1), { count: 512 });
 * const test = data.shapes(random.key(2), { count: 128 });
 * const baselines = await evaluateBaselines({
 *   model, initKey: random.key(0), inputShape: [28, 28, 1], train, test, probeKey: random.key(3),
 * });
 * console.log(baselines.random.knn.k20, baselines.pixels.knn.k20);
 * tree.dispose(state);
 * ```
 */
export async function evaluateBaselines(o: EvaluateBaselinesOptions): Promise<BaselineResults> {
  o.say?.("final evaluation: random-init encoder baseline");
  const initial = o.model.init(o.initKey, o.inputShape);
  let random: EncoderScores;
  try {
    random = (await scores(onlineEncoder(o.model, initial), o)).scores;
  } finally {
    tree.dispose(initial);
  }
  o.say?.("final evaluation: raw-pixel baseline");
  return { random, pixels: (await scores("pixels", o)).scores };
}

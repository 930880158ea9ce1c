/**
 * One call for the training CLI: features of both splits, then the kNN scores and the linear
 * probe.
 *
 * @module
 */
import type { ImageDataset, Key } from "../../mod.ts";
import { type Encoder, extractFeatures, type FeatureSet, pixelFeatures } from "./features.ts";
import { type KnnOptions, weightedKnn } from "./knn.ts";
import { linearProbe, type LinearProbeOptions, type LinearProbeResult } from "./linear_probe.ts";

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** The frozen encoder, or `"pixels"` for the raw-pixel baseline. */
  readonly encode: Encoder | "pixels";
  /** The training split: the kNN memory bank and the probe's training set. */
  readonly train: ImageDataset;
  /** The split the accuracies are measured on. */
  readonly test: ImageDataset;
  /** Drives the probe's shuffling. */
  readonly key: Key;
  /** Images per encoder forward pass; default 256. */
  readonly batchSize?: number;
  /** Options of {@link weightedKnn}; default k 20 and 200, temperature 0.1. */
  readonly knn?: KnnOptions;
  /** Options of {@link linearProbe} (its defaults when absent), or `false` to skip the probe. */
  readonly probe?: Omit<LinearProbeOptions, "key"> | false;
}

/** What {@link evaluate} reports. */
export interface EvaluateResult {
  /** kNN test accuracy by `k`, keyed `k20`, `k200`, ... */
  readonly knn: Readonly<Record<`k${number}`, number>>;
  /** The linear probe's result, or `null` when it was skipped. */
  readonly linear: LinearProbeResult | null;
}

/**
 * Extracts features of `train` and `test` (with `encode`, or raw pixels), then runs the weighted
 * kNN classifier and, unless `probe` is `false`, the linear probe. Consumes nothing.
 *
 * @example
 * ```ts
 * const encode = (x: tf.Tensor4D) => encoder.apply(params, state, x, { training: false }).y;
 * const { knn, linear } = await evaluate({ encode, train, test, key: random.key(0) });
 * console.log(`kNN@20 ${knn.k20}, linear ${linear?.testAccuracy}`);
 * ```
 */
export async function evaluate(options: EvaluateOptions): Promise<EvaluateResult> {
  const { encode, train, test, key, batchSize, knn = {}, probe = {} } = options;
  const features = (dataset: ImageDataset): Promise<FeatureSet> | FeatureSet =>
    encode === "pixels" ? pixelFeatures(dataset) : extractFeatures(encode, dataset, { batchSize });
  const trainFeatures = await features(train);
  const testFeatures = await features(test);
  const scores = await weightedKnn(trainFeatures, testFeatures, knn);
  const linear = probe === false
    ? null
    : await linearProbe(trainFeatures, testFeatures, { ...probe, key });
  return {
    knn: Object.fromEntries(scores.map(({ k, accuracy }) => [`k${k}`, accuracy])),
    linear,
  };
}

/**
 * The evaluation protocols in one call: features of a training and a test split (from a frozen
 * encoder, or the raw pixels), then the weighted kNN classifier and, optionally, the linear
 * probe.
 *
 * @module
 */
import type { ImageDataset } from "../data/dataset.ts";
import type { Key } from "../random.ts";
import { type Encoder, extractFeatures, type FeatureSet, pixelFeatures } from "./features.ts";
import { type KnnOptions, weightedKnn } from "./knn.ts";
import { linearProbe, type LinearProbeOptions, type LinearProbeResult } from "./linear_probe.ts";

/** What every {@link evaluate} call takes, with or without the probe. */
export interface EvaluateInputs {
  /** The frozen encoder, or `"pixels"` for the raw-pixel baseline. */
  readonly encode: Encoder | "pixels";
  /** The training split: the kNN memory bank and the probe's training set. */
  readonly train: ImageDataset;
  /** The split the accuracies are measured on. */
  readonly test: ImageDataset;
  /** Images per encoder forward pass; default 256. */
  readonly batchSize?: number;
  /** Options of {@link weightedKnn}; default k 20 and 200, temperature 0.1. */
  readonly knn?: KnnOptions;
  /** Stops the evaluation at its next batch, chunk or probe epoch (it throws the reason). */
  readonly signal?: AbortSignal;
}

/**
 * Options of {@link evaluate}: with the linear probe (its options, `linearProbe`'s defaults when
 * absent, and the `key` that drives its shuffling), or without it (`probe: false`, no key).
 */
export type EvaluateOptions =
  & EvaluateInputs
  & (
    | { readonly probe?: Omit<LinearProbeOptions, "key" | "signal">; readonly key: Key }
    | { readonly probe: false; readonly key?: undefined }
  );

/** What {@link evaluate} reports; `L` is `null` when the probe was skipped. */
export interface EvaluateResult<L extends LinearProbeResult | null = LinearProbeResult | null> {
  /** kNN test accuracy by `k`, keyed `k20`, `k200`, ... */
  readonly knn: Readonly<Record<`k${number}`, number>>;
  /** The linear probe's result, or `null` when it was skipped. */
  readonly linear: L;
  /** The features both were computed from (host arrays; nothing to free). */
  readonly features: { readonly train: FeatureSet; readonly test: FeatureSet };
}

/**
 * Extracts features of `train` and `test` (with `encode`, or raw pixels), then runs the weighted
 * kNN classifier and, unless `probe` is `false`, the linear probe. Returns the scores and the
 * features. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, evaluation, nn, random, tf, tree } from "@byol/tfjs";
 *
 * const encoder = nn.sequential({ conv: nn.conv2d({ filters: 8, kernel: 3 }), pool: nn.globalAvgPool });
 * const { params, state } = encoder.init(random.key(0), [28, 28, 1]);
 * const encode = (x: tf.Tensor4D) => encoder.apply(params, state, x, { training: false }).y;
 * const train = data.shapes(random.key(1), { count: 512 });
 * const test = data.shapes(random.key(2), { count: 128 });
 * const { knn, linear } = await evaluation.evaluate({ encode, train, test, key: random.key(3) });
 * console.log(`kNN@20 ${knn.k20}, kNN@200 ${knn.k200}, linear ${linear.testAccuracy}`);
 * const monitor = await evaluation.evaluate({ encode, train, test, knn: { k: 20 }, probe: false });
 * const pixels = await evaluation.evaluate({ encode: "pixels", train, test, key: random.key(3) });
 * tree.dispose([params, state]);
 * ```
 */
export function evaluate(
  options: EvaluateOptions & { readonly probe: false },
): Promise<EvaluateResult<null>>;
export function evaluate(
  options: EvaluateOptions & { readonly key: Key },
): Promise<EvaluateResult<LinearProbeResult>>;
export async function evaluate(options: EvaluateOptions): Promise<EvaluateResult> {
  const { encode, train, test, batchSize, knn = {}, signal } = options;
  const features = (dataset: ImageDataset): Promise<FeatureSet> | FeatureSet =>
    encode === "pixels"
      ? pixelFeatures(dataset)
      : extractFeatures(encode, dataset, { batchSize, signal });
  const trainFeatures = await features(train);
  const testFeatures = await features(test);
  const scores = await weightedKnn(trainFeatures, testFeatures, { ...knn, signal });
  const linear = options.probe === false ? null : await linearProbe(trainFeatures, testFeatures, {
    ...options.probe,
    key: options.key,
    signal,
  });
  return {
    knn: Object.fromEntries(scores.map(({ k, accuracy }) => [`k${k}`, accuracy])),
    linear,
    features: { train: trainFeatures, test: testFeatures },
  };
}

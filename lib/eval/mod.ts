/**
 * Evaluation of frozen representations, as in the BYOL paper's protocols: features from an
 * encoder (or raw pixels, or an encoder at its random initialisation, as baselines), a weighted
 * kNN classifier with the training set as memory bank, and a linear probe on standardised
 * features.
 *
 * It uses no Deno API, so it also runs in a browser.
 *
 * @module
 */
export {
  checkFeaturePair,
  checkFeatures,
  type Encoder,
  extractFeatures,
  type ExtractOptions,
  type FeatureSet,
  pixelFeatures,
} from "./features.ts";
export { accuracy, type KnnOptions, type KnnScore, weightedKnn } from "./knn.ts";
export {
  fitStandardizer,
  standardize,
  type Standardizer,
  VARIANCE_EPSILON,
} from "./standardize.ts";
export { linearProbe, type LinearProbeOptions, type LinearProbeResult } from "./linear_probe.ts";
export {
  evaluate,
  type EvaluateInputs,
  type EvaluateOptions,
  type EvaluateResult,
} from "./evaluate.ts";

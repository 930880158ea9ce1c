/**
 * Evaluation of representations, as in the BYOL paper's protocols: features from an encoder (or
 * raw pixels, or an encoder at its random initialisation, as baselines), a weighted kNN
 * classifier with the training set as memory bank, a linear probe on standardised features, the
 * standard linear protocol (augmented training features, weight decay chosen on a held-out slice
 * of the training set), and the semi-supervised evaluation (fine-tuning on a class-balanced
 * fraction of the labels, next to training from scratch).
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
export {
  linearProbe,
  type LinearProbeOptions,
  type LinearProbeResult,
  softmaxCrossEntropy,
} from "./linear_probe.ts";
export {
  linearProtocol,
  type LinearProtocolOptions,
  type LinearProtocolResult,
  type ValidationScore,
  WEIGHT_DECAYS,
} from "./linear_protocol.ts";
export { type BalancedSubset, balancedSubset, examplesPerClass } from "./subsets.ts";
export {
  type Augmentation,
  type EncoderWeights,
  fineTune,
  type FineTuneOptions,
  type FineTuneResult,
  LIGHT_AUGMENTATION,
  lightAugmentation,
} from "./fine_tune.ts";
export {
  semiSupervised,
  type SemiSupervisedOptions,
  type SemiSupervisedRow,
} from "./semi_supervised.ts";
export {
  evaluate,
  type EvaluateInputs,
  type EvaluateOptions,
  type EvaluateResult,
} from "./evaluate.ts";

/**
 * BYOL (Bootstrap Your Own Latent, Grill et al. 2020) and its momentum-free variant SimSiam.
 *
 * @module
 */
export { byol } from "./byol.ts";
export type {
  Byol,
  ByolBnState,
  ByolMetrics,
  ByolOptions,
  ByolState,
  HeadOptions,
} from "./byol.ts";
export {
  applyOptimizer,
  byolLoss,
  drawViews,
  lossAndGrads,
  targetProjections,
  updateTarget,
} from "./phases.ts";
export type {
  ByolNetworks,
  LossAux,
  OnlineParams,
  OnlineState,
  OptimizerResult,
  PerView,
  TargetDecay,
  TargetProjections,
  Trainable,
  TrainableState,
  ViewsFn,
} from "./phases.ts";
export { collapseSignal, regressionLoss } from "./loss.ts";
export {
  cifar10,
  fashionMnist,
  fashionMnistLong,
  fromPreset,
  paper,
  presets,
  presetSchema,
} from "./presets.ts";
export { HEALTH, type HealthSignals, judgeHealth, measureHealth } from "./health.ts";
export type { ByolPreset, PresetName, PresetRun } from "./presets.ts";
export { encoderOf, encoderPreset, encoderPresetSchema, encoders } from "./encoders.ts";
export type {
  ConvNetConfig,
  ConvNetPreset,
  EncoderConfigs,
  EncoderEntry,
  EncoderName,
  EncoderPreset,
  ResNetConfig,
  ResNetPreset,
} from "./encoders.ts";
export {
  optimizerOf,
  optimizerPreset,
  optimizerPresetSchema,
  optimizers,
  peakLearningRate,
} from "./optimizers.ts";
export type {
  AdamPreset,
  AdamwConfig,
  LarsConfig,
  LarsPreset,
  OptimizerConfigs,
  OptimizerEntry,
  OptimizerName,
  OptimizerPreset,
} from "./optimizers.ts";
export * as schema from "./schema.ts";
export type { FieldsOf, Schema, Validation } from "./schema.ts";

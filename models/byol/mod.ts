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
  ViewsFn,
} from "./byol.ts";
export { collapseSignal, regressionLoss } from "./loss.ts";
export { cifar10, encoderOf, fashionMnist, fromPreset, paper, presets } from "./presets.ts";
export type {
  AdamPreset,
  ByolPreset,
  ConvNetPreset,
  EncoderPreset,
  LarsPreset,
  PresetRun,
  ResNetPreset,
} from "./presets.ts";

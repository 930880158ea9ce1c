/**
 * BYOL's image augmentations as pure functions `(key, images, options) -> images` on float32 NHWC
 * batches in [0, 1], run on the device. Per-sample random parameters are drawn on the host from
 * the key and uploaded as small tensors; no function disposes its input.
 *
 * @module
 */
export type { Range } from "./augment/common.ts";
export {
  type CropBox,
  type CropOptions,
  randomFlip,
  randomResizedCrop,
  type ResizedCropOptions,
  sampleCropBoxes,
} from "./augment/crop.ts";
export {
  colorJitter,
  type ColorJitterOptions,
  JITTER_OPS,
  type JitterDraw,
  type JitterOp,
  sampleColorJitter,
} from "./augment/color.ts";
export { type BlurOptions, defaultBlurKernel, gaussianBlur } from "./augment/blur.ts";
export {
  normalize,
  type NormalizeOptions,
  randomGrayscale,
  solarize,
  type SolarizeOptions,
} from "./augment/intensity.ts";
export {
  augmentView,
  BYOL_VIEW_1,
  BYOL_VIEW_2,
  BYOL_VIEWS,
  byolViews,
  SMALL_IMAGE_VIEWS,
  type ViewPreset,
} from "./augment/presets.ts";

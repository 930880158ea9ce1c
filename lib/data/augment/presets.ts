/**
 * BYOL's two augmented views (Grill et al. 2020, Table 6) as typed presets, and the functions
 * that apply them. A view is: random resized crop with horizontal flip (one resampling),
 * colour jitter, grayscale, Gaussian blur, solarize, in that order, each drawn per sample.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import * as random from "../../random.ts";
import type { Key } from "../../random.ts";
import { checkImages, type Range } from "./common.ts";
import { randomResizedCrop } from "./crop.ts";
import { colorJitter, type ColorJitterOptions } from "./color.ts";
import { gaussianBlur } from "./blur.ts";
import { randomGrayscale, solarize } from "./intensity.ts";

/** Everything one augmented view draws; see {@link BYOL_VIEWS} for the paper's values. */
export interface ViewPreset {
  /** Random resized crop: area fraction and aspect-ratio ranges; output size (default: input's). */
  readonly crop: {
    /** The crop's area as a fraction of the image's, e.g. `[0.08, 1]`. */
    readonly scale: Range;
    /** The crop's aspect ratio (width / height), e.g. `[3 / 4, 4 / 3]`. */
    readonly ratio: Range;
    /** The output size; default the input's. */
    readonly size?: { readonly height: number; readonly width: number };
  };
  /** Probability of a horizontal flip. */
  readonly flipProbability: number;
  /** Colour jitter: its probability and the strength of each of its four changes. */
  readonly colorJitter: Required<ColorJitterOptions>;
  /** Probability of converting to grayscale. */
  readonly grayscaleProbability: number;
  /** Gaussian blur; the kernel is ~10% of the output size (`defaultBlurKernel`). */
  readonly blur: { readonly probability: number; readonly sigma: Range };
  /** Probability of solarizing (inverting pixels above 0.5). */
  readonly solarizeProbability: number;
}

const BYOL_COMMON = {
  crop: { scale: [0.08, 1], ratio: [3 / 4, 4 / 3] },
  flipProbability: 0.5,
  colorJitter: { probability: 0.8, brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1 },
  grayscaleProbability: 0.2,
} as const;

/**
 * BYOL view 1 (Table 6, T): always blurred, never solarized.
 *
 * @example
 * ```ts
 * import { data, random, tf } from "@byol/tfjs";
 *
 * const images = random.uniform(random.key(0), [4, 64, 64, 3]) as tf.Tensor4D;
 * const view = data.augmentView(random.key(1), images, data.BYOL_VIEW_1);
 * tf.dispose([images, view]);
 * ```
 */
export const BYOL_VIEW_1: ViewPreset = {
  ...BYOL_COMMON,
  blur: { probability: 1, sigma: [0.1, 2] },
  solarizeProbability: 0,
};

/**
 * BYOL view 2 (Table 6, T'): blurred with probability 0.1, solarized with probability 0.2.
 *
 * @example
 * ```ts
 * import { data } from "@byol/tfjs";
 *
 * const noSolarize = { ...data.BYOL_VIEW_2, solarizeProbability: 0 };
 * ```
 */
export const BYOL_VIEW_2: ViewPreset = {
  ...BYOL_COMMON,
  blur: { probability: 0.1, sigma: [0.1, 2] },
  solarizeProbability: 0.2,
};

/**
 * The paper's asymmetric pair of views, for ImageNet-like and CIFAR-sized images.
 *
 * @example
 * ```ts
 * import { data } from "@byol/tfjs";
 *
 * const [view1, view2] = data.BYOL_VIEWS;
 * console.log(view1.blur.probability, view2.blur.probability); // 1 0.1
 * ```
 */
export const BYOL_VIEWS: readonly [ViewPreset, ViewPreset] = [BYOL_VIEW_1, BYOL_VIEW_2];

/**
 * Views for 28-32 px images such as (Fashion-)MNIST. Crops keep at least 25% of the area,
 * because an 8% crop of a 28 px image is about 8x8 pixels, too little to recognise the object
 * after upscaling; there is no blur, because a ~3 px kernel (10% of the side) with sigma up to
 * 2 px erases the few pixels that carry the detail. Jitter, grayscale, flip and the
 * view-2-only solarize are as in the paper (grayscale and the hue/saturation jitter do nothing
 * to single-channel images).
 *
 * @example
 * ```ts
 * import { data, random, tf } from "@byol/tfjs";
 *
 * const images = random.uniform(random.key(0), [8, 28, 28, 1]) as tf.Tensor4D;
 * const [v1, v2] = data.byolViews(random.key(1), images, data.SMALL_IMAGE_VIEWS);
 * tf.dispose([images, v1, v2]);
 * ```
 */
export const SMALL_IMAGE_VIEWS: readonly [ViewPreset, ViewPreset] = [
  {
    ...BYOL_VIEW_1,
    crop: { ...BYOL_COMMON.crop, scale: [0.25, 1] },
    blur: { probability: 0, sigma: [0.1, 2] },
  },
  {
    ...BYOL_VIEW_2,
    crop: { ...BYOL_COMMON.crop, scale: [0.25, 1] },
    blur: { probability: 0, sigma: [0.1, 2] },
  },
];

/**
 * One augmented view of a batch of float32 NHWC images in [0, 1], every random choice drawn per
 * sample from `key`. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, random, tf } from "@byol/tfjs";
 *
 * const [kData, key] = random.split(random.key(0));
 * const images = random.uniform(kData, [8, 28, 28, 1]) as tf.Tensor4D; // pixels in [0, 1)
 * const view = data.augmentView(key, images, data.BYOL_VIEW_1);
 * tf.dispose([images, view]);
 * ```
 */
export function augmentView(key: Key, images: tf.Tensor4D, preset: ViewPreset): tf.Tensor4D {
  const x = checkImages(images, "augmentView");
  const [kCrop, kJitter, kGray, kBlur, kSolarize] = random.split(key, 5);
  return tf.tidy(() => {
    let view = randomResizedCrop(kCrop, x, {
      ...preset.crop,
      flipProbability: preset.flipProbability,
    });
    view = colorJitter(kJitter, view, preset.colorJitter);
    view = randomGrayscale(kGray, view, { probability: preset.grayscaleProbability });
    if (preset.blur.probability > 0) view = gaussianBlur(kBlur, view, preset.blur);
    if (preset.solarizeProbability > 0) {
      view = solarize(kSolarize, view, { probability: preset.solarizeProbability });
    }
    return view;
  });
}

/**
 * BYOL's two views of the same batch, from independent halves of `key` (default presets:
 * {@link BYOL_VIEWS}; use {@link SMALL_IMAGE_VIEWS} for 28-32 px data). The caller disposes
 * both. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, random, tf } from "@byol/tfjs";
 *
 * const [kData, key] = random.split(random.key(0));
 * const images = random.uniform(kData, [8, 28, 28, 1]) as tf.Tensor4D; // pixels in [0, 1)
 * const [v1, v2] = data.byolViews(random.foldIn(key, 0), images, data.SMALL_IMAGE_VIEWS);
 * tf.dispose([images, v1, v2]);
 * ```
 */
export function byolViews(
  key: Key,
  images: tf.Tensor4D,
  presets: readonly [ViewPreset, ViewPreset] = BYOL_VIEWS,
): [tf.Tensor4D, tf.Tensor4D] {
  const [k1, k2] = random.split(key);
  return [augmentView(k1, images, presets[0]), augmentView(k2, images, presets[1])];
}

/**
 * Per-pixel augmentations: random grayscale, random solarization, and per-channel
 * normalization.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import * as random from "../../random.ts";
import type { Key } from "../../random.ts";
import {
  checkImages,
  checkProbability,
  chosen,
  luma,
  perSample,
  selectPerSample,
} from "./common.ts";

/**
 * Replaces each RGB image by its luma (repeated over the three channels) with probability
 * `probability`; single-channel images are returned unchanged (as a copy). Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, random, tf } from "@byol/tfjs";
 *
 * const [kData, key] = random.split(random.key(0));
 * const images = random.uniform(kData, [8, 28, 28, 1]) as tf.Tensor4D; // pixels in [0, 1)
 * const mixed = data.randomGrayscale(key, images, { probability: 0.2 });
 * tf.dispose([images, mixed]);
 * ```
 */
export function randomGrayscale(
  key: Key,
  images: tf.Tensor4D,
  { probability }: { readonly probability: number },
): tf.Tensor4D {
  const x = checkImages(images, "randomGrayscale");
  checkProbability(probability, "randomGrayscale");
  const channels = x.shape[3];
  if (channels !== 1 && channels !== 3) {
    throw new Error(`augment.randomGrayscale: expected 1 or 3 channels, got ${channels}`);
  }
  if (channels === 1) return x.clone();
  const u = random.uniformArray(key, x.shape[0]);
  // luma is [batch, height, width, 1]: the blend broadcasts it over the three channels.
  return tf.tidy(() => selectPerSample(perSample(chosen(u, probability)), luma(x), x));
}

/** Options for {@link solarize}. */
export interface SolarizeOptions {
  /** Solarizes each sample with this probability. */
  readonly probability: number;
  /** Pixels at or above it are inverted (default 0.5). */
  readonly threshold?: number;
}

/**
 * Inverts the pixels at or above `threshold` (`x -> 1 - x`) of each sample with probability
 * `probability`. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, random, tf } from "@byol/tfjs";
 *
 * const [kData, key] = random.split(random.key(0));
 * const images = random.uniform(kData, [8, 28, 28, 1]) as tf.Tensor4D; // pixels in [0, 1)
 * const solarized = data.solarize(key, images, { probability: 0.2 });
 * tf.dispose([images, solarized]);
 * ```
 */
export function solarize(
  key: Key,
  images: tf.Tensor4D,
  { probability, threshold = 0.5 }: SolarizeOptions,
): tf.Tensor4D {
  const x = checkImages(images, "solarize");
  checkProbability(probability, "solarize");
  checkProbability(threshold, "solarize", "threshold");
  const u = random.uniformArray(key, x.shape[0]);
  return tf.tidy(() => {
    const inverted = tf.mul(
      perSample(chosen(u, probability)),
      tf.cast(tf.greaterEqual(x, threshold), "float32"),
    );
    return tf.add(x, tf.mul(inverted, tf.sub(1, tf.mul(x, 2)))); // x + (1 - 2x) = 1 - x
  });
}

/** Options for {@link normalize}: one value per channel. */
export interface NormalizeOptions {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/**
 * `(images - mean) / std` per channel, e.g. ImageNet's mean [0.485, 0.456, 0.406] and std
 * [0.229, 0.224, 0.225]. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, random, tf } from "@byol/tfjs";
 *
 * const [kData, key] = random.split(random.key(0));
 * const images = random.uniform(kData, [8, 28, 28, 1]) as tf.Tensor4D; // pixels in [0, 1)
 * const input = data.normalize(images, { mean: [0.2860], std: [0.3530] });
 * tf.dispose([images, input]);
 * ```
 */
export function normalize(images: tf.Tensor4D, { mean, std }: NormalizeOptions): tf.Tensor4D {
  const x = checkImages(images, "normalize");
  const channels = x.shape[3];
  if (mean.length !== channels || std.length !== channels) {
    throw new Error(
      `augment.normalize: mean and std need one value per channel (${channels}), got ` +
        `${mean.length} and ${std.length}`,
    );
  }
  if (!std.every((s) => s > 0)) {
    throw new RangeError(`augment.normalize: std must be positive, got [${std.join(", ")}]`);
  }
  return tf.tidy(() => tf.div(tf.sub(x, tf.tensor1d([...mean])), tf.tensor1d([...std])));
}

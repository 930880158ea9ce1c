/**
 * Gaussian blur with a random sigma per sample (BYOL/SimCLR). The batch is folded into the
 * channel axis (`[1, H, W, batch * channels]`) so that one depthwise convolution applies a
 * different kernel to each sample; the blur is separable (a vertical then a horizontal pass),
 * with reflect padding so that borders keep their brightness.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import * as random from "../../random.ts";
import type { Key } from "../../random.ts";
import { checkImages, checkProbability, checkRange, type Range } from "./common.ts";

/** Options for {@link gaussianBlur}. */
export interface BlurOptions {
  /** Blurs each sample with this probability (default 1). */
  readonly probability?: number;
  /** Range of the Gaussian's standard deviation in pixels, sampled uniformly (default [0.1, 2]). */
  readonly sigma?: Range;
  /** Odd kernel side in pixels (default {@link defaultBlurKernel} of the image size). */
  readonly kernelSize?: number;
}

/**
 * The kernel side BYOL uses for an image side: about 10% of it, made odd (23 px at 224, 3 px
 * at 32).
 *
 * @example
 * ```ts
 * import { data } from "@byol/tfjs";
 *
 * data.defaultBlurKernel(224); // 23
 * ```
 */
export function defaultBlurKernel(side: number): number {
  return 2 * Math.floor(side / 20) + 1;
}

/** Normalised 1-D Gaussian taps, `count` kernels of `size` taps laid out as `[size, count]`. */
function gaussianTaps(sigmas: Float32Array, size: number, repeat: number): Float32Array {
  const radius = (size - 1) / 2;
  const count = sigmas.length * repeat;
  const taps = new Float32Array(size * count);
  sigmas.forEach((sigma, i) => {
    const weights = Array.from(
      { length: size },
      (_, j) =>
        sigma > 0 ? Math.exp(-((j - radius) ** 2) / (2 * sigma * sigma)) : (j === radius ? 1 : 0),
    );
    const total = weights.reduce((a, b) => a + b, 0);
    for (let j = 0; j < size; j++) {
      for (let c = 0; c < repeat; c++) taps[j * count + i * repeat + c] = weights[j] / total;
    }
  });
  return taps;
}

/**
 * Blurs each sample, with probability `probability`, by a Gaussian whose sigma is uniform in
 * `sigma`; unblurred samples pass through a unit kernel. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, random, tf } from "@byol/tfjs";
 *
 * const [kData, key] = random.split(random.key(0));
 * const images = random.uniform(kData, [8, 28, 28, 1]) as tf.Tensor4D; // pixels in [0, 1)
 * const blurred = data.gaussianBlur(key, images, { probability: 1, sigma: [0.1, 2] });
 * tf.dispose([images, blurred]);
 * ```
 */
export function gaussianBlur(
  key: Key,
  images: tf.Tensor4D,
  options: BlurOptions = {},
): tf.Tensor4D {
  const x = checkImages(images, "gaussianBlur");
  const [n, height, width, channels] = x.shape;
  const { probability = 1, sigma = [0.1, 2] } = options;
  const size = options.kernelSize ?? defaultBlurKernel(Math.min(height, width));
  checkProbability(probability, "gaussianBlur");
  checkRange(sigma, "gaussianBlur", "sigma", { min: 0 });
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) {
    throw new RangeError(
      `augment.gaussianBlur: kernelSize must be a positive odd integer, got ${size}`,
    );
  }
  const radius = (size - 1) / 2;
  if (radius >= Math.min(height, width)) {
    throw new RangeError(
      `augment.gaussianBlur: a ${size} px kernel needs images larger than ${radius} px for ` +
        `reflect padding, got ${height}x${width}`,
    );
  }
  const [kApply, kSigma] = random.split(key);
  const apply = random.uniformArray(kApply, n);
  const u = random.uniformArray(kSigma, n);
  const sigmas = Float32Array.from(
    u,
    (v, i) => apply[i] < probability ? sigma[0] + (sigma[1] - sigma[0]) * v : 0,
  );
  if (radius === 0 || sigmas.every((s) => s === 0)) return x.clone();
  const taps = gaussianTaps(sigmas, size, channels);
  const folded = n * channels;
  return tf.tidy(() => {
    const stacked = tf.reshape<tf.Rank.R4>(tf.transpose(x, [1, 2, 0, 3]), [
      1,
      height,
      width,
      folded,
    ]);
    const padded = tf.mirrorPad(
      stacked,
      [[0, 0], [radius, radius], [radius, radius], [0, 0]],
      "reflect",
    );
    const vertical = tf.depthwiseConv2d(
      padded,
      tf.tensor4d(taps, [size, 1, folded, 1]),
      1,
      "valid",
    );
    const both = tf.depthwiseConv2d(vertical, tf.tensor4d(taps, [1, size, folded, 1]), 1, "valid");
    return tf.transpose(tf.reshape(both, [height, width, n, channels]), [2, 0, 1, 3]);
  });
}

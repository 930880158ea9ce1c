/**
 * Random resized crop (Szegedy et al. 2015, as torchvision's `RandomResizedCrop`) and random
 * horizontal flip. Boxes and flips are drawn per sample on the host; the pixels are resampled on
 * the device by one `tf.image.cropAndResize` call for the whole batch, which also does the flip
 * (a box with left and right swapped), so crop + flip costs one pass.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import * as random from "../../random.ts";
import type { Key } from "../../random.ts";
import { checkImages, checkProbability, checkRange, chosen, type Range } from "./common.ts";

/** A crop rectangle in whole pixels of the source image. */
export interface CropBox {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
}

/** Options for {@link sampleCropBoxes} and {@link randomResizedCrop}. */
export interface CropOptions {
  /** Range of the crop's area as a fraction of the image's (default [0.08, 1]). */
  readonly scale?: Range;
  /** Range of the crop's width / height, sampled log-uniformly (default [3/4, 4/3]). */
  readonly ratio?: Range;
}

/** Options for {@link randomResizedCrop}. */
export interface ResizedCropOptions extends CropOptions {
  /** Output size (default: the input's height and width). */
  readonly size?: { readonly height: number; readonly width: number };
  /** Also flips each crop left-right with this probability, in the same pass (default 0). */
  readonly flipProbability?: number;
}

const TRIES = 10;

/**
 * Draws one crop box per sample for an image of `height x width`: up to 10 tries of an area
 * fraction uniform in `scale` and an aspect ratio log-uniform in `ratio`, rounded to pixels and
 * placed uniformly; when no try fits, torchvision's fallback: the whole image, narrowed to the
 * nearest allowed aspect ratio and centred. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, random } from "@byol/tfjs";
 *
 * const boxes = data.sampleCropBoxes(random.key(0), 256, { height: 32, width: 32 }, {
 *   scale: [0.08, 1],
 * });
 * ```
 */
export function sampleCropBoxes(
  key: Key,
  count: number,
  { height, width }: { readonly height: number; readonly width: number },
  { scale = [0.08, 1], ratio = [3 / 4, 4 / 3] }: CropOptions = {},
): CropBox[] {
  checkRange(scale, "sampleCropBoxes", "scale", { min: 0, max: 1 });
  checkRange(ratio, "sampleCropBoxes", "ratio", { min: Number.MIN_VALUE });
  const u = random.uniformArray(key, count * TRIES * 4);
  const [logLow, logHigh] = [Math.log(ratio[0]), Math.log(ratio[1])];
  const boxes: CropBox[] = [];
  for (let i = 0; i < count; i++) {
    let box: CropBox | null = null;
    for (let t = 0; t < TRIES && box === null; t++) {
      const [ua, ur, uy, ux] = u.subarray((i * TRIES + t) * 4, (i * TRIES + t + 1) * 4);
      const area = height * width * (scale[0] + (scale[1] - scale[0]) * ua);
      const aspect = Math.exp(logLow + (logHigh - logLow) * ur);
      const w = Math.round(Math.sqrt(area * aspect));
      const h = Math.round(Math.sqrt(area / aspect));
      if (w > 0 && w <= width && h > 0 && h <= height) {
        const top = Math.floor(uy * (height - h + 1));
        const left = Math.floor(ux * (width - w + 1));
        box = { top, left, height: h, width: w };
      }
    }
    if (box === null) {
      const aspect = width / height;
      const w = aspect > ratio[1] ? Math.round(height * ratio[1]) : width;
      const h = aspect < ratio[0] ? Math.round(width / ratio[0]) : height;
      box = {
        top: Math.floor((height - h) / 2),
        left: Math.floor((width - w) / 2),
        height: h,
        width: w,
      };
    }
    boxes.push(box);
  }
  return boxes;
}

/**
 * Resamples each image's `box` to `size` with one `cropAndResize` call; a flipped sample gets
 * its box with left and right swapped, which `cropAndResize` reads as a mirrored crop. The first
 * and last output pixels sample the centres of the box's corner pixels, so nothing is
 * extrapolated, and a whole-image box at the input size copies pixels exactly.
 */
function resample(
  images: tf.Tensor4D,
  boxes: readonly CropBox[],
  flips: Float32Array,
  size: { readonly height: number; readonly width: number },
): tf.Tensor4D {
  const [n, height, width] = images.shape;
  const coords = new Float32Array(4 * n);
  const yScale = height > 1 ? 1 / (height - 1) : 0;
  const xScale = width > 1 ? 1 / (width - 1) : 0;
  boxes.forEach((b, i) => {
    const [left, right] = [b.left * xScale, (b.left + b.width - 1) * xScale];
    coords.set(
      [
        b.top * yScale,
        flips[i] ? right : left,
        (b.top + b.height - 1) * yScale,
        flips[i] ? left : right,
      ],
      4 * i,
    );
  });
  return tf.tidy(() =>
    tf.image.cropAndResize(
      images,
      tf.tensor2d(coords, [n, 4]),
      tf.tensor1d(Int32Array.from({ length: n }, (_, i) => i), "int32"),
      [size.height, size.width],
      "bilinear",
    )
  );
}

/**
 * Crops a random box from each image (see {@link sampleCropBoxes}), optionally flips it
 * (`flipProbability`), and resizes it bilinearly to `size`, all in one resampling pass.
 * Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, random, tf } from "@byol/tfjs";
 *
 * const [kData, key] = random.split(random.key(0));
 * const images = random.uniform(kData, [8, 28, 28, 1]) as tf.Tensor4D; // pixels in [0, 1)
 * const crops = data.randomResizedCrop(key, images, { scale: [0.08, 1], flipProbability: 0.5 });
 * tf.dispose([images, crops]);
 * ```
 */
export function randomResizedCrop(
  key: Key,
  images: tf.Tensor4D,
  options: ResizedCropOptions = {},
): tf.Tensor4D {
  const x = checkImages(images, "randomResizedCrop");
  const [n, height, width] = x.shape;
  const size = options.size ?? { height, width };
  if (
    !(Number.isInteger(size.height) && Number.isInteger(size.width) && size.height > 0 &&
      size.width > 0)
  ) {
    throw new RangeError(
      `augment.randomResizedCrop: size must be positive integers, got ${size.height}x${size.width}`,
    );
  }
  const { flipProbability = 0 } = options;
  checkProbability(flipProbability, "randomResizedCrop", "flipProbability");
  const [kBoxes, kFlips] = random.split(key);
  const boxes = sampleCropBoxes(kBoxes, n, { height, width }, options);
  return resample(x, boxes, chosen(random.uniformArray(kFlips, n), flipProbability), size);
}

/**
 * Flips each image left-right with probability `probability` (default 0.5), independently per
 * sample. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, random, tf } from "@byol/tfjs";
 *
 * const [kData, key] = random.split(random.key(0));
 * const images = random.uniform(kData, [8, 28, 28, 1]) as tf.Tensor4D; // pixels in [0, 1)
 * const flipped = data.randomFlip(key, images, { probability: 0.5 });
 * tf.dispose([images, flipped]);
 * ```
 */
export function randomFlip(
  key: Key,
  images: tf.Tensor4D,
  { probability = 0.5 }: { readonly probability?: number } = {},
): tf.Tensor4D {
  const x = checkImages(images, "randomFlip");
  checkProbability(probability, "randomFlip");
  const [n, height, width] = x.shape;
  const whole = { top: 0, left: 0, height, width };
  const flips = chosen(random.uniformArray(key, n), probability);
  return resample(x, Array.from({ length: n }, () => whole), flips, { height, width });
}

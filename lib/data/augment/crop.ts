/**
 * Random resized crop (Szegedy et al. 2015, as torchvision's `RandomResizedCrop`) and random
 * horizontal flip, done together by one bilinear resampling. Boxes and flips are drawn per sample
 * on the host, and so are the sample positions and weights; the device only copies pixel rows and
 * columns and blends them, so every backend computes the same pixels, bit for bit.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import * as random from "../../random.ts";
import type { Key } from "../../random.ts";
import {
  checkImages,
  checkProbability,
  checkRange,
  chosen,
  gatherImages,
  type Range,
} from "./common.ts";

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

/** One output axis of a batch: row `i` of the result blends source rows `low[i]` and `high[i]`. */
interface AxisSamples {
  readonly low: Int32Array;
  readonly high: Int32Array;
  /** The weight of `high`, in [0, 1). */
  readonly weight: Float32Array;
}

/**
 * The bilinear sample positions of `count` outputs per sample along one axis, as rows of the
 * batch folded to `[batch * extent, ...]`: sample `i`'s span `[start, length]` is covered from the
 * centre of its first pixel to the centre of its last (its middle when `count` is 1), reversed
 * where `flipped(i)`. Computed in float64 on the host, so that no backend's float32 arithmetic
 * moves a position across a pixel or past the image's border.
 */
function axisSamples(
  spans: readonly (readonly [start: number, length: number])[],
  count: number,
  extent: number,
  flipped: (i: number) => boolean,
): AxisSamples {
  const size = spans.length * count;
  const [low, high, weight] = [new Int32Array(size), new Int32Array(size), new Float32Array(size)];
  spans.forEach(([start, length], i) => {
    for (let o = 0; o < count; o++) {
      const k = flipped(i) ? count - 1 - o : o;
      const p = count > 1 ? start + (k * (length - 1)) / (count - 1) : start + (length - 1) / 2;
      const j = i * count + o;
      low[j] = i * extent + Math.floor(p);
      high[j] = i * extent + Math.ceil(p);
      weight[j] = p - Math.floor(p);
    }
  });
  return { low, high, weight };
}

/**
 * Row `r` of the result is `a + (b - a) * weight[r]` with `a`, `b` rows `low[r]`, `high[r]` of
 * `rows` (`[rows, 1, length, channels]`), computed by separate subtract, multiply and add ops,
 * each rounded once to float32 on every backend (tfjs's `cropAndResize` blends in float64 on
 * `cpu` and in float32 on `wasm`). The weights are expanded to the full shape on the host
 * because broadcasting is slow on the `cpu` backend. Consumes nothing.
 */
function blendRows(rows: tf.Tensor4D, { low, high, weight }: AxisSamples): tf.Tensor4D {
  const first = gatherImages(rows, low);
  if (weight.every((w) => w === 0)) return first;
  const [, , length, channels] = rows.shape;
  const stride = length * channels;
  const weights = new Float32Array(weight.length * stride);
  weight.forEach((w, r) => weights.fill(w, r * stride, (r + 1) * stride));
  const delta = tf.sub(gatherImages(rows, high), first);
  return tf.add(first, tf.mul(delta, tf.tensor4d(weights, first.shape)));
}

/**
 * Resamples each image's `box` bilinearly to `size`, mirrored left-right where `flips` is 1.
 * The first and last output pixels sample the centres of the box's corner pixels, so nothing is
 * extrapolated, and a whole-image box at the input size copies pixels exactly. Rows are
 * resampled first, then (transposed) columns; the sample positions and weights come from the
 * host (see `axisSamples`) and the device only copies and blends pixels, so the result is the
 * same on every backend, bit for bit. (One `tf.image.cropAndResize` call with the boxes'
 * coordinates did not agree: on `wasm` its float32 positions put the last row or column of some
 * boxes touching the image's far edge past the border, which it filled with 0, and a fast path
 * copied whole-width boxes touching the bottom edge without blending rows.) Consumes nothing.
 *
 * @example
 * ```ts
 * import { tf } from "../../tf.ts";
 * import { resampleBoxes } from "./crop.ts";
 *
 * const images = tf.ones([2, 8, 8, 1]) as tf.Tensor4D;
 * const box = { top: 1, left: 2, height: 5, width: 4 };
 * const crops = resampleBoxes(images, [box, box], {
 *   flips: [0, 1],
 *   size: { height: 8, width: 8 },
 * });
 * tf.dispose([images, crops]);
 * ```
 */
export function resampleBoxes(
  images: tf.Tensor4D,
  boxes: readonly CropBox[],
  { flips, size }: {
    readonly flips: ArrayLike<number>;
    readonly size: { readonly height: number; readonly width: number };
  },
): tf.Tensor4D {
  const [n, height, width, channels] = images.shape;
  const inside = (b: CropBox) =>
    [b.top, b.left, b.height, b.width].every(Number.isInteger) && b.top >= 0 && b.left >= 0 &&
    b.height >= 1 && b.width >= 1 && b.top + b.height <= height && b.left + b.width <= width;
  const bad = boxes.findIndex((b) => !inside(b));
  if (boxes.length !== n || bad >= 0) {
    throw new RangeError(
      `augment.resampleBoxes: expected ${n} boxes of whole pixels inside the ${height}x${width} ` +
        `images, got ${bad >= 0 ? `box ${bad}: ${JSON.stringify(boxes[bad])}` : boxes.length}`,
    );
  }
  const rows = axisSamples(boxes.map((b) => [b.top, b.height]), size.height, height, () => false);
  const columns = axisSamples(
    boxes.map((b) => [b.left, b.width]),
    size.width,
    width,
    (i) => flips[i] === 1,
  );
  return tf.tidy(() => {
    const byRow = blendRows(tf.reshape(images, [n * height, 1, width, channels]), rows);
    const transposed = tf.transpose(
      tf.reshape(byRow, [n, size.height, width, channels]),
      [0, 2, 1, 3],
    );
    const byColumn = blendRows(
      tf.reshape(transposed, [n * width, 1, size.height, channels]),
      columns,
    );
    return tf.transpose(tf.reshape(byColumn, [n, size.width, size.height, channels]), [0, 2, 1, 3]);
  });
}

/**
 * Crops a random box from each image (see {@link sampleCropBoxes}), optionally flips it
 * (`flipProbability`), and resizes it bilinearly to `size`, in one resampling.
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
  const flips = chosen(random.uniformArray(kFlips, n), flipProbability);
  return resampleBoxes(x, boxes, { flips, size });
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
  return resampleBoxes(x, Array.from({ length: n }, () => whole), {
    flips,
    size: { height, width },
  });
}

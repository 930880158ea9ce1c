/**
 * Colour jitter as in BYOL/SimCLR and torchvision's `ColorJitter`: brightness, contrast,
 * saturation and hue, each with a random strength per sample, applied in a random order per
 * sample, to each sample with probability `probability`.
 *
 * Per-sample order on a batch: at each of the (up to) four steps the batch rows are regrouped by
 * the operation each sample does at that step (one row gather), each group gets its operation,
 * and the groups are concatenated; one last gather restores the input order. Every sample thus
 * gets exactly one application of each operation, in its own order, at the cost of a few copies.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import * as random from "../../random.ts";
import type { Key } from "../../random.ts";
import { checkImages, checkProbability, gatherImages, luma, perSample } from "./common.ts";

/** Options for {@link colorJitter}; each strength 0 turns its operation off. */
export interface ColorJitterOptions {
  /** Applies the jitter to each sample with this probability (default 1). */
  readonly probability?: number;
  /** Multiplies pixels by a factor uniform in `[1 - brightness, 1 + brightness]`. */
  readonly brightness?: number;
  /** Scales the distance from the image's mean luma by a factor in `[1 - c, 1 + c]`. */
  readonly contrast?: number;
  /** Scales the distance from each pixel's luma by a factor in `[1 - s, 1 + s]` (RGB only). */
  readonly saturation?: number;
  /** Rotates the hue by a fraction of a turn uniform in `[-hue, hue]`, `hue <= 0.5` (RGB only). */
  readonly hue?: number;
}

type Adjust = (x: tf.Tensor4D, amount: tf.Tensor4D) => tf.Tensor4D;

const clip = (x: tf.Tensor4D): tf.Tensor4D => tf.clipByValue(x, 0, 1);

/** `factor * x + (1 - factor) * reference`, clipped to [0, 1]. */
function blend(x: tf.Tensor4D, reference: tf.Tensor4D, factor: tf.Tensor4D): tf.Tensor4D {
  return clip(tf.add(tf.mul(factor, tf.sub(x, reference)), reference));
}

/**
 * Hue rotation by `shift` turns, exact in HSV: with `max`, `min` and `chroma = max - min` of a
 * pixel, the hue sector `h` in [0, 6) is rotated and each channel rebuilt as
 * `max - chroma * clip(min(k, 4 - k), 0, 1)` with `k = (n + h) mod 6`, n = 5, 3, 1 for R, G, B.
 */
const rotateHue: Adjust = (x, shift) => {
  // Channel picks by weighted sums: slicing the last axis is slow on the wasm backend.
  const [r, g, b] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]].map((w) =>
    tf.sum<tf.Tensor4D>(tf.mul(x, tf.tensor1d(w)), 3, true)
  );
  const max = tf.max(x, 3, true);
  const chroma = tf.sub(max, tf.min(x, 3, true));
  const safe = tf.maximum(chroma, 1e-12);
  const fromR = tf.div(tf.sub(g, b), safe);
  const fromG = tf.add(tf.div(tf.sub(b, r), safe), 2);
  const fromB = tf.add(tf.div(tf.sub(r, g), safe), 4);
  const sector = tf.where(tf.equal(max, r), fromR, tf.where(tf.equal(max, g), fromG, fromB));
  const hue = tf.add(sector, tf.mul(shift, 6));
  // k = (n + hue) mod 6 with n = 5, 3, 1 for R, G, B, broadcast to [batch, height, width, 3].
  const k = tf.mod(tf.add(hue, tf.tensor1d([5, 3, 1])), 6); // floored modulo: k is in [0, 6)
  const ramp = tf.clipByValue(tf.minimum(k, tf.sub(4, k)), 0, 1);
  return clip(tf.sub(max, tf.mul(chroma, ramp)));
};

const ADJUSTMENTS: Readonly<Record<JitterOp, Adjust>> = {
  brightness: (x, f) => clip(tf.mul(x, f)),
  contrast: (x, f) => blend(x, tf.mean(luma(x), [1, 2, 3], true), f),
  saturation: (x, f) => blend(x, luma(x), f),
  hue: rotateHue,
};

/**
 * The jitter's operations.
 *
 * @example
 * ```ts
 * import { data } from "@byol/tfjs";
 *
 * const strengths = Object.fromEntries(data.JITTER_OPS.map((op) => [op, 0.1]));
 * const jitter = { probability: 0.8, ...strengths }; // every operation at strength 0.1
 * ```
 */
export const JITTER_OPS = ["brightness", "contrast", "saturation", "hue"] as const;

/** One of {@link JITTER_OPS}. */
export type JitterOp = typeof JITTER_OPS[number];

/** One sample's jitter: its operations in the order applied (none: not jittered), and amounts. */
export interface JitterDraw {
  readonly order: readonly JitterOp[];
  /** Brightness, contrast and saturation factors; hue shift in turns. */
  readonly amounts: Readonly<Record<JitterOp, number>>;
}

/**
 * Draws each sample's jitter for {@link colorJitter}: whether it is jittered (probability
 * `probability`), a factor uniform in `[1 - s, 1 + s]` per enabled operation (hue: a shift in
 * `[-hue, hue]`), and a uniformly random order of the enabled operations. With 1 channel only
 * brightness and contrast are enabled. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, random } from "@byol/tfjs";
 *
 * const draws = data.sampleColorJitter(random.key(0), 256, 3, { brightness: 0.4, hue: 0.1 });
 * ```
 */
export function sampleColorJitter(
  key: Key,
  count: number,
  channels: number,
  options: ColorJitterOptions,
): JitterDraw[] {
  const { probability = 1 } = options;
  checkProbability(probability, "colorJitter");
  const limits = { brightness: 1, contrast: 1, saturation: 1, hue: 0.5 };
  for (const op of JITTER_OPS) {
    const s = options[op] ?? 0;
    if (!(s >= 0 && s <= limits[op])) {
      throw new RangeError(`augment.colorJitter: ${op} must be in [0, ${limits[op]}], got ${s}`);
    }
  }
  if (channels !== 1 && channels !== 3) {
    throw new Error(`augment.colorJitter: expected 1 or 3 channels, got ${channels}`);
  }
  const enabled = JITTER_OPS.filter((op) =>
    (options[op] ?? 0) > 0 && (channels === 3 || op === "brightness" || op === "contrast")
  );
  const [kApply, kAmount, kOrder] = random.split(key, 3);
  const apply = random.uniformArray(kApply, count);
  const u = random.uniformArray(kAmount, count * JITTER_OPS.length);
  const sortKeys = random.uniformArray(kOrder, count * enabled.length);
  return Array.from({ length: count }, (_, i) => {
    const amount = (op: JitterOp, j: number) =>
      (op === "hue" ? 0 : 1) + (options[op] ?? 0) * (2 * u[i * JITTER_OPS.length + j] - 1);
    const keyed = enabled.map((op, j) => ({ op, sortKey: sortKeys[i * enabled.length + j] }));
    return {
      order: apply[i] < probability
        ? keyed.sort((a, b) => a.sortKey - b.sortKey).map(({ op }) => op)
        : [],
      amounts: {
        brightness: amount("brightness", 0),
        contrast: amount("contrast", 1),
        saturation: amount("saturation", 2),
        hue: amount("hue", 3),
      },
    };
  });
}

/**
 * Randomly jitters brightness, contrast, saturation and hue (see {@link ColorJitterOptions}
 * and {@link sampleColorJitter}), per sample, in a random order per sample, clipping to [0, 1]
 * after each operation. Single-channel images get brightness and contrast only. Consumes
 * nothing.
 *
 * @example
 * ```ts
 * import { data, random, tf } from "@byol/tfjs";
 *
 * const [kData, key] = random.split(random.key(0));
 * const images = random.uniform(kData, [8, 28, 28, 1]) as tf.Tensor4D; // pixels in [0, 1)
 * const jittered = data.colorJitter(key, images, {
 *   probability: 0.8, brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1,
 * });
 * tf.dispose([images, jittered]);
 * ```
 */
export function colorJitter(
  key: Key,
  images: tf.Tensor4D,
  options: ColorJitterOptions,
): tf.Tensor4D {
  const x = checkImages(images, "colorJitter");
  const [n, , , channels] = x.shape;
  const draws = sampleColorJitter(key, n, channels, options);
  const steps = Math.max(0, ...draws.map((d) => d.order.length));
  return tf.tidy(() => {
    if (steps === 0) return x.clone();
    let current = x;
    let rows = Array.from({ length: n }, (_, i) => i); // the sample held by each row
    const rowOfSample = () => {
      const rowOf = new Int32Array(n);
      rows.forEach((s, r) => (rowOf[s] = r));
      return rowOf;
    };
    for (let step = 0; step < steps; step++) {
      // Regroup rows by the op each sample does at this step; samples without one go last.
      const groups = [...JITTER_OPS, undefined].map((op) =>
        rows.filter((s) => draws[s].order[step] === op)
      );
      const next = groups.flat();
      if (next.some((s, r) => s !== rows[r])) {
        const rowOf = rowOfSample();
        current = gatherImages(current, Int32Array.from(next, (s) => rowOf[s]));
      }
      const parts: tf.Tensor4D[] = [];
      let begin = 0;
      groups.forEach((group, g) => {
        if (group.length === 0) return;
        const chunk = tf.slice(current, [begin, 0, 0, 0], [group.length, -1, -1, -1]);
        begin += group.length;
        const op = JITTER_OPS[g];
        parts.push(
          op === undefined ? chunk : ADJUSTMENTS[op](
            chunk,
            perSample(Float32Array.from(group, (s) => draws[s].amounts[op])),
          ),
        );
      });
      current = parts.length === 1 ? parts[0] : tf.concat4d(parts, 0);
      rows = next;
    }
    return rows.every((s, r) => s === r) ? current : gatherImages(current, rowOfSample());
  });
}

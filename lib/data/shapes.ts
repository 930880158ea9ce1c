/**
 * `shapes`: a synthetic labelled image dataset drawn procedurally from a random key, so training
 * and tests run anywhere without files. Each image shows one shape of its class (circle, ring,
 * square, frame, triangle, cross, bar, dots) at a random position, scale, rotation and
 * intensity (and colour, for 3 channels) over a dark background with Gaussian pixel noise. The
 * classes differ in topology and outline, so they stay separable under any pose.
 *
 * @module
 */
import { checkDataset, type ImageDataset } from "./dataset.ts";
import * as random from "../random.ts";
import type { Key } from "../random.ts";

/**
 * The class names of {@link shapes}, indexed by label.
 *
 * @example
 * ```ts
 * import { data, random } from "@byol/tfjs";
 *
 * const set = data.shapes(random.key(0), { count: 8 });
 * const names = Array.from(set.labels, (label) => data.SHAPE_CLASSES[label]);
 * ```
 */
export const SHAPE_CLASSES: readonly string[] = [
  "circle",
  "ring",
  "square",
  "frame",
  "triangle",
  "cross",
  "bar",
  "dots",
];

const SQRT3 = Math.sqrt(3);

/** Membership tests in the shape's own frame, where the shape fits the unit disc. */
const INSIDE: readonly ((u: number, v: number) => boolean)[] = [
  (u, v) => u * u + v * v <= 1,
  (u, v) => {
    const r2 = u * u + v * v;
    return r2 <= 1 && r2 >= 0.3;
  },
  (u, v) => Math.max(Math.abs(u), Math.abs(v)) <= 0.75,
  (u, v) => {
    const m = Math.max(Math.abs(u), Math.abs(v));
    return m <= 0.8 && m >= 0.45;
  },
  (u, v) => v >= -0.5 && SQRT3 * u + v <= 1 && -SQRT3 * u + v <= 1,
  (u, v) => {
    const a = Math.abs(u);
    const b = Math.abs(v);
    return (a <= 0.25 && b <= 0.95) || (b <= 0.25 && a <= 0.95);
  },
  (u, v) => Math.abs(u) <= 1 && Math.abs(v) <= 0.25,
  (u, v) => (Math.abs(u) - 0.6) ** 2 + v * v <= 0.16,
];

/** Options for {@link shapes}. */
export interface ShapesOptions {
  /** Number of images. */
  readonly count: number;
  /** Image height in pixels (default 28). */
  readonly height?: number;
  /** Image width in pixels (default 28). */
  readonly width?: number;
  /** 1 (grayscale, default) or 3 (each shape gets a random saturated colour). */
  readonly channels?: 1 | 3;
  /** Standard deviation of the additive pixel noise, in [0, 1] intensity units (default 0.04). */
  readonly noise?: number;
}

/** A saturated RGB colour of hue `h` in [0, 1), saturation `s` and value `v` (HSV). */
function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const channel = (n: number) => {
    const k = (n + h * 6) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  return [channel(5), channel(3), channel(1)];
}

// 2x2 subpixel offsets: coverage is the fraction of the four samples inside the shape.
const SUBPIXELS = [0.25, 0.75];

/**
 * Draws `count` labelled images of {@link SHAPE_CLASSES} from `key`. The same key and options
 * always give the same bytes; labels are balanced (each class appears `count / 8` times, give or
 * take one) in a random order. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, random } from "@byol/tfjs";
 *
 * const train = data.shapes(random.key(0), { count: 2048 });
 * const rgb = data.shapes(random.key(1), { count: 256, height: 32, width: 32, channels: 3 });
 * ```
 */
export function shapes(key: Key, options: ShapesOptions): ImageDataset {
  const { count, height = 28, width = 28, channels = 1, noise = 0.04 } = options;
  for (const [name, value] of [["count", count], ["height", height], ["width", width]] as const) {
    if (!Number.isInteger(value) || value < (name === "count" ? 0 : 4)) {
      throw new RangeError(
        `shapes: ${name} must be an integer ${name === "count" ? ">= 0" : ">= 4"}, got ${value}`,
      );
    }
  }
  if (channels !== 1 && channels !== 3) {
    throw new RangeError(`shapes: channels must be 1 or 3, got ${channels}`);
  }
  if (!(noise >= 0)) throw new RangeError(`shapes: noise must be >= 0, got ${noise}`);
  const [kLabels, kImages] = random.split(key);
  const classes = SHAPE_CLASSES.length;
  const order = random.permutationArray(kLabels, count);
  const labels = Int32Array.from(order, (j) => j % classes);
  const stride = height * width * channels;
  const images = new Uint8Array(count * stride);
  const side = Math.min(height, width);
  for (let i = 0; i < count; i++) {
    const [kPose, kNoise] = random.split(random.foldIn(kImages, i));
    const [px, py, pr, pa, pi, ph, ps] = random.uniformArray(kPose, 7);
    const radius = side * (0.2 + 0.15 * pr);
    const cx = width / 2 + (px - 0.5) * (width - 2 * radius) * 0.8;
    const cy = height / 2 + (py - 0.5) * (height - 2 * radius) * 0.8;
    const cos = Math.cos(2 * Math.PI * pa) / radius;
    const sin = Math.sin(2 * Math.PI * pa) / radius;
    const intensity = 0.55 + 0.45 * pi;
    const colour = channels === 1 ? [intensity] : hsvToRgb(ph, 0.5 + 0.5 * ps, intensity);
    const inside = INSIDE[labels[i]];
    const eps = random.normalArray(kNoise, stride);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let hits = 0;
        for (const sy of SUBPIXELS) {
          for (const sx of SUBPIXELS) {
            const dx = x + sx - cx;
            const dy = cy - (y + sy); // image rows grow downwards; the shape frame's v grows up.
            if (inside(cos * dx + sin * dy, -sin * dx + cos * dy)) hits++;
          }
        }
        const coverage = hits / 4;
        for (let c = 0; c < channels; c++) {
          const p = (y * width + x) * channels + c;
          const value = colour[c] * coverage + noise * eps[p];
          images[i * stride + p] = Math.round(255 * Math.min(1, Math.max(0, value)));
        }
      }
    }
  }
  return checkDataset({
    images,
    shape: [count, height, width, channels],
    labels,
    classNames: SHAPE_CLASSES,
    source: `shapes(${count}x${height}x${width}x${channels})`,
  });
}

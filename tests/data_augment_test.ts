import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useBackend } from "../lib/backend.ts";
import * as random from "../lib/random.ts";
import {
  augmentView,
  BYOL_VIEW_1,
  BYOL_VIEW_2,
  BYOL_VIEWS,
  byolViews,
  colorJitter,
  defaultBlurKernel,
  gaussianBlur,
  type JitterOp,
  normalize,
  randomFlip,
  randomGrayscale,
  randomResizedCrop,
  sampleColorJitter,
  sampleCropBoxes,
  SMALL_IMAGE_VIEWS,
  solarize,
} from "../lib/data/augment.ts";

await useBackend("wasm");

const uniformImages = (seed: number, shape: [number, number, number, number]) =>
  random.uniform(random.key(seed), shape) as tf.Tensor4D;

/** Per-sample max |a - b|. */
function sampleDiffs(a: tf.Tensor4D, b: tf.Tensor4D): number[] {
  return Array.from(tf.tidy(() => tf.max(tf.abs(tf.sub(a, b)), [1, 2, 3])).dataSync());
}

Deno.test("byolViews: deterministic per key, shapes and range, no leaked tensors", () => {
  const rgb = uniformImages(0, [8, 32, 32, 3]);
  const gray = uniformImages(1, [8, 28, 28, 1]);
  const before = tf.memory().numTensors;
  for (const [images, presets] of [[rgb, BYOL_VIEWS], [gray, SMALL_IMAGE_VIEWS]] as const) {
    const [a1, a2] = byolViews(random.key(5), images, presets);
    const [b1, b2] = byolViews(random.key(5), images, presets);
    const [c1, c2] = byolViews(random.key(6), images, presets);
    assert.deepEqual(a1.shape, images.shape);
    assert.deepEqual(a1.dataSync(), b1.dataSync());
    assert.deepEqual(a2.dataSync(), b2.dataSync());
    assert.notDeepEqual(a1.dataSync(), c1.dataSync());
    assert.notDeepEqual(a1.dataSync(), a2.dataSync());
    for (const v of [a1, a2]) {
      const [lo, hi] = tf.tidy(() => [tf.min(v).dataSync()[0], tf.max(v).dataSync()[0]]);
      assert.ok(lo >= 0 && hi <= 1 + 1e-6, `values in [0, 1], got [${lo}, ${hi}]`);
    }
    tf.dispose([a1, a2, b1, b2, c1, c2]);
  }
  const sized = augmentView(random.key(1), rgb, {
    ...BYOL_VIEW_1,
    crop: { ...BYOL_VIEW_1.crop, size: { height: 24, width: 20 } },
  });
  assert.deepEqual(sized.shape, [8, 24, 20, 3]);
  sized.dispose();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([rgb, gray]);
});

Deno.test("presets follow BYOL's Table 6; the blur kernel is ~10% of the image", () => {
  for (const view of [BYOL_VIEW_1, BYOL_VIEW_2]) {
    assert.deepEqual(view.crop, { scale: [0.08, 1], ratio: [3 / 4, 4 / 3] });
    assert.equal(view.flipProbability, 0.5);
    assert.deepEqual(view.colorJitter, {
      probability: 0.8,
      brightness: 0.4,
      contrast: 0.4,
      saturation: 0.2,
      hue: 0.1,
    });
    assert.equal(view.grayscaleProbability, 0.2);
    assert.deepEqual(view.blur.sigma, [0.1, 2]);
  }
  assert.deepEqual([BYOL_VIEW_1.blur.probability, BYOL_VIEW_2.blur.probability], [1, 0.1]);
  assert.deepEqual([BYOL_VIEW_1.solarizeProbability, BYOL_VIEW_2.solarizeProbability], [0, 0.2]);
  assert.deepEqual([defaultBlurKernel(224), defaultBlurKernel(32)], [23, 3]);
});

Deno.test("sampleCropBoxes: area and aspect within range, inside the image; fallback", () => {
  const boxes = sampleCropBoxes(random.key(3), 4000, { height: 224, width: 224 }, {
    scale: [0.08, 1],
    ratio: [3 / 4, 4 / 3],
  });
  const areas = boxes.map((b) => (b.height * b.width) / (224 * 224));
  const aspects = boxes.map((b) => b.width / b.height);
  for (const b of boxes) {
    assert.ok(b.top >= 0 && b.left >= 0 && b.top + b.height <= 224 && b.left + b.width <= 224);
  }
  // Rounding to whole pixels moves area and aspect slightly past the sampled values.
  assert.ok(Math.min(...areas) >= 0.075 && Math.max(...areas) <= 1, "area fraction range");
  assert.ok(Math.min(...aspects) >= 0.74 && Math.max(...aspects) <= 1.35, "aspect range");
  // Uniform draws over [0.08, 1], less some large crops that do not fit at extreme aspects.
  const sorted = [...areas].sort((a, b) => a - b);
  const [p5, p50, p95] = [sorted[200], sorted[2000], sorted[3800]];
  assert.ok(p5 < 0.15 && p50 > 0.4 && p50 < 0.6 && p95 > 0.85, `${p5}, ${p50}, ${p95}`);
  const logs = aspects.map(Math.log);
  const meanLog = logs.reduce((a, b) => a + b, 0) / logs.length;
  assert.ok(Math.abs(meanLog) < 0.01, `log-aspect centred on 0, got ${meanLog}`);
  // A 10x100 strip cannot hold a square-ish crop of 90% of its area: centre crop at ratio 4/3.
  const [fallback] = sampleCropBoxes(random.key(0), 1, { height: 10, width: 100 }, {
    scale: [0.9, 1],
  });
  assert.deepEqual(fallback, { top: 0, left: 43, height: 10, width: 13 });
});

Deno.test("randomResizedCrop resamples the box exactly; flips mirror it", () => {
  const x = uniformImages(2, [4, 6, 6, 2]);
  const whole = randomResizedCrop(random.key(1), x, { scale: [1, 1], ratio: [1, 1] });
  assert.deepEqual(sampleDiffs(whole, x), [0, 0, 0, 0]);
  const mirrored = randomResizedCrop(random.key(1), x, {
    scale: [1, 1],
    ratio: [1, 1],
    flipProbability: 1,
  });
  const reversed = tf.reverse(x, 2) as tf.Tensor4D;
  assert.deepEqual(sampleDiffs(mirrored, reversed), [0, 0, 0, 0]);
  // A 4x4 crop of a 6x6 image upsampled to 7x7 keeps the box's corner pixels.
  const crop = randomResizedCrop(random.key(2), x, {
    scale: [16 / 36, 16 / 36],
    ratio: [1, 1],
    size: { height: 7, width: 7 },
  });
  const [box] = sampleCropBoxes(random.split(random.key(2))[0], 4, { height: 6, width: 6 }, {
    scale: [16 / 36, 16 / 36],
    ratio: [1, 1],
  });
  const corner = tf.tidy(() => tf.slice(x, [0, box.top, box.left, 0], [1, 1, 1, 2]).dataSync());
  const out = tf.tidy(() => tf.slice(crop, [0, 0, 0, 0], [1, 1, 1, 2]).dataSync());
  assert.ok(Math.abs(corner[0] - out[0]) < 1e-6 && Math.abs(corner[1] - out[1]) < 1e-6);
  tf.dispose([x, whole, mirrored, reversed, crop]);
});

Deno.test("randomFlip flips about half the samples, leaving the rest untouched", () => {
  const x = uniformImages(4, [400, 4, 5, 1]);
  const flipped = randomFlip(random.key(9), x, { probability: 0.5 });
  const reversed = tf.reverse(x, 2) as tf.Tensor4D;
  const same = sampleDiffs(flipped, x).map((d) => d === 0);
  const mirrored = sampleDiffs(flipped, reversed).map((d) => d === 0);
  assert.ok(same.every((s, i) => s !== mirrored[i]), "each sample is either kept or mirrored");
  const rate = mirrored.filter(Boolean).length / 400;
  assert.ok(Math.abs(rate - 0.5) < 0.08, `flip rate ${rate}`);
  tf.dispose([x, flipped, reversed]);
});

Deno.test("solarize inverts pixels at or above the threshold with probability p", () => {
  const x = uniformImages(5, [1000, 3, 3, 1]);
  const all = solarize(random.key(1), x, { probability: 1, threshold: 0.5 });
  const [xs, ys] = [x.dataSync(), all.dataSync()];
  xs.forEach((v, i) => assert.ok(Math.abs(ys[i] - (v >= 0.5 ? 1 - v : v)) < 1e-6));
  const some = solarize(random.key(2), x, { probability: 0.3 });
  const changed = sampleDiffs(some, x).filter((d) => d > 0).length / 1000;
  assert.ok(Math.abs(changed - 0.3) < 0.05, `solarized fraction ${changed}`);
  tf.dispose([x, all, some]);
});

Deno.test("randomGrayscale gives equal channels (luma) with probability p", () => {
  const x = uniformImages(6, [500, 2, 2, 3]);
  const g = randomGrayscale(random.key(3), x, { probability: 0.2 });
  const [xs, gs] = [x.dataSync(), g.dataSync()];
  let grayCount = 0;
  for (let i = 0; i < 500; i++) {
    const o = i * 12;
    const isGray = Math.abs(gs[o] - gs[o + 1]) < 1e-6 && Math.abs(gs[o] - gs[o + 2]) < 1e-6;
    if (isGray) {
      grayCount++;
      const luma = 0.299 * xs[o] + 0.587 * xs[o + 1] + 0.114 * xs[o + 2];
      assert.ok(Math.abs(gs[o] - luma) < 1e-5);
    }
  }
  assert.ok(Math.abs(grayCount / 500 - 0.2) < 0.05, `grayscale fraction ${grayCount / 500}`);
  tf.dispose([x, g]);
});

/** Reference HSV hue rotation of one RGB pixel (the textbook conversion). */
function rotateHueReference([r, g, b]: number[], shift: number): number[] {
  const max = Math.max(r, g, b);
  const chroma = max - Math.min(r, g, b);
  if (chroma === 0) return [r, g, b];
  let h = max === r
    ? ((g - b) / chroma) % 6
    : max === g
    ? (b - r) / chroma + 2
    : (r - g) / chroma + 4;
  h = (((h / 6 + shift) % 1) + 1) % 1;
  const s = chroma / max;
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const [p, q, t] = [max * (1 - s), max * (1 - s * f), max * (1 - s * (1 - f))];
  return [[max, t, p], [q, max, p], [p, max, t], [p, q, max], [t, p, max], [max, p, q]][i % 6];
}

/** One sample's jitter on the host, op by op in its order, clipping after each. */
function jitterReference(
  pixels: number[][],
  order: readonly JitterOp[],
  amounts: Record<JitterOp, number>,
) {
  const clip = (v: number) => Math.min(1, Math.max(0, v));
  const luma = (p: number[]) => p.length === 1 ? p[0] : 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
  let px = pixels.map((p) => [...p]);
  for (const op of order) {
    const f = amounts[op];
    if (op === "brightness") px = px.map((p) => p.map((v) => clip(v * f)));
    if (op === "contrast") {
      const mean = px.reduce((a, p) => a + luma(p), 0) / px.length;
      px = px.map((p) => p.map((v) => clip(f * v + (1 - f) * mean)));
    }
    if (op === "saturation") px = px.map((p) => p.map((v) => clip(f * v + (1 - f) * luma(p))));
    if (op === "hue") px = px.map((p) => rotateHueReference(p, f).map(clip));
  }
  return px;
}

for (const channels of [3, 1]) {
  Deno.test(`colorJitter matches a per-sample host reference, random order (${channels} ch)`, () => {
    const n = 48;
    const x = uniformImages(7 + channels, [n, 3, 3, channels]);
    const options = { probability: 0.8, brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1 };
    const y = colorJitter(random.key(11), x, options);
    const draws = sampleColorJitter(random.key(11), n, channels, options);
    const [xs, ys] = [x.dataSync(), y.dataSync()];
    const px = 9 * channels;
    let maxErr = 0;
    draws.forEach(({ order, amounts }, i) => {
      const pixels = Array.from(
        { length: 9 },
        (_, p) => Array.from(xs.subarray(i * px + p * channels, i * px + (p + 1) * channels)),
      );
      jitterReference(pixels, order, amounts).flat().forEach((v, j) => {
        maxErr = Math.max(maxErr, Math.abs(v - ys[i * px + j]));
      });
    });
    assert.ok(maxErr < 1e-4, `max error ${maxErr}`);
    const orders = new Set(draws.map((d) => d.order.join(",")));
    assert.ok(orders.size >= (channels === 3 ? 12 : 3), `many orders, got ${orders.size}`);
    const allowed = channels === 3 ? 4 : 2;
    assert.ok(draws.every((d) => d.order.length === 0 || d.order.length === allowed));
    const jittered = draws.filter((d) => d.order.length > 0).length / n;
    assert.ok(jittered > 0.6 && jittered < 0.95, `jittered fraction ${jittered}`);
    tf.dispose([x, y]);
  });
}

Deno.test("gaussianBlur keeps mean brightness and constants, smooths noise, p=0 is identity", () => {
  const x = uniformImages(12, [6, 32, 32, 3]);
  const blurred = gaussianBlur(random.key(1), x, { sigma: [1.5, 2], kernelSize: 7 });
  const means = (t: tf.Tensor) => Array.from(tf.tidy(() => tf.mean(t, [1, 2, 3])).dataSync());
  const [mx, mb] = [means(x), means(blurred)];
  mx.forEach((m, i) => assert.ok(Math.abs(m - mb[i]) < 0.005, `mean ${m} -> ${mb[i]}`));
  const std = (t: tf.Tensor) => tf.tidy(() => tf.moments(t).variance.sqrt().dataSync()[0]);
  assert.ok(std(blurred) < 0.5 * std(x), "noise is smoothed");
  const flat = tf.fill([2, 9, 9, 1], 0.25) as tf.Tensor4D;
  const flatBlur = gaussianBlur(random.key(2), flat, { sigma: [0.1, 2], kernelSize: 5 });
  assert.ok(sampleDiffs(flatBlur, flat).every((d) => d < 1e-6));
  const none = gaussianBlur(random.key(3), x, { probability: 0 });
  assert.deepEqual(sampleDiffs(none, x), [0, 0, 0, 0, 0, 0]);
  assert.throws(() => gaussianBlur(random.key(3), flat, { kernelSize: 23 }), {
    message: "augment.gaussianBlur: a 23 px kernel needs images larger than 11 px for reflect " +
      "padding, got 9x9",
  });
  tf.dispose([x, blurred, flat, flatBlur, none]);
});

Deno.test("normalize and argument errors", () => {
  const x = tf.fill([1, 1, 1, 2], 0.5) as tf.Tensor4D;
  const y = normalize(x, { mean: [0.25, 0.5], std: [0.5, 2] });
  assert.deepEqual(Array.from(y.dataSync()), [0.5, 0]);
  assert.throws(() => normalize(x, { mean: [0.5], std: [1] }), {
    message: "augment.normalize: mean and std need one value per channel (2), got 1 and 1",
  });
  const ints = tf.zeros([2, 2, 2], "int32") as unknown as tf.Tensor4D;
  assert.throws(() => randomFlip(random.key(0), ints), {
    message: "augment.randomFlip: expected float32 images [batch, height, width, channels] in " +
      "[0, 1], got int32 [2, 2, 2]",
  });
  assert.throws(() => colorJitter(random.key(0), x, { hue: 0.7 }), {
    message: "augment.colorJitter: hue must be in [0, 0.5], got 0.7",
  });
  assert.throws(
    () => sampleCropBoxes(random.key(0), 1, { height: 4, width: 4 }, { scale: [0.5, 0.2] }),
    {
      message:
        "augment.sampleCropBoxes: scale must be [low, high] with 0 <= low <= high <= 1, got [0.5, 0.2]",
    },
  );
  tf.dispose([x, y, ints]);
});

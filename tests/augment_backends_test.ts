// The crop-and-flip resampling gives the same pixels on every backend: bit for bit on `cpu` and
// `wasm` (and, under lavapipe, on `webgpu`), for sweeps of thousands of boxes that include the
// ones tfjs's `cropAndResize` got wrong on `wasm` (a whole-width box touching the bottom edge was
// copied without blending rows; a box touching the right or bottom edge of a 32 px image had its
// last column or row extrapolated to 0). The other augmentations agree to float32 rounding.
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import * as random from "../lib/random.ts";
import { type CropBox, resampleBoxes } from "../lib/data/augment/crop.ts";
import {
  augmentView,
  BYOL_VIEW_1,
  BYOL_VIEW_2,
  randomResizedCrop,
  SMALL_IMAGE_VIEWS,
} from "../lib/data/augment.ts";
import { type TestBackend, valuesOn, webgpuAvailable } from "./helpers/backends.ts";

const hasWebgpu = await webgpuAvailable();
const others: TestBackend[] = hasWebgpu ? ["wasm", "webgpu"] : ["wasm"];

type Shape = readonly [height: number, width: number, channels: number];
type Size = { readonly height: number; readonly width: number };

/** Spans `[start, length]` along an axis of `extent` pixels: every length, at both borders. */
function borderSpans(extent: number): [number, number][] {
  const spans: [number, number][] = [];
  for (let length = 1; length <= extent; length++) {
    spans.push([0, length]);
    if (length < extent) spans.push([extent - length, length]);
  }
  return spans;
}

/** Every span `[start, length]` along an axis of `extent` pixels. */
function allSpans(extent: number): [number, number][] {
  const spans: [number, number][] = [];
  for (let length = 1; length <= extent; length++) {
    for (let start = 0; start + length <= extent; start++) spans.push([start, length]);
  }
  return spans;
}

/** A few spans along an axis of `extent` pixels: whole, 1 px at either end, inner, off-centre. */
function keySpans(extent: number): [number, number][] {
  const spans: [number, number][] = [[0, extent], [0, 1], [extent - 1, 1], [1, extent - 1]];
  return [...spans, [0, extent - 1], [Math.floor(extent / 3), Math.ceil(extent / 2)]];
}

/** Every pairing of row and column spans, each once unflipped and once flipped. */
function boxesOf(rows: [number, number][], columns: [number, number][]) {
  const boxes: CropBox[] = [];
  const flips: number[] = [];
  for (const [top, height] of rows) {
    for (const [left, width] of columns) {
      for (const flip of [0, 1]) {
        boxes.push({ top, left, height, width });
        flips.push(flip);
      }
    }
  }
  return { boxes, flips };
}

/** The boxes of two sweeps together. */
function both(a: ReturnType<typeof boxesOf>, b: ReturnType<typeof boxesOf>) {
  return { boxes: [...a.boxes, ...b.boxes], flips: [...a.flips, ...b.flips] };
}

/** Eight random images of `shape`, flattened, from a fixed key. */
function baseImages([height, width, channels]: Shape): Float32Array {
  return random.uniformArray(random.key(7), 8 * height * width * channels);
}

/** `resampleBoxes` of `boxes` on `backend`; sample `i` crops image `i mod 8` of `baseImages`. */
function resampleOn(
  backend: TestBackend,
  shape: Shape,
  { boxes, flips }: { boxes: CropBox[]; flips: number[] },
  size: Size,
): Promise<Float32Array> {
  const base = baseImages(shape);
  const per = base.length / 8;
  const images = new Float32Array(boxes.length * per);
  boxes.forEach((_, i) => images.set(base.subarray((i % 8) * per, (i % 8 + 1) * per), i * per));
  return valuesOn(backend, () => {
    const batch = tf.tensor4d(images, [boxes.length, ...shape]);
    return [resampleBoxes(batch, boxes, { flips, size })];
  }).then(([values]) => values);
}

/** The boxes whose outputs differ by more than `tolerance`, as readable lines. */
function differing(
  expected: Float32Array,
  actual: Float32Array,
  { boxes, flips }: { boxes: CropBox[]; flips: number[] },
  tolerance: number,
): string[] {
  assert.equal(actual.length, expected.length);
  const per = expected.length / boxes.length;
  const lines: string[] = [];
  boxes.forEach((box, i) => {
    let worst = 0;
    for (let j = i * per; j < (i + 1) * per; j++) {
      worst = Math.max(worst, Math.abs(expected[j] - actual[j]));
      if (Number.isNaN(actual[j]) !== Number.isNaN(expected[j])) worst = Infinity;
    }
    if (worst > tolerance) lines.push(`${JSON.stringify(box)} flip ${flips[i]}: ${worst}`);
  });
  return lines;
}

/** Asserts `cpu` and the other backends agree: exactly on `wasm`, to 1e-6 on `webgpu`. */
async function assertSameOnBackends(
  shape: Shape,
  sweep: { boxes: CropBox[]; flips: number[] },
  size: Size,
): Promise<Float32Array> {
  const expected = await resampleOn("cpu", shape, sweep, size);
  for (const backend of others) {
    const actual = await resampleOn(backend, shape, sweep, size);
    const bad = differing(expected, actual, sweep, backend === "wasm" ? 0 : 1e-6);
    assert.deepEqual(
      bad.slice(0, 5),
      [],
      `${bad.length} of ${sweep.boxes.length} boxes of a ${shape.join("x")} image resampled ` +
        `to ${size.height}x${size.width} differ on ${backend} from cpu (box: largest difference)`,
    );
  }
  return expected;
}

/** Bilinear resampling of one box in float64, with the documented sample positions. */
function reference(
  image: Float32Array,
  [height, width, channels]: Shape,
  box: CropBox,
  flip: boolean,
  size: Size,
): number[] {
  const at = (start: number, length: number, count: number, o: number) =>
    count > 1 ? start + (o * (length - 1)) / (count - 1) : start + (length - 1) / 2;
  const pixel = (y: number, x: number, c: number) => image[(y * width + x) * channels + c];
  const out: number[] = [];
  for (let oy = 0; oy < size.height; oy++) {
    const y = at(box.top, box.height, size.height, oy);
    const [y0, y1, wy] = [Math.floor(y), Math.ceil(y), y - Math.floor(y)];
    for (let ox = 0; ox < size.width; ox++) {
      const x = at(box.left, box.width, size.width, flip ? size.width - 1 - ox : ox);
      const [x0, x1, wx] = [Math.floor(x), Math.ceil(x), x - Math.floor(x)];
      assert.ok(y1 < height && x1 < width);
      for (let c = 0; c < channels; c++) {
        const top = pixel(y0, x0, c) * (1 - wx) + pixel(y0, x1, c) * wx;
        const bottom = pixel(y1, x0, c) * (1 - wx) + pixel(y1, x1, c) * wx;
        out.push(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return out;
}

Deno.test("resampleBoxes: boxes touching each border of 28 and 32 px images, all backends", async () => {
  for (const side of [28, 32]) {
    const sweep = both(
      boxesOf(borderSpans(side), keySpans(side)),
      boxesOf(keySpans(side), borderSpans(side)),
    );
    await assertSameOnBackends([side, side, 1], sweep, { height: side, width: side });
  }
});

Deno.test("resampleBoxes: every box of small odd-sized images, matching a float64 reference", async () => {
  const cases: [Shape, Size][] = [
    [[9, 13, 2], { height: 5, width: 11 }],
    [[7, 6, 3], { height: 9, width: 8 }],
    [[6, 7, 1], { height: 1, width: 1 }],
    [[1, 8, 1], { height: 3, width: 8 }],
    [[5, 5, 1], { height: 1, width: 4 }],
  ];
  for (const [shape, size] of cases) {
    const sweep = boxesOf(allSpans(shape[0]), allSpans(shape[1]));
    const values = await assertSameOnBackends(shape, sweep, size);
    const images = baseImages(shape);
    const per = shape[0] * shape[1] * shape[2];
    const bad = sweep.boxes.filter((box, i) => {
      const expected = reference(
        images.subarray((i % 8) * per, (i % 8 + 1) * per),
        shape,
        box,
        sweep.flips[i] === 1,
        size,
      );
      const offset = i * expected.length;
      return expected.some((v, j) => Math.abs(v - values[offset + j]) > 1e-6);
    });
    assert.deepEqual(bad.slice(0, 5), [], `${bad.length} boxes of ${shape.join("x")} differ`);
  }
});

Deno.test("randomResizedCrop and the BYOL views: cpu and wasm crops are identical", async () => {
  const cases = [
    { shape: [28, 28, 1] as const, scale: SMALL_IMAGE_VIEWS[0].crop.scale },
    { shape: [32, 32, 3] as const, scale: BYOL_VIEW_1.crop.scale },
  ];
  for (const { shape, scale } of cases) {
    const crops = (backend: TestBackend) =>
      valuesOn(backend, () => {
        const images = random.uniform(random.key(1), [64, ...shape]) as tf.Tensor4D;
        return Array.from(
          { length: 8 },
          (_, step) => randomResizedCrop(random.key(step), images, { scale, flipProbability: 0.5 }),
        );
      });
    const expected = await crops("cpu");
    const actual = await crops("wasm");
    expected.forEach((e, step) => {
      const differ = e.filter((x, i) => x !== actual[step][i]).length;
      assert.equal(differ, 0, `step ${step}: ${differ} of ${e.length} ${shape.join("x")} pixels`);
    });
  }
});

Deno.test("whole BYOL views agree across backends to float32 rounding", async () => {
  // Colour jitter's means and lumas and the blur's convolution sum in a different order (and
  // precision) per backend, so only the crop is bit-exact.
  const views = (backend: TestBackend) =>
    valuesOn(backend, () => {
      const images = random.uniform(random.key(2), [32, 32, 32, 3]) as tf.Tensor4D;
      return [BYOL_VIEW_1, BYOL_VIEW_2].map((view, v) => augmentView(random.key(v), images, view));
    });
  const expected = await views("cpu");
  for (const backend of others) {
    const actual = await views(backend);
    expected.forEach((e, v) => {
      const worst = e.reduce((m, x, i) => Math.max(m, Math.abs(x - actual[v][i])), 0);
      assert.ok(worst < 1e-5, `view ${v + 1} on ${backend}: largest difference ${worst}`);
    });
  }
});

Deno.test("resampleBoxes rejects boxes outside the images or of the wrong count", () => {
  const images = tf.zeros([2, 6, 5, 1]) as tf.Tensor4D;
  const ok = { top: 0, left: 0, height: 6, width: 5 };
  const options = { flips: [0, 0], size: { height: 3, width: 3 } };
  for (const box of [{ ...ok, top: 1 }, { ...ok, width: 0 }, { ...ok, left: 0.5, width: 4 }]) {
    assert.throws(
      () => resampleBoxes(images, [ok, box], options),
      /resampleBoxes: expected 2 boxes of whole pixels inside the 6x5 images, got box 1/,
    );
  }
  assert.throws(() => resampleBoxes(images, [ok], options), /got 1$/);
  tf.dispose(resampleBoxes(images, [ok, ok], options));
  images.dispose();
});

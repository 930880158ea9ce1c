/**
 * BYOL two-view augmentation throughput on the wasm CPU path, for batches of 256: 28x28x1 with
 * the small-image presets and 32x32x3 with the paper's presets, plus the time of each stage of
 * one 32x32x3 view. Images per second count input images (each gets both views); times are
 * medians in milliseconds.
 *
 * Run with `deno run -A bench/augment.ts`, or call {@link run} from a bench driver.
 *
 * @module
 */
import { data, random, tf } from "../mod.ts";
import { useDenoBackend } from "../deno.ts";

const BATCH = 256;
const REPS = 9;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const round = (x: number) => Math.round(x * 10) / 10;

/** Median milliseconds of `compute` (awaiting its outputs) over `REPS` runs after a warm-up. */
async function time(compute: (rep: number) => tf.Tensor[]): Promise<number> {
  const samples: number[] = [];
  for (let rep = 0; rep <= REPS; rep++) {
    const start = performance.now();
    const outputs = compute(rep);
    for (const out of outputs) await out.data();
    const elapsed = performance.now() - start;
    tf.dispose(outputs);
    if (rep > 0) samples.push(elapsed);
  }
  return round(median(samples));
}

/** A batch of `shapes` images as float32 in [0, 1]. */
function batch(height: number, width: number, channels: 1 | 3): tf.Tensor4D {
  const ds = data.shapes(random.key(0), { count: BATCH, height, width, channels });
  return tf.tensor4d(Float32Array.from(ds.images, (v) => v / 255), [
    BATCH,
    height,
    width,
    channels,
  ]);
}

async function twoViews(
  images: tf.Tensor4D,
  presets: readonly [data.ViewPreset, data.ViewPreset],
): Promise<Record<string, number>> {
  const ms = await time((rep) => data.byolViews(random.key(rep), images, presets));
  return { msPerBatch: ms, imagesPerSecond: Math.round((BATCH * 1000) / ms) };
}

/** Runs the benchmark and returns its figures. */
export async function run(): Promise<Record<string, unknown>> {
  await useDenoBackend("wasm");
  const gray = batch(28, 28, 1);
  const rgb = batch(32, 32, 3);
  const k = (rep: number) => random.key(rep);
  const { colorJitter: jitter, blur, crop, flipProbability } = data.BYOL_VIEW_1;
  const result = {
    backend: tf.getBackend(),
    batch: BATCH,
    reps: REPS,
    "28x28x1 small-image views": await twoViews(gray, data.SMALL_IMAGE_VIEWS),
    "32x32x3 paper views": await twoViews(rgb, data.BYOL_VIEWS),
    "32x32x3 view-1 stages (ms)": {
      cropAndFlip: await time((
        r,
      ) => [data.randomResizedCrop(k(r), rgb, { ...crop, flipProbability })]),
      colorJitter: await time((r) => [data.colorJitter(k(r), rgb, jitter)]),
      grayscale: await time((r) => [data.randomGrayscale(k(r), rgb, { probability: 0.2 })]),
      blur: await time((r) => [data.gaussianBlur(k(r), rgb, blur)]),
      solarize: await time((r) => [data.solarize(k(r), rgb, { probability: 0.2 })]),
    },
  };
  tf.dispose([gray, rgb]);
  return result;
}

if (import.meta.main) {
  console.log(JSON.stringify(await run(), null, 2));
}

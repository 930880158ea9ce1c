/**
 * Writes a PNG grid of BYOL's two augmented views: each row is an original image, its view 1
 * and its view 2. Uses Fashion-MNIST's test split when it is found locally (never downloads),
 * else the synthetic `shapes` dataset; `--dataset shapes-rgb` shows 32x32 colour shapes with
 * the paper's presets. Images up to 32 px get the small-image presets unless `--preset paper`.
 *
 * Run: `deno task augment-preview [--out runs/augment_preview.png] [--data DIR] [--rows 8]
 * [--seed 0] [--dataset fashion-mnist|shapes|shapes-rgb] [--preset small|paper]`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { encode } from "fast-png";
import { useBackend } from "../lib/backend.ts";
import * as random from "../lib/random.ts";
import { BYOL_VIEWS, byolViews, SMALL_IMAGE_VIEWS } from "../lib/data/augment.ts";
import { type ImageDataset, selectExamples } from "../lib/data/dataset.ts";
import { shapes } from "../lib/data/shapes.ts";
import { loadFashionMnist } from "../lib/data/io/mnist.ts";

const SCALE = 4;
const GAP = 4;
const BACKGROUND = 96;

/**
 * Lays out `columns` batches (each `[rows, h, w, c]` floats in [0, 1]) side by side, one
 * example per row, scaled up `SCALE` times with nearest-neighbour, as PNG pixel bytes.
 */
function grid(columns: Float32Array[], [rows, h, w, c]: number[]) {
  const width = columns.length * (w * SCALE + GAP) + GAP;
  const height = rows * (h * SCALE + GAP) + GAP;
  const data = new Uint8Array(width * height * c).fill(BACKGROUND);
  columns.forEach((pixels, col) => {
    for (let r = 0; r < rows; r++) {
      for (let y = 0; y < h * SCALE; y++) {
        for (let x = 0; x < w * SCALE; x++) {
          const src = ((r * h + Math.floor(y / SCALE)) * w + Math.floor(x / SCALE)) * c;
          const top = GAP + r * (h * SCALE + GAP) + y;
          const left = GAP + col * (w * SCALE + GAP) + x;
          for (let ch = 0; ch < c; ch++) {
            data[(top * width + left) * c + ch] = Math.round(255 * pixels[src + ch]);
          }
        }
      }
    }
  });
  return { width, height, channels: c, data };
}

const DATASETS = ["fashion-mnist", "shapes", "shapes-rgb"] as const;

async function chooseData(name: string, dir: string | undefined): Promise<ImageDataset> {
  if (name === "shapes-rgb") {
    return shapes(random.key(0), { count: 256, height: 32, width: 32, channels: 3 });
  }
  if (name === "fashion-mnist") {
    try {
      return await loadFashionMnist({ split: "test", dir, download: false });
    } catch (err) {
      console.error(`${(err as Error).message}\nusing the synthetic shapes dataset instead`);
    }
  }
  return shapes(random.key(0), { count: 256 });
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      out: { type: "string", default: "runs/augment_preview.png" },
      data: { type: "string" },
      rows: { type: "string", default: "8" },
      seed: { type: "string", default: "0" },
      preset: { type: "string" },
      dataset: { type: "string", default: "fashion-mnist" },
    },
  });
  const rows = Number(values.rows);
  const seed = Number(values.seed);
  if (!Number.isInteger(rows) || rows < 1) {
    throw new Error(`--rows: expected a positive integer, got ${values.rows}`);
  }
  if (!(DATASETS as readonly string[]).includes(values.dataset)) {
    throw new Error(`--dataset: expected one of ${DATASETS.join(", ")}, got "${values.dataset}"`);
  }
  await useBackend("auto");
  const dataset = await chooseData(values.dataset, values.data);
  const [, h, w] = dataset.shape;
  const preset = values.preset ?? (Math.max(h, w) <= 32 ? "small" : "paper");
  if (preset !== "small" && preset !== "paper") {
    throw new Error(`--preset: expected "small" or "paper", got "${preset}"`);
  }
  const [kPick, kViews] = random.split(random.key(seed));
  const picked = selectExamples(
    dataset,
    random.permutationArray(kPick, dataset.shape[0]).subarray(0, rows),
  );
  const images = tf.tensor4d(
    Float32Array.from(picked.images, (v) => v / 255),
    picked.shape as [number, number, number, number],
  );
  const [v1, v2] = byolViews(kViews, images, preset === "small" ? SMALL_IMAGE_VIEWS : BYOL_VIEWS);
  const columns = await Promise.all([images, v1, v2].map((t) => t.data() as Promise<Float32Array>));
  tf.dispose([images, v1, v2]);
  await Deno.mkdir(dirname(values.out), { recursive: true });
  await Deno.writeFile(values.out, encode(grid(columns, [...picked.shape])));
  const names = Array.from(picked.labels, (l) => picked.classNames[l]).join(", ");
  console.log(
    `wrote ${values.out}: ${rows} rows (original | view 1 | view 2) from ${dataset.source}, ` +
      `${preset} presets; rows are ${names}`,
  );
}

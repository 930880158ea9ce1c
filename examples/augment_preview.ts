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
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { encode } from "fast-png";
import { data, type ImageDataset, random, tf } from "@byol/tfjs";
import { loadFashionMnist, useDenoBackend } from "@byol/tfjs/deno";

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
    return data.shapes(random.key(0), { count: 256, height: 32, width: 32, channels: 3 });
  }
  if (name === "fashion-mnist") {
    try {
      return await loadFashionMnist({ split: "test", dir, download: false });
    } catch (err) {
      console.error(`${(err as Error).message}\nusing the synthetic shapes dataset instead`);
    }
  }
  return data.shapes(random.key(0), { count: 256 });
}

const USAGE = `Usage: deno task augment-preview [OPTIONS]

Writes a PNG of images next to their two BYOL views: each row is an original image, its view 1
and its view 2.

Options:
  --out FILE       Where to write the PNG (default runs/augment_preview.png).
  --dataset NAME   ${DATASETS.join(", ")} (default fashion-mnist: the local test split, never
                   downloaded; the synthetic shapes when it is not found).
  --data DIR       The directory holding Fashion-MNIST's IDX files.
  --rows N         How many images (default 8).
  --seed N         The random key's seed (default 0).
  --preset NAME    small or paper (default small for images up to 32 px, else paper).
  -h, --help       Print this text and exit.`;

/** Exit code of a usage error (as most CLIs). */
const USAGE_ERROR = 2;

function usageError(problem: string): never {
  console.error(
    `deno task augment-preview: ${problem}\nRun deno task augment-preview --help for the flags.`,
  );
  Deno.exit(USAGE_ERROR);
}

if (import.meta.main) {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        out: { type: "string", default: "runs/augment_preview.png" },
        data: { type: "string" },
        rows: { type: "string", default: "8" },
        seed: { type: "string", default: "0" },
        preset: { type: "string" },
        dataset: { type: "string", default: "fashion-mnist" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    // parseArgs' first sentence names the problem; the rest is advice about positionals.
    usageError((err as Error).message.split(". ")[0]);
  }
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const rows = Number(values.rows);
  const seed = Number(values.seed);
  if (!/^\d+$/.test(values.rows) || rows < 1) {
    usageError(`--rows "${values.rows}": expected a positive integer`);
  }
  if (!/^\d+$/.test(values.seed)) {
    usageError(`--seed "${values.seed}": expected an integer >= 0`);
  }
  if (!(DATASETS as readonly string[]).includes(values.dataset)) {
    usageError(`--dataset "${values.dataset}": expected one of ${DATASETS.join(", ")}`);
  }
  if (values.preset !== undefined && values.preset !== "small" && values.preset !== "paper") {
    usageError(`--preset "${values.preset}": expected small or paper`);
  }
  await useDenoBackend("auto");
  const dataset = await chooseData(values.dataset, values.data);
  const [, h, w] = dataset.shape;
  const preset = values.preset ?? (Math.max(h, w) <= 32 ? "small" : "paper");
  const [kPick, kViews] = random.split(random.key(seed));
  const picked = data.selectExamples(
    dataset,
    random.permutationArray(kPick, dataset.shape[0]).subarray(0, rows),
  );
  const images = tf.tensor4d(
    Float32Array.from(picked.images, (v) => v / 255),
    picked.shape as [number, number, number, number],
  );
  const [v1, v2] = data.byolViews(
    kViews,
    images,
    preset === "small" ? data.SMALL_IMAGE_VIEWS : data.BYOL_VIEWS,
  );
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

/// <reference lib="dom" />
/**
 * BYOL in a browser tab: the page script of `deno task demo`, bundled for the browser from the
 * package's browser-safe entry points only. It draws the `shapes` dataset in the page, trains a
 * small variant of the fashion-mnist preset on tfjs's best backend there (WebGPU on a hardware
 * GPU, else WebGL on a hardware renderer, else wasm), and shows the loss, images/s, the kNN
 * accuracy and the embedding of the test images as it learns.
 *
 * Query parameters (for tests and slow machines): `steps` (default 300), `batch` (32), `every`
 * (kNN and embedding every so many steps, 50), `train` (training images, 2048), `test` (test
 * images, 300), `backend` (`webgpu`, `webgl`, `wasm` or `cpu`), `embedding` (`umap` or `pca`).
 *
 * `globalThis.demo` holds the state for tests: `backend`, `losses`, `knn`, `imagesPerSecond`,
 * `embedding`, `done` (true at the end) and `error`.
 *
 * @module
 */
import uPlot from "uplot";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import {
  type Batch,
  data,
  type Embedding,
  evaluation,
  gpuAdapter,
  plot,
  random,
  runSteps,
  tf,
  tree,
  useBackend,
} from "../../../mod.ts";
import { byol, type ByolPreset, encoderPreset, fashionMnist, fromPreset } from "../mod.ts";

/** The fashion-mnist preset made small enough to train in a tab on a CPU. */
const browserPreset: ByolPreset = {
  ...fashionMnist,
  name: "browser",
  description: "fashion-mnist's recipe with a 4-layer conv net of 16-64 channels, for a browser",
  encoder: encoderPreset("convnet", {
    channels: [16, 32, 32, 64],
    strides: [1, 2, 1, 2],
    poolGrid: 2,
  }),
  projector: { hidden: 256, out: 64 },
  predictor: { hidden: 256, out: 64 },
};

const params = new URLSearchParams(location.search);
const int = (name: string, fallback: number) => {
  const v = Number(params.get(name) ?? fallback);
  return Number.isInteger(v) && v > 0 ? v : fallback;
};
const settings = {
  steps: int("steps", 300),
  batch: int("batch", 32),
  every: int("every", 50),
  train: int("train", 2048),
  test: int("test", 300),
  backend: params.get("backend"),
  embedding: params.get("embedding") === "pca" ? "pca" as const : "auto" as const,
};

interface DemoState {
  backend: string | null;
  reason: string;
  losses: number[];
  knn: { step: number; k20: number; k200: number } | null;
  imagesPerSecond: number | null;
  embedding: Embedding | null;
  done: boolean;
  error: string | null;
}
const demo: DemoState = {
  backend: null,
  reason: "",
  losses: [],
  knn: null,
  imagesPerSecond: null,
  embedding: null,
  done: false,
  error: null,
};
Object.assign(globalThis, { demo });

const $ = (id: string) => document.getElementById(id)!;
const say = (id: string, text: string) => ($(id).textContent = text);

/** A WebGL renderer that draws on the CPU (SwiftShader, llvmpipe) is slower than wasm. */
function hardwareWebgl(): string | null {
  const gl = document.createElement("canvas").getContext("webgl2");
  if (!gl) return null;
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  const renderer = String(
    info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER),
  );
  return /swiftshader|llvmpipe|software/i.test(renderer) ? null : renderer;
}

/** The backend asked for, else WebGPU on a hardware GPU, WebGL on a hardware renderer, wasm. */
async function chooseBackend(): Promise<{ name: string; reason: string }> {
  setWasmPaths("/wasm/");
  const asked = settings.backend;
  if (asked === "webgl") {
    if (!(await tf.setBackend("webgl"))) throw new Error("this browser has no WebGL");
    return { name: "webgl", reason: "asked for" };
  }
  if (asked === "webgpu" || asked === "wasm" || asked === "cpu") return await useBackend(asked);
  const adapter = await gpuAdapter();
  if (adapter && !adapter.software) return await useBackend("webgpu");
  const renderer = hardwareWebgl();
  if (renderer && (await tf.setBackend("webgl"))) {
    return { name: "webgl", reason: `no hardware WebGPU; WebGL on ${renderer}` };
  }
  const { name, reason } = await useBackend("wasm");
  return { name, reason: reason.replace(/^asked for/, "no hardware WebGPU or WebGL") };
}

function lossChart(): uPlot {
  return new uPlot(
    {
      width: Math.min(560, document.body.clientWidth - 40),
      height: 240,
      scales: { x: { time: false } },
      axes: [{ label: "step" }, { label: "BYOL loss", size: 56 }],
      series: [
        { label: "step" },
        { label: "loss", stroke: "#33228855", width: 1 },
        { label: "smoothed", stroke: "#332288", width: 2 },
      ],
    },
    [[], [], []],
    $("chart"),
  );
}

function drawEmbedding(e: Embedding): void {
  const canvas = $("embedding") as HTMLCanvasElement;
  const ctx = canvas.getContext("2d")!;
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  const xs = e.points.filter((_, i) => i % 2 === 0);
  const ys = e.points.filter((_, i) => i % 2 === 1);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const pad = 8;
  e.labels.forEach((label, i) => {
    ctx.fillStyle = plot.PALETTE[label % plot.PALETTE.length];
    ctx.beginPath();
    const x = pad + (xs[i] - x0) / (x1 - x0 || 1) * (width - 2 * pad);
    const y = height - pad - (ys[i] - y0) / (y1 - y0 || 1) * (height - 2 * pad);
    ctx.arc(x, y, 2.5, 0, 2 * Math.PI);
    ctx.fill();
  });
  say(
    "embedding-caption",
    `${e.method.toUpperCase()} of ${e.labels.length} test images at step ${e.step}`,
  );
  $("legend").replaceChildren(...e.classNames.map((name, c) => {
    const item = document.createElement("span");
    item.innerHTML = `<i style="background:${plot.PALETTE[c % plot.PALETTE.length]}"></i>`;
    item.append(name);
    return item;
  }));
}

async function main(): Promise<void> {
  const backend = await chooseBackend();
  demo.backend = backend.name;
  demo.reason = backend.reason;
  say("backend", `${backend.name} (${backend.reason})`);
  const [kTrain, kTest, kInit, kData, kStep, kUmap] = random.split(random.key(0), 6);
  const train = data.shapes(kTrain, { count: settings.train });
  const test = data.shapes(kTest, { count: settings.test });
  const stepsPerEpoch = Math.floor(settings.train / settings.batch);
  const model = byol(fromPreset(browserPreset, {
    stepsPerEpoch,
    epochs: settings.steps / stepsPerEpoch,
    batchSize: settings.batch,
  }));
  let state = model.init(kInit, [...browserPreset.inputShape]);
  const chart = lossChart();
  const steps: number[] = [];
  const smoothed = () => plot.smooth(demo.losses, plot.smoothingWeight(demo.losses.length));
  let started = performance.now();
  let images = 0;

  const monitor = async (step: number) => {
    say("knn", `kNN: evaluating at step ${step}…`);
    const result = await evaluation.evaluate({
      encode: (x) => model.encode(state, x),
      train,
      test,
      knn: { k: [20, 200], temperature: 0.1 },
      probe: false,
    });
    demo.knn = { step, k20: result.knn.k20, k200: result.knn.k200 };
    say(
      "knn",
      `kNN accuracy at step ${step}: k=20 ${(100 * result.knn.k20).toFixed(1)}%, ` +
        `k=200 ${(100 * result.knn.k200).toFixed(1)}% (chance ${
          (100 / train.classNames.length).toFixed(1)
        }%)`,
    );
    const { values, dim, labels } = result.features.test;
    demo.embedding = await plot.embedding2d({
      features: values,
      columns: dim,
      labels,
      classNames: test.classNames,
      step,
      key: kUmap,
      method: settings.embedding,
      umapEpochs: 200,
    });
    drawEmbedding(demo.embedding);
    started = performance.now();
    images = 0;
  };

  await monitor(0);
  let step = 0;
  for (let epoch = 0; step < settings.steps; epoch++) {
    const batches = data.epochBatches(random.foldIn(kData, epoch), train, {
      batchSize: settings.batch,
      dropRemainder: true,
    });
    state = await runSteps({
      state,
      step: (s, { images: x, labels }: Batch) => {
        try {
          return model.step(s, x, kStep);
        } finally {
          tf.dispose([x, labels]);
        }
      },
      inputs: batches,
      steps: Math.min(stepsPerEpoch, settings.steps - step),
      onStep: async ({ state: next, metrics }) => {
        state = next;
        step = next.step;
        const loss = (await metrics.loss.data())[0];
        images += settings.batch;
        demo.imagesPerSecond = images / ((performance.now() - started) / 1000);
        demo.losses.push(loss);
        steps.push(step);
        chart.setData([steps, demo.losses, smoothed()]);
        say(
          "progress",
          `step ${step} / ${settings.steps} · loss ${loss.toFixed(3)} · ` +
            `${demo.imagesPerSecond.toFixed(0)} images/s on ${backend.name}`,
        );
        if (step % settings.every === 0 && step < settings.steps) await monitor(step);
      },
    });
  }
  await monitor(step);
  tree.dispose(state);
  say("progress", `${$("progress").textContent} · done`);
  demo.done = true;
}

main().catch((err) => {
  demo.error = String(err?.stack ?? err);
  say("progress", `failed: ${err?.message ?? err}`);
  console.error(err);
});

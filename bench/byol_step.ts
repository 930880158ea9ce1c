/**
 * The BYOL training step, timed: ms/step, images/s, achieved GFLOP/s, peak RSS and tensor count
 * per backend, side by side with PyTorch (bench/peers/byol_step.py, Debian's python3-torch at 2
 * threads) in alternating runs, and how the cost grows with batch size (default preset) and
 * width (ResNet-18 with the stride-2 stem).
 *
 * By default it times, in one run, the three configurations of issue 13's targets: the default
 * preset at batch 64 and at batch 256, and ResNet-18 with the small stem at width 0.5 at batch
 * 256, each as the median of `--pairs` alternating pairs (ours, then PyTorch) with the median of
 * the pairs' ratios; then the sweeps.
 *
 * Run: `deno run -A bench/byol_step.ts [--pairs 5] [--steps 5] [--warmup 2]
 * [--backends wasm,webgpu] [--configs preset-b64,preset-b256,resnet18-small-w0.5-b256] [--quick]
 * [--batch N] [--no-pytorch] [--no-sweep] [--soak 500 --soak-batch 64] [--out FILE]`. `--quick`
 * times the first configuration alone, without the sweeps; `--batch N` gives every configuration
 * batch N (a smoke run on a slow backend); `--no-pytorch` reports ours alone (as when PyTorch is
 * missing); `--soak N` also runs N steps and samples tensor count and RSS; `--out` also writes the
 * figures as JSON to FILE. `bench/device/` runs it on a GPU machine as
 * `--backends webgpu --no-pytorch`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type BackendName, gpuAdapter, random, runSteps, tf, tree } from "../mod.ts";
import { ensureRuntimeDir, useDenoBackend } from "../deno.ts";
import {
  byol,
  type ByolPreset,
  type EncoderPreset,
  fashionMnist,
  fromPreset,
  type ResNetPreset,
} from "../models/byol/mod.ts";
import { countFlops } from "./flops.ts";

const PYTHON = "/usr/bin/python3";
const PEER = new URL("./peers/byol_step.py", import.meta.url).pathname;

/** One timed configuration: a preset with its encoder and batch possibly changed. */
interface Config {
  /** What `--configs` calls it. */
  readonly id?: string;
  readonly name: string;
  readonly preset: ByolPreset;
  readonly batchSize: number;
}

/** The default preset with a ResNet-18 encoder (the stride-2 stem at `width` by default). */
function withResNet18(width: number, stem: ResNetPreset["stem"] = "strided"): ByolPreset {
  return { ...fashionMnist, encoder: { arch: "resnet18", stem, width } };
}

/** The encoder's flags for the PyTorch peer. */
function peerEncoderArgs(encoder: EncoderPreset): string[] {
  if (encoder.arch === "convnet") {
    return [
      ...["--arch", "convnet", "--channels", encoder.channels.join(",")],
      ...["--strides", encoder.strides.join(","), "--pool-grid", String(encoder.poolGrid)],
    ];
  }
  if (encoder.arch !== "resnet18" && encoder.arch !== "resnet34" && encoder.arch !== "resnet50") {
    throw new Error(`the PyTorch peer has no such encoder: ${JSON.stringify(encoder)}`);
  }
  const depth = encoder.arch.replace("resnet", "");
  return ["--depth", depth, "--width", String(encoder.width), "--stem", encoder.stem];
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface OursResult {
  readonly msPerStep: number[];
  readonly peakRssMiB: number;
  readonly tensorsAfterWarmup: number;
  readonly tensorsAtEnd: number;
  /** The last step's loss: a sanity check that the backend computed the step. */
  readonly lossAtEnd: number;
}

/** Times `steps` BYOL steps after `warmup` steps; each step ends with a read of its loss. */
async function timeOurs(config: Config, steps: number, warmup = 2): Promise<OursResult> {
  const { preset, batchSize } = config;
  const model = byol(fromPreset(preset, { stepsPerEpoch: 1000, batchSize }));
  const images = random.uniform(random.key(1), [batchSize, ...preset.inputShape]);
  const ms: number[] = [];
  let peakRss = 0;
  let tensorsAfterWarmup = 0;
  let t0 = 0;
  let lossAtEnd = NaN;
  const state = await runSteps({
    state: model.init(random.key(0), preset.inputShape),
    step: (s, _, index) => {
      if (index === warmup) tensorsAfterWarmup = tf.memory().numTensors;
      t0 = performance.now();
      return model.step(s, images, random.key(2));
    },
    steps: warmup + steps,
    onStep: async ({ metrics, index }) => {
      lossAtEnd = (await metrics.loss.data())[0];
      if (index >= warmup) ms.push(performance.now() - t0);
      peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
    },
  });
  const tensorsAtEnd = tf.memory().numTensors;
  tree.dispose(state);
  images.dispose();
  return {
    msPerStep: ms,
    peakRssMiB: peakRss / 2 ** 20,
    tensorsAfterWarmup,
    tensorsAtEnd,
    lossAtEnd,
  };
}

/**
 * FLOPs of one step: two views, each through the online network and predictor forward and
 * backward (backward counted as twice the forward) and through the target network forward.
 */
async function stepFlops(config: Config): Promise<number> {
  const { preset } = config;
  const model = byol(fromPreset(preset, { stepsPerEpoch: 1000 }));
  const state = model.init(random.key(0), preset.inputShape);
  const probeBatch = 4;
  const x = random.uniform(random.key(1), [probeBatch, ...preset.inputShape]);
  const online = await countFlops(() => {
    const o = model.online.apply(state.online, state.bnState.online, x, { training: true });
    return [o.y, ...tree.leaves(o.state)];
  });
  const predictor = await countFlops(() => {
    const z = tf.zeros([probeBatch, preset.projector.out]);
    const p = model.predictor.apply(state.predictor, state.bnState.predictor, z, {
      training: true,
    });
    return [p.y, ...tree.leaves(p.state)];
  });
  tree.dispose(state);
  x.dispose();
  return (2 * (3 * (online + predictor) + online) * config.batchSize) / probeBatch;
}

async function hasPyTorch(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(PYTHON, {
      args: ["-c", "import torch"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return success;
  } catch {
    return false;
  }
}

/**
 * PyTorch's per-step milliseconds for the same configuration, after the same number of warm-up
 * steps (OpenBLAS overrides unset).
 */
async function timePyTorch(config: Config, steps: number, warmup: number): Promise<number[]> {
  const { preset, batchSize } = config;
  const env = { ...Deno.env.toObject() };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const args = [
    PEER,
    ...peerEncoderArgs(preset.encoder),
    ...["--solarize", String(preset.views[1].solarizeProbability)],
    ...["--batch", String(batchSize), "--size", String(preset.inputShape[0])],
    ...["--hidden", String(preset.projector.hidden), "--proj", String(preset.projector.out)],
    ...[
      "--min-scale",
      String(preset.views[0].crop.scale[0]),
      "--steps",
      String(steps),
      "--warmup",
      String(warmup),
      "--threads",
      "2",
    ],
  ];
  const out = await new Deno.Command(PYTHON, {
    args,
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`PyTorch peer failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  return JSON.parse(lines[lines.length - 1]).ms;
}

const fmt = (x: number, digits = 1) => x.toFixed(digits);

/** Tensor count and RSS along `steps` steps, sampled every `every` steps, to show both flat. */
async function soak(
  config: Config,
  steps: number,
  every: number,
): Promise<Record<string, number>[]> {
  const { preset, batchSize } = config;
  const model = byol(fromPreset(preset, { stepsPerEpoch: steps, epochs: 1, batchSize }));
  const images = random.uniform(random.key(1), [batchSize, ...preset.inputShape]);
  const samples: Record<string, number>[] = [];
  const state = await runSteps({
    state: model.init(random.key(0), preset.inputShape),
    step: (s) => model.step(s, images, random.key(2)),
    steps,
    onStep: async ({ metrics, index }) => {
      const i = index + 1;
      const loss = (await metrics.loss.data())[0];
      if (i % every !== 0 && i !== 1) return;
      const rssMiB = Deno.memoryUsage().rss / 2 ** 20;
      samples.push({ step: i, tensors: tf.memory().numTensors, rssMiB, loss });
      console.log(
        `soak step ${i}: tensors ${tf.memory().numTensors}, RSS ${fmt(rssMiB, 0)} MiB, loss ${
          fmt(loss, 3)
        }`,
      );
    },
  });
  tree.dispose(state);
  images.dispose();
  return samples;
}

/** The configurations `--configs` chooses from, in the order they run; the first is `--quick`'s. */
const MAIN_CONFIGS: readonly Config[] = [
  {
    id: "preset-b64",
    name: "fashion-mnist preset (convnet, 2x2 pool)",
    preset: fashionMnist,
    batchSize: 64,
  },
  {
    id: "preset-b256",
    name: "fashion-mnist preset (convnet, 2x2 pool)",
    preset: fashionMnist,
    batchSize: 256,
  },
  {
    id: "resnet18-small-w0.5-b256",
    name: "resnet18 small stem w0.5",
    preset: withResNet18(0.5, "small"),
    batchSize: 256,
  },
];

/** A positive integer flag's value, or an error naming the flag and what it expected. */
function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`byol_step: --${flag} expects a positive integer, got "${value}"`);
  }
  return n;
}

/** The configurations named in `--configs` (comma-separated ids), in the order given. */
function chooseConfigs(ids: string): Config[] {
  return ids.split(",").map((id) => {
    const config = MAIN_CONFIGS.find((c) => c.id === id.trim());
    if (!config) {
      throw new Error(
        `byol_step: --configs: unknown configuration "${id}"; expected some of ` +
          MAIN_CONFIGS.map((c) => c.id).join(", "),
      );
    }
    return config;
  });
}

/** Runs the whole bench and returns its figures (also printed). */
export async function run(argv: string[] = []): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args: argv,
    options: {
      pairs: { type: "string", default: "5" },
      steps: { type: "string", default: "5" },
      warmup: { type: "string", default: "2" },
      backends: { type: "string" },
      configs: { type: "string" },
      batch: { type: "string" },
      quick: { type: "boolean", default: false },
      "no-pytorch": { type: "boolean", default: false },
      "no-sweep": { type: "boolean", default: false },
      soak: { type: "string", default: "0" },
      "soak-batch": { type: "string", default: "64" },
      out: { type: "string" },
    },
  });
  const pairs = positiveInt("pairs", values.pairs);
  const steps = positiveInt("steps", values.steps);
  const warmup = Number(values.warmup);
  if (!Number.isInteger(warmup) || warmup < 0) {
    throw new Error(`byol_step: --warmup expects an integer >= 0, got "${values.warmup}"`);
  }
  const chosen = values.configs
    ? chooseConfigs(values.configs)
    : MAIN_CONFIGS.slice(0, values.quick ? 1 : MAIN_CONFIGS.length);
  const batch = values.batch === undefined ? undefined : positiveInt("batch", values.batch);
  const main = chosen.map((c) => batch === undefined ? c : { ...c, batchSize: batch });
  ensureRuntimeDir("auto"); // before Deno's WebGPU is asked for an adapter
  const adapter = await gpuAdapter();
  const backends = (values.backends?.split(",") ??
    (adapter && !adapter.software ? ["webgpu", "wasm"] : ["wasm"])) as BackendName[];
  const torch = !values["no-pytorch"] && await hasPyTorch();
  if (values["no-pytorch"]) {
    console.log("--no-pytorch: reporting ours alone");
  } else if (!torch) {
    console.log(
      `PyTorch not found at ${PYTHON} (apt-get install python3-torch): reporting ours alone`,
    );
  }

  const results: Record<string, unknown>[] = [];
  for (const backend of backends) {
    await useDenoBackend(backend);
    for (const config of main) {
      const flops = await stepFlops(config);
      const ours: number[] = [];
      const theirs: number[] = [];
      const ratios: number[] = [];
      let last: OursResult | undefined;
      for (let p = 0; p < (torch ? pairs : 1); p++) {
        last = await timeOurs(config, steps, warmup);
        ours.push(median(last.msPerStep));
        if (torch) {
          theirs.push(median(await timePyTorch(config, steps, warmup)));
          ratios.push(ours[p] / theirs[p]);
        }
        const pair = torch ? ` | PyTorch ${fmt(theirs[p])} ms | ratio ${fmt(ratios[p], 2)}` : "";
        console.log(`${backend} ${config.name} pair ${p + 1}: ours ${fmt(ours[p])} ms${pair}`);
      }
      const ms = median(ours);
      const row = {
        backend,
        config: config.name,
        configId: config.id,
        batchSize: config.batchSize,
        msPerStep: ms,
        imagesPerSecond: (config.batchSize * 1000) / ms,
        gflopPerStep: flops / 1e9,
        gflopPerSecond: flops / 1e6 / ms,
        peakRssMiB: last!.peakRssMiB,
        tensors: { afterWarmup: last!.tensorsAfterWarmup, atEnd: last!.tensorsAtEnd },
        lossAtEnd: last!.lossAtEnd,
        pytorchMsPerStep: torch ? median(theirs) : null,
        ratioToPyTorch: torch ? median(ratios) : null,
        pairs: torch ? ratios.length : 0,
      };
      results.push(row);
      if (!Number.isFinite(last!.lossAtEnd)) {
        console.log(`${backend} ${config.name}: the loss is ${last!.lossAtEnd}, not finite`);
      }
    }
  }

  const sweep: Record<string, unknown>[] = [];
  if (!values.quick && !values["no-sweep"]) {
    await useDenoBackend(backends[backends.length - 1]);
    for (const batchSize of [64, 128, 256, 512]) {
      const r = await timeOurs({ name: "batch sweep", preset: fashionMnist, batchSize }, 3, 1);
      sweep.push({ encoder: "preset", batchSize, msPerStep: median(r.msPerStep) });
    }
    for (const width of [0.25, 0.5, 1.0]) {
      const r = await timeOurs(
        { name: "width sweep", preset: withResNet18(width), batchSize: 256 },
        3,
        1,
      );
      sweep.push({
        encoder: `resnet18 strided w${width}`,
        batchSize: 256,
        msPerStep: median(r.msPerStep),
      });
    }
  }

  const soakSteps = Number(values.soak);
  const soakSamples = soakSteps > 0
    ? await soak(
      { name: "soak", preset: fashionMnist, batchSize: Number(values["soak-batch"]) },
      soakSteps,
      Math.max(1, Math.floor(soakSteps / 10)),
    )
    : [];

  console.log(
    "\nbackend | config | batch | ms/step | images/s | GFLOP/s | peak RSS MiB | PyTorch ms | ours/PyTorch",
  );
  for (const r of results as Record<string, number & string>[]) {
    console.log(
      [
        r.backend,
        r.config,
        r.batchSize,
        fmt(r.msPerStep),
        fmt(r.imagesPerSecond, 0),
        fmt(r.gflopPerSecond, 2),
        fmt(r.peakRssMiB, 0),
        r.pytorchMsPerStep === null ? "-" : fmt(r.pytorchMsPerStep),
        r.ratioToPyTorch === null ? "-" : `${fmt(r.ratioToPyTorch, 2)}x (median of ${r.pairs})`,
      ].join(" | "),
    );
  }
  if (sweep.length) {
    console.log("\nencoder | batch | ms/step");
    for (const s of sweep as Record<string, number & string>[]) {
      console.log(`${s.encoder} | ${s.batchSize} | ${fmt(s.msPerStep)}`);
    }
  }
  const figures = {
    results,
    sweep,
    soak: soakSamples,
    cores: navigator.hardwareConcurrency,
    adapter,
    deno: Deno.version.deno,
    date: new Date().toISOString(),
  };
  if (values.out) await Deno.writeTextFile(values.out, JSON.stringify(figures, null, 2) + "\n");
  return figures;
}

if (import.meta.main) {
  console.log(JSON.stringify(await run(Deno.args), null, 2));
}

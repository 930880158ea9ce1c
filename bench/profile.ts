/**
 * Where one BYOL step of the default preset spends its time, per op class, beside PyTorch's own
 * profiler on the same step (bench/peers/byol_profile.py): conv forward, conv input and filter
 * gradients, batch norm forward and backward, element-wise ops, reductions, data movement,
 * pooling, matmul, augmentation, optimizer, target update, and the time outside kernels.
 *
 * Ours runs the step as its exported phases (`models/byol/phases.ts`, as bench/step_phases.ts
 * does) on the wasm backend with 2 threads under `tf.profile`. The wasm backend runs each kernel
 * synchronously, so a kernel's time is its wall time; kernels a kernel runs inside itself (this
 * project's wasm kernels and `tf.customGrad` ops are made of other ops) count for the outermost
 * one. The backward pass's kernels are classed by the forward op whose gradient they compute
 * (a probe on the engine's tape labels them), so batch norm's hand-written backward counts as
 * batch norm. All kernels of the views, optimizer and target-update phases count for those
 * classes. "Outside kernels" is the profiled step's wall time minus the sum of kernel times:
 * JavaScript dispatch, the tape, `tidy`, allocation, and the profiler's own bookkeeping (so an
 * upper bound). Shares are of the profiled step; the whole step is also timed without the
 * profiler (`model.step`), and that is the figure compared with PyTorch's.
 *
 * PyTorch (bench/peers/byol_profile.py) is measured the same way: aten ops' self times by class,
 * "outside" its profiled step minus those. It computes a convolution's input and filter
 * gradients in one op, so the table has a row with both.
 *
 * Run: `deno run -A bench/profile.ts [--repeats 7] [--batch 64]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { advance, type Leaf, random, tf, type Tree, tree } from "../mod.ts";
import { useDenoBackend } from "../deno.ts";
import { requireSupportedTfjs } from "../lib/tfjs_internals/version.ts";
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from "../lib/nn/batch_norm_train.ts";
import {
  applyOptimizer,
  byol,
  drawViews,
  fashionMnist,
  fromPreset,
  lossAndGrads,
  targetProjections,
  updateTarget,
} from "../models/byol/mod.ts";

const PYTHON = "/usr/bin/python3";
const PEER = new URL("./peers/byol_profile.py", import.meta.url).pathname;
const THREADS = 2;

/** The classes of the table, in its order. */
const CLASSES = [
  "conv forward",
  "conv input gradient",
  "conv filter gradient",
  "batch norm forward",
  "batch norm backward",
  "relu + element-wise",
  "reductions",
  "data movement",
  "pooling",
  "matmul",
  "augmentation (views)",
  "optimizer",
  "target update",
] as const;
type OpClass = typeof CLASSES[number];

const BY_NAME: Record<string, OpClass> = {
  Conv2D: "conv forward",
  FusedConv2D: "conv forward",
  DepthwiseConv2dNative: "conv forward",
  FusedDepthwiseConv2D: "conv forward",
  Conv2DBackpropInput: "conv input gradient",
  DepthwiseConv2dNativeBackpropInput: "conv input gradient",
  Conv2DBackpropFilter: "conv filter gradient",
  DepthwiseConv2dNativeBackpropFilter: "conv filter gradient",
  FusedBatchNorm: "batch norm forward",
  [BATCH_NORM_TRAIN]: "batch norm forward",
  [BATCH_NORM_TRAIN_GRAD]: "batch norm backward",
  MaxPool: "pooling",
  AvgPool: "pooling",
  MaxPoolGrad: "pooling",
  AvgPoolGrad: "pooling",
  BatchMatMul: "matmul",
  _FusedMatMul: "matmul",
  Sum: "reductions",
  Mean: "reductions",
  Max: "reductions",
  Min: "reductions",
  Prod: "reductions",
  All: "reductions",
  Any: "reductions",
  ArgMax: "reductions",
  Reshape: "data movement",
  Transpose: "data movement",
  Slice: "data movement",
  StridedSlice: "data movement",
  Concat: "data movement",
  Pack: "data movement",
  Unpack: "data movement",
  Tile: "data movement",
  PadV2: "data movement",
  MirrorPad: "data movement",
  GatherV2: "data movement",
  GatherNd: "data movement",
  Identity: "data movement",
  SplitV: "data movement",
  Cast: "data movement",
  Reverse: "data movement",
  BroadcastTo: "data movement",
  Fill: "data movement",
  ZerosLike: "data movement",
  OnesLike: "data movement",
};

/** A kernel's class from its name and the names of the kernels it ran inside itself. */
function forwardClass(name: string, inner: ReadonlySet<string>): OpClass {
  if (name in BY_NAME) return BY_NAME[name];
  // A customGrad op (named after its scope): classed by what it is made of.
  if (inner.has("FusedConv2D") || inner.has("Conv2D")) return "conv forward";
  if (inner.has("FusedBatchNorm") || inner.has(BATCH_NORM_TRAIN)) return "batch norm forward";
  if (inner.has("_FusedMatMul") || inner.has("BatchMatMul")) return "matmul";
  return "relu + element-wise";
}

/** A backward-pass kernel's class: its own when it is a gradient kernel, else its op's. */
function backwardClass(own: OpClass, of: OpClass): OpClass {
  if (own === "conv input gradient" || own === "conv filter gradient") return own;
  if (own === "matmul" || own === "pooling") return own;
  if (of === "batch norm forward") return "batch norm backward";
  return own === "batch norm forward" ? "batch norm backward" : own;
}

interface TapeNodeLike {
  gradient?: (dys: unknown[]) => Record<string, () => tf.Tensor>;
}

/** The parts of tfjs-core 4.22's engine the probe wraps (private in its typings). */
interface ProbedEngine {
  profiler: { profileKernel: (name: string, inputs: unknown, f: () => unknown) => unknown };
  addTapeNode: (...args: unknown[]) => void;
  state: { activeTape: TapeNodeLike[] | null };
}

/**
 * Wraps the engine's `profileKernel` (called for every kernel while `tf.profile` runs) to time
 * the outermost kernels and class them, and `addTapeNode` so that the backward pass's kernels
 * know which forward op they differentiate. `phase` names a class that overrides all others.
 */
function installProbe() {
  requireSupportedTfjs("bench/profile.ts (wraps the engine's profileKernel and addTapeNode)");
  const engine = tf.engine() as unknown as ProbedEngine;
  const profiler = engine.profiler;
  const profileKernel = profiler.profileKernel;
  const addTapeNode = engine.addTapeNode;
  const probe = {
    ms: new Map<OpClass, number>(),
    phase: null as OpClass | null,
    customGrad: new Set<string>(),
  };
  let depth = 0;
  let inner = new Set<string>();
  let lastClass: OpClass = "relu + element-wise";
  const gradOf: OpClass[] = [];
  profiler.profileKernel = function (name, inputs, f) {
    if (depth === 0) inner = new Set();
    else inner.add(name);
    depth++;
    const t0 = performance.now();
    try {
      return profileKernel.call(this, name, inputs, f);
    } finally {
      const ms = performance.now() - t0;
      depth--;
      if (depth === 0) {
        const own = forwardClass(name, inner);
        if (tf.getKernel(name, "wasm") === undefined) {
          probe.customGrad.add(`${name || "(unnamed scope)"}: ${own}`);
        }
        lastClass = own;
        const cls = probe.phase ??
          (gradOf.length ? backwardClass(own, gradOf[gradOf.length - 1]) : own);
        probe.ms.set(cls, (probe.ms.get(cls) ?? 0) + ms);
      }
    }
  };
  const withLabel = <T>(cls: OpClass, fn: () => T): T => {
    gradOf.push(cls);
    try {
      return fn();
    } finally {
      gradOf.pop();
    }
  };
  engine.addTapeNode = function (...args) {
    addTapeNode.apply(this, args);
    const tape = engine.state.activeTape;
    const node = tape?.[tape.length - 1];
    const gradient = node?.gradient;
    if (node === undefined || gradient === undefined) return;
    const cls = lastClass;
    node.gradient = (dys) =>
      withLabel(cls, () => {
        const thunks = gradient(dys);
        return Object.fromEntries(
          Object.entries(thunks).map(([k, thunk]) => [k, () => withLabel(cls, thunk)]),
        );
      });
  };
  const uninstall = () => {
    profiler.profileKernel = profileKernel;
    engine.addTapeNode = addTapeNode;
  };
  return { probe, uninstall };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function timed<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const out = fn();
  return [out, performance.now() - t0];
}

/** What each side reports: kernel ms per class and the step's wall time. */
interface SideProfile {
  readonly classes: Partial<Record<OpClass, number>>;
  readonly stepMs: number;
  readonly profiledStepMs: number;
  readonly kernelMs: number;
  readonly outsideMs: number;
}

/** Our step's profile (medians over `repeats` steps after a warm-up step). */
async function profileOurs(batchSize: number, repeats: number) {
  await useDenoBackend("wasm", { threads: THREADS });
  const options = fromPreset(fashionMnist, { stepsPerEpoch: 1000, batchSize });
  const model = byol(options);
  const state = model.init(random.key(0), fashionMnist.inputShape);
  const images = random.uniform(random.key(1), [batchSize, ...fashionMnist.inputShape]);
  const trainable = { online: state.online, predictor: state.predictor };
  const decay = { tauBase: options.tauBase ?? 0.996, totalSteps: options.totalSteps };

  /** One step as its phases, under the profiler and the probe; frees what it makes. */
  const profiledStep = async (key: ReturnType<typeof random.key>) => {
    const { probe, uninstall } = installProbe();
    const phase = <T>(cls: OpClass | null, fn: () => T): T => {
      probe.phase = cls;
      try {
        return fn();
      } finally {
        probe.phase = null;
      }
    };
    let made: Tree<Leaf>[] = [];
    const t0 = performance.now();
    try {
      await tf.profile(() => {
        const views = phase(
          "augmentation (views)",
          () => drawViews(options.views, key, state.step, images),
        );
        const targets = targetProjections(model, state.target, state.bnState.target, views);
        const grads = lossAndGrads(model, trainable, views, state.bnState, targets);
        const update = phase(
          "optimizer",
          () => applyOptimizer(model.optimizer, trainable, grads.grads, state.optState),
        );
        const next = phase(
          "target update",
          () => updateTarget(state.target, update.params.online, 0, decay),
        );
        made = [views, targets, grads.value, grads.grads, grads.aux, update, next.target];
        return [];
      });
    } finally {
      uninstall();
      tree.dispose(...made);
    }
    return { probe, profiledMs: performance.now() - t0 };
  };

  const perClass = new Map<OpClass, number[]>(CLASSES.map((c) => [c, []]));
  const wall: number[] = [];
  const profiledWall: number[] = [];
  const kernelSums: number[] = [];
  const customGrad = new Set<string>();
  try {
    for (let r = 0; r < repeats + 1; r++) {
      const key = random.key(r);
      // The step unprofiled, as training runs it (wasm kernels are synchronous: all done).
      const [stepped, stepMs] = timed(() => model.step(state, images, key));
      advance(stepped.state, state); // frees what the step made, keeps the state
      tree.dispose(stepped.metrics);
      const { probe, profiledMs } = await profiledStep(key);
      if (r === 0) continue;
      wall.push(stepMs);
      profiledWall.push(profiledMs);
      let sum = 0;
      for (const cls of CLASSES) {
        const ms = probe.ms.get(cls) ?? 0;
        sum += ms;
        perClass.get(cls)!.push(ms);
      }
      kernelSums.push(sum);
      for (const op of probe.customGrad) customGrad.add(op);
    }
  } finally {
    tree.dispose(state, images);
  }
  const kernelMs = median(kernelSums);
  const stepMs = median(wall);
  return {
    classes: Object.fromEntries(CLASSES.map((c) => [c, median(perClass.get(c)!)])),
    stepMs,
    profiledStepMs: median(profiledWall),
    kernelMs,
    outsideMs: median(profiledWall) - kernelMs,
    customGradOps: [...customGrad].sort(),
  };
}

/** PyTorch's profile of the same step, or `null` without python3-torch. */
async function profilePyTorch(batchSize: number, repeats: number): Promise<PeerProfile | null> {
  const preset = fashionMnist;
  if (preset.encoder.arch !== "convnet") {
    throw new Error("the default preset is no longer a convnet");
  }
  const env = { ...Deno.env.toObject() };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const args = [
    PEER,
    ...["--arch", "convnet", "--channels", preset.encoder.channels.join(",")],
    ...[
      "--strides",
      preset.encoder.strides.join(","),
      "--pool-grid",
      String(preset.encoder.poolGrid),
    ],
    ...["--solarize", String(preset.views[1].solarizeProbability)],
    ...["--batch", String(batchSize), "--size", String(preset.inputShape[0])],
    ...["--hidden", String(preset.projector.hidden), "--proj", String(preset.projector.out)],
    ...["--min-scale", String(preset.views[0].crop.scale[0])],
    ...["--steps", String(repeats), "--threads", String(THREADS)],
  ];
  let out;
  try {
    out = await new Deno.Command(PYTHON, {
      args,
      env,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    })
      .output();
  } catch {
    return null;
  }
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr);
    if (/No module named 'torch'/.test(err)) return null;
    throw new Error(`PyTorch profile peer failed:\n${err}`);
  }
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

const fmt = (x: number, digits = 1) => x.toFixed(digits);
const pct = (x: number, of: number) => `${fmt((100 * x) / of, 0)}%`;

/** PyTorch's figures (bench/peers/byol_profile.py): its classes join the two conv gradients. */
interface PeerProfile extends Omit<SideProfile, "classes"> {
  readonly classes: Record<string, number>;
}

const CONV_GRADS = ["conv input gradient", "conv filter gradient"] as const;

/** The side-by-side table as Markdown rows; shares are of each side's profiled step. */
function table(ours: SideProfile, theirs: PeerProfile | null): string[] {
  const rows = [
    "| class | ours ms | ours share | PyTorch ms | PyTorch share | ours/PyTorch |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  const row = (name: string, a: number, b: number | undefined, shares = true) => {
    const known = theirs !== null && b !== undefined;
    const share = (x: number, of: number) => shares ? pct(x, of) : "-";
    rows.push(
      `| ${name} | ${fmt(a)} | ${share(a, ours.profiledStepMs)} | ${known ? fmt(b) : "-"} | ${
        known ? share(b, theirs.profiledStepMs) : "-"
      } | ${known && b > 0 ? `${fmt(a / b, 2)}x` : "-"} |`,
    );
  };
  const mine = (cls: OpClass) => ours.classes[cls] ?? 0;
  for (const cls of CLASSES) {
    row(cls, mine(cls), CONV_GRADS.some((c) => c === cls) ? undefined : theirs?.classes[cls] ?? 0);
    if (cls === "conv filter gradient") {
      row(
        "conv gradients (input + filter)",
        mine(CONV_GRADS[0]) + mine(CONV_GRADS[1]),
        theirs?.classes["conv gradients"] ?? 0,
      );
    }
  }
  row("all kernels", ours.kernelMs, theirs?.kernelMs);
  row("outside kernels (dispatch, tape, tidy, allocation)", ours.outsideMs, theirs?.outsideMs);
  row("profiled step (kernels + outside)", ours.profiledStepMs, theirs?.profiledStepMs);
  row("**whole step, unprofiled**", ours.stepMs, theirs?.stepMs, false);
  return rows;
}

/** Runs the profile of both sides and returns the figures (the table is printed). */
export async function run(argv: string[] = []): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args: argv,
    options: {
      repeats: { type: "string", default: "7" },
      batch: { type: "string", default: String(fashionMnist.batchSize) },
    },
  });
  const repeats = Number(values.repeats);
  const batchSize = Number(values.batch);
  for (const [flag, v] of [["--repeats", repeats], ["--batch", batchSize]] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new Error(`${flag} must be a positive integer, got ${v}`);
    }
  }
  // The load before the bench starts (its own threads would count during it).
  const [load1] = (await Deno.readTextFile("/proc/loadavg").catch(() => "")).split(" ");
  const ours = await profileOurs(batchSize, repeats);
  const theirs = await profilePyTorch(batchSize, repeats);
  if (theirs === null) console.log(`PyTorch not found at ${PYTHON}: reporting ours alone`);
  console.log(
    `\nBYOL step, fashion-mnist preset, batch ${batchSize}, ${THREADS} threads, median of ${repeats}` +
      ` (1-minute load average before the run ${load1 || "?"})`,
  );
  const rows = table(ours, theirs);
  for (const line of rows) console.log(line);
  console.log(
    `customGrad ops, classed by what they run: ${ours.customGradOps.join(", ") || "none"}`,
  );
  if (theirs) {
    console.log(`whole step ours/PyTorch (unprofiled): ${fmt(ours.stepMs / theirs.stepMs, 2)}x`);
  }
  return {
    batchSize,
    threads: THREADS,
    repeats,
    loadAverage1m: load1 ? Number(load1) : null,
    table: rows,
    ours,
    pytorch: theirs,
    ratio: theirs ? ours.stepMs / theirs.stepMs : null,
  };
}

if (import.meta.main) {
  let figures;
  try {
    figures = await run(Deno.args);
  } catch (err) {
    console.error(`bench/profile.ts: ${(err as Error).message}`);
    Deno.exit(2);
  }
  console.log(JSON.stringify(figures, null, 2));
}

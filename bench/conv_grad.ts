/**
 * Convolution gradients on the wasm CPU path: this framework's kernels against the cpu backend
 * (filter gradient) and against the wasm backend's own `Conv2DBackpropInput` (input gradient),
 * with the forward convolution of each layer for reference. Times are medians in milliseconds.
 *
 * Run with `deno run -A bench/conv_grad.ts`, or call {@link run} from a bench driver.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { useDenoBackend } from "../deno.ts";
import { builtinWasmKernel } from "../mod.ts";

type Shape4 = [number, number, number, number];

interface Layer {
  readonly name: string;
  readonly input: Shape4;
  readonly filter: Shape4;
  readonly stride: number;
}

/** BYOL-ResNet-like layers at batch 256 (3x3, `same`). */
const LAYERS: readonly Layer[] = [
  { name: "28x28 16->16 stride 1", input: [256, 28, 28, 16], filter: [3, 3, 16, 16], stride: 1 },
  { name: "28->14 16->32 stride 2", input: [256, 28, 28, 16], filter: [3, 3, 16, 32], stride: 2 },
  { name: "14x14 32->32 stride 1", input: [256, 14, 14, 32], filter: [3, 3, 32, 32], stride: 1 },
  { name: "7x7 64->64 stride 1", input: [256, 7, 7, 64], filter: [3, 3, 64, 64], stride: 1 },
];

const WASM_REPS = 7;
// One cpu filter gradient at this size takes about two minutes: one timed run, no warm-up.
const CPU_REPS = 1;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * Median milliseconds of each named computation over `reps` rounds after `warmups` untimed
 * rounds; the computations alternate within a round so that load from other processes hits all
 * alike.
 */
async function timeEach(
  reps: number,
  computations: Record<string, () => tf.Tensor>,
  warmups = 1,
): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = {};
  for (let rep = 0; rep < warmups + reps; rep++) {
    for (const [name, compute] of Object.entries(computations)) {
      const start = performance.now();
      const out = compute();
      await out.data();
      const elapsed = performance.now() - start;
      out.dispose();
      if (rep >= warmups) (samples[name] ??= []).push(elapsed);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, round(median(v))]));
}

function filterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, layer: Layer): tf.Tensor {
  return tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, {
    strides: layer.stride,
    pad: "same",
    dataFormat: "NHWC",
    filterShape: layer.filter,
  }) as tf.Tensor;
}

function builtinInputGrad(dy: tf.Tensor4D, filter: tf.Tensor4D, layer: Layer): tf.Tensor {
  const builtin = builtinWasmKernel(tf.Conv2DBackpropInput);
  if (!builtin) throw new Error("bench: the wasm backend's own Conv2DBackpropInput is not kept");
  const info = builtin.kernelFunc({
    inputs: { dy, filter },
    attrs: { strides: layer.stride, pad: "same", dataFormat: "NHWC", inputShape: layer.input },
    backend: tf.backend(),
  }) as tf.TensorInfo;
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** Random inputs of a layer on the active backend: `x`, `filter` and an output gradient `dy`. */
function layerTensors(layer: Layer): { x: tf.Tensor4D; filter: tf.Tensor4D; dy: tf.Tensor4D } {
  const x = tf.randomNormal(layer.input, 0, 1, "float32", 1) as tf.Tensor4D;
  const filter = tf.randomNormal(layer.filter, 0, 0.1, "float32", 2) as tf.Tensor4D;
  const outShape = tf.backend_util.computeConv2DInfo(
    layer.input,
    layer.filter,
    layer.stride,
    1,
    "same",
  ).outShape;
  const dy = tf.randomNormal(outShape, 0, 1, "float32", 3) as tf.Tensor4D;
  return { x, filter, dy };
}

/** Runs the benchmark and returns its figures (milliseconds, medians, and ratios). */
export async function run(): Promise<Record<string, unknown>> {
  const filterLayer: Layer = {
    name: "N=64 28x28 32->64 3x3 stride 1 same",
    input: [64, 28, 28, 32],
    filter: [3, 3, 32, 64],
    stride: 1,
  };
  const filterTimes: Record<string, number> = {};
  for (const [backend, reps, warmups] of [["wasm", WASM_REPS, 1], ["cpu", CPU_REPS, 0]] as const) {
    await useDenoBackend(backend);
    const { x, filter, dy } = layerTensors(filterLayer);
    const grad = () => filterGrad(x, dy, filterLayer);
    const times = await timeEach(reps, { grad }, warmups);
    filterTimes[backend] = times.grad;
    tf.dispose([x, filter, dy]);
  }

  await useDenoBackend("wasm");
  const layers: Record<string, unknown>[] = [];
  for (const layer of LAYERS) {
    const { x, filter, dy } = layerTensors(layer);
    const t = await timeEach(WASM_REPS, {
      forward: () => tf.conv2d(x, filter, layer.stride, "same"),
      inputGrad: () => tf.conv2dTranspose(dy, filter, layer.input, layer.stride, "same"),
      builtinInputGrad: () => builtinInputGrad(dy, filter, layer),
      filterGrad: () => filterGrad(x, dy, layer),
    });
    tf.dispose([x, filter, dy]);
    layers.push({
      layer: layer.name,
      forwardMs: t.forward,
      inputGradMs: t.inputGrad,
      builtinInputGradMs: t.builtinInputGrad,
      inputGradSpeedupVsBuiltin: round(t.builtinInputGrad / t.inputGrad),
      inputGradVsForward: round(t.inputGrad / t.forward),
      filterGradMs: t.filterGrad,
      filterGradVsForward: round(t.filterGrad / t.forward),
    });
  }
  return {
    filterGrad: {
      layer: filterLayer.name,
      wasmMs: filterTimes.wasm,
      cpuMs: filterTimes.cpu,
      wasmSpeedupVsCpu: round(filterTimes.cpu / filterTimes.wasm),
    },
    layers,
    reps: { wasm: WASM_REPS, cpu: CPU_REPS },
  };
}

if (import.meta.main) {
  console.log(JSON.stringify(await run(), null, 2));
}

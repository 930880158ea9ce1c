/**
 * Training-mode batch normalisation (optionally with its ReLU) as two fused wasm kernels on the
 * kernel module, for `lib/nn/batch_norm_train.ts`: the forward pass in two reads of `x` (the
 * moments, then `y`), the backward in two reads of `dy` (the sums, then `dx`), each split across
 * the wasm threads. They replace a dozen single-threaded tfjs ops each way.
 *
 * @module
 */
import type { tf } from "../tf.ts";
import { heapOutput, heapView, type WasmHeapBackend } from "../tfjs_internals/wasm_heap.ts";
import {
  heapPointer,
  type KernelModule,
  withScratch,
} from "../tfjs_internals/wasm_kernel_module.ts";
import {
  BATCH_NORM_TRAIN,
  BATCH_NORM_TRAIN_GRAD,
  type BatchNormTrainAttrs,
} from "../nn/batch_norm_train.ts";

/** Below this many elements a kernel runs on one thread: waking the pool costs more. */
const PARALLEL_ELEMENTS = 1 << 15;

type Lookup = (backend: unknown) => { backend: WasmHeapBackend; module: KernelModule };

function input(what: string, inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const info = inputs[name];
  if (info === undefined || info.dtype !== "float32") {
    throw new Error(`${what}: input "${name}" must be a float32 tensor, got ${info?.dtype}`);
  }
  return info;
}

function attributes(what: string, attrs: tf.NamedAttrMap | undefined): BatchNormTrainAttrs {
  const { eps, relu } = (attrs ?? {}) as Partial<BatchNormTrainAttrs>;
  if (typeof eps !== "number" || typeof relu !== "boolean") {
    throw new Error(`${what}: attributes eps (number) and relu (boolean) are required`);
  }
  return { eps, relu };
}

/** Rows (all but the last axis) and channels (the last) of `x`, checked against `perChannel`. */
function layout(what: string, x: tf.TensorInfo, perChannel: tf.TensorInfo[]) {
  const channels = x.shape[x.shape.length - 1];
  const rows = channels > 0 ? x.shape.reduce((a, b) => a * b, 1) / channels : 0;
  for (const t of perChannel) {
    if (t.shape.length !== 1 || t.shape[0] !== channels) {
      throw new Error(
        `${what}: per-channel inputs must have shape [${channels}] (x's last axis), got [${t.shape}]`,
      );
    }
  }
  return { rows, channels };
}

/** `1 / sqrt(variance + eps)` rounded as tfjs's float32 `rsqrt(add(variance, eps))`. */
const invStdOf = (variance: number, eps: number) =>
  Math.fround(1 / Math.fround(Math.sqrt(Math.fround(variance + eps))));

function forward(lookup: Lookup): tf.KernelFunc {
  const what = BATCH_NORM_TRAIN;
  return ({ inputs, attrs, backend: kernelBackend }) => {
    const { backend, module } = lookup(kernelBackend);
    const { eps, relu } = attributes(what, attrs);
    const x = input(what, inputs, "x");
    const scale = input(what, inputs, "scale");
    const offset = input(what, inputs, "offset");
    const { rows, channels } = layout(what, x, [scale, offset]);
    const parts = rows * channels >= PARALLEL_ELEMENTS ? module.threads : 1;
    const y = heapOutput(backend, x.shape);
    const mean = heapOutput(backend, [channels]);
    const variance = heapOutput(backend, [channels]);
    if (rows === 0) return [y, mean, variance];
    // [parts][channels] f64 partials, then a and b of y = x * a + b.
    const floats = 2 * parts * channels;
    withScratch(backend, 4 * (floats + 2 * channels), (partials, heap) => {
      const p = (t: tf.TensorInfo) => heapPointer(backend, t);
      const a = partials + 4 * floats;
      const b = a + 4 * channels;
      module.run("bnSumPartial", [p(x), rows, channels, partials], parts);
      module.run("bnCombine", [partials, channels, rows, p(mean)], parts);
      module.run("bnSqDevPartial", [p(x), rows, channels, p(mean), partials], parts);
      module.run("bnCombine", [partials, channels, rows, p(variance)], parts);
      const [meanV, varianceV, scaleV, offsetV] = [mean, variance, scale, offset].map((t) =>
        heapView(backend, t)
      );
      for (let c = 0; c < channels; c++) {
        const factor = Math.fround(scaleV[c] * invStdOf(varianceV[c], eps));
        heap[floats + c] = factor;
        heap[floats + channels + c] = offsetV[c] - Math.fround(meanV[c] * factor);
      }
      module.run("bnApply", [p(x), rows, channels, a, b, relu ? 1 : 0, p(y)], parts);
    });
    return [y, mean, variance];
  };
}

function backward(lookup: Lookup): tf.KernelFunc {
  const what = BATCH_NORM_TRAIN_GRAD;
  return ({ inputs, attrs, backend: kernelBackend }) => {
    const { backend, module } = lookup(kernelBackend);
    const { eps, relu } = attributes(what, attrs);
    const [dy, x, y, mean, variance, scale] = ["dy", "x", "y", "mean", "variance", "scale"].map(
      (name) => input(what, inputs, name),
    );
    const { rows, channels } = layout(what, x, [mean, variance, scale]);
    for (const t of [dy, y]) {
      if (t.shape.join() !== x.shape.join()) {
        throw new Error(`${what}: dy and y must have x's shape [${x.shape}], got [${t.shape}]`);
      }
    }
    const parts = rows * channels >= PARALLEL_ELEMENTS ? module.threads : 1;
    const dx = heapOutput(backend, x.shape);
    const dScale = heapOutput(backend, [channels]);
    const dOffset = heapOutput(backend, [channels]);
    if (rows === 0) return [dx, dScale, dOffset];
    // [parts][2 * channels] f64 partials, then invStd.
    const floats = 4 * parts * channels;
    withScratch(backend, 4 * (floats + channels), (partials, heap) => {
      const p = (t: tf.TensorInfo) => heapPointer(backend, t);
      const invStd = partials + 4 * floats;
      const varianceV = heapView(backend, variance);
      for (let c = 0; c < channels; c++) heap[floats + c] = invStdOf(varianceV[c], eps);
      const flag = relu ? 1 : 0;
      module.run(
        "bnBackwardSumsPartial",
        [p(dy), p(y), p(x), rows, channels, p(mean), invStd, flag, partials],
        parts,
      );
      module.run("bnBackwardSums", [partials, channels, p(dOffset), p(dScale)], parts);
      module.run("bnBackwardInput", [
        ...[p(dy), p(y), p(x), rows, channels, p(mean), invStd, p(scale)],
        ...[p(dOffset), p(dScale), flag, p(dx)],
      ], parts);
    });
    return [dx, dScale, dOffset];
  };
}

/**
 * The wasm kernels `BATCH_NORM_TRAIN` (`{x, scale, offset}` → `[y, mean, variance]`) and
 * `BATCH_NORM_TRAIN_GRAD` (`{dy, x, y, mean, variance, scale}` → `[dx, dScale, dOffset]`), both
 * with attributes `{eps, relu}`, running on the kernel module that `lookup` finds for the
 * calling backend.
 *
 * @example
 * ```ts ignore
 * for (const config of batchNormKernels(lookup)) tf.registerKernel(config);
 * ```
 */
export function batchNormKernels(lookup: Lookup): tf.KernelConfig[] {
  return [
    { kernelName: BATCH_NORM_TRAIN, backendName: "wasm", kernelFunc: forward(lookup) },
    { kernelName: BATCH_NORM_TRAIN_GRAD, backendName: "wasm", kernelFunc: backward(lookup) },
  ];
}

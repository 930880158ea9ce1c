/**
 * 2-D convolution and its two gradients as wasm kernels on the kernel module
 * (`assembly/conv.ts`): register-blocked fused-multiply-add loops over NHWC tensors, split
 * across the wasm threads. They replace tfjs's `Conv2D` (XNNPACK: 0.4 GFLOP/s on a 1-channel
 * input, where an im2col matrix of 9 columns starves its matrix kernel) and this project's
 * earlier gradient kernels built of tfjs ops (JavaScript im2col, then `matMul`).
 *
 * Dilated or NCHW convolutions go to the kernel each one replaced.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { heapOutput, heapView, type WasmHeapBackend } from "../tfjs_internals/wasm_heap.ts";
import {
  heapPointer,
  type KernelModule,
  withScratch,
} from "../tfjs_internals/wasm_kernel_module.ts";

type Lookup = (backend: unknown) => { backend: WasmHeapBackend; module: KernelModule };
type Shape4 = [number, number, number, number];

interface ConvAttrs {
  readonly strides: number | [number, number];
  readonly pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  readonly dataFormat?: string;
  readonly dilations?: number | [number, number];
  readonly dimRoundingMode?: "floor" | "round" | "ceil";
  readonly filterShape?: Shape4;
  readonly inputShape?: Shape4;
}

/** Whether these attributes describe a convolution the kernels compute (NHWC, undilated). */
function supported(attrs: ConvAttrs): boolean {
  const dilations = attrs.dilations ?? 1;
  const undilated = Array.isArray(dilations) ? dilations.every((d) => d === 1) : dilations === 1;
  return (attrs.dataFormat ?? "NHWC") === "NHWC" && undilated;
}

function float32(what: string, name: string, info: tf.TensorInfo | undefined): tf.TensorInfo {
  if (info === undefined || info.dtype !== "float32" || info.shape.length !== 4) {
    throw new Error(
      `${what}: input "${name}" must be a rank-4 float32 tensor, got ` +
        (info === undefined ? "nothing" : `${info.dtype} [${info.shape}]`),
    );
  }
  return info;
}

/** The geometry arguments every conv kernel takes after its pointers. */
function geometry(
  what: string,
  inputShape: readonly number[],
  filterShape: readonly number[],
  attrs: ConvAttrs,
): { args: number[]; outShape: Shape4; macs: number } {
  const info = tf.backend_util.computeConv2DInfo(
    inputShape as Shape4,
    filterShape as Shape4,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  if (info.inChannels !== filterShape[2]) {
    throw new Error(
      `${what}: input [${inputShape}] has ${info.inChannels} channels but filter ` +
        `[${filterShape}] expects ${filterShape[2]}`,
    );
  }
  const outShape = info.outShape as Shape4;
  const args = [
    ...[info.batchSize, info.inHeight, info.inWidth, info.inChannels],
    ...[info.outHeight, info.outWidth, info.outChannels],
    ...[info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth],
    ...[info.padInfo.top, info.padInfo.left],
  ];
  const macs = outShape.reduce((a, b) => a * b, 1) * info.filterHeight * info.filterWidth *
    info.inChannels;
  return { args, outShape, macs };
}

/** Below this many multiply-adds a convolution runs on one thread: waking the pool costs more. */
const PARALLEL_MACS = 1 << 17;

/** A gradient kernel's shape attribute (`filterShape`, `inputShape`), checked. */
function shapeAttr(what: string, name: string, shape: Shape4 | undefined): Shape4 {
  if (shape === undefined || shape.length !== 4) {
    throw new Error(`${what}: attribute ${name} must be a 4-element shape, got ${shape}`);
  }
  return shape;
}

/** {@link geometry} of the forward convolution a gradient kernel differentiates, checking that
 * `dy` has its output's shape. */
function gradientGeometry(
  what: string,
  inputShape: readonly number[],
  filterShape: readonly number[],
  dyShape: readonly number[],
  attrs: ConvAttrs,
): ReturnType<typeof geometry> {
  const g = geometry(what, inputShape, filterShape, attrs);
  if (g.outShape.some((size, axis) => size !== dyShape[axis])) {
    throw new Error(
      `${what}: dy has shape [${dyShape}] but the convolution of [${inputShape}] with filter ` +
        `[${filterShape}] gives [${g.outShape}]`,
    );
  }
  return g;
}

function forward(lookup: Lookup, fallback: tf.KernelFunc): tf.KernelFunc {
  const what = tf.Conv2D;
  return (args) => {
    const attrs = args.attrs as unknown as ConvAttrs;
    if (!supported(attrs)) return fallback(args);
    const { backend, module } = lookup(args.backend);
    const x = float32(what, "x", args.inputs.x);
    const filter = float32(what, "filter", args.inputs.filter);
    const g = geometry(what, x.shape, filter.shape, attrs);
    const parts = g.macs >= PARALLEL_MACS ? module.threads : 1;
    const y = heapOutput(backend, g.outShape);
    if (g.macs === 0) return zeroFilled(backend, y);
    const bytes = module.call("conv2dForwardScratchBytes", [parts, x.shape[3]]);
    const p = (t: tf.TensorInfo) => heapPointer(backend, t);
    withScratch(backend, bytes, (at) => {
      module.run("conv2dForward", [p(x), p(filter), p(y), at, ...g.args], parts);
    });
    return y;
  };
}

function filterGrad(lookup: Lookup, fallback: tf.KernelFunc): tf.KernelFunc {
  const what = tf.Conv2DBackpropFilter;
  return (args) => {
    const attrs = args.attrs as unknown as ConvAttrs;
    if (!supported(attrs)) return fallback(args);
    const { backend, module } = lookup(args.backend);
    const x = float32(what, "x", args.inputs.x);
    const dy = float32(what, "dy", args.inputs.dy);
    const filterShape = shapeAttr(what, "filterShape", attrs.filterShape);
    const g = gradientGeometry(what, x.shape, filterShape, dy.shape, attrs);
    const parts = g.macs >= PARALLEL_MACS ? module.threads : 1;
    const dw = heapOutput(backend, filterShape);
    if (g.macs === 0) return zeroFilled(backend, dw);
    const [kH, kW, inC, outC] = filterShape;
    const bytes = module.call("conv2dFilterGradScratchBytes", [parts, inC, outC, kH, kW]);
    const p = (t: tf.TensorInfo) => heapPointer(backend, t);
    withScratch(backend, bytes, (at) => {
      module.run("conv2dFilterGrad", [p(x), p(dy), p(dw), at, ...g.args], parts);
      if (parts > 1) {
        module.run("conv2dFilterGradReduce", [p(dw), at, kH * kW * inC * outC], parts);
      }
    });
    return dw;
  };
}

function inputGrad(lookup: Lookup, fallback: tf.KernelFunc): tf.KernelFunc {
  const what = tf.Conv2DBackpropInput;
  return (args) => {
    const attrs = args.attrs as unknown as ConvAttrs;
    if (!supported(attrs)) return fallback(args);
    const { backend, module } = lookup(args.backend);
    const dy = float32(what, "dy", args.inputs.dy);
    const filter = float32(what, "filter", args.inputs.filter);
    const inputShape = shapeAttr(what, "inputShape", attrs.inputShape);
    const g = gradientGeometry(what, inputShape, filter.shape, dy.shape, attrs);
    const parts = g.macs >= PARALLEL_MACS ? module.threads : 1;
    const dx = heapOutput(backend, inputShape);
    if (g.macs === 0) return zeroFilled(backend, dx);
    const [kH, kW, inC, outC] = filter.shape;
    const bytes = module.call("conv2dInputGradScratchBytes", [parts, inC, outC, kH, kW]);
    const p = (t: tf.TensorInfo) => heapPointer(backend, t);
    const [, , , , , , , , , strideH, strideW, padTop, padLeft] = g.args;
    withScratch(backend, bytes, (at) => {
      module.run(
        "conv2dInputGradPack",
        [p(filter), at, inC, outC, kH, kW, strideH, strideW, padTop, padLeft],
        parts,
      );
      module.run("conv2dInputGrad", [p(dy), p(dx), at, ...g.args], parts);
    });
    return dx;
  };
}

/** `info`'s elements set to 0 (for the degenerate shapes with nothing to sum). */
function zeroFilled(backend: WasmHeapBackend, info: tf.TensorInfo): tf.TensorInfo {
  heapView(backend, info).fill(0);
  return info;
}

/**
 * The wasm kernels `Conv2D`, `Conv2DBackpropFilter` and `Conv2DBackpropInput` on the kernel
 * module that `lookup` finds for the calling backend; each passes what it does not compute
 * (dilations, NCHW) to the kernel `previous(name)` gives, the one registered before.
 *
 * @example
 * ```ts ignore
 * for (const config of convKernels(lookup, (name) => tf.getKernel(name, "wasm")!.kernelFunc)) {
 *   tf.unregisterKernel(config.kernelName, "wasm");
 *   tf.registerKernel(config);
 * }
 * ```
 */
export function convKernels(
  lookup: Lookup,
  previous: (name: string) => tf.KernelFunc,
): tf.KernelConfig[] {
  return [
    { kernelName: tf.Conv2D, kernelFunc: forward(lookup, previous(tf.Conv2D)) },
    {
      kernelName: tf.Conv2DBackpropFilter,
      kernelFunc: filterGrad(lookup, previous(tf.Conv2DBackpropFilter)),
    },
    {
      kernelName: tf.Conv2DBackpropInput,
      kernelFunc: inputGrad(lookup, previous(tf.Conv2DBackpropInput)),
    },
  ].map((k) => ({ ...k, backendName: "wasm" }));
}

/**
 * Registers this framework's kernels for tfjs's wasm backend: the convolution gradients it lacks
 * (`Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropFilter`,
 * `DepthwiseConv2dNativeBackpropInput`), a faster `Conv2DBackpropInput`, a `MaxPoolGrad` that
 * routes gradients correctly, faster `Tile`, `Sum` and `Mean` (batch norm and its gradient), and
 * matMul kernels that avoid its slow transposed-operand path.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { requireSupportedTfjs } from "../tfjs_internals/version.ts";
import { conv2dFilterGrad } from "./conv2d_filter_grad.ts";
import { conv2dInputGrad } from "./conv2d_input_grad.ts";
import { depthwiseConv2dFilterGrad, depthwiseConv2dInputGrad } from "./depthwise_grad.ts";
import { assertNhwcUndilated, type ConvGradOptions } from "./geometry.ts";
import { asTensor, asTensor4D } from "../tfjs_internals/kernel_inputs.ts";
import { untransposedMatMul } from "./matmul.ts";
import { maxPoolGrad, type MaxPoolGradOptions } from "./max_pool_grad.ts";
import { poolingReduction } from "./reduce.ts";
import { tileByBroadcast } from "./tile.ts";
import { isMarked, KERNEL_MARKS, replaceKernel } from "./replace.ts";

const BACKEND = "wasm";

type Shape4 = [number, number, number, number];

interface ConvKernelAttrs extends ConvGradOptions {
  readonly dataFormat?: string;
  readonly dilations?: number | readonly number[];
  readonly filterShape?: Shape4;
  readonly inputShape?: Shape4;
}

/** The attributes of a convolution-gradient kernel call, checked for what the kernels support. */
function convAttrs(what: string, attrs: tf.NamedAttrMap | undefined): ConvKernelAttrs {
  const a = (attrs ?? {}) as unknown as ConvKernelAttrs;
  assertNhwcUndilated(what, a);
  return a;
}

function requiredShape(what: string, name: string, shape: Shape4 | undefined): Shape4 {
  if (shape === undefined || shape.length !== 4) {
    throw new Error(`${what}: attribute ${name} must be a 4-element shape, got ${shape}`);
  }
  return shape;
}

type Conv = "conv2d" | "depthwise";

function filterGradKernel(kind: Conv): tf.KernelFunc {
  const what = kind === "conv2d" ? tf.Conv2DBackpropFilter : tf.DepthwiseConv2dNativeBackpropFilter;
  const grad = kind === "conv2d" ? conv2dFilterGrad : depthwiseConv2dFilterGrad;
  return ({ inputs, attrs, backend }) => {
    const a = convAttrs(what, attrs);
    const filterShape = requiredShape(what, "filterShape", a.filterShape);
    const kernelBackend = backend as tf.KernelBackend;
    return tf.tidy(() =>
      grad(
        asTensor4D(what, "x", inputs.x, kernelBackend),
        asTensor4D(what, "dy", inputs.dy, kernelBackend),
        { filterShape, strides: a.strides, pad: a.pad, dimRoundingMode: a.dimRoundingMode },
      )
    );
  };
}

function inputGradKernel(kind: Conv): tf.KernelFunc {
  const what = kind === "conv2d" ? tf.Conv2DBackpropInput : tf.DepthwiseConv2dNativeBackpropInput;
  const grad = kind === "conv2d" ? conv2dInputGrad : depthwiseConv2dInputGrad;
  return ({ inputs, attrs, backend }) => {
    const a = convAttrs(what, attrs);
    const inputShape = requiredShape(what, "inputShape", a.inputShape);
    const kernelBackend = backend as tf.KernelBackend;
    return tf.tidy(() =>
      grad(
        asTensor4D(what, "dy", inputs.dy, kernelBackend),
        asTensor4D(what, "filter", inputs.filter, kernelBackend),
        { inputShape, strides: a.strides, pad: a.pad, dimRoundingMode: a.dimRoundingMode },
      )
    );
  };
}

function maxPoolGradKernel(): tf.KernelFunc {
  const what = tf.MaxPoolGrad;
  return ({ inputs, attrs, backend }) => {
    const a = (attrs ?? {}) as unknown as MaxPoolGradOptions;
    const kernelBackend = backend as tf.KernelBackend;
    return tf.tidy(() =>
      maxPoolGrad(
        asTensor4D(what, "dy", inputs.dy, kernelBackend),
        asTensor4D(what, "input", inputs.input, kernelBackend),
        a,
      )
    );
  };
}

/**
 * A kernel with input `x` that runs `fast` when it applies (returns a tensor) and the wasm
 * backend's own kernel otherwise.
 */
function withFastPath(
  builtin: tf.KernelFunc,
  fast: (x: tf.Tensor, attrs: tf.NamedAttrMap) => tf.Tensor | null,
): tf.KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const info = inputs.x;
    if (info === undefined) return builtin({ inputs, attrs, backend });
    const x = asTensor(info, backend as tf.KernelBackend);
    try {
      return fast(x, attrs ?? {}) ?? builtin({ inputs, attrs, backend });
    } finally {
      if (x !== info) x.dispose();
    }
  };
}

const tile = (x: tf.Tensor, attrs: tf.NamedAttrMap) =>
  Array.isArray(attrs.reps) ? tileByBroadcast(x, attrs.reps as number[]) : null;

const reduction = (mean: boolean) => (x: tf.Tensor, attrs: tf.NamedAttrMap) =>
  poolingReduction(x, {
    axis: attrs.axis as number | number[] | null | undefined,
    keepDims: attrs.keepDims === true,
    mean,
  });

/** Each kernel and how to make ours from the wasm backend's own one (absent for new kernels). */
const KERNELS: readonly {
  readonly name: string;
  readonly make: (builtin: tf.KernelConfig | undefined) => tf.KernelFunc | undefined;
}[] = [
  { name: tf.Conv2DBackpropFilter, make: () => filterGradKernel("conv2d") },
  { name: tf.Conv2DBackpropInput, make: () => inputGradKernel("conv2d") },
  { name: tf.DepthwiseConv2dNativeBackpropFilter, make: () => filterGradKernel("depthwise") },
  { name: tf.DepthwiseConv2dNativeBackpropInput, make: () => inputGradKernel("depthwise") },
  { name: tf.MaxPoolGrad, make: maxPoolGradKernel },
  { name: tf.Tile, make: (b) => b && withFastPath(b.kernelFunc, tile) },
  { name: tf.Sum, make: (b) => b && withFastPath(b.kernelFunc, reduction(false)) },
  { name: tf.Mean, make: (b) => b && withFastPath(b.kernelFunc, reduction(true)) },
  { name: tf.BatchMatMul, make: (b) => b && untransposedMatMul(b.kernelFunc) },
  { name: tf._FusedMatMul, make: (b) => b && untransposedMatMul(b.kernelFunc) },
];

const builtins = new Map<string, tf.KernelConfig>();

/**
 * Loads tfjs's wasm backend (`@tensorflow/tfjs-backend-wasm`, which registers it with tfjs) and
 * registers this framework's wasm kernels in place of (or in addition to) its own; calling it
 * again does nothing. `useBackend("wasm")` calls it, so only code that starts the wasm backend
 * itself (`tf.setBackend("wasm")`) needs to.
 *
 * @example
 * ```ts
 * import { installWasmKernels, tf } from "@byol/tfjs";
 *
 * await installWasmKernels();
 * await tf.setBackend("wasm");
 * const x = tf.ones([1, 8, 8, 2]) as tf.Tensor4D;
 * const w = tf.ones([3, 3, 2, 4]) as tf.Tensor4D;
 * const dw = tf.grad((w) => tf.conv2d(x, w as tf.Tensor4D, 1, "same").sum())(w);
 * tf.dispose([x, w, dw]);
 * ```
 */
export async function installWasmKernels(): Promise<void> {
  // Loaded here rather than imported above: importing the package registers the wasm backend
  // with tfjs, which would then be the backend tfjs starts by default (see lib/backend.ts).
  const { version_wasm } = await import("@tensorflow/tfjs-backend-wasm");
  requireSupportedTfjs("installWasmKernels", { "tfjs-backend-wasm": version_wasm });
  for (const { name, make } of KERNELS) {
    const existing = tf.getKernel(name, BACKEND);
    // The kernel module's kernels (module.ts) replace some of these once it loads: keep them.
    if (isMarked(existing, KERNEL_MARKS.wasm, KERNEL_MARKS.wasmModule)) continue;
    const kernelFunc = make(existing);
    if (kernelFunc === undefined) continue;
    if (existing !== undefined) builtins.set(name, existing);
    replaceKernel(name, BACKEND, kernelFunc, KERNEL_MARKS.wasm);
  }
}

/**
 * The wasm backend's own kernel that {@link installWasmKernels} replaced, or `undefined` when it
 * replaced none of that name; for benchmarks and tests that compare against it.
 *
 * @example
 * ```ts
 * import { builtinWasmKernel, tf } from "@byol/tfjs";
 *
 * const builtin = builtinWasmKernel(tf.Conv2DBackpropInput); // tfjs's own, before ours replaced it
 * ```
 */
export function builtinWasmKernel(kernelName: string): tf.KernelConfig | undefined {
  return builtins.get(kernelName);
}

/**
 * Registers this framework's kernels for tfjs's webgpu backend: an `AddN` that sums any number
 * of tensors correctly.
 *
 * Why: tfjs-backend-webgpu 4.22's `AddN` binds each input as a storage buffer of one shader,
 * besides its output, but creates its device with WebGPU's default limit of 8 storage buffers per
 * shader stage; with 8 or more inputs it exceeds that limit and the sum comes back wrong
 * (`tf.addN` of the scalars 1..n gave 28 on lavapipe for n = 8, 12 and 50: the first 7 only).
 * tfjs's own `Concat` splits its inputs to stay under that limit; its `AddN` does not.
 * `optim.globalNorm` sums one term per parameter tensor with `tf.addN`, so every BYOL step on
 * webgpu was wrong.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { requireSupportedTfjs } from "../tfjs_internals/version.ts";
import { storageBuffersPerStage } from "../tfjs_internals/webgpu_limits.ts";
import { isMarked, KERNEL_MARKS, replaceKernel } from "./replace.ts";

const BACKEND = "webgpu";

/**
 * `AddN` through `builtin` (tfjs's own), on groups of at most as many inputs as one shader can
 * bind besides its output, then on the groups' sums, until one call remains.
 */
function groupedAddN(builtin: tf.KernelFunc): tf.KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const kernelBackend = backend as tf.KernelBackend;
    const most = storageBuffersPerStage(kernelBackend) - 1;
    // AddN's inputs are an array of tensors, not a map of named ones.
    let terms = inputs as unknown as tf.TensorInfo[];
    const partials: tf.TensorInfo[] = [];
    const add = (group: tf.TensorInfo[]) =>
      builtin({ inputs: group as unknown as tf.NamedTensorInfoMap, attrs, backend });
    try {
      while (terms.length > most) {
        const sums: tf.TensorInfo[] = [];
        for (let i = 0; i < terms.length; i += most) {
          const group = terms.slice(i, i + most);
          if (group.length === 1) {
            sums.push(group[0]);
            continue;
          }
          const sum = add(group) as tf.TensorInfo;
          partials.push(sum);
          sums.push(sum);
        }
        terms = sums;
      }
      return add(terms);
    } finally {
      // The backend defers freeing a buffer that queued GPU work still reads.
      for (const partial of partials) kernelBackend.disposeData(partial.dataId);
    }
  };
}

/** Each kernel and how to make ours from the webgpu backend's own one. */
const KERNELS: readonly {
  readonly name: string;
  readonly make: (builtin: tf.KernelConfig) => tf.KernelFunc;
}[] = [
  { name: tf.AddN, make: (b) => groupedAddN(b.kernelFunc) },
];

/**
 * Loads tfjs's webgpu backend (`@tensorflow/tfjs-backend-webgpu`, which registers it with tfjs
 * where the runtime has WebGPU) and registers this framework's webgpu kernels in place of its
 * own; calling it again does nothing. `useBackend("webgpu")` calls it, so only code that starts
 * the webgpu backend itself (`tf.setBackend("webgpu")`) needs to.
 *
 * @example
 * ```ts
 * import { gpuAdapter, tf } from "@byol/tfjs";
 * import { installWebgpuKernels } from "./webgpu.ts";
 *
 * await installWebgpuKernels();
 * if (await gpuAdapter()) {
 *   await tf.setBackend("webgpu");
 *   const xs = Array.from({ length: 12 }, (_, i) => tf.scalar(i + 1));
 *   const sum = tf.addN(xs);
 *   console.log(await sum.data()); // [78]
 *   tf.dispose([...xs, sum]);
 * }
 * ```
 */
export async function installWebgpuKernels(): Promise<void> {
  // Loaded here rather than imported above: importing the package registers the webgpu backend
  // with tfjs, which would then be the backend tfjs starts by default (see lib/backend.ts).
  await import("@tensorflow/tfjs-backend-webgpu");
  // tfjs-backend-webgpu exports no version; deno.json pins it to tfjs-core's release.
  requireSupportedTfjs("installWebgpuKernels");
  for (const { name, make } of KERNELS) {
    const existing = tf.getKernel(name, BACKEND);
    if (isMarked(existing, KERNEL_MARKS.webgpu)) continue;
    if (existing === undefined) {
      throw new Error(
        `installWebgpuKernels: tfjs-backend-webgpu registered no ${name} kernel to wrap; ` +
          `expected its own, as in tfjs ${tf.version_core}`,
      );
    }
    replaceKernel(name, BACKEND, make(existing), KERNEL_MARKS.webgpu);
  }
}

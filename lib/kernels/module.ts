/**
 * Loads this project's wasm kernel module (`kernels_wasm.ts`, built from `assembly/`) onto the
 * active wasm backend and registers the kernels that run on it.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { asWasmHeapBackend, type WasmHeapBackend } from "../tfjs_internals/wasm_heap.ts";
import { type KernelModule, loadKernelModule } from "../tfjs_internals/wasm_kernel_module.ts";
import { KERNELS_WASM } from "./kernels_wasm.ts";
import { batchNormKernels } from "./batch_norm.ts";
import { convKernels } from "./conv.ts";
import { isMarked, KERNEL_MARKS, replaceKernel } from "./replace.ts";

const modules = new WeakMap<tf.KernelBackend, KernelModule>();
/** Loads under way, so that two calls at once load the module once. */
const loading = new WeakMap<tf.KernelBackend, Promise<KernelModule | null>>();

/** The kernel module loaded on `backend`; throws when {@link installKernelModule} has not run
 * on it. */
export function kernelModuleOf(backend: tf.KernelBackend): KernelModule {
  const module = modules.get(backend);
  if (module === undefined) {
    throw new Error(
      "the wasm kernel module is not loaded on this wasm backend: start it with " +
        'useBackend("wasm") (or useDenoBackend) rather than tf.setBackend("wasm")',
    );
  }
  return module;
}

/**
 * Loads the kernel module on the active wasm backend (with `threads` threads: tfjs's own count)
 * and registers the kernels that run on it; does nothing when it is already loaded there.
 * Returns the module, or `null` when the backend does not expose its memory.
 *
 * @example
 * ```ts ignore
 * await tf.setBackend("wasm");
 * const kernels = await installKernelModule(2);
 * console.log(kernels?.threads);
 * ```
 */
export async function installKernelModule(threads: number): Promise<KernelModule | null> {
  const backend = asWasmHeapBackend(tf.backend());
  if (backend === null || tf.getBackend() !== "wasm") {
    throw new Error(`installKernelModule: the active backend is ${tf.getBackend()}, not wasm`);
  }
  const loaded = modules.get(backend) ?? loading.get(backend);
  if (loaded !== undefined) return await loaded;
  const bytes = Uint8Array.from(atob(KERNELS_WASM), (c) => c.charCodeAt(0));
  const load = loadKernelModule(backend, bytes, threads);
  loading.set(backend, load);
  const module = await load.finally(() => loading.delete(backend));
  if (module === null) return null;
  modules.set(backend, module);
  const previous = (name: string) => {
    const config = tf.getKernel(name, "wasm");
    if (config === undefined) throw new Error(`installKernelModule: wasm has no ${name} kernel`);
    return config.kernelFunc;
  };
  const configs = [
    ...batchNormKernels(withKernelModule),
    ...convKernels(withKernelModule, previous),
  ];
  for (const { kernelName, kernelFunc } of configs) {
    if (isMarked(tf.getKernel(kernelName, "wasm"), KERNEL_MARKS.wasmModule)) continue;
    replaceKernel(kernelName, "wasm", kernelFunc, KERNEL_MARKS.wasmModule);
  }
  return module;
}

/** `backend` (a kernel's) as the wasm backend with its kernel module. */
function withKernelModule(
  backend: unknown,
): { backend: WasmHeapBackend; module: KernelModule } {
  const heap = asWasmHeapBackend(backend as tf.KernelBackend);
  if (heap === null) throw new Error("a kernel-module kernel ran on a backend without a wasm heap");
  return { backend: heap, module: kernelModuleOf(heap) };
}

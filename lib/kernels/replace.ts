/**
 * Registering this project's kernels in place of a backend's own (or beside them, for new
 * names), marked so that installing again recognises them.
 *
 * @module
 */
import { tf } from "../tf.ts";

/** Marks of this project's kernels: wasm kernels made of tfjs ops (`register.ts`), wasm kernels
 * on the kernel module (`module.ts`), webgpu kernels (`webgpu.ts`). `Symbol.for`, so that a
 * second copy of these modules recognises them. */
export const KERNEL_MARKS = {
  wasm: Symbol.for("byol-tfjs.wasm-kernel"),
  wasmModule: Symbol.for("byol-tfjs.wasm-module-kernel"),
  webgpu: Symbol.for("byol-tfjs.webgpu-kernel"),
} as const;

/** Whether `config`'s kernel function carries one of `marks`. */
export function isMarked(config: tf.KernelConfig | undefined, ...marks: symbol[]): boolean {
  return config !== undefined && marks.some((mark) => mark in config.kernelFunc);
}

/**
 * Registers `kernelFunc` as `kernelName` on `backendName`, marked with `mark`, in place of the
 * kernel registered there (returned; `undefined` when there was none). The replaced kernel's
 * `setupFunc` and `disposeFunc` are kept: the wasm backend binds its C++ entry points in
 * `setupFunc`, and the replaced kernel may still run for what ours does not compute.
 *
 * @example
 * ```ts ignore
 * const builtin = replaceKernel("Tile", "wasm", myTile, KERNEL_MARKS.wasm);
 * ```
 */
export function replaceKernel(
  kernelName: string,
  backendName: string,
  kernelFunc: tf.KernelFunc,
  mark: symbol,
): tf.KernelConfig | undefined {
  const existing = tf.getKernel(kernelName, backendName);
  Object.defineProperty(kernelFunc, mark, { value: true });
  if (existing !== undefined) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({
    kernelName,
    backendName,
    kernelFunc,
    setupFunc: existing?.setupFunc,
    disposeFunc: existing?.disposeFunc,
  });
  return existing;
}

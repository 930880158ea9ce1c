/**
 * Test helper: run the same computation on the `cpu`, `wasm` and (when this runtime has a WebGPU
 * adapter) `webgpu` backends, and compare what comes back.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { gpuAdapter } from "../../lib/backend.ts";
import { installWasmKernels } from "../../lib/kernels/register.ts";
import { installWebgpuKernels } from "../../lib/kernels/webgpu.ts";

/** A backend the tests compare. */
export type TestBackend = "cpu" | "wasm" | "webgpu";

/** Whether this runtime has a WebGPU adapter; prints "skipped: no WebGPU adapter" when not. */
export async function webgpuAvailable(): Promise<boolean> {
  const adapter = await gpuAdapter();
  if (!adapter) console.log("skipped: no WebGPU adapter");
  return adapter !== null;
}

/**
 * Runs `compute` with `backend` active and returns the values of the tensors it returns; every
 * tensor it makes is disposed, and the backend that was active before is restored.
 */
export async function valuesOn(
  backend: TestBackend,
  compute: () => tf.Tensor[],
): Promise<Float32Array[]> {
  // useBackend would load these as it chose; here the backends are set directly, to compare.
  if (backend === "wasm") await installWasmKernels();
  if (backend === "webgpu") await installWebgpuKernels();
  const previous = tf.getBackend();
  if (!(await tf.setBackend(backend))) throw new Error(`test: could not start backend ${backend}`);
  try {
    const outputs = tf.tidy(compute);
    try {
      return await Promise.all(outputs.map(async (t) => Float32Array.from(await t.data())));
    } finally {
      tf.dispose(outputs);
    }
  } finally {
    if (previous) await tf.setBackend(previous);
  }
}

/** `|a - b|_2 / |b|_2` (or `|a|_2` when `b` is all zeros). */
export function relativeL2(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`relativeL2: lengths ${a.length} and ${b.length}`);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    norm += b[i] ** 2;
  }
  return Math.sqrt(diff) / (norm > 0 ? Math.sqrt(norm) : 1);
}

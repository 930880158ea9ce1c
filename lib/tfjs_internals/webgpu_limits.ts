/**
 * Reading the limits of the `GPUDevice` that tfjs's webgpu backend runs on. The device is the
 * `device` field of tfjs-backend-webgpu's `WebGPUBackend` class, which tfjs does not export from
 * its public API (its own kernels read it as `backend.device.limits`).
 *
 * @module
 */
import type { tf } from "../tf.ts";

/**
 * WebGPU's default `maxStorageBuffersPerShaderStage`, which a device gets unless it asks for
 * more; tfjs-backend-webgpu 4.22 asks for no more.
 */
export const DEFAULT_STORAGE_BUFFERS_PER_STAGE = 8;

interface WithDevice {
  readonly device?: { readonly limits?: { readonly maxStorageBuffersPerShaderStage?: unknown } };
}

/**
 * How many storage buffers one shader stage of `backend`'s device may bind: its
 * `maxStorageBuffersPerShaderStage`, or {@link DEFAULT_STORAGE_BUFFERS_PER_STAGE} when `backend`
 * has no device whose limits can be read (another backend, or a tfjs release that keeps its
 * device elsewhere).
 *
 * Consumes nothing.
 *
 * @example
 * ```ts
 * import { tf } from "@byol/tfjs";
 * import { storageBuffersPerStage } from "./webgpu_limits.ts";
 *
 * console.log(storageBuffersPerStage(tf.backend())); // 8 on cpu, which has no device
 * ```
 */
export function storageBuffersPerStage(backend: tf.KernelBackend): number {
  const limit = (backend as WithDevice).device?.limits?.maxStorageBuffersPerShaderStage;
  return typeof limit === "number" && Number.isInteger(limit) && limit >= 2
    ? limit
    : DEFAULT_STORAGE_BUFFERS_PER_STAGE;
}

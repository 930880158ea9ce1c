/**
 * Direct access to the wasm backend's heap, for kernels that fill a tensor faster with typed-array
 * copies than with tfjs ops (wasm's `Slice` reads its whole input back through `readSync`).
 *
 * A heap view is invalidated whenever wasm memory grows, which any allocation may do (a new
 * tensor, any kernel's output): take views after allocating and take them again after each op.
 *
 * @module
 */
import { tf } from "../tf.ts";

/** The methods of tfjs's wasm backend that expose its heap. */
interface HeapMethods {
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** A backend whose tensors live in a wasm heap that JavaScript can read and write in place. */
export type WasmHeapBackend = tf.KernelBackend & HeapMethods;

/** `backend` as a {@link WasmHeapBackend}, or `null` when it keeps its tensors elsewhere. */
export function asWasmHeapBackend(backend: tf.KernelBackend): WasmHeapBackend | null {
  const methods = backend as tf.KernelBackend & Partial<HeapMethods>;
  return typeof methods.makeOutput === "function" &&
      typeof methods.typedArrayFromHeap === "function"
    ? methods as WasmHeapBackend
    : null;
}

/**
 * A new `float32` tensor of `shape` on `backend` whose values are whatever the heap held: the
 * caller must write every element (through {@link heapView}) before using it.
 *
 * Consumes nothing.
 */
export function uninitializedTensor(backend: WasmHeapBackend, shape: number[]): tf.Tensor {
  return tf.engine().makeTensorFromTensorInfo(backend.makeOutput(shape, "float32"), backend);
}

/** A `Float32Array` over the heap memory of the `float32` tensor `t`, valid until the next
 * allocation on `backend`. */
export function heapView(backend: WasmHeapBackend, t: tf.TensorInfo): Float32Array {
  if (t.dtype !== "float32") throw new Error(`heapView: expected a float32 tensor, got ${t.dtype}`);
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/**
 * A new `float32` output of `shape` on `backend`, as the `TensorInfo` a kernel returns, whose
 * values are whatever the heap held: the kernel must write every element. Free one that is not
 * returned with `backend.disposeData(info.dataId)`.
 */
export function heapOutput(backend: WasmHeapBackend, shape: readonly number[]): tf.TensorInfo {
  return backend.makeOutput([...shape], "float32");
}

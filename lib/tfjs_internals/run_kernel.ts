/**
 * Running a kernel by name, for ops this project defines as kernels (fused ones that a backend
 * may provide). tfjs's public API runs only its own ops; `engine().runKernel` is what they call.
 *
 * @module
 */
import { tf } from "../tf.ts";

/**
 * Whether the active backend has a kernel `name` registered.
 *
 * @example
 * ```ts
 * import { hasKernel } from "./run_kernel.ts";
 *
 * console.log(hasKernel("Add")); // true: every backend adds
 * ```
 */
export function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

/**
 * Runs kernel `name` of the active backend on `inputs` with `attrs` and returns its outputs as
 * tensors (new; consumes nothing). Not recorded for gradients: call it inside `tf.customGrad`.
 *
 * @example
 * ```ts
 * import { tf } from "../tf.ts";
 * import { runKernel } from "./run_kernel.ts";
 *
 * const x = tf.tensor1d([1, 2]);
 * const [y] = runKernel("Neg", { x }, {});
 * tf.dispose([x, y]);
 * ```
 */
export function runKernel(
  name: string,
  inputs: tf.NamedTensorMap,
  attrs: tf.NamedAttrMap,
): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs, attrs) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}

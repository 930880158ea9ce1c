/**
 * Turning a kernel's inputs into tensors, so a kernel can be written with ordinary tfjs ops.
 *
 * @module
 */
import { tf } from "../tf.ts";

/**
 * The kernel input `info` as a tensor. The engine passes tensors, which are returned as they
 * are; a bare `TensorInfo` (another kernel calling this one) is wrapped in a new tensor that
 * holds its own reference to the data, so disposing the wrapper (or the `tf.tidy` it was made
 * in) leaves the caller's data alive.
 *
 * Consumes nothing.
 */
export function asTensor(info: tf.TensorInfo, backend: tf.KernelBackend): tf.Tensor {
  if (info instanceof tf.Tensor) return info;
  backend.incRef(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info, backend);
}

/**
 * {@link asTensor} for a rank-4 input, with an error naming the kernel and input when it is not.
 *
 * Consumes nothing.
 */
export function asTensor4D(
  what: string,
  name: string,
  info: tf.TensorInfo | undefined,
  backend: tf.KernelBackend,
): tf.Tensor4D {
  if (info === undefined || info.shape.length !== 4) {
    throw new Error(
      `${what}: input "${name}" must be a rank-4 NHWC tensor, got ${
        info === undefined ? "nothing" : `shape [${info.shape}]`
      }`,
    );
  }
  return asTensor(info, backend) as tf.Tensor4D;
}

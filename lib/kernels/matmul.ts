/**
 * A fast path for wasm's matrix products with a transposed operand: its `BatchMatMul` and
 * `_FusedMatMul` run on XNNPACK only for plain `a x b`, and are 10-40x slower with `transposeA`
 * or `transposeB`, which every matMul gradient uses. Transposing the operand first is a cheap
 * copy.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { asTensor } from "../tfjs_internals/kernel_inputs.ts";

function transposeInner(info: tf.TensorInfo, backend: tf.KernelBackend): tf.Tensor {
  return tf.tidy(() => {
    const rank = info.shape.length;
    const perm = [...Array(rank).keys()];
    [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
    return tf.transpose(asTensor(info, backend), perm);
  });
}

/**
 * A matMul kernel (`BatchMatMul` or `_FusedMatMul`, inputs `a` and `b`, attributes `transposeA`
 * and `transposeB`) that runs `builtin` on explicitly transposed operands instead of asking it
 * to transpose. All other inputs and attributes pass through unchanged.
 *
 * @example
 * ```ts
 * import { builtinWasmKernel, tf } from "@byol/tfjs";
 * import { untransposedMatMul } from "./matmul.ts";
 *
 * const builtin = builtinWasmKernel(tf.BatchMatMul);
 * if (builtin) {
 *   const fast = { ...builtin, kernelFunc: untransposedMatMul(builtin.kernelFunc) };
 * }
 * ```
 */
export function untransposedMatMul(builtin: tf.KernelFunc): tf.KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const transposeA = attrs?.transposeA === true;
    const transposeB = attrs?.transposeB === true;
    if (!transposeA && !transposeB) return builtin({ inputs, attrs, backend });
    const kernelBackend = backend as tf.KernelBackend;
    const copies: tf.Tensor[] = [];
    const operand = (name: string, transposed: boolean): tf.TensorInfo => {
      const info = inputs[name];
      if (info === undefined) throw new Error(`matMul kernel: input "${name}" is missing`);
      if (!transposed) return info;
      const copy = transposeInner(info, kernelBackend);
      copies.push(copy);
      return copy;
    };
    try {
      return builtin({
        inputs: { ...inputs, a: operand("a", transposeA), b: operand("b", transposeB) },
        attrs: { ...attrs, transposeA: false, transposeB: false },
        backend,
      });
    } finally {
      tf.dispose(copies);
    }
  };
}

/**
 * Counting the floating-point operations of a computation from the kernels tfjs runs: 2 per
 * multiply-add of convolutions and matrix products (element-wise work is memory-bound and left
 * out, as is usual for GFLOP/s figures).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

const size = (shape: readonly number[] | undefined) => (shape ?? []).reduce((a, b) => a * b, 1);

/** FLOPs of one profiled kernel; 0 for kernels that are not conv or matmul. */
function kernelFlops(
  name: string,
  inputs: (number[] | null)[],
  outputs: (number[] | null)[],
): number {
  const out = outputs[0] ?? [];
  switch (name) {
    case "Conv2D":
    case "FusedConv2D": {
      const [kh, kw, cin] = inputs[1] ?? [];
      return 2 * size(out) * kh * kw * cin;
    }
    case "DepthwiseConv2dNative":
    case "FusedDepthwiseConv2D": {
      const [kh, kw] = inputs[1] ?? [];
      return 2 * size(out) * kh * kw;
    }
    case "BatchMatMul":
    case "_FusedMatMul": {
      const n = out[out.length - 1];
      const k = size(inputs[0] ?? []) * n / size(out);
      return 2 * size(out) * k;
    }
    default:
      return 0;
  }
}

/** The conv/matmul FLOPs of running `fn` once (it is run under `tf.profile`). */
export async function countFlops(fn: () => tf.TensorContainer): Promise<number> {
  const info = await tf.profile(fn);
  let total = 0;
  for (const k of info.kernels) {
    total += kernelFlops(
      k.name,
      k.inputShapes as (number[] | null)[],
      k.outputShapes as (number[] | null)[],
    );
  }
  return total;
}

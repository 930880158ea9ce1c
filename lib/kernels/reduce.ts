/**
 * Sums and means over outer axes as average pooling. The wasm backend reduces over any axes but
 * the innermost by first transposing them inward with its element-by-element transpose; batch
 * norm reduces an `[N, H, W, C]` activation over `[0, 1, 2]` several times per step, which
 * XNNPACK's average pooling does without the transpose (a conv + batch norm + ReLU training
 * step at batch 256 measured 16% faster; a product with a vector of ones was slower, as XNNPACK
 * repacks its weight operand on every call).
 *
 * @module
 */
import { tf } from "../tf.ts";

/** The reduction as `[outer, reduced, inner]` sizes, or `null` when it does not fit. */
function reductionBlock(
  shape: readonly number[],
  axis: number | readonly number[] | null | undefined,
): { outer: number; reduced: number; inner: number; axes: number[] } | null {
  const rank = shape.length;
  const axes = [
    ...new Set(
      (axis == null ? [...shape.keys()] : typeof axis === "number" ? [axis] : axis)
        .map((a) => (a < 0 ? a + rank : a)),
    ),
  ].sort((a, b) => a - b);
  if (axes.length === 0 || axes.some((a, i) => a !== axes[0] + i)) return null;
  const first = axes[0];
  const last = axes[axes.length - 1];
  // An innermost reduction needs no transpose, so the builtin is as fast.
  if (last === rank - 1) return null;
  const size = (from: number, to: number) => shape.slice(from, to).reduce((a, b) => a * b, 1);
  const block = {
    outer: size(0, first),
    reduced: size(first, last + 1),
    inner: size(last + 1, rank),
    axes,
  };
  return block.reduced > 1 && block.outer * block.inner > 0 ? block : null;
}

/**
 * `tf.sum(x, axis, keepDims)` (or `tf.mean` when `mean` is set) for a `float32` tensor whose
 * reduced axes are contiguous and not innermost, computed as XNNPACK's average pooling of
 * `[outer, reduced, 1, inner]` with a `reduced x 1` window (a sum is that mean times the count);
 * `null` for any other reduction, which the builtin kernels handle.
 *
 * Consumes nothing.
 *
 * @example
 * ```ts
 * import { tf } from "@byol/tfjs";
 * import { poolingReduction } from "./reduce.ts";
 *
 * const activations = tf.ones([4, 8, 8, 16]);
 * const perChannel = poolingReduction(activations, { axis: [0, 1, 2], keepDims: false });
 * if (perChannel) tf.dispose(perChannel);
 * activations.dispose();
 * ```
 */
export function poolingReduction(
  x: tf.Tensor,
  options: {
    readonly axis?: number | readonly number[] | null;
    readonly keepDims?: boolean;
    readonly mean?: boolean;
  },
): tf.Tensor | null {
  if (x.dtype !== "float32") return null;
  const block = reductionBlock(x.shape, options.axis);
  if (block === null) return null;
  const { outer, reduced, inner, axes } = block;
  const outShape = options.keepDims
    ? x.shape.map((size, i) => (axes.includes(i) ? 1 : size))
    : x.shape.filter((_, i) => !axes.includes(i));
  return tf.tidy(() => {
    const image = tf.reshape(x, [outer, reduced, 1, inner]) as tf.Tensor4D;
    const mean = tf.avgPool(image, [reduced, 1], 1, "valid");
    return tf.reshape(options.mean ? mean : tf.mul(mean, reduced), outShape);
  });
}

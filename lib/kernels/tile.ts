/**
 * `tf.tile` as a broadcasting multiply by ones. The wasm backend's own `Tile` walks every output
 * element with generic index arithmetic (about 35x slower), and tfjs's batch-norm gradient tiles
 * a per-channel vector to the full activation shape on every backward pass.
 *
 * @module
 */
import { tf } from "../tf.ts";

/** Axes beyond this are left to the builtin kernel (XNNPACK's broadcasting limit). */
const MAX_BROADCAST_RANK = 6;

/**
 * The broadcast that computes `tile(x, reps)`: `x` reshaped to `xShape`, times ones of
 * `onesShape`, has the output's elements in order; `null` when it needs more than
 * `MAX_BROADCAST_RANK` axes.
 */
function tileAsBroadcast(
  shape: readonly number[],
  reps: readonly number[],
): { xShape: number[]; onesShape: number[] } | null {
  // Output axis i is (rep, element) = reps[i] x shape[i], repeats outermost. Drop size-1 parts
  // and merge neighbours of the same kind: they broadcast alike.
  const xShape: number[] = [];
  const onesShape: number[] = [];
  let last: "x" | "ones" | null = null;
  const push = (size: number, kind: "x" | "ones") => {
    if (size === 1) return;
    if (kind === last) {
      const at = xShape.length - 1;
      xShape[at] *= kind === "x" ? size : 1;
      onesShape[at] *= kind === "ones" ? size : 1;
      return;
    }
    xShape.push(kind === "x" ? size : 1);
    onesShape.push(kind === "ones" ? size : 1);
    last = kind;
  };
  shape.forEach((size, i) => {
    push(reps[i], "ones");
    push(size, "x");
  });
  return xShape.length > MAX_BROADCAST_RANK ? null : { xShape, onesShape };
}

/**
 * `tf.tile(x, reps)` computed as `x * ones` with broadcasting (exact: multiplying by one changes
 * no value, not even the sign of zero), for `float32` and `int32` tensors; `null` when the
 * broadcast would need too many axes, or for other dtypes.
 *
 * Consumes nothing.
 *
 * @example
 * ```ts
 * import { tf } from "@byol/tfjs";
 * import { tileByBroadcast } from "./tile.ts";
 *
 * const row = tf.tensor2d([[1, 2]]);
 * const rows = tileByBroadcast(row, [3, 1]); // [[1, 2], [1, 2], [1, 2]]
 * tf.dispose([row, ...(rows ? [rows] : [])]);
 * ```
 */
export function tileByBroadcast(x: tf.Tensor, reps: readonly number[]): tf.Tensor | null {
  if (x.dtype !== "float32" && x.dtype !== "int32") return null;
  const plan = tileAsBroadcast(x.shape, reps);
  if (plan === null) return null;
  const outShape = x.shape.map((size, i) => size * reps[i]);
  return tf.tidy(() =>
    tf.reshape(tf.mul(tf.reshape(x, plan.xShape), tf.ones(plan.onesShape, x.dtype)), outShape)
  );
}

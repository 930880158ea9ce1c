/**
 * Training-mode batch normalisation as one differentiable op with a hand-written gradient.
 *
 * Differentiating `tf.moments` + `tf.batchNorm` through tfjs's tape records a dozen ops, each
 * keeping full-size tensors for the backward pass; at batch 256 that alone outgrows the wasm
 * heap. This op keeps only its input and two per-channel vectors, and its backward pass is the
 * closed form (Ioffe & Szegedy 2015, section 3), optionally fused with a following ReLU.
 *
 * A backend may provide the whole op as two fused kernels, {@link BATCH_NORM_TRAIN} and
 * {@link BATCH_NORM_TRAIN_GRAD} (the wasm backend does, on this project's kernel module); where
 * the active backend has them they run instead of the tfjs ops below, which define what they
 * compute.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { hasKernel, runKernel } from "../tfjs_internals/run_kernel.ts";

/** The fused forward kernel's name: inputs `{x, scale, offset}`, outputs `[y, mean, variance]`,
 * attributes {@link BatchNormTrainAttrs}. */
export const BATCH_NORM_TRAIN = "ByolBatchNormTrain";
/** The fused backward kernel's name: inputs `{dy, x, y, mean, variance, scale}` (`y` the forward
 * output), outputs `[dx, dScale, dOffset]`, attributes {@link BatchNormTrainAttrs}. */
export const BATCH_NORM_TRAIN_GRAD = "ByolBatchNormTrainGrad";

/** The attributes of the fused batch-norm kernels. */
export interface BatchNormTrainAttrs {
  readonly eps: number;
  readonly relu: boolean;
}

/** What {@link batchNormTraining} returns: the output and the batch statistics it used. */
export interface BatchNormTrainingResult {
  readonly y: tf.Tensor;
  /** Per-channel batch mean (no gradient flows through it). */
  readonly mean: tf.Tensor1D;
  /** Per-channel biased batch variance (no gradient flows through it). */
  readonly variance: tf.Tensor1D;
}

/**
 * `y = scale * (x - mean) / sqrt(variance + eps) + offset` with the batch's statistics over
 * every axis but the last, then `relu` when asked. Gradients flow to `x`, `scale` and `offset`
 * (the statistics depend on `x` and that dependency is in the gradient). Consumes nothing.
 */
export function batchNormTraining(
  x: tf.Tensor,
  scale: tf.Tensor1D,
  offset: tf.Tensor1D,
  { eps, relu }: { readonly eps: number; readonly relu: boolean },
): BatchNormTrainingResult {
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const count = x.size / x.shape[x.rank - 1];
  let stats: { mean: tf.Tensor1D; variance: tf.Tensor1D } | undefined;
  const fused = tf.customGrad((...args) => {
    const [input, gamma, beta, save] = args as [
      tf.Tensor,
      tf.Tensor1D,
      tf.Tensor1D,
      tf.GradSaveFunc,
    ];
    const attrs = { eps, relu } as unknown as tf.NamedAttrMap;
    const [value, mean, variance] = runKernel(
      BATCH_NORM_TRAIN,
      { x: input, scale: gamma, offset: beta },
      attrs,
    );
    stats = { mean: tf.keep(mean as tf.Tensor1D), variance: tf.keep(variance as tf.Tensor1D) };
    save([input, value, mean, variance, gamma]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, out, mu, v, g] = saved;
        return runKernel(
          BATCH_NORM_TRAIN_GRAD,
          { dy, x: xs, y: out, mean: mu, variance: v, scale: g },
          attrs,
        );
      },
    };
  });
  const composed = tf.customGrad((...args) => {
    const [input, gamma, beta, save] = args as [
      tf.Tensor,
      tf.Tensor1D,
      tf.Tensor1D,
      tf.GradSaveFunc,
    ];
    const moments = tf.moments(input, axes);
    const mean = tf.keep(moments.mean as tf.Tensor1D);
    const variance = tf.keep(moments.variance as tf.Tensor1D);
    stats = { mean, variance };
    const invStd = tf.rsqrt(tf.add(variance, eps));
    const normalized = tf.batchNorm(input, mean, variance, beta, gamma, eps);
    const value = relu ? tf.relu(normalized) : normalized;
    save(relu ? [input, mean, invStd, gamma, value] : [input, mean, invStd, gamma]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, mu, inv, g, out] = saved;
        const dOut = relu ? tf.mul(dy, tf.step(out)) : dy;
        const xHat = tf.mul(tf.sub(xs, mu), inv);
        const dOffset = tf.sum(dOut, axes);
        const dScale = tf.sum(tf.mul(dOut, xHat), axes);
        // dx = scale * invStd * (dy - mean(dy) - xHat * mean(dy * xHat))
        const centered = tf.sub(
          tf.sub(dOut, tf.div(dOffset, count)),
          tf.mul(xHat, tf.div(dScale, count)),
        );
        const dx = tf.mul(centered, tf.mul(g, inv));
        return [dx, dScale, dOffset];
      },
    };
  });
  const op = hasKernel(BATCH_NORM_TRAIN) && hasKernel(BATCH_NORM_TRAIN_GRAD) ? fused : composed;
  const y = op(x, scale, offset);
  return { y, mean: stats!.mean, variance: stats!.variance };
}

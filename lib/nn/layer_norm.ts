/**
 * Layer normalisation (Ba et al. 2016) over the last axis.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { checkInitShape, formatShape, initParam, where } from "./helpers.ts";
import { type Initializer, ones, zeros } from "./initializers.ts";
import type { Layer } from "./layer.ts";

/** Parameters of {@link layerNorm}: scale and offset over the last axis. */
export type LayerNormParams = { readonly scale: tf.Tensor1D; readonly offset: tf.Tensor1D };

/** Options for {@link layerNorm}. */
export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5, as PyTorch). */
  readonly eps?: number;
  /** Scale initialiser (default {@link ones}). */
  readonly scaleInit?: Initializer;
  /** Offset initialiser (default {@link zeros}). */
  readonly offsetInit?: Initializer;
}

/**
 * Layer normalisation: each example's last axis is normalised by its own mean and biased
 * variance, then scaled and offset: `y = (x - mean) / sqrt(var + eps) * scale + offset`. Works
 * on any input rank of at least 2; stateless and the same in training and evaluation. `apply`
 * consumes nothing.
 *
 * @example
 * ```ts
 * import { nn, random, tree } from "@byol/tfjs";
 *
 * const ln = nn.layerNorm();
 * const { params } = ln.init(random.key(0), [64]);
 * const x = random.normal(random.key(1), [4, 64]);
 * const { y } = ln.apply(params, null, x);
 * tree.dispose(params, x, y);
 * ```
 */
export function layerNorm(
  { eps = 1e-5, scaleInit = ones, offsetInit = zeros }: LayerNormOptions = {},
): Layer<LayerNormParams, null> {
  const layer = "layerNorm";
  if (!(eps > 0)) throw new RangeError(`${layer}: eps must be positive, got ${eps}`);
  return {
    init(key, inputShape, { path } = {}) {
      checkInitShape({ layer, path, inputShape, expected: "[..., features]" });
      const shape = [inputShape[inputShape.length - 1]];
      const param = (name: string, init: Initializer) =>
        initParam<tf.Tensor1D>({ layer, path, name, init, key, shape });
      return {
        params: { scale: param("scale", scaleInit), offset: param("offset", offsetInit) },
        state: null,
        outputShape: inputShape,
      };
    },
    apply(params, _state, x, { path } = {}) {
      const features = params.scale.shape[0];
      if (x.rank < 2 || x.shape[x.rank - 1] !== features) {
        throw new Error(
          `${where(layer, path)}: expected input of shape [batch, ..., ${features}], got ` +
            formatShape(x.shape),
        );
      }
      const y = tf.tidy(() => {
        const { mean, variance } = tf.moments(x, -1, true);
        const normalised = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
        return tf.add(tf.mul(normalised, params.scale), params.offset);
      });
      return { y, state: null };
    },
  };
}

/**
 * The dense layer `y = x w + b`, with an optional activation fused into the same kernel.
 *
 * @module
 */
import { tf } from "../tf.ts";
import {
  checkChoice,
  checkInitShape,
  checkInput,
  checkPositiveInteger,
  weightAndBias,
} from "./helpers.ts";
import { heNormal, type Initializer, zeros } from "./initializers.ts";
import type { Layer } from "./layer.ts";

/**
 * An activation that tfjs fuses into a matmul or convolution (`tf.fused.*`): `relu`, or
 * `linear` for none. The result equals the unfused layer followed by the `relu` layer.
 */
export type FusedActivation = "linear" | "relu";

/**
 * The values of {@link FusedActivation}, for option checks.
 *
 * @example
 * ```ts
 * import { FUSED_ACTIVATIONS } from "./linear.ts";
 *
 * const choice: string = "relu";
 * const fused = (FUSED_ACTIVATIONS as readonly string[]).includes(choice); // true
 * ```
 */
export const FUSED_ACTIVATIONS: readonly FusedActivation[] = ["linear", "relu"];

/** Parameters of {@link linear}: weight `[in, units]`, and bias `[units]` unless `bias: false`. */
export type LinearParams<Bias extends boolean = true> = Bias extends false
  ? { readonly w: tf.Tensor2D }
  : { readonly w: tf.Tensor2D; readonly b: tf.Tensor1D };

/** Options for {@link linear}. */
export interface LinearOptions<Bias extends boolean = true> {
  /** Number of output features. */
  readonly units: number;
  /** Whether to add a bias (default `true`). */
  readonly bias?: Bias;
  /** Activation fused after the bias (default `linear`, none). */
  readonly activation?: FusedActivation;
  /** Weight initialiser (default {@link heNormal}). */
  readonly init?: Initializer;
  /** Bias initialiser, given the weight's fans (default {@link zeros}). */
  readonly biasInit?: Initializer;
}

/**
 * A dense layer on inputs `[batch, in]`: `y = activation(x w + b)`, with `w` of shape
 * `[in, units]`. Runs as one `tf.fused.matMul`. `apply` consumes nothing.
 *
 * @example
 * ```ts
 * import { nn, random, tree } from "@byol/tfjs";
 *
 * const fc = nn.linear({ units: 10 });
 * const { params } = fc.init(random.key(0), [784]); // params.w: [784, 10], params.b: [10]
 * const x = random.normal(random.key(1), [32, 784]);
 * const { y } = fc.apply(params, null, x); // [32, 10]
 * tree.dispose(params, x, y);
 * ```
 */
export function linear<Bias extends boolean = true>(
  options: LinearOptions<Bias>,
): Layer<LinearParams<Bias>, null> {
  const { units, bias = true, activation = "linear", init = heNormal, biasInit = zeros } = options;
  const layer = "linear";
  checkPositiveInteger(layer, "units", units);
  checkChoice(layer, "activation", activation, FUSED_ACTIVATIONS);
  return {
    init(key, inputShape, { path } = {}) {
      checkInitShape({
        layer,
        path,
        inputShape,
        expected: "[features]",
        ranks: [1],
        hint: "flatten or pool images before a linear layer",
      });
      const shape = [inputShape[0], units];
      const params = weightAndBias({ layer, path, key, shape, bias, init, biasInit });
      return { params: params as LinearParams<Bias>, state: null, outputShape: [units] };
    },
    apply(params, _state, x, { path } = {}) {
      const { w, b } = params as { w: tf.Tensor2D; b?: tf.Tensor1D };
      checkInput(layer, path, x, [null, w.shape[0]]);
      return {
        y: tf.fused.matMul({ a: x as tf.Tensor2D, b: w, bias: b, activation }),
        state: null,
      };
    },
  };
}

/**
 * Layers as pairs of pure functions over explicit parameter and state trees (Haiku/Equinox
 * style): `init(key, inputShape) -> { params, state, outputShape }` and
 * `apply(params, state, x, { training, key, path }) -> { y, state }`.
 *
 * @example
 * ```ts
 * import { nn, random, tf, tree } from "@byol/tfjs";
 *
 * const net = nn.sequential({
 *   conv: nn.conv2d({ filters: 8, kernel: 3, bias: false }),
 *   bn: nn.batchNorm(),
 *   act: nn.relu,
 *   pool: nn.globalAvgPool,
 *   fc: nn.linear({ units: 10 }),
 * });
 * const { params, state } = net.init(random.key(0), [28, 28, 1]);
 * const images = tf.zeros([4, 28, 28, 1]);
 * const { y, state: next } = net.apply(params, state, images, { training: true });
 * tree.dispose(params, state, images, y, next);
 * ```
 *
 * @module
 */
export type {
  Applied,
  ApplyOptions,
  Initialized,
  InitOptions,
  Layer,
  ParamsOf,
  Shape,
  StatelessLayer,
  StateOf,
} from "./layer.ts";
export * as initializers from "./initializers.ts";
export type { Fans, Initializer } from "./initializers.ts";
export { linear } from "./linear.ts";
export type { FusedActivation, LinearOptions, LinearParams } from "./linear.ts";
export { conv2d } from "./conv.ts";
export type { Conv2dOptions, Conv2dParams } from "./conv.ts";
export type { Padding, Size2d } from "./spatial.ts";
export { batchNorm } from "./batch_norm.ts";
export type { BatchNormOptions, BatchNormParams, BatchNormState } from "./batch_norm.ts";
export { layerNorm } from "./layer_norm.ts";
export type { LayerNormOptions, LayerNormParams } from "./layer_norm.ts";
export { gelu, relu } from "./activations.ts";
export { adaptiveAvgPool2d, avgPool2d, globalAvgPool, maxPool2d } from "./pooling.ts";
export type { AdaptiveAvgPool2dOptions, Pool2dOptions } from "./pooling.ts";
export { flatten } from "./flatten.ts";
export { dropout } from "./dropout.ts";
export type { DropoutOptions } from "./dropout.ts";
export { sequential } from "./sequential.ts";
export type { Children, SequentialParams, SequentialState } from "./sequential.ts";
export { residual } from "./residual.ts";
export type { ResidualOptions, ResidualParams, ResidualState } from "./residual.ts";

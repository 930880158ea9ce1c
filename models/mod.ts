/**
 * Models built from `nn`'s layers: multi-layer perceptrons, plain conv nets and ResNets, each
 * typed with its parameter and state trees (`params.layer2.block0.main.conv1.w` is a
 * `Tensor4D`).
 *
 * @example
 * ```ts
 * import { mlp, resnet18 } from "@byol/tfjs/models";
 *
 * const encoder = resnet18({ stem: "small" }); // 512 pooled features
 * const projector = mlp({ hidden: [4096], out: 256, batchNorm: true });
 * ```
 *
 * @module
 */
export { convNet } from "./convnet.ts";
export type {
  ConvNetLayerParams,
  ConvNetLayerState,
  ConvNetOptions,
  ConvNetParams,
  ConvNetState,
} from "./convnet.ts";
export { mlp } from "./mlp.ts";
export type { MlpOptions, MlpParams, MlpState } from "./mlp.ts";
export { resnet18, resnet34, resnet50 } from "./resnet.ts";
export type {
  BasicParams,
  BasicState,
  BlockParams,
  BlockState,
  BottleneckParams,
  BottleneckState,
  ConvBnParams,
  ConvBnState,
  ResNetOptions,
  ResNetParams,
  ResNetState,
  StageParams,
  StageState,
  StemParams,
  StemState,
} from "./resnet.ts";

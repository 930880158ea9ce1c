/**
 * Models built from `nn`'s layers: multi-layer perceptrons, plain conv nets and ResNets.
 *
 * @example
 * ```ts
 * import { mlp, resnet18 } from "./models/mod.ts";
 *
 * const encoder = resnet18({ stem: "small" }); // 512 pooled features
 * const projector = mlp({ hidden: [4096], out: 256, batchNorm: true });
 * ```
 *
 * @module
 */
export { convNet } from "./convnet.ts";
export type { ConvNetOptions } from "./convnet.ts";
export { mlp } from "./mlp.ts";
export type { MlpOptions, MlpParams, MlpState } from "./mlp.ts";
export { resnet18, resnet34, resnet50 } from "./resnet.ts";
export type { ResNetOptions } from "./resnet.ts";

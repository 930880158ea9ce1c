/**
 * ResNet-18/34/50 (He et al. 2016) in torchvision's layout: bias-free convolutions before batch
 * norm, projection shortcuts (1x1 conv with the stride + batch norm) where the shape changes,
 * and, for ResNet-50, bottleneck blocks (expansion 4) with the stride on the 3x3 conv
 * ("ResNet v1.5"). Built only from `nn`'s public layers.
 *
 * @module
 */
import { nn, type Tree } from "../mod.ts";

/** Options for {@link resnet18}, {@link resnet34} and {@link resnet50}. */
export interface ResNetOptions {
  /** Number of classes of a final linear layer `fc`; omitted, the model gives pooled features. */
  readonly classes?: number;
  /**
   * `imagenet` (default): 7x7 stride-2 conv, batch norm, relu, 3x3 stride-2 max-pool.
   * `small`: 3x3 stride-1 conv, batch norm, relu, no pool (for 28-32 px images).
   * `strided`: 3x3 stride-2 conv, batch norm, relu, no pool: for 28-32 px images on a compute
   * budget, every later layer runs at half the resolution of `small`, a quarter of its cost.
   */
  readonly stem?: "imagenet" | "small" | "strided";
  /** Multiplier on every channel count, each rounded to an integer of at least 1 (default 1). */
  readonly width?: number;
}

/** Parameters of a bias-free conv followed by batch norm: a projection shortcut. */
export type ConvBnParams = {
  readonly conv: nn.Conv2dParams<false>;
  readonly bn: nn.BatchNormParams;
};

/** State of a conv + batch norm: the batch norm's running statistics. */
export type ConvBnState = { readonly conv: null; readonly bn: nn.BatchNormState };

/** Parameters of the main branch of a basic block: two 3x3 convs with batch norm. */
export type BasicParams = {
  readonly conv1: nn.Conv2dParams<false>;
  readonly bn1: nn.BatchNormParams;
  readonly relu1: null;
  readonly conv2: nn.Conv2dParams<false>;
  readonly bn2: nn.BatchNormParams;
};

/** State of the main branch of a basic block. */
export type BasicState = {
  readonly conv1: null;
  readonly bn1: nn.BatchNormState;
  readonly relu1: null;
  readonly conv2: null;
  readonly bn2: nn.BatchNormState;
};

/** Parameters of the main branch of a bottleneck block: 1x1, 3x3, 1x1 convs with batch norm. */
export type BottleneckParams = BasicParams & {
  readonly relu2: null;
  readonly conv3: nn.Conv2dParams<false>;
  readonly bn3: nn.BatchNormParams;
};

/** State of the main branch of a bottleneck block. */
export type BottleneckState = BasicState & {
  readonly relu2: null;
  readonly conv3: null;
  readonly bn3: nn.BatchNormState;
};

/** Parameters of a residual block with main branch `M`; `shortcut` is `null` for the identity. */
export type BlockParams<M extends Tree = BasicParams> = {
  readonly main: M;
  readonly shortcut: ConvBnParams | null;
};

/** State of a residual block with main-branch state `M`. */
export type BlockState<M extends Tree = BasicState> = {
  readonly main: M;
  readonly shortcut: ConvBnState | null;
};

/** Parameters of a ResNet stage: its blocks `block0`, `block1`, …. */
export type StageParams<M extends Tree = BasicParams> = {
  readonly [block: `block${number}`]: BlockParams<M>;
};

/** State of a ResNet stage. */
export type StageState<M extends Tree = BasicState> = {
  readonly [block: `block${number}`]: BlockState<M>;
};

/** Parameters of the stem: conv + batch norm + relu (+ a `null` max-pool for `imagenet`). */
export type StemParams = ConvBnParams & { readonly relu: null; readonly pool?: null };

/** State of the stem. */
export type StemState = ConvBnState & { readonly relu: null; readonly pool?: null };

/**
 * Parameters of a ResNet whose blocks' main branches have parameters `M` ({@link BasicParams}
 * for ResNet-18/34, {@link BottleneckParams} for ResNet-50); `fc` is there with `classes`.
 */
export type ResNetParams<M extends Tree = BasicParams> = {
  readonly stem: StemParams;
  readonly layer1: StageParams<M>;
  readonly layer2: StageParams<M>;
  readonly layer3: StageParams<M>;
  readonly layer4: StageParams<M>;
  readonly pool: null;
  readonly fc?: nn.LinearParams;
};

/** State of a ResNet: the batch norms' running statistics, `M` per block's main branch. */
export type ResNetState<M extends Tree = BasicState> = {
  readonly stem: StemState;
  readonly layer1: StageState<M>;
  readonly layer2: StageState<M>;
  readonly layer3: StageState<M>;
  readonly layer4: StageState<M>;
  readonly pool: null;
  readonly fc?: null;
};

/** A residual block's main branch, built for the block's sizes. */
type MainBranch<P extends Tree, S extends Tree> = (
  sizes: { planes: number; outChannels: number; stride: number },
) => nn.Layer<P, S>;

interface Architecture<P extends Tree, S extends Tree> {
  readonly main: MainBranch<P, S>;
  /** Output channels of a block per `planes` (1 for basic blocks, 4 for bottlenecks). */
  readonly expansion: number;
  readonly depths: readonly [number, number, number, number];
}

const PLANES = [64, 128, 256, 512] as const;

const conv = (filters: number, kernel: number, stride = 1) =>
  nn.conv2d({ filters, kernel, stride, bias: false });

function convBn(filters: number, kernel: number, stride: number) {
  return { conv: conv(filters, kernel, stride), bn: nn.batchNorm() };
}

const basic: MainBranch<BasicParams, BasicState> = ({ planes, outChannels, stride }) =>
  nn.sequential({
    conv1: conv(planes, 3, stride),
    bn1: nn.batchNorm(),
    relu1: nn.relu,
    conv2: conv(outChannels, 3),
    bn2: nn.batchNorm(),
  });

const bottleneck: MainBranch<BottleneckParams, BottleneckState> = (
  { planes, outChannels, stride },
) =>
  nn.sequential({
    conv1: conv(planes, 1),
    bn1: nn.batchNorm(),
    relu1: nn.relu,
    conv2: conv(planes, 3, stride),
    bn2: nn.batchNorm(),
    relu2: nn.relu,
    conv3: conv(outChannels, 1),
    bn3: nn.batchNorm(),
  });

/** One residual block; `inChannels` decides whether the shortcut needs a projection. */
function block<P extends Tree, S extends Tree>(
  main: nn.Layer<P, S>,
  { inChannels, outChannels, stride }: { inChannels: number; outChannels: number; stride: number },
): nn.Layer<BlockParams<P>, BlockState<S>> {
  const project = stride !== 1 || inChannels !== outChannels;
  return project
    ? nn.residual({
      main,
      shortcut: nn.sequential(convBn(outChannels, 1, stride)),
      activation: nn.relu,
    })
    : nn.residual({ main, activation: nn.relu });
}

function resnet<P extends Tree, S extends Tree>(
  { main, expansion, depths }: Architecture<P, S>,
  { classes, stem = "imagenet", width = 1 }: ResNetOptions,
  name: string,
): nn.Layer<ResNetParams<P>, ResNetState<S>> {
  if (!(width > 0 && Number.isFinite(width))) {
    throw new RangeError(`${name}: width must be a positive number, got ${width}`);
  }
  if (stem !== "imagenet" && stem !== "small" && stem !== "strided") {
    throw new RangeError(`${name}: stem must be "imagenet", "small" or "strided", got "${stem}"`);
  }
  if (classes !== undefined && !(Number.isInteger(classes) && classes > 0)) {
    throw new RangeError(`${name}: classes must be a positive integer, got ${classes}`);
  }
  const channels = (c: number) => Math.max(1, Math.round(c * width));
  const stemWidth = channels(64);
  let inChannels = stemWidth;
  const stage = (index: number) => {
    const planes = channels(PLANES[index]);
    const outChannels = channels(PLANES[index] * expansion);
    const blocks: { [block: `block${number}`]: nn.Layer<BlockParams<P>, BlockState<S>> } = {};
    for (let i = 0; i < depths[index]; i++) {
      const stride = i === 0 && index > 0 ? 2 : 1;
      blocks[`block${i}`] = block(main({ planes, outChannels, stride }), {
        inChannels,
        outChannels,
        stride,
      });
      inChannels = outChannels;
    }
    return nn.sequential(blocks);
  };
  const children: ResNetChildren<P, S> = {
    stem: stem === "imagenet"
      ? nn.sequential({
        ...convBn(stemWidth, 7, 2),
        relu: nn.relu,
        pool: nn.maxPool2d({ window: 3, stride: 2, padding: "same" }),
      })
      : nn.sequential({ ...convBn(stemWidth, 3, stem === "strided" ? 2 : 1), relu: nn.relu }),
    layer1: stage(0),
    layer2: stage(1),
    layer3: stage(2),
    layer4: stage(3),
    pool: nn.globalAvgPool,
  };
  if (classes !== undefined) children.fc = nn.linear({ units: classes });
  return nn.sequential(children);
}

type ResNetChildren<P extends Tree, S extends Tree> = {
  stem: nn.Layer<StemParams, StemState>;
  layer1: nn.Layer<StageParams<P>, StageState<S>>;
  layer2: nn.Layer<StageParams<P>, StageState<S>>;
  layer3: nn.Layer<StageParams<P>, StageState<S>>;
  layer4: nn.Layer<StageParams<P>, StageState<S>>;
  pool: nn.StatelessLayer;
  fc?: nn.Layer<nn.LinearParams, null>;
};

/**
 * ResNet-18: basic blocks `[2, 2, 2, 2]`; 11,689,512 parameters at 1000 classes (as
 * torchvision). Parameter paths read `stem/conv/w`, `layer2/block0/main/conv1/w`,
 * `layer2/block0/shortcut/conv/w`, `fc/w`. Takes NHWC images.
 *
 * @example
 * ```ts
 * import { random, tree } from "@byol/tfjs";
 * import { resnet18 } from "@byol/tfjs/models";
 *
 * const encoder = resnet18({ stem: "small", width: 0.5 }); // pooled features, [batch, 256]
 * const { params, state } = encoder.init(random.key(0), [32, 32, 3]);
 * console.log(params.layer2.block0.shortcut?.conv.w.shape); // [1, 1, 32, 64]
 * tree.dispose(params, state);
 * ```
 */
export function resnet18(
  options: ResNetOptions = {},
): nn.Layer<ResNetParams<BasicParams>, ResNetState<BasicState>> {
  return resnet({ main: basic, expansion: 1, depths: [2, 2, 2, 2] }, options, "resnet18");
}

/**
 * ResNet-34: basic blocks `[3, 4, 6, 3]`; 21,797,672 parameters at 1000 classes. Parameter
 * paths as {@link resnet18}'s, with more blocks per stage (`layer3/block5/main/conv2/w`).
 *
 * @example
 * ```ts
 * import { random, tree } from "@byol/tfjs";
 * import { resnet34 } from "@byol/tfjs/models";
 *
 * const net = resnet34({ stem: "small", width: 0.125, classes: 10 });
 * const { params, state } = net.init(random.key(0), [32, 32, 3]);
 * console.log(params.layer3.block5.main.conv2.w.shape); // [3, 3, 32, 32]
 * const images = random.uniform(random.key(1), [2, 32, 32, 3]);
 * const { y } = net.apply(params, state, images); // logits, [2, 10]
 * tree.dispose(params, state, images, y);
 * ```
 */
export function resnet34(
  options: ResNetOptions = {},
): nn.Layer<ResNetParams<BasicParams>, ResNetState<BasicState>> {
  return resnet({ main: basic, expansion: 1, depths: [3, 4, 6, 3] }, options, "resnet34");
}

/**
 * ResNet-50: bottleneck blocks `[3, 4, 6, 3]` (expansion 4, stride on the 3x3 conv);
 * 25,557,032 parameters at 1000 classes; 2048 pooled features at width 1. Each block's main
 * branch is `conv1` (1x1), `conv2` (3x3), `conv3` (1x1, to 4x the block's width).
 *
 * @example
 * ```ts
 * import { random, tree } from "@byol/tfjs";
 * import { resnet50 } from "@byol/tfjs/models";
 *
 * const encoder = resnet50({ stem: "small", width: 0.125 }); // 256 pooled features
 * const { params, state } = encoder.init(random.key(0), [32, 32, 3]);
 * console.log(params.layer1.block0.main.conv3.w.shape); // [1, 1, 8, 32]
 * const images = random.uniform(random.key(1), [2, 32, 32, 3]);
 * const { y } = encoder.apply(params, state, images); // [2, 256]
 * tree.dispose(params, state, images, y);
 * ```
 */
export function resnet50(
  options: ResNetOptions = {},
): nn.Layer<ResNetParams<BottleneckParams>, ResNetState<BottleneckState>> {
  return resnet({ main: bottleneck, expansion: 4, depths: [3, 4, 6, 3] }, options, "resnet50");
}

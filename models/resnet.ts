/**
 * ResNet-18/34/50 (He et al. 2016) in torchvision's layout: bias-free convolutions before batch
 * norm, projection shortcuts (1x1 conv with the stride + batch norm) where the shape changes,
 * and, for ResNet-50, bottleneck blocks (expansion 4) with the stride on the 3x3 conv
 * ("ResNet v1.5"). Built only from `nn`'s public layers.
 *
 * @module
 */
import * as nn from "../lib/nn/mod.ts";

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

type BlockKind = "basic" | "bottleneck";

interface Architecture {
  readonly block: BlockKind;
  readonly depths: readonly [number, number, number, number];
}

const PLANES = [64, 128, 256, 512] as const;

function convBn(filters: number, kernel: number, stride: number): Record<string, nn.Layer> {
  return {
    conv: nn.conv2d({ filters, kernel, stride, bias: false }),
    bn: nn.batchNorm(),
  };
}

/** One residual block; `inChannels` decides whether the shortcut needs a projection. */
function block(
  kind: BlockKind,
  { inChannels, planes, outChannels, stride }: {
    inChannels: number;
    planes: number;
    outChannels: number;
    stride: number;
  },
): nn.Layer {
  const conv = (filters: number, kernel: number, s = 1) =>
    nn.conv2d({ filters, kernel, stride: s, bias: false });
  const main = kind === "basic"
    ? nn.sequential({
      conv1: conv(planes, 3, stride),
      bn1: nn.batchNorm(),
      relu1: nn.relu,
      conv2: conv(outChannels, 3),
      bn2: nn.batchNorm(),
    })
    : nn.sequential({
      conv1: conv(planes, 1),
      bn1: nn.batchNorm(),
      relu1: nn.relu,
      conv2: conv(planes, 3, stride),
      bn2: nn.batchNorm(),
      relu2: nn.relu,
      conv3: conv(outChannels, 1),
      bn3: nn.batchNorm(),
    });
  const project = stride !== 1 || inChannels !== outChannels;
  return project
    ? nn.residual({
      main,
      shortcut: nn.sequential(convBn(outChannels, 1, stride)),
      activation: nn.relu,
    })
    : nn.residual({ main, activation: nn.relu });
}

function resnet(
  { block: kind, depths }: Architecture,
  { classes, stem = "imagenet", width = 1 }: ResNetOptions,
  name: string,
): nn.Layer {
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
  const expansion = kind === "basic" ? 1 : 4;
  const stemWidth = channels(64);
  const layers: Record<string, nn.Layer> = {
    stem: nn.sequential(
      stem === "imagenet"
        ? {
          ...convBn(stemWidth, 7, 2),
          relu: nn.relu,
          pool: nn.maxPool2d({ window: 3, stride: 2, padding: "same" }),
        }
        : { ...convBn(stemWidth, 3, stem === "strided" ? 2 : 1), relu: nn.relu },
    ),
  };
  let inChannels = stemWidth;
  depths.forEach((depth, stage) => {
    const planes = channels(PLANES[stage]);
    const outChannels = channels(PLANES[stage] * expansion);
    const blocks: Record<string, nn.Layer> = {};
    for (let i = 0; i < depth; i++) {
      const stride = i === 0 && stage > 0 ? 2 : 1;
      blocks[`block${i}`] = block(kind, { inChannels, planes, outChannels, stride });
      inChannels = outChannels;
    }
    layers[`layer${stage + 1}`] = nn.sequential(blocks);
  });
  layers.pool = nn.globalAvgPool;
  if (classes !== undefined) layers.fc = nn.linear({ units: classes });
  return nn.sequential(layers);
}

/**
 * ResNet-18: basic blocks `[2, 2, 2, 2]`; 11,689,512 parameters at 1000 classes (as
 * torchvision). Parameter paths read `stem/conv/w`, `layer2/block0/main/conv1/w`,
 * `layer2/block0/shortcut/conv/w`, `fc/w`. Takes NHWC images.
 *
 * @example
 * ```ts
 * const encoder = resnet18({ stem: "small", width: 0.5 }); // pooled features, [batch, 256]
 * const { params, state } = encoder.init(random.key(0), [32, 32, 3]);
 * ```
 */
export function resnet18(options: ResNetOptions = {}): nn.Layer {
  return resnet({ block: "basic", depths: [2, 2, 2, 2] }, options, "resnet18");
}

/** ResNet-34: basic blocks `[3, 4, 6, 3]`; 21,797,672 parameters at 1000 classes. */
export function resnet34(options: ResNetOptions = {}): nn.Layer {
  return resnet({ block: "basic", depths: [3, 4, 6, 3] }, options, "resnet34");
}

/**
 * ResNet-50: bottleneck blocks `[3, 4, 6, 3]` (expansion 4, stride on the 3x3 conv);
 * 25,557,032 parameters at 1000 classes; 2048 pooled features at width 1.
 */
export function resnet50(options: ResNetOptions = {}): nn.Layer {
  return resnet({ block: "bottleneck", depths: [3, 4, 6, 3] }, options, "resnet50");
}

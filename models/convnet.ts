/**
 * A plain convolutional encoder: a stack of 3x3 `conv → batch norm → relu` layers and an average
 * pool, global or to a small grid. For 28-32 px images it keeps its last layers at 7-8 px, where
 * a ResNet's last stages shrink to 2-4 px; on Fashion-MNIST that resolution is worth more than
 * depth.
 *
 * @module
 */
import { nn } from "../mod.ts";

/** Options for {@link convNet}. */
export interface ConvNetOptions {
  /** Output channels of each layer, in order (at least one). */
  readonly channels: readonly number[];
  /** Stride of each layer (default 1 everywhere); as many as `channels`. */
  readonly strides?: readonly number[];
  /**
   * Side of the grid the last feature map is averaged to (default 1: global average pooling).
   * With `poolGrid: 2` the features are the four quadrants' averages, flattened, which keeps
   * where in the image a pattern is, not only whether it is there.
   */
  readonly poolGrid?: number;
  /** Number of classes of a final linear layer `fc`; omitted, the model gives pooled features. */
  readonly classes?: number;
}

/** Parameters of one layer of a {@link convNet}: `conv` (no bias) → `bn` → `relu`. */
export type ConvNetLayerParams = {
  readonly conv: nn.Conv2dParams<false>;
  readonly bn: nn.BatchNormParams;
  readonly relu: null;
};

/** State of one layer of a {@link convNet}: its batch norm's running statistics. */
export type ConvNetLayerState = {
  readonly conv: null;
  readonly bn: nn.BatchNormState;
  readonly relu: null;
};

/** Parameters of a {@link convNet}: `layer0`, `layer1`, …, the pooling's `null`s, and `fc`. */
export type ConvNetParams = {
  readonly [layer: `layer${number}`]: ConvNetLayerParams;
  readonly pool: null;
  /** Present with `poolGrid` above 1. */
  readonly flat?: null;
  /** Present with `classes`. */
  readonly fc?: nn.LinearParams;
};

/** State of a {@link convNet}: each layer's batch-norm statistics under `layer0`, `layer1`, …. */
export type ConvNetState = {
  readonly [layer: `layer${number}`]: ConvNetLayerState;
  readonly pool: null;
  readonly flat?: null;
  readonly fc?: null;
};

type ConvNetChildren = {
  [layer: `layer${number}`]: nn.Layer<ConvNetLayerParams, ConvNetLayerState>;
  pool: nn.StatelessLayer;
  flat?: nn.StatelessLayer;
  fc?: nn.Layer<nn.LinearParams, null>;
};

function check(
  name: string,
  { channels, strides, poolGrid, classes }: ConvNetOptions,
): string[] {
  const errors: string[] = [];
  const positiveInts = (what: string, xs: readonly number[]) => {
    const bad = xs.findIndex((x) => !(Number.isInteger(x) && x > 0));
    if (bad >= 0) errors.push(`${what}[${bad}] must be a positive integer, got ${xs[bad]}`);
  };
  if (channels.length === 0) errors.push("channels must name at least one layer");
  positiveInts("channels", channels);
  if (strides !== undefined) {
    if (strides.length !== channels.length) {
      errors.push(
        `strides must have one entry per layer (${channels.length}), got ${strides.length}`,
      );
    }
    positiveInts("strides", strides);
  }
  if (poolGrid !== undefined && !(Number.isInteger(poolGrid) && poolGrid > 0)) {
    errors.push(`poolGrid must be a positive integer, got ${poolGrid}`);
  }
  if (classes !== undefined && !(Number.isInteger(classes) && classes > 0)) {
    errors.push(`classes must be a positive integer, got ${classes}`);
  }
  return errors.map((e) => `${name}: ${e}`);
}

/**
 * A convolutional encoder `layer0, layer1, …` each `conv` (3x3, `same` padding, no bias) →
 * `bn` → `relu`, then `pool` (global average, or with `poolGrid: g` an adaptive average pool to
 * `g x g` cells followed by `flat`) and, with `classes`, a linear layer `fc`. Parameter paths
 * read `layer0/conv/w`, `layer3/bn/scale`, `fc/w`. Takes NHWC images and gives
 * `[batch, g * g * channels.at(-1)]` features (or `[batch, classes]`).
 *
 * @example
 * ```ts
 * import { random, tree } from "@byol/tfjs";
 * import { convNet } from "@byol/tfjs/models";
 *
 * // 28x28 -> 28, 14, 14, 7, 7 px; 128 pooled features
 * const strides = [1, 2, 1, 2, 1];
 * const encoder = convNet({ channels: [32, 64, 64, 128, 128], strides });
 * const { params, state } = encoder.init(random.key(0), [28, 28, 1]);
 * console.log(params.layer4.conv.w.shape); // [3, 3, 128, 128]
 * // the same, its 7x7 map averaged to 2x2 cells: 512 features
 * const gridded = convNet({ channels: [32, 64, 64, 128, 128], strides, poolGrid: 2 });
 * tree.dispose(params, state);
 * ```
 */
export function convNet(options: ConvNetOptions): nn.Layer<ConvNetParams, ConvNetState> {
  const errors = check("convNet", options);
  if (errors.length > 0) throw new RangeError(errors.join("\n"));
  const { channels, strides = channels.map(() => 1), poolGrid = 1, classes } = options;
  const layers: { [layer: `layer${number}`]: nn.Layer<ConvNetLayerParams, ConvNetLayerState> } = {};
  channels.forEach((filters, i) => {
    layers[`layer${i}`] = nn.sequential({
      conv: nn.conv2d({ filters, kernel: 3, stride: strides[i], bias: false }),
      bn: nn.batchNorm(),
      relu: nn.relu,
    });
  });
  const children: ConvNetChildren = {
    ...layers,
    pool: poolGrid === 1 ? nn.globalAvgPool : nn.adaptiveAvgPool2d({ size: poolGrid }),
  };
  if (poolGrid !== 1) children.flat = nn.flatten;
  if (classes !== undefined) children.fc = nn.linear({ units: classes });
  return nn.sequential(children);
}

/**
 * BYOL's training recipes as typed, documented presets, and the function that turns one into
 * {@link ByolOptions}.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { data, type Layer, optim, schedules, type Shape } from "../../mod.ts";
import { convNet } from "../convnet.ts";
import { resnet18, resnet34, resnet50 } from "../resnet.ts";
import type { ByolOptions, HeadOptions } from "./byol.ts";

/** A ResNet encoder from `models/resnet.ts`. */
export interface ResNetPreset {
  readonly arch: "resnet18" | "resnet34" | "resnet50";
  readonly stem: "small" | "strided" | "imagenet";
  readonly width: number;
}

/** A plain conv-net encoder from `models/convnet.ts`. */
export interface ConvNetPreset {
  readonly arch: "convnet";
  readonly channels: readonly number[];
  readonly strides: readonly number[];
  /** Side of the grid the last feature map is averaged to (1: global average pooling). */
  readonly poolGrid: number;
}

/** The encoder of a preset. */
export type EncoderPreset = ResNetPreset | ConvNetPreset;

/** LARS (You et al. 2017) as BYOL uses it: biases and batch-norm parameters excluded. */
export interface LarsPreset {
  readonly kind: "lars";
  /** Learning rate per 256 images; the rate used is `baseLearningRate * batchSize / 256`. */
  readonly baseLearningRate: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly eta: number;
}

/** Adam with decoupled weight decay (AdamW); `weightDecay: 0` is plain Adam. */
export interface AdamPreset {
  readonly kind: "adamw";
  readonly learningRate: number;
  readonly weightDecay: number;
}

/** A complete BYOL recipe: networks, data shape, optimisation and augmentations. */
export interface ByolPreset {
  readonly name: string;
  /** What the preset is for and where its numbers come from. */
  readonly description: string;
  readonly encoder: EncoderPreset;
  /** Per-example input shape, NHWC without the batch dimension. */
  readonly inputShape: Shape;
  readonly projector: HeadOptions;
  readonly predictor: HeadOptions;
  readonly batchSize: number;
  readonly epochs: number;
  /** Linear warm-up of the learning rate, then cosine decay to 0. */
  readonly warmupEpochs: number;
  readonly optimizer: LarsPreset | AdamPreset;
  /** The target's base decay rate, raised to 1 by the cosine schedule. */
  readonly tauBase: number;
  readonly views: readonly [data.ViewPreset, data.ViewPreset];
}

/** The paper's ImageNet recipe (Grill et al. 2020, section 3.3 and appendix C). */
export const paper: ByolPreset = {
  name: "paper",
  description: "BYOL on ImageNet as published: ResNet-50, batch 4096, LARS, 1000 epochs",
  encoder: { arch: "resnet50", stem: "imagenet", width: 1 },
  inputShape: [224, 224, 3],
  projector: { hidden: 4096, out: 256 },
  predictor: { hidden: 4096, out: 256 },
  batchSize: 4096,
  epochs: 1000,
  warmupEpochs: 10,
  optimizer: { kind: "lars", baseLearningRate: 0.2, momentum: 0.9, weightDecay: 1.5e-6, eta: 1e-3 },
  tauBase: 0.996,
  views: data.BYOL_VIEWS,
};

/**
 * CIFAR-10 as the public benchmarks run it (solo-learn's BYOL recipe): ResNet-18 with the small
 * stem, heads 4096/256, LARS at 1.0 per 256 images with trust coefficient 0.02, weight decay
 * 1e-5, tau 0.99, the paper's views without blur (a 3 px kernel erases 32 px images).
 */
export const cifar10: ByolPreset = {
  name: "cifar10",
  description: "CIFAR-10 as public BYOL benchmarks: ResNet-18 small stem, LARS, 1000 epochs",
  encoder: { arch: "resnet18", stem: "small", width: 1 },
  inputShape: [32, 32, 3],
  projector: { hidden: 4096, out: 256 },
  predictor: { hidden: 4096, out: 256 },
  batchSize: 256,
  epochs: 1000,
  warmupEpochs: 10,
  optimizer: { kind: "lars", baseLearningRate: 1.0, momentum: 0.9, weightDecay: 1e-5, eta: 0.02 },
  tauBase: 0.99,
  views: [
    { ...data.BYOL_VIEW_1, blur: { ...data.BYOL_VIEW_1.blur, probability: 0 } },
    { ...data.BYOL_VIEW_2, blur: { ...data.BYOL_VIEW_2.blur, probability: 0 } },
  ],
};

/**
 * The views of the fashion-mnist preset: crops of 30-100% of the area with a flip, and the
 * brightness/contrast jitter of the paper; no blur or solarize, which on 28 px clothes erase the
 * detail (collars, sleeves) that tells the classes apart.
 */
const FASHION_MNIST_VIEW: data.ViewPreset = {
  ...data.SMALL_IMAGE_VIEWS[0],
  crop: { ...data.SMALL_IMAGE_VIEWS[0].crop, scale: [0.3, 1] },
  solarizeProbability: 0,
};

/**
 * Fashion-MNIST on a 2-core CPU: a 5-layer conv net (32-64-64-128-128 channels at 28, 14, 14,
 * 7 and 7 px) whose last map is averaged to 2x2 cells (512 features), heads 512/128, AdamW at
 * 2e-3, batch 64, tau 0.99. 4 epochs (3,748 steps) took 28 minutes of training on 2 cores and
 * reached kNN (k=20) 85.4% and a linear probe 89.1% on the test set (README).
 * The conv net beat a quarter-width ResNet-18 at the same budget: the ResNet's last stages run
 * at 4 and 2 px, too coarse for 28 px images.
 */
export const fashionMnist: ByolPreset = {
  name: "fashion-mnist",
  description: "Fashion-MNIST on a 2-core CPU: 5-layer conv net, 2x2 pooled, AdamW, 4 epochs",
  encoder: {
    arch: "convnet",
    channels: [32, 64, 64, 128, 128],
    strides: [1, 2, 1, 2, 1],
    poolGrid: 2,
  },
  inputShape: [28, 28, 1],
  projector: { hidden: 512, out: 128 },
  predictor: { hidden: 512, out: 128 },
  batchSize: 64,
  epochs: 4,
  warmupEpochs: 0.4,
  optimizer: { kind: "adamw", learningRate: 2e-3, weightDecay: 1e-4 },
  tauBase: 0.99,
  views: [FASHION_MNIST_VIEW, FASHION_MNIST_VIEW],
};

/** Every preset by name. */
export const presets: Readonly<Record<string, ByolPreset>> = {
  paper,
  cifar10,
  "fashion-mnist": fashionMnist,
};

/** The encoder layer a preset describes. */
export function encoderOf(preset: EncoderPreset): Layer {
  if (preset.arch === "convnet") {
    const { channels, strides, poolGrid } = preset;
    return convNet({ channels, strides, poolGrid });
  }
  const build = { resnet18, resnet34, resnet50 }[preset.arch];
  if (build === undefined) {
    throw new RangeError(
      `encoderOf: arch must be "resnet18", "resnet34", "resnet50" or "convnet", got "${
        (preset as { arch: unknown }).arch
      }"`,
    );
  }
  return build({ stem: preset.stem, width: preset.width });
}

/** Run-time choices that override a preset. */
export interface PresetRun {
  /** Optimizer steps per epoch (dataset size / batch size). */
  readonly stepsPerEpoch: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  /** Overrides the peak learning rate (for LARS, the rate actually used, not the per-256 one). */
  readonly learningRate?: number;
}

/**
 * The {@link ByolOptions} of a preset for a run: its encoder, heads, a warm-up (the preset's
 * epochs, at most a tenth of the run) + cosine learning rate over the run's steps, its optimizer (weight decay and LARS's trust ratio skip biases and
 * batch-norm parameters, `optim.excludeBiasAndNorm`), tau and views.
 *
 * @example
 * ```ts
 * const model = byol(fromPreset(presets["fashion-mnist"], { stepsPerEpoch: 234 }));
 * ```
 */
export function fromPreset(preset: ByolPreset, run: PresetRun): ByolOptions {
  const epochs = run.epochs ?? preset.epochs;
  const batchSize = run.batchSize ?? preset.batchSize;
  if (!Number.isInteger(run.stepsPerEpoch) || run.stepsPerEpoch < 1) {
    throw new RangeError(
      `fromPreset: stepsPerEpoch must be a positive integer, got ${run.stepsPerEpoch}`,
    );
  }
  const totalSteps = Math.max(1, Math.round(epochs * run.stepsPerEpoch));
  const opt = preset.optimizer;
  const peak = run.learningRate ??
    (opt.kind === "lars" ? opt.baseLearningRate * batchSize / 256 : opt.learningRate);
  // Short runs (e.g. --epochs 1) would otherwise spend all their steps warming up.
  const warmupSteps = Math.min(
    Math.round(preset.warmupEpochs * run.stepsPerEpoch),
    Math.floor(totalSteps / 10),
  );
  const learningRate = schedules.warmupCosine({ peak, warmupSteps, totalSteps });
  const mask = optim.excludeBiasAndNorm;
  return {
    encoder: encoderOf(preset.encoder),
    projector: preset.projector,
    predictor: preset.predictor,
    learningRate,
    optimizer: (lr) =>
      opt.kind === "lars"
        ? optim.lars({
          learningRate: lr,
          momentum: opt.momentum,
          weightDecay: opt.weightDecay,
          eta: opt.eta,
          mask,
        })
        : optim.adamw({ learningRate: lr, weightDecay: opt.weightDecay, mask }),
    totalSteps,
    tauBase: preset.tauBase,
    views: (key, images) => data.byolViews(key, images as tf.Tensor4D, preset.views),
  };
}

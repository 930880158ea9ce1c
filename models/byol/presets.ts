/**
 * BYOL's training recipes as typed, documented presets (registered once, in {@link presets}),
 * the schema that checks one read from a run's `config.json`, and the function that turns one
 * into {@link ByolOptions}. A preset names its encoder and optimizer by their registered names
 * (`encoders.ts`, `optimizers.ts`), whose config types its fields follow.
 *
 * To add a preset, add it to {@link presets}.
 *
 * @module
 */
import { data, schedules, type Shape, type tf } from "../../mod.ts";
import type { ByolOptions, HeadOptions } from "./byol.ts";
import { encoderOf, type EncoderPreset, encoderPreset, encoderPresetSchema } from "./encoders.ts";
import {
  optimizerOf,
  type OptimizerPreset,
  optimizerPreset,
  optimizerPresetSchema,
  peakLearningRate,
} from "./optimizers.ts";
import {
  between,
  finite,
  integer,
  nonNegative,
  optional,
  positive,
  range,
  type Schema,
  string,
  struct,
  tuple,
} from "./schema.ts";

/** A complete BYOL recipe: networks, data shape, optimisation and augmentations. */
export interface ByolPreset {
  /** Its name in {@link presets} and in run folders' names. */
  readonly name: string;
  /** What the preset is for and where its numbers come from. */
  readonly description: string;
  /** `{ arch, ...config }` of a registered encoder (`encoders.ts`). */
  readonly encoder: EncoderPreset;
  /** Per-example input shape, NHWC without the batch dimension. */
  readonly inputShape: Shape;
  /** The projector MLP's sizes. */
  readonly projector: HeadOptions;
  /** The predictor MLP's sizes (its output is the projector's). */
  readonly predictor: HeadOptions;
  /** Images per step. */
  readonly batchSize: number;
  /** Passes over the training set. */
  readonly epochs: number;
  /** Linear warm-up of the learning rate, then cosine decay to 0. */
  readonly warmupEpochs: number;
  /** `{ kind, ...config }` of a registered optimizer (`optimizers.ts`). */
  readonly optimizer: OptimizerPreset;
  /** The target's base decay rate, raised to 1 by the cosine schedule. */
  readonly tauBase: number;
  /** The augmentations of the two views. */
  readonly views: readonly [data.ViewPreset, data.ViewPreset];
}

/**
 * The paper's ImageNet recipe (Grill et al. 2020, section 3.3 and appendix C).
 *
 * @example
 * ```ts
 * import { byol, fromPreset, paper } from "@byol/tfjs/byol";
 *
 * const model = byol(fromPreset(paper, { stepsPerEpoch: 1251 })); // ImageNet at batch 4096
 * ```
 */
export const paper: ByolPreset = {
  name: "paper",
  description: "BYOL on ImageNet as published: ResNet-50, batch 4096, LARS, 1000 epochs",
  encoder: encoderPreset("resnet50", { stem: "imagenet", width: 1 }),
  inputShape: [224, 224, 3],
  projector: { hidden: 4096, out: 256 },
  predictor: { hidden: 4096, out: 256 },
  batchSize: 4096,
  epochs: 1000,
  warmupEpochs: 10,
  optimizer: optimizerPreset("lars", {
    baseLearningRate: 0.2,
    momentum: 0.9,
    weightDecay: 1.5e-6,
    eta: 1e-3,
  }),
  tauBase: 0.996,
  views: data.BYOL_VIEWS,
};

/**
 * CIFAR-10 as the public benchmarks run it (solo-learn's BYOL recipe): ResNet-18 with the small
 * stem, heads 4096/256, LARS at 1.0 per 256 images with trust coefficient 0.02, weight decay
 * 1e-5, tau 0.99, the paper's views without blur (a 3 px kernel erases 32 px images).
 *
 * @example
 * ```ts
 * import { byol, cifar10, fromPreset } from "@byol/tfjs/byol";
 *
 * const model = byol(fromPreset(cifar10, { stepsPerEpoch: 195 }));
 * ```
 */
export const cifar10: ByolPreset = {
  name: "cifar10",
  description: "CIFAR-10 as public BYOL benchmarks: ResNet-18 small stem, LARS, 1000 epochs",
  encoder: encoderPreset("resnet18", { stem: "small", width: 1 }),
  inputShape: [32, 32, 3],
  projector: { hidden: 4096, out: 256 },
  predictor: { hidden: 4096, out: 256 },
  batchSize: 256,
  epochs: 1000,
  warmupEpochs: 10,
  optimizer: optimizerPreset("lars", {
    baseLearningRate: 1.0,
    momentum: 0.9,
    weightDecay: 1e-5,
    eta: 0.02,
  }),
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
 *
 * @example
 * ```ts
 * import { byol, fashionMnist, fromPreset } from "@byol/tfjs/byol";
 *
 * const model = byol(fromPreset(fashionMnist, { stepsPerEpoch: 937, epochs: 1 }));
 * ```
 */
export const fashionMnist: ByolPreset = {
  name: "fashion-mnist",
  description: "Fashion-MNIST on a 2-core CPU: 5-layer conv net, 2x2 pooled, AdamW, 4 epochs",
  encoder: encoderPreset("convnet", {
    channels: [32, 64, 64, 128, 128],
    strides: [1, 2, 1, 2, 1],
    poolGrid: 2,
  }),
  inputShape: [28, 28, 1],
  projector: { hidden: 512, out: 128 },
  predictor: { hidden: 512, out: 128 },
  batchSize: 64,
  epochs: 4,
  warmupEpochs: 0.4,
  optimizer: optimizerPreset("adamw", { learningRate: 2e-3, weightDecay: 1e-4 }),
  tauBase: 0.99,
  views: [FASHION_MNIST_VIEW, FASHION_MNIST_VIEW],
};

/**
 * The fashion-mnist preset run long, for the best linear accuracy its conv net reaches: the same
 * networks, batch, optimizer and views, 25 epochs (23,425 steps, about 3 hours of training on
 * 2 cores at the default run's 118 images/s) with a 1-epoch warm-up, and the paper's tau of
 * 0.996, which suits runs of this length better than the short default's 0.99.
 *
 * @example
 * ```ts
 * import { byol, fashionMnistLong, fromPreset } from "@byol/tfjs/byol";
 *
 * const model = byol(fromPreset(fashionMnistLong, { stepsPerEpoch: 937 }));
 * console.log(fashionMnistLong.epochs); // 25
 * ```
 */
export const fashionMnistLong: ByolPreset = {
  ...fashionMnist,
  name: "fashion-mnist-long",
  description: "The fashion-mnist preset for about 3 hours on 2 cores: 25 epochs, tau 0.996",
  epochs: 25,
  warmupEpochs: 1,
  tauBase: 0.996,
};

/**
 * Every preset by name (its `name`), the default first.
 *
 * @example
 * ```ts
 * import { presets } from "@byol/tfjs/byol";
 *
 * for (const [name, { description }] of Object.entries(presets)) console.log(name, description);
 * ```
 */
export const presets = {
  "fashion-mnist": fashionMnist,
  "fashion-mnist-long": fashionMnistLong,
  cifar10,
  paper,
};

/** The name of a registered preset. */
export type PresetName = keyof typeof presets;

const head = struct({ hidden: integer(1), out: integer(1) });
const probability = between(0, 1);
// The ranges the augmentations accept when they draw a view.
const view: Schema<data.ViewPreset> = struct({
  crop: struct({
    scale: range(finite("a number in (0, 1]", (x) => x > 0 && x <= 1)),
    ratio: range(positive),
    size: optional(struct({ height: integer(1), width: integer(1) })),
  }),
  flipProbability: probability,
  colorJitter: struct({
    probability,
    brightness: between(0, 1),
    contrast: between(0, 1),
    saturation: between(0, 1),
    hue: between(0, 0.5),
  }),
  grayscaleProbability: probability,
  blur: struct({ probability, sigma: range(nonNegative) }),
  solarizeProbability: probability,
});

/**
 * The schema of a whole preset, as a run's `config.json` stores it: its encoder and optimizer
 * are checked against their registered fields, its input shape is `[height, width, channels]`,
 * and its views' ranges are the augmentations' (crop scales in (0, 1], probabilities in [0, 1],
 * `[low, high]` ranges with low <= high, ...).
 *
 * @example
 * ```ts
 * import { fashionMnist, presetSchema } from "@byol/tfjs/byol";
 *
 * presetSchema.validate({ ...fashionMnist, batchSize: 0 }, "preset");
 * // left(["preset.batchSize: expected an integer >= 1, got 0"])
 * ```
 */
export const presetSchema: Schema<ByolPreset> = struct({
  name: string,
  description: string,
  encoder: encoderPresetSchema,
  inputShape: tuple(integer(1), integer(1), integer(1)),
  projector: head,
  predictor: head,
  batchSize: integer(1),
  epochs: positive,
  warmupEpochs: nonNegative,
  optimizer: optimizerPresetSchema,
  tauBase: between(0, 1),
  views: tuple(view, view),
});

/** Run-time choices that override a preset. */
export interface PresetRun {
  /** Optimizer steps per epoch (dataset size / batch size). */
  readonly stepsPerEpoch: number;
  /** Overrides the preset's epochs. */
  readonly epochs?: number;
  /** Overrides the preset's batch size. */
  readonly batchSize?: number;
  /** Overrides the peak learning rate (for LARS, the rate actually used, not the per-256 one). */
  readonly learningRate?: number;
}

/**
 * The {@link ByolOptions} of a preset for a run: its encoder, heads, a warm-up (the preset's
 * epochs, at most a tenth of the run) + cosine learning rate over the run's steps, its optimizer
 * (`optimizers.ts`), tau and views.
 *
 * @example
 * ```ts
 * import { byol, fromPreset, presets } from "@byol/tfjs/byol";
 *
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
  const peak = run.learningRate ?? peakLearningRate(preset.optimizer, batchSize);
  // Short runs (e.g. --epochs 1) would otherwise spend all their steps warming up.
  const warmupSteps = Math.min(
    Math.round(preset.warmupEpochs * run.stepsPerEpoch),
    Math.floor(totalSteps / 10),
  );
  const learningRate = schedules.warmupCosine({ peak, warmupSteps, totalSteps });
  return {
    encoder: encoderOf(preset.encoder),
    projector: preset.projector,
    predictor: preset.predictor,
    learningRate,
    optimizer: (lr) => optimizerOf(preset.optimizer, lr),
    totalSteps,
    tauBase: preset.tauBase,
    views: (key, images) => data.byolViews(key, images as tf.Tensor4D, preset.views),
  };
}

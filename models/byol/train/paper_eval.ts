/**
 * The paper's evaluations of a trained BYOL encoder, as `deno task eval --semi` and
 * `--standard-linear` run them: semi-supervised fine-tuning on class-balanced fractions of the
 * labels next to the same network trained from scratch (`evaluation.semiSupervised`), and the
 * standard linear protocol (`evaluation.linearProtocol`); their records in `eval.json` and their
 * table.
 *
 * @module
 */
import { evaluation, type ImageDataset, type Key, type Layer, random } from "../../../mod.ts";
import type { Byol, ByolState } from "../mod.ts";
import { alignedTable } from "./report.ts";

/** Fine-tuning steps of each semi-supervised run unless `--semi-steps` says otherwise. */
export const SEMI_STEPS = 300;

/** Images per fine-tuning step. */
export const SEMI_BATCH_SIZE = 64;

/** Adam's initial learning rate when fine-tuning (decayed along a cosine to 0). */
export const SEMI_LEARNING_RATE = 1e-3;

/** One fine-tuning's scores, as `eval.json` records them. */
export interface FineTuneScores {
  /** Test accuracy. */
  readonly testAccuracy: number;
  /** Accuracy on the labelled training images. */
  readonly trainAccuracy: number;
  /** The first step's cross-entropy. */
  readonly firstLoss: number;
  /** The mean cross-entropy of the last tenth of the steps. */
  readonly lastLoss: number;
}

/** One label fraction of the semi-supervised evaluation, as `eval.json` records it. */
export interface SemiSupervisedFraction {
  /** The percentage of the training labels. */
  readonly percent: number;
  /** The labelled images fine-tuned on. */
  readonly images: number;
  /** Of which from each class. */
  readonly perClass: number;
  /** Fine-tuned from the trained (BYOL) encoder. */
  readonly byol: FineTuneScores;
  /** The same network trained from its random initialisation. */
  readonly scratch: FineTuneScores;
}

/** The semi-supervised evaluation, as `eval.json` records it. */
export interface SemiSupervisedRecord {
  /** Fine-tuning steps of each run. */
  readonly steps: number;
  /** Images per step (all of them when a fraction has fewer). */
  readonly batchSize: number;
  /** Adam's initial learning rate, decayed along a cosine to 0. */
  readonly learningRate: number;
  /** The training images' augmentation: a random resized crop, then a flip. */
  readonly augmentation: {
    /** The crop's area as a fraction of the image's. */
    readonly scale: readonly [number, number];
    /** The crop's aspect ratio (width / height). */
    readonly ratio: readonly [number, number];
    /** The probability of a horizontal flip. */
    readonly flipProbability: number;
  };
  /** One entry per label fraction, in the order asked. */
  readonly fractions: readonly SemiSupervisedFraction[];
}

/** The standard linear protocol, as `eval.json` records it. */
export type LinearProtocolRecord = evaluation.LinearProtocolResult;

/** What {@link paperEvaluations} found; a part is absent when it was not asked for. */
export interface PaperEvalResults {
  /** The semi-supervised evaluation. */
  readonly semiSupervised?: SemiSupervisedRecord;
  /** The standard linear protocol. */
  readonly linearProtocol?: LinearProtocolRecord;
}

/** What {@link paperEvaluations} runs, and on what. */
export interface PaperEvalOptions {
  /** The run's model, whose online encoder is evaluated. */
  readonly model: Byol;
  /** The trained state. */
  readonly state: ByolState;
  /** The encoder's layer (the preset's, or a custom one), for fine-tuning. */
  readonly encoder: Layer;
  /** The training split: the labels' source and the probe's training set. */
  readonly train: ImageDataset;
  /** The split the accuracies are measured on. */
  readonly test: ImageDataset;
  /** Drives the subsets, fine-tunings and probes. */
  readonly key: Key;
  /** The from-scratch network's initialisation. */
  readonly initKey: Key;
  /** Label percentages to fine-tune on; none: no semi-supervised evaluation. */
  readonly semi?: readonly number[];
  /** Fine-tuning steps of each run; default {@link SEMI_STEPS}. */
  readonly semiSteps?: number;
  /** Whether to run the standard linear protocol. */
  readonly standardLinear?: boolean;
  /** Hears which part is running. */
  readonly say?: (text: string) => void;
}

function fineTuneScores({ testAccuracy, trainAccuracy, losses }: evaluation.FineTuneResult) {
  const tail = losses.subarray(losses.length - Math.max(1, Math.floor(losses.length / 10)));
  const lastLoss = tail.reduce((sum, x) => sum + x, 0) / tail.length;
  return { testAccuracy, trainAccuracy, firstLoss: losses[0], lastLoss };
}

/**
 * The semi-supervised evaluation for each of `semi` (fine-tuning the online encoder with a
 * linear head, and the same network from `initKey`'s initialisation, `semiSteps` steps each)
 * and, with `standardLinear`, the standard linear protocol of the frozen online encoder.
 * Consumes nothing; every tensor it makes is freed.
 *
 * @example
 * ```ts
 * import { data, random, tree, useBackend } from "@byol/tfjs";
 * import { byol, encoderOf, fashionMnist, fromPreset } from "@byol/tfjs/byol";
 * import { formatPaperEvaluations, paperEvaluations } from "@byol/tfjs/train";
 *
 * await useBackend("auto"); // wasm or WebGPU: fine-tuning on tfjs's default cpu is slow
 * const model = byol(fromPreset(fashionMnist, { stepsPerEpoch: 10 }));
 * const state = model.init(random.key(0), [28, 28, 1]);
 * const results = await paperEvaluations({
 *   model, state, encoder: encoderOf(fashionMnist.encoder),
 *   train: data.shapes(random.key(1), { count: 400 }), test: data.shapes(random.key(2), { count: 100 }),
 *   key: random.key(3), initKey: random.key(0), semi: [10], semiSteps: 2, standardLinear: true,
 * });
 * console.log(formatPaperEvaluations(results));
 * tree.dispose(state);
 * ```
 */
export async function paperEvaluations(o: PaperEvalOptions): Promise<PaperEvalResults> {
  const [semiKey, linearKey] = random.split(o.key);
  const steps = o.semiSteps ?? SEMI_STEPS;
  let semiSupervised: SemiSupervisedRecord | undefined;
  if (o.semi !== undefined && o.semi.length > 0) {
    const rows = await evaluation.semiSupervised({
      encoder: o.encoder,
      pretrained: { params: o.state.online.encoder, state: o.state.bnState.online.encoder },
      train: o.train,
      test: o.test,
      percents: o.semi,
      key: semiKey,
      initKey: o.initKey,
      steps,
      batchSize: SEMI_BATCH_SIZE,
      learningRate: SEMI_LEARNING_RATE,
      say: o.say,
    });
    semiSupervised = {
      steps,
      batchSize: SEMI_BATCH_SIZE,
      learningRate: SEMI_LEARNING_RATE,
      augmentation: evaluation.LIGHT_AUGMENTATION,
      fractions: rows.map((r) => ({
        percent: r.percent,
        images: r.images,
        perClass: r.perClass,
        byol: fineTuneScores(r.pretrained),
        scratch: fineTuneScores(r.scratch),
      })),
    };
  }
  const linearProtocol = o.standardLinear
    ? await evaluation.linearProtocol((x) => o.model.encode(o.state, x), o.train, o.test, {
      key: linearKey,
      say: o.say,
    })
    : undefined;
  return {
    ...(semiSupervised && { semiSupervised }),
    ...(linearProtocol && { linearProtocol }),
  };
}

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

/**
 * The paper's evaluations as text: a table of the label fractions with the fine-tuned and
 * from-scratch test accuracies, and the standard linear protocol's test accuracy with the weight
 * decay chosen and every one's held-out accuracy. Pure.
 *
 * @example
 * ```ts
 * import { formatPaperEvaluations } from "@byol/tfjs/train";
 *
 * const scores = { testAccuracy: 0.8, trainAccuracy: 0.9, firstLoss: 2.3, lastLoss: 0.4 };
 * console.log(formatPaperEvaluations({
 *   semiSupervised: {
 *     steps: 300, batchSize: 64, learningRate: 1e-3,
 *     augmentation: { scale: [0.6, 1], ratio: [0.75, 4 / 3], flipProbability: 0.5 },
 *     fractions: [{ percent: 1, images: 600, perClass: 60, byol: scores, scratch: scores }],
 *   },
 * }));
 * ```
 */
export function formatPaperEvaluations(r: PaperEvalResults): string {
  const lines: string[] = [];
  const semi = r.semiSupervised;
  if (semi) {
    lines.push(
      `semi-supervised: encoder + linear head fine-tuned ${semi.steps} steps of up to ` +
        `${semi.batchSize} images (light crop and flip), test accuracy`,
      alignedTable([
        ["labels", "images", "BYOL init", "from scratch"],
        ...semi.fractions.map((f) => [
          `${f.percent}%`,
          `${f.images}`,
          percent(f.byol.testAccuracy),
          percent(f.scratch.testAccuracy),
        ]),
      ]),
    );
  }
  const linear = r.linearProtocol;
  if (linear) {
    const held = linear.validation.map((v) => `${v.weightDecay}: ${percent(v.accuracy)}`);
    lines.push(
      `linear protocol (frozen encoder, ${linear.augmentedCopies} augmented ` +
        `${linear.augmentedCopies === 1 ? "copy" : "copies"} of each training image): test ${
          percent(linear.testAccuracy)
        } with weight decay ${linear.weightDecay}, ` +
        `chosen on ${linear.validationImages} held-out training images (${held.join(", ")})`,
    );
  }
  return lines.join("\n");
}

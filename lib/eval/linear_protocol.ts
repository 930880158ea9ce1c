/**
 * The standard linear evaluation protocol: a linear classifier on a frozen encoder's features,
 * its training set enlarged with features of lightly augmented training images, and its weight
 * decay chosen on a held-out slice of the training set, never on the test set.
 *
 * @module
 */
import type { ImageDataset } from "../data/dataset.ts";
import * as random from "../random.ts";
import type { Key } from "../random.ts";
import { type Encoder, extractFeatures, type FeatureSet } from "./features.ts";
import { type Augmentation, lightAugmentation } from "./fine_tune.ts";
import { linearProbe, type LinearProbeOptions, type LinearProbeResult } from "./linear_probe.ts";

/** The weight decays {@link linearProtocol} chooses from by default. */
export const WEIGHT_DECAYS: readonly number[] = [0, 1e-4, 1e-3, 1e-2, 1e-1];

/** Options of {@link linearProtocol}. */
export interface LinearProtocolOptions {
  /** Drives the held-out slice, the augmentations and the probes' shuffling. */
  readonly key: Key;
  /** The weight decays to choose from (each >= 0); default {@link WEIGHT_DECAYS}. */
  readonly weightDecays?: readonly number[];
  /** The fraction of the training images held out to choose the weight decay; default 0.1. */
  readonly validationFraction?: number;
  /** Augmented copies of each training image added to the probe's training set; default 1. */
  readonly augmentedCopies?: number;
  /** The augmentation of those copies; default {@link lightAugmentation}. */
  readonly augment?: Augmentation;
  /** Images per encoder forward pass; default 256. */
  readonly batchSize?: number;
  /** The probes' other options (`linearProbe`'s defaults when absent). */
  readonly probe?: Omit<LinearProbeOptions, "key" | "signal" | "weightDecay">;
  /** Hears which part is running. */
  readonly say?: (text: string) => void;
  /** Stops it at its next batch or probe epoch (it then throws the signal's reason). */
  readonly signal?: AbortSignal;
}

/** One weight decay's accuracy on the held-out slice. */
export interface ValidationScore {
  /** The weight decay. */
  readonly weightDecay: number;
  /** The probe's accuracy on the held-out training images. */
  readonly accuracy: number;
}

/** What {@link linearProtocol} reports: the final probe's result, and how it was chosen. */
export interface LinearProtocolResult extends LinearProbeResult {
  /** The weight decay chosen (the first with the best held-out accuracy). */
  readonly weightDecay: number;
  /** Every weight decay's held-out accuracy, in the order given. */
  readonly validation: readonly ValidationScore[];
  /** The training images held out to choose it. */
  readonly validationImages: number;
  /** Augmented copies of each training image in the probe's training set. */
  readonly augmentedCopies: number;
}

/** The rows `indices` of each of `sets` (same dim and classes), one after another. */
function gatherRows(sets: readonly FeatureSet[], indices: Int32Array): FeatureSet {
  const { dim, numClasses } = sets[0];
  const count = sets.length * indices.length;
  const values = new Float32Array(count * dim);
  const labels = new Int32Array(count);
  let row = 0;
  for (const set of sets) {
    for (const i of indices) {
      values.set(set.values.subarray(i * dim, (i + 1) * dim), row * dim);
      labels[row++] = set.labels[i];
    }
  }
  return { values, count, dim, labels, numClasses };
}

/**
 * The held-out accuracy of a probe of each weight decay: trained on the features of the training
 * images after the first `held` of `order` (all of `sets`: clean and augmented), scored on the
 * clean features of those `held`.
 */
async function heldOutScores(
  sets: readonly FeatureSet[],
  order: Int32Array,
  held: number,
  weightDecays: readonly number[],
  { say, ...probe }: Omit<LinearProbeOptions, "weightDecay"> & { say?: (text: string) => void },
): Promise<ValidationScore[]> {
  const heldOut = gatherRows(sets.slice(0, 1), order.slice(0, held));
  const fitSet = gatherRows(sets, order.slice(held));
  const scores: ValidationScore[] = [];
  for (const weightDecay of weightDecays) {
    say?.(`linear protocol: weight decay ${weightDecay} on ${held} held-out training images`);
    const { testAccuracy } = await linearProbe(fitSet, heldOut, { ...probe, weightDecay });
    scores.push({ weightDecay, accuracy: testAccuracy });
  }
  return scores;
}

function checkOptions(count: number, o: LinearProtocolOptions): void {
  const fn = "linearProtocol";
  const { weightDecays = WEIGHT_DECAYS, validationFraction = 0.1, augmentedCopies = 1 } = o;
  if (weightDecays.length === 0 || !weightDecays.every((d) => Number.isFinite(d) && d >= 0)) {
    throw new RangeError(
      `${fn}: weightDecays must be one or more finite numbers >= 0, got [${weightDecays}]`,
    );
  }
  if (!(validationFraction > 0 && validationFraction < 1)) {
    throw new RangeError(`${fn}: validationFraction must be in (0, 1), got ${validationFraction}`);
  }
  if (!Number.isInteger(augmentedCopies) || augmentedCopies < 0) {
    throw new RangeError(
      `${fn}: augmentedCopies must be an integer >= 0, got ${augmentedCopies}`,
    );
  }
  if (count < 2) {
    throw new RangeError(`${fn}: needs at least 2 training images (one held out), got ${count}`);
  }
}

/**
 * The standard linear evaluation of a frozen `encode`: features of every training image, plus
 * `augmentedCopies` copies of them from augmented images (`augment`, drawn per batch from the
 * key); a `validationFraction` of the training images (drawn by key) held out; a `linearProbe`
 * trained on the rest (clean and augmented features) for each of `weightDecays`, scored on the
 * held-out images' clean features; the first weight decay with the best held-out accuracy
 * chosen; then one probe with it trained on all the training features and tested once on
 * `test` (its train accuracy and loss are over all those features, clean and augmented). The
 * test images are not read until the weight decay is chosen. Consumes nothing; every tensor it
 * makes is freed.
 *
 * @example
 * ```ts
 * import { data, evaluation, nn, random, tf, tree } from "@byol/tfjs";
 *
 * const encoder = nn.sequential({ conv: nn.conv2d({ filters: 8, kernel: 3 }), pool: nn.globalAvgPool });
 * const { params, state } = encoder.init(random.key(0), [28, 28, 1]);
 * const encode = (x: tf.Tensor4D) => encoder.apply(params, state, x).y;
 * const train = data.shapes(random.key(1), { count: 400 });
 * const test = data.shapes(random.key(2), { count: 100 });
 * const result = await evaluation.linearProtocol(encode, train, test, { key: random.key(3) });
 * console.log(result.weightDecay, result.testAccuracy);
 * tree.dispose([params, state]);
 * ```
 */
export async function linearProtocol(
  encode: Encoder,
  train: ImageDataset,
  test: ImageDataset,
  options: LinearProtocolOptions,
): Promise<LinearProtocolResult> {
  const count = train.shape[0];
  checkOptions(count, options);
  const {
    key,
    weightDecays = WEIGHT_DECAYS,
    validationFraction = 0.1,
    augmentedCopies = 1,
    augment = lightAugmentation,
    batchSize,
    probe,
    say,
    signal,
  } = options;
  const [kSplit, kAugment, kProbe] = random.split(key, 3);
  const extract = { batchSize, signal };
  const copies = `${augmentedCopies} augmented ${augmentedCopies === 1 ? "copy" : "copies"}`;
  say?.(`linear protocol: features of ${count} training images and ${copies} of each`);
  const sets = [await extractFeatures(encode, train, extract)];
  for (let c = 0; c < augmentedCopies; c++) {
    const kCopy = random.foldIn(kAugment, c);
    let batch = 0;
    const encodeAugmented: Encoder = (images) =>
      encode(augment(random.foldIn(kCopy, batch++), images));
    sets.push(await extractFeatures(encodeAugmented, train, extract));
  }
  const order = random.permutationArray(kSplit, count);
  const held = Math.min(count - 1, Math.max(1, Math.round(validationFraction * count)));
  const validation = await heldOutScores(sets, order, held, weightDecays, {
    ...probe,
    key: kProbe,
    signal,
    say,
  });
  const best = validation.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
  say?.(
    `linear protocol: weight decay ${best.weightDecay} on all training images, then the test set`,
  );
  const all = gatherRows(sets, Int32Array.from({ length: count }, (_, i) => i));
  const testFeatures = await extractFeatures(encode, test, extract);
  const final = await linearProbe(all, testFeatures, {
    ...probe,
    key: kProbe,
    weightDecay: best.weightDecay,
    signal,
  });
  return {
    ...final,
    weightDecay: best.weightDecay,
    validation,
    validationImages: held,
    augmentedCopies,
  };
}

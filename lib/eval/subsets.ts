/**
 * Class-balanced label subsets for semi-supervised evaluation: `p%` of a training set's labels,
 * the same number from every class, chosen by a key.
 *
 * @module
 */
import * as random from "../random.ts";
import type { Key } from "../random.ts";

/** What {@link balancedSubset} chose. */
export interface BalancedSubset {
  /** Indices into the labels, in increasing order. */
  readonly indices: Int32Array;
  /** Examples taken from each class. */
  readonly perClass: number;
}

/**
 * The examples per class that `percent`% of `count` labels over `numClasses` classes gives:
 * `round(percent / 100 * count / numClasses)`. Throws when that is 0 or `percent` is outside
 * (0, 100]. Pure.
 *
 * @example
 * ```ts
 * import { evaluation } from "@byol/tfjs";
 *
 * evaluation.examplesPerClass(1, 60000, 10); // 60: 1% of Fashion-MNIST's training labels
 * ```
 */
export function examplesPerClass(percent: number, count: number, numClasses: number): number {
  if (!(Number.isFinite(percent) && percent > 0 && percent <= 100)) {
    throw new RangeError(`balancedSubset: percent must be in (0, 100], got ${percent}`);
  }
  const perClass = Math.round((percent / 100) * count / numClasses);
  if (perClass < 1) {
    throw new RangeError(
      `balancedSubset: ${percent}% of ${count} labels over ${numClasses} classes is less than ` +
        `one example per class; use a larger percentage or more images`,
    );
  }
  return perClass;
}

/**
 * A class-balanced `percent`% of `labels` (each in `[0, numClasses)`): the same number of
 * examples from every class ({@link examplesPerClass}), the first ones of each class in an
 * order drawn from `foldIn(key, class)`. That order does not depend on `percent`, so with one
 * key a smaller subset is part of every larger one (1% is inside 10%), as in the paper's splits.
 * Throws naming the class when it has fewer examples than asked. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, evaluation, random } from "@byol/tfjs";
 *
 * const train = data.shapes(random.key(0), { count: 800 });
 * const { indices, perClass } = evaluation.balancedSubset(
 *   random.key(1), train.labels, train.classNames.length, 10,
 * );
 * const labelled = data.selectExamples(train, indices); // 80 images, 10 of each of 8 shapes
 * ```
 */
export function balancedSubset(
  key: Key,
  labels: Int32Array,
  numClasses: number,
  percent: number,
): BalancedSubset {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(
      `balancedSubset: numClasses must be a positive integer, got ${numClasses}`,
    );
  }
  const perClass = examplesPerClass(percent, labels.length, numClasses);
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  labels.forEach((label, i) => {
    if (!(label >= 0 && label < numClasses)) {
      throw new RangeError(
        `balancedSubset: label ${label} of example ${i} is outside [0, ${numClasses})`,
      );
    }
    byClass[label].push(i);
  });
  const chosen: number[] = [];
  byClass.forEach((members, c) => {
    if (members.length < perClass) {
      throw new RangeError(
        `balancedSubset: ${percent}% of the labels is ${perClass} examples per class, but class ` +
          `${c} has only ${members.length}`,
      );
    }
    const order = random.permutationArray(random.foldIn(key, c), members.length);
    for (let j = 0; j < perClass; j++) chosen.push(members[order[j]]);
  });
  return { indices: Int32Array.from(chosen).sort(), perClass };
}

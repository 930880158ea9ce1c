/**
 * Helpers shared by the layers: layer paths, input and option checks with clear errors, checked
 * parameter creation, and tidy scopes for apply.
 *
 * @module
 */
import { tf } from "../tf.ts";
import * as random from "../random.ts";
import type { Key } from "../random.ts";
import { type Fans, fansOf, type Initializer } from "./initializers.ts";
import type { Applied, Shape } from "./layer.ts";

/** `parent/name`, or `name` at the root. */
export function childPath(parent: string | undefined, name: string): string {
  return parent ? `${parent}/${name}` : name;
}

/** `layer at "path"`, or just the layer's kind at the root. */
export function where(layer: string, path: string | undefined): string {
  return path ? `${layer} at "${path}"` : layer;
}

/** A shape written as `[2, 28, 28, 1]`. */
export function formatShape(shape: readonly (number | string)[]): string {
  return `[${shape.join(", ")}]`;
}

/** Throws unless `x` has `expected` (with `null` for any size), naming the layer and both shapes. */
export function checkInput(
  layer: string,
  path: string | undefined,
  x: tf.Tensor,
  expected: readonly (number | null)[],
): void {
  const ok = x.rank === expected.length && expected.every((d, i) => d === null || d === x.shape[i]);
  if (!ok) {
    const want = expected.map((d, i) => d ?? (i === 0 ? "batch" : "?"));
    throw new Error(
      `${where(layer, path)}: expected input of shape ${formatShape(want)}, got ` +
        formatShape(x.shape),
    );
  }
}

/** What {@link checkInitShape} checks. */
export interface InitShapeSpec {
  readonly layer: string;
  readonly path: string | undefined;
  readonly inputShape: Shape;
  /** The accepted form, for the message, e.g. `[height, width, channels]`. */
  readonly expected: string;
  /** The accepted ranks; any rank of at least 1 when omitted. */
  readonly ranks?: readonly number[];
  /** Advice appended to the message, e.g. `flatten images first`. */
  readonly hint?: string;
}

/**
 * Throws unless a per-example input shape is positive integers of an accepted rank, naming the
 * layer, the expected form and the shape given.
 */
export function checkInitShape(
  { layer, path, inputShape, expected, ranks, hint }: InitShapeSpec,
): void {
  const valid = inputShape.every((d) => Number.isInteger(d) && d > 0);
  const rankOk = ranks ? ranks.includes(inputShape.length) : inputShape.length > 0;
  if (!valid || !rankOk) {
    throw new Error(
      `${where(layer, path)}: expected a per-example input shape ${expected} (batch excluded), ` +
        `got ${formatShape(inputShape)}${hint ? `; ${hint}` : ""}`,
    );
  }
}

/** Throws a clear error when an option is not a positive integer. */
export function checkPositiveInteger(layer: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${layer}: ${name} must be a positive integer, got ${value}`);
  }
}

/** What {@link initParam} needs to create one parameter. */
export interface ParamSpec {
  readonly layer: string;
  readonly path: string | undefined;
  /** The parameter's name within the layer, e.g. `w`. */
  readonly name: string;
  readonly init: Initializer;
  readonly key: Key;
  readonly shape: Shape;
  /** The fans of the weight this parameter belongs to, for bias initialisers. */
  readonly fans?: Fans;
}

/**
 * Runs an initialiser and checks that it returned a tensor of the asked shape, naming
 * the layer, the parameter and both shapes if not. Consumes nothing.
 */
export function initParam<T extends tf.Tensor = tf.Tensor>(
  { layer, path, name, init, key, shape, fans }: ParamSpec,
): T {
  const t = init(key, shape, fans);
  if (!(t instanceof tf.Tensor) || !tf.util.arraysEqual(t.shape, [...shape])) {
    const got = t instanceof tf.Tensor ? `a tensor of shape ${formatShape(t.shape)}` : String(t);
    if (t instanceof tf.Tensor) t.dispose();
    throw new Error(
      `${where(layer, path)}: the initialiser for ${name} returned ${got}, expected a tensor of ` +
        `shape ${formatShape(shape)}`,
    );
  }
  return t as T;
}

/** Throws a clear error when an option is not one of the allowed strings. */
export function checkChoice(
  layer: string,
  name: string,
  value: string,
  choices: readonly string[],
): void {
  if (!choices.includes(value)) {
    throw new RangeError(
      `${layer}: ${name} must be one of ${choices.map((c) => `"${c}"`).join(", ")}, got "${value}"`,
    );
  }
}

/** What {@link weightAndBias} needs. */
export interface WeightAndBiasSpec {
  readonly layer: string;
  readonly path: string | undefined;
  readonly key: Key;
  /** The weight's shape; the bias has its last dimension. */
  readonly shape: Shape;
  readonly bias: boolean;
  readonly init: Initializer;
  readonly biasInit: Initializer;
}

/**
 * A weight `w` and, when `bias` is set, a bias `b` sized by the weight's last dimension, from
 * two keys split off `key`; the bias initialiser gets the weight's fans. Consumes nothing.
 */
export function weightAndBias(
  { layer, path, key, shape, bias, init, biasInit }: WeightAndBiasSpec,
): { w: tf.Tensor; b?: tf.Tensor } {
  const [kw, kb] = random.split(key);
  const w = initParam({ layer, path, name: "w", init, key: kw, shape });
  if (!bias) return { w };
  const units = shape[shape.length - 1];
  const fans = fansOf(shape);
  try {
    return {
      w,
      b: initParam({ layer, path, name: "b", init: biasInit, key: kb, shape: [units], fans }),
    };
  } catch (error) {
    w.dispose();
    throw error;
  }
}

/**
 * Runs `fn` in a `tf.tidy` scope, keeping the output and state it returns and freeing every
 * other tensor it made (also when it throws).
 */
export function tidyApplied<S>(fn: () => Applied<S>): Applied<S> {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as Applied<S>;
}

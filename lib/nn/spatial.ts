/**
 * Window arithmetic shared by convolutions and pooling: kernel/stride pairs, padding modes and
 * output sizes (TensorFlow's `same`/`valid` rules).
 *
 * @module
 */
import { checkChoice, checkInitShape, formatShape, where } from "./helpers.ts";
import type { Shape } from "./layer.ts";

/**
 * Padding of a sliding window: `same` pads so the output has `ceil(in / stride)` positions
 * (extra padding at the bottom/right, as TensorFlow); `valid` does not pad and gives
 * `ceil((in - window + 1) / stride)`.
 */
export type Padding = "same" | "valid";

/** A size for both spatial axes, or `[height, width]`. */
export type Size2d = number | readonly [number, number];

/** `[height, width]` from a {@link Size2d}, checked to be positive integers. */
export function toPair(layer: string, name: string, size: Size2d): [number, number] {
  const pair: [number, number] = typeof size === "number" ? [size, size] : [size[0], size[1]];
  const isPair = typeof size === "number" || (Array.isArray(size) && size.length === 2);
  if (!isPair || !pair.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(
      `${layer}: ${name} must be a positive integer or a [height, width] pair of them, got ` +
        JSON.stringify(size),
    );
  }
  return pair;
}

/** Checks a padding option. */
export function checkPadding(layer: string, padding: string): void {
  checkChoice(layer, "padding", padding, ["same", "valid"]);
}

/** What {@link windowOutput} needs. */
export interface WindowSpec {
  readonly layer: string;
  readonly path: string | undefined;
  /** The per-example input shape, `[height, width, channels]`. */
  readonly inputShape: Shape;
  readonly window: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: Padding;
}

/**
 * The output `[height, width]` of a sliding window over a per-example `[h, w, c]` input;
 * throws, naming the layer, when the input is not 3-D or is smaller than a `valid` window.
 */
export function windowOutput(
  { layer, path, inputShape, window, stride, padding }: WindowSpec,
): [number, number] {
  checkInitShape({ layer, path, inputShape, expected: "[height, width, channels]", ranks: [3] });
  const out = [0, 1].map((i) =>
    padding === "same"
      ? Math.ceil(inputShape[i] / stride[i])
      : Math.ceil((inputShape[i] - window[i] + 1) / stride[i])
  );
  if (out.some((d) => d < 1)) {
    throw new Error(
      `${where(layer, path)}: a ${formatShape(window)} window with "valid" padding does not fit ` +
        `the input ${formatShape(inputShape)}`,
    );
  }
  return [out[0], out[1]];
}

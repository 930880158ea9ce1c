/**
 * Index arithmetic shared by the convolution-gradient kernels: the geometry of a 2-D convolution
 * (from tfjs's own `computeConv2DInfo`, so padding and rounding match the forward op exactly) and
 * the plans that turn a gradient into forward convolutions.
 *
 * @module
 */
import { tf } from "../tf.ts";

type Shape4 = [number, number, number, number];

/** The padding a tfjs convolution accepts: `same`, `valid`, a symmetric amount, or explicit. */
export type ConvPadding = "same" | "valid" | number | tf.backend_util.ExplicitPadding;

/** The attributes shared by the convolution-gradient functions (NHWC, dilation 1). */
export interface ConvGradOptions {
  /** The forward convolution's strides, `[height, width]` or one number for both. */
  readonly strides: number | readonly [number, number];
  /** The forward convolution's padding. */
  readonly pad: ConvPadding;
  /** Rounding of the output size when `pad` is a number, as in `tf.conv2d`. */
  readonly dimRoundingMode?: "floor" | "round" | "ceil";
}

/** The sizes and padding of one NHWC convolution with dilation 1. */
export interface ConvGeometry {
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly inChannels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  /** Output channels (for a depthwise convolution: `inChannels * channelMultiplier`). */
  readonly outChannels: number;
  readonly filterHeight: number;
  readonly filterWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly padTop: number;
  readonly padLeft: number;
}

/**
 * The geometry of the forward convolution whose gradient a kernel computes, checking that `dy`
 * has the forward output's shape. `what` names the caller in error messages.
 */
export function convGeometry(
  what: string,
  inputShape: readonly number[],
  filterShape: readonly number[],
  dyShape: readonly number[],
  options: ConvGradOptions & { readonly depthwise?: boolean },
): ConvGeometry {
  if (inputShape.length !== 4 || filterShape.length !== 4 || dyShape.length !== 4) {
    throw new Error(
      `${what}: expected rank-4 NHWC input, filter and dy, got shapes ` +
        `[${inputShape}], [${filterShape}], [${dyShape}]`,
    );
  }
  const info = tf.backend_util.computeConv2DInfo(
    inputShape as Shape4,
    filterShape as Shape4,
    options.strides as number | [number, number],
    1,
    options.pad,
    options.dimRoundingMode,
    options.depthwise ?? false,
  );
  if (info.outShape.some((size, axis) => size !== dyShape[axis])) {
    throw new Error(
      `${what}: dy has shape [${dyShape}] but the convolution of input [${inputShape}] with ` +
        `filter [${filterShape}] (strides ${options.strides}, pad ${
          JSON.stringify(options.pad)
        }) gives [${info.outShape}]`,
    );
  }
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** Throws unless the kernel attributes describe an NHWC convolution with dilation 1. */
export function assertNhwcUndilated(
  what: string,
  attrs: { readonly dataFormat?: string; readonly dilations?: number | readonly number[] },
): void {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== "NHWC") {
    throw new Error(`${what}: only NHWC is supported on wasm, got dataFormat ${attrs.dataFormat}`);
  }
  const dilations = attrs.dilations ?? 1;
  const ones = typeof dilations === "number" ? dilations === 1 : dilations.every((d) => d === 1);
  if (!ones) throw new Error(`${what}: only dilation 1 is supported, got dilations ${dilations}`);
}

/**
 * Along one spatial axis, the part of the input the windows read: rows `[start, start + size)`
 * (no window reaches the others), and the `padBefore` / `padAfter` zero rows that extend it so
 * that a stride-1 convolution dilated by `stride` with a kernel of `outSize` taps yields exactly
 * `filterSize` outputs.
 */
export interface WindowSpan {
  readonly start: number;
  readonly size: number;
  readonly padBefore: number;
  readonly padAfter: number;
}

/** The {@link WindowSpan} of a forward convolution axis. */
export function windowSpan(
  inSize: number,
  outSize: number,
  filterSize: number,
  stride: number,
  padBefore: number,
): WindowSpan {
  // Input row r is read by window tap i of output o when r = o * stride + i - padBefore.
  const first = -padBefore;
  const last = (outSize - 1) * stride + filterSize - 1 - padBefore;
  const start = Math.max(0, first);
  const end = Math.min(inSize, last + 1);
  return { start, size: end - start, padBefore: start - first, padAfter: last + 1 - end };
}

/**
 * Along one spatial axis, one stride phase of a strided convolution's input gradient: input rows
 * `q * stride + phase` for `q` in `[0, outSize)` (the sub-pixel decomposition). Each is a
 * stride-1 correlation of `dy` with a few filter rows:
 * `dx[q * stride + phase] = sum_u dyWindow[q + u] * w[filterRows[u]]`, where `dyWindow` is rows
 * `[cropBefore, cropBefore + used)` of `dy` between `padBefore` and `padAfter` zero rows.
 */
export interface AxisPhase {
  /** Filter rows in correlation order; empty when no filter row meets this phase. */
  readonly filterRows: readonly number[];
  readonly cropBefore: number;
  readonly used: number;
  readonly padBefore: number;
  readonly padAfter: number;
}

/** The stride phases of one axis of a convolution's input gradient. */
export interface PhasePlan {
  /** Rows per phase: `ceil(inSize / stride)`. */
  readonly outSize: number;
  readonly phases: readonly AxisPhase[];
}

/** The {@link PhasePlan} of a forward convolution axis. */
export function phasePlan(
  inSize: number,
  dySize: number,
  filterSize: number,
  stride: number,
  padBefore: number,
): PhasePlan {
  const outSize = Math.ceil(inSize / stride);
  const phases: AxisPhase[] = [];
  for (let phase = 0; phase < stride; phase++) {
    // Input row q*stride + phase meets dy[q - t] through filter row c + t*stride, for every t
    // that keeps the filter row in range.
    const c = phase + padBefore;
    const tMin = Math.ceil(-c / stride);
    const tMax = Math.floor((filterSize - 1 - c) / stride);
    const filterRows: number[] = [];
    for (let t = tMax; t >= tMin; t--) filterRows.push(c + t * stride);
    // Correlation tap u reads dy[q + u - tMax]: rows -tMax through outSize - 1 - tMin.
    const cropBefore = Math.max(0, -tMax);
    const end = Math.min(dySize, outSize - tMin);
    phases.push({
      filterRows,
      cropBefore,
      used: Math.max(0, end - cropBefore),
      padBefore: Math.max(0, tMax),
      padAfter: outSize - tMin - Math.max(end, cropBefore),
    });
  }
  return { outSize, phases };
}

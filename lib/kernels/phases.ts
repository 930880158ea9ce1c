/**
 * The sub-pixel (phase) decomposition of a strided convolution's input gradient: input pixel
 * `(q * strideHeight + a, p * strideWidth + b)` only meets the filter taps of phase `(a, b)`, so
 * each phase is one small stride-1 convolution of `dy`, and the phases are interleaved into
 * place. This does the work of the forward convolution, where a zero-upsampled `dy` would do
 * `stride^2` times as much. For stride 1 it is the familiar convolution of `dy` with the
 * spatially flipped filter.
 *
 * @module
 */
import { tf } from "../tf.ts";
import type { AxisPhase, PhasePlan } from "./geometry.ts";

/** The rows and columns of `dy` one phase reads, and the padding that completes its windows. */
export interface PhaseInput {
  readonly input: tf.Tensor4D;
  readonly pad: tf.backend_util.ExplicitPadding;
}

/**
 * Runs `convolve` for every phase `(a, b)` of the plans (row-major) and interleaves the results
 * (`[batch, rows.outSize, cols.outSize, channels]` each) into `[batch, height, width, channels]`.
 * `convolve` gets the phase's window of `dy` and its filter rows and columns in correlation
 * order; phases that no filter tap meets are zeros.
 *
 * Consumes nothing.
 */
export function phaseGradient(
  dy: tf.Tensor4D,
  rows: PhasePlan,
  cols: PhasePlan,
  shape: { readonly height: number; readonly width: number; readonly channels: number },
  convolve: (
    window: PhaseInput,
    filterRows: readonly number[],
    filterCols: readonly number[],
  ) => tf.Tensor4D,
): tf.Tensor4D {
  const batch = dy.shape[0];
  return tf.tidy(() => {
    const phases: tf.Tensor4D[] = [];
    for (const rowPhase of rows.phases) {
      for (const colPhase of cols.phases) {
        phases.push(
          isEmpty(rowPhase) || isEmpty(colPhase)
            ? tf.zeros([batch, rows.outSize, cols.outSize, shape.channels])
            : convolve(
              phaseInput(dy, rowPhase, colPhase),
              rowPhase.filterRows,
              colPhase.filterRows,
            ),
        );
      }
    }
    return interleavePhases(phases, [rows.phases.length, cols.phases.length], shape);
  });
}

function isEmpty(phase: AxisPhase): boolean {
  return phase.filterRows.length === 0 || phase.used <= 0;
}

function phaseInput(dy: tf.Tensor4D, rows: AxisPhase, cols: AxisPhase): PhaseInput {
  const [batch, height, width, channels] = dy.shape;
  const whole = rows.cropBefore === 0 && cols.cropBefore === 0 && rows.used === height &&
    cols.used === width;
  const input = whole ? dy : tf.slice(
    dy,
    [0, rows.cropBefore, cols.cropBefore, 0],
    [batch, rows.used, cols.used, channels],
  );
  const pad: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [rows.padBefore, rows.padAfter],
    [cols.padBefore, cols.padAfter],
    [0, 0],
  ];
  return { input, pad };
}

/**
 * The filter taps `[filterRows.length, filterCols.length, ...]` of a `[height, width, ...]`
 * filter, in the given order.
 *
 * Consumes nothing.
 */
export function filterTaps(
  filter: tf.Tensor4D,
  filterRows: readonly number[],
  filterCols: readonly number[],
): tf.Tensor4D {
  const [, width, inner, outer] = filter.shape;
  const taps = filterRows.flatMap((i) => filterCols.map((j) => i * width + j));
  return tf.tidy(() => {
    // One gather of whole taps: per-axis gathers cost twice as much on wasm.
    const flat = tf.reshape(filter, [filter.shape[0] * width, inner * outer]);
    return tf.reshape(tf.gather(flat, taps), [
      filterRows.length,
      filterCols.length,
      inner,
      outer,
    ]) as tf.Tensor4D;
  });
}

/**
 * Interleaves phase images (row-major `(a, b)` order, each `[batch, rows, cols, channels]`)
 * into `[batch, height, width, channels]`: phase `(a, b)` cell `(q, p)` becomes pixel
 * `(q * strideHeight + a, p * strideWidth + b)`; rows and columns past `height x width` are
 * dropped.
 *
 * Consumes nothing (the result may be the only phase itself).
 */
export function interleavePhases(
  phases: readonly tf.Tensor4D[],
  strides: readonly [number, number],
  shape: { readonly height: number; readonly width: number },
): tf.Tensor4D {
  const [strideHeight, strideWidth] = strides;
  const [batch, rows, cols, channels] = phases[0].shape;
  return tf.tidy(() => {
    // Phase-major channels, then one rank-4 transpose that moves whole `strideWidth * channels`
    // runs; wasm's depthToSpace does the same reordering an order of magnitude slower.
    const full = phases.length === 1 ? phases[0] : tf.reshape(
      tf.transpose(
        tf.reshape(tf.concat(phases as tf.Tensor4D[], 3), [
          batch * rows,
          cols,
          strideHeight,
          strideWidth * channels,
        ]),
        [0, 2, 1, 3],
      ),
      [batch, rows * strideHeight, cols * strideWidth, channels],
    ) as tf.Tensor4D;
    return full.shape[1] === shape.height && full.shape[2] === shape.width
      ? full
      : tf.slice(full, [0, 0, 0, 0], [batch, shape.height, shape.width, channels]);
  });
}

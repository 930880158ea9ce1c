/**
 * Pooling layers on NHWC inputs: windowed max and average pooling, adaptive average pooling to a
 * fixed grid, and global average pooling.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { checkInitShape, checkInput } from "./helpers.ts";
import type { StatelessLayer } from "./layer.ts";
import { checkPadding, type Padding, type Size2d, toPair, windowOutput } from "./spatial.ts";

/** Options for {@link maxPool2d} and {@link avgPool2d}. */
export interface Pool2dOptions {
  /** Window size: one number for square windows, or `[height, width]`. */
  readonly window: Size2d;
  /** Stride (default: the window size, non-overlapping windows). */
  readonly stride?: Size2d;
  /** `valid` (default) or `same`. */
  readonly padding?: Padding;
}

/**
 * TensorFlow's `same` padding along one axis: `ceil(size / stride)` windows, with the padding
 * split evenly and any odd one at the end. Also how many input positions each window covers.
 */
function samePadding(size: number, window: number, stride: number) {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + window - size, 0);
  const before = Math.floor(total / 2);
  const counts = Float32Array.from({ length: out }, (_, i) => {
    const start = i * stride - before;
    return Math.min(start + window, size) - Math.max(start, 0);
  });
  return { pad: [before, total - before] as [number, number], counts };
}

/**
 * Average pooling with `same` padding, averaging over the positions inside the input. tfjs's
 * own `avgPool` computes that forward, but its gradient (cpu, wasm) divides every window by the
 * full window size; so this pads explicitly, sums with a `valid` pool and divides by the counts,
 * whose gradients are consistent everywhere.
 */
function avgPoolSame(x: tf.Tensor4D, window: [number, number], stride: [number, number]) {
  const rows = samePadding(x.shape[1], window[0], stride[0]);
  const cols = samePadding(x.shape[2], window[1], stride[1]);
  return tf.tidy(() => {
    const padded = tf.pad(x, [[0, 0], rows.pad, cols.pad, [0, 0]]);
    const sums = tf.mul(tf.avgPool(padded, window, stride, "valid"), window[0] * window[1]);
    const counts = tf.mul(
      tf.tensor4d(rows.counts, [1, rows.counts.length, 1, 1]),
      tf.tensor4d(cols.counts, [1, 1, cols.counts.length, 1]),
    );
    return tf.div(sums, counts);
  });
}

function pool2d(
  layer: "maxPool2d" | "avgPool2d",
  options: Pool2dOptions,
): StatelessLayer {
  const window = toPair(layer, "window", options.window);
  const stride = toPair(layer, "stride", options.stride ?? options.window);
  const padding = options.padding ?? "valid";
  checkPadding(layer, padding);
  const pool = layer === "maxPool2d" ? tf.maxPool : tf.avgPool;
  return {
    init(_key, inputShape, { path } = {}) {
      const [h, w] = windowOutput({ layer, path, inputShape, window, stride, padding });
      return { params: null, state: null, outputShape: [h, w, inputShape[2]] };
    },
    apply(_params, _state, x, { path } = {}) {
      checkInput(layer, path, x, [null, null, null, null]);
      const x4 = x as tf.Tensor4D;
      const y = layer === "avgPool2d" && padding === "same"
        ? avgPoolSame(x4, window, stride)
        : pool(x4, window, stride, padding);
      return { y, state: null };
    },
  };
}

/**
 * Max pooling over `window` positions of each channel; `same` padding never picks the padding.
 * `apply` consumes nothing.
 *
 * @example
 * ```ts
 * import { nn, tf } from "@byol/tfjs";
 *
 * const pool = nn.maxPool2d({ window: 3, stride: 2, padding: "same" }); // the ResNet stem's pool
 * const x = tf.zeros([1, 32, 32, 8]);
 * const { y } = pool.apply(null, null, x); // [1, 16, 16, 8]
 * tf.dispose([x, y]);
 * ```
 */
export function maxPool2d(options: Pool2dOptions): StatelessLayer {
  return pool2d("maxPool2d", options);
}

/**
 * Average pooling over `window` positions of each channel; with `same` padding the average is
 * over the positions inside the input. `apply` consumes nothing.
 *
 * @example
 * ```ts
 * import { nn } from "@byol/tfjs";
 *
 * const pool = nn.avgPool2d({ window: 2 }); // [batch, 8, 8, c] -> [batch, 4, 4, c]
 * ```
 */
export function avgPool2d(options: Pool2dOptions): StatelessLayer {
  return pool2d("avgPool2d", options);
}

/**
 * The mean over the spatial axes: `[batch, h, w, c]` to `[batch, c]`. A layer value; `apply`
 * consumes nothing.
 *
 * @example
 * ```ts
 * import { nn } from "@byol/tfjs";
 *
 * const head = nn.sequential({ pool: nn.globalAvgPool, fc: nn.linear({ units: 10 }) });
 * ```
 */
export const globalAvgPool: StatelessLayer = {
  init(_key, inputShape, { path } = {}) {
    const expected = "[height, width, channels]";
    checkInitShape({ layer: "globalAvgPool", path, inputShape, expected, ranks: [3] });
    return { params: null, state: null, outputShape: [inputShape[2]] };
  },
  apply(_params, _state, x, { path } = {}) {
    checkInput("globalAvgPool", path, x, [null, null, null, null]);
    return { y: tf.mean(x, [1, 2]), state: null };
  },
};

/** Options for {@link adaptiveAvgPool2d}. */
export interface AdaptiveAvgPool2dOptions {
  /** Output grid: one number for a square grid, or `[rows, cols]`; each at most the input's. */
  readonly size: Size2d;
}

/** Cell `i` of `cells` over `size` positions spans `[floor(i size / cells), ceil((i + 1) size / cells))`. */
function cellBounds(size: number, cells: number): [number, number][] {
  return Array.from(
    { length: cells },
    (_, i) => [Math.floor(i * size / cells), Math.ceil((i + 1) * size / cells)],
  );
}

function meansAlong(x: tf.Tensor4D, axis: 1 | 2, cells: number): tf.Tensor4D {
  const parts = cellBounds(x.shape[axis], cells).map(([start, end]) => {
    const begin: [number, number, number, number] = [0, 0, 0, 0];
    const size: [number, number, number, number] = [-1, -1, -1, -1];
    begin[axis] = start;
    size[axis] = end - start;
    return tf.mean(tf.slice(x, begin, size), axis, true);
  });
  return tf.concat(parts, axis) as tf.Tensor4D;
}

/**
 * Average pooling to a fixed `[rows, cols]` grid whatever the input size (PyTorch's
 * `AdaptiveAvgPool2d`): cell `i` of `n` over `h` positions averages rows
 * `floor(i h / n)` to `ceil((i + 1) h / n) - 1`, so neighbouring cells overlap when `n` does not
 * divide `h` (7 px to 2 cells: rows 0-3 and 3-6). `[batch, h, w, c]` to `[batch, rows, cols, c]`.
 * `apply` consumes nothing.
 *
 * @example
 * ```ts
 * import { nn } from "@byol/tfjs";
 *
 * // a 2x2 grid of pooled features, flattened: [batch, 4 * channels]
 * const head = nn.sequential({ pool: nn.adaptiveAvgPool2d({ size: 2 }), flat: nn.flatten });
 * ```
 */
export function adaptiveAvgPool2d({ size }: AdaptiveAvgPool2dOptions): StatelessLayer {
  const [rows, cols] = toPair("adaptiveAvgPool2d", "size", size);
  const tooSmall = (path: string | undefined, shape: readonly number[]) =>
    new Error(
      `adaptiveAvgPool2d${path ? ` at "${path}"` : ""}: a ${rows}x${cols} grid needs an input ` +
        `of at least ${rows}x${cols} positions, got ${shape[0]}x${shape[1]}`,
    );
  return {
    init(_key, inputShape, { path } = {}) {
      const expected = "[height, width, channels]";
      checkInitShape({ layer: "adaptiveAvgPool2d", path, inputShape, expected, ranks: [3] });
      if (inputShape[0] < rows || inputShape[1] < cols) throw tooSmall(path, inputShape);
      return { params: null, state: null, outputShape: [rows, cols, inputShape[2]] };
    },
    apply(_params, _state, x, { path } = {}) {
      checkInput("adaptiveAvgPool2d", path, x, [null, null, null, null]);
      const x4 = x as tf.Tensor4D;
      if (x4.shape[1] < rows || x4.shape[2] < cols) throw tooSmall(path, x4.shape.slice(1));
      const y = tf.tidy(() => meansAlong(meansAlong(x4, 1, rows), 2, cols));
      return { y, state: null };
    },
  };
}

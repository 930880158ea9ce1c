/**
 * The filter gradient of a 2-D convolution as matrix products with one row block per filter
 * tap, built in the wasm heap: faster on wasm than phrasing it as a forward convolution (about
 * 1.1-1.9x at ResNet-18's 3x3 layers, single- or multi-threaded), because XNNPACK's plain
 * `a x b` product is its fastest kernel.
 *
 * @module
 */
import { tf } from "../tf.ts";
import type { ConvGeometry } from "./geometry.ts";
import {
  heapView,
  uninitializedTensor,
  type WasmHeapBackend,
} from "../tfjs_internals/wasm_heap.ts";

/**
 * Floats of `dy` per product. XNNPACK packs the right operand afresh for every new tensor, at
 * about 2 ns a float while it fits in cache but 11 ns for a whole 12.8 MB `dy`; 1 MB chunks
 * keep it cheap.
 */
const CHUNK_FLOATS = 1 << 18;

/** The most floats of the left operand (all taps of a block of rows), bounding memory for
 * large filters. */
const OPERAND_FLOATS = 1 << 22;

/** `x` as `[inChannels, height, width, batch]`. */
function channelsFirstBatchLast(x: tf.Tensor4D): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape;
  // Two transposes, each reading with short strides: one [3, 1, 2, 0] transpose reads with a
  // stride of a whole image and is several times slower on wasm.
  const pixelsLast = tf.transpose(tf.reshape(x, [batch, height * width, channels]), [0, 2, 1]);
  return tf.reshape(tf.transpose(pixelsLast, [1, 2, 0]), [channels, height, width, batch]);
}

/** Where one filter tap reads: output rows `[top, top + rows)` of the chunk being built. */
interface TapChunk {
  readonly tapRow: number;
  readonly tapCol: number;
  readonly top: number;
  readonly rows: number;
}

/**
 * Writes into `a` (`[inChannels, rows, outWidth, batch]`) the input pixels that filter tap
 * `(tapRow, tapCol)` meets at each output position of the chunk, and zeros where it meets
 * padding; `image` is the input as `[inChannels, height, width, batch]`.
 */
function fillTapOperand(
  a: Float32Array,
  image: Float32Array,
  g: ConvGeometry,
  { tapRow, tapCol, top, rows }: TapChunk,
): void {
  const { batch, inHeight, inWidth, outWidth, strideWidth } = g;
  const rowLength = outWidth * batch;
  // Output column j reads input column j * strideWidth + tapCol - padLeft; these are in range.
  const shift = tapCol - g.padLeft;
  const first = Math.max(0, Math.ceil(-shift / strideWidth));
  const end = Math.min(outWidth, Math.floor((inWidth - 1 - shift) / strideWidth) + 1);
  for (let c = 0; c < g.inChannels; c++) {
    for (let i = 0; i < rows; i++) {
      const r = (top + i) * g.strideHeight + tapRow - g.padTop;
      const at = (c * rows + i) * rowLength;
      if (r < 0 || r >= inHeight || end <= first) {
        a.fill(0, at, at + rowLength);
        continue;
      }
      a.fill(0, at, at + first * batch);
      a.fill(0, at + end * batch, at + rowLength);
      const source = (c * inHeight + r) * inWidth * batch;
      if (strideWidth === 1) {
        const from = source + (first + shift) * batch;
        a.set(image.subarray(from, from + (end - first) * batch), at + first * batch);
        continue;
      }
      for (let j = first; j < end; j++) {
        const from = source + (j * strideWidth + shift) * batch;
        a.set(image.subarray(from, from + batch), at + j * batch);
      }
    }
  }
}

/**
 * The gradient of a convolution with geometry `g` with respect to its
 * `[filterHeight, filterWidth, inChannels, outChannels]` filter, given its input `x` and output
 * gradient `dy`, on a wasm-heap backend.
 *
 * With `x` as `[inChannels, height, width, batch]` and `dy` as `[outHeight, outWidth, batch,
 * outChannels]`, the gradient is `A x B`: `B` is `dy` as `[positions, outChannels]` and `A` is
 * `[taps * inChannels, positions]`, holding for each tap the pixel each output position meets
 * through it, so the product is already laid out as the filter. Both are built in the heap with
 * contiguous copies, a block of output rows at a time (one product per block: with the threaded
 * build, many small products cost more in synchronisation than they gain).
 *
 * Consumes nothing.
 */
export function filterGradByTaps(
  backend: WasmHeapBackend,
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  g: ConvGeometry,
): tf.Tensor4D {
  const { batch, inChannels, outHeight, outWidth, outChannels } = g;
  const taps = g.filterHeight * g.filterWidth;
  const rowLength = outWidth * batch;
  const chunkRows = Math.max(
    1,
    Math.floor(
      Math.min(CHUNK_FLOATS / outChannels, OPERAND_FLOATS / (taps * inChannels)) / rowLength,
    ),
  );
  const sums = new Float32Array(taps * inChannels * outChannels);
  return tf.tidy(() => {
    const image = channelsFirstBatchLast(x);
    const dyRows = tf.transpose(dy, [1, 2, 0, 3]);
    for (let top = 0; top < outHeight; top += chunkRows) {
      const rows = Math.min(chunkRows, outHeight - top);
      const tapLength = inChannels * rows * rowLength;
      const b = uninitializedTensor(backend, [rows * rowLength, outChannels]);
      const a = uninitializedTensor(backend, [taps * inChannels, rows * rowLength]);
      const blockStart = top * rowLength * outChannels;
      heapView(backend, b).set(
        heapView(backend, dyRows).subarray(blockStart, blockStart + rows * rowLength * outChannels),
      );
      const operand = heapView(backend, a);
      const pixels = heapView(backend, image);
      for (let tapRow = 0; tapRow < g.filterHeight; tapRow++) {
        for (let tapCol = 0; tapCol < g.filterWidth; tapCol++) {
          const at = (tapRow * g.filterWidth + tapCol) * tapLength;
          fillTapOperand(operand.subarray(at, at + tapLength), pixels, g, {
            tapRow,
            tapCol,
            top,
            rows,
          });
        }
      }
      const product = tf.matMul(a, b);
      const values = heapView(backend, product);
      for (let e = 0; e < values.length; e++) sums[e] += values[e];
      tf.dispose([a, b, product]);
    }
    return tf.tensor4d(sums, [g.filterHeight, g.filterWidth, inChannels, outChannels]);
  });
}

/**
 * The IDX format of MNIST and Fashion-MNIST (LeCun et al.): a 4-byte magic number `00 00 TT NN`
 * (data type `TT`, `NN` dimensions), `NN` big-endian uint32 sizes, then the data. Only unsigned
 * bytes (`TT = 0x08`) are image data; the other types are rejected by name. Parsing works on
 * bytes already in memory (decompressed), so it runs anywhere.
 *
 * @module
 */
import { checkDataset, type ImageDataset } from "./dataset.ts";
import { decodeLimits, limitError, type WithLimits } from "../io/limits.ts";

/** An IDX array of unsigned bytes. */
export interface IdxArray {
  /** The sizes of its dimensions, e.g. `[60000, 28, 28]`. */
  readonly dims: readonly number[];
  /** The values, row-major. */
  readonly data: Uint8Array;
}

const TYPE_NAMES: Readonly<Record<number, string>> = {
  0x08: "unsigned byte",
  0x09: "signed byte",
  0x0b: "int16",
  0x0c: "int32",
  0x0d: "float32",
  0x0e: "float64",
};

/** What an IDX header says: the dimensions and where the data starts. */
export interface IdxHeader {
  /** The sizes of its dimensions, each at least 1. */
  readonly dims: readonly number[];
  /** Bytes of the header: `4 + 4 * rank`. */
  readonly headerBytes: number;
  /** Bytes of data the dimensions claim: their product. */
  readonly dataBytes: number;
}

/**
 * Reads and checks the header at the start of an IDX file (`bytes` may be just its first bytes):
 * the magic number, the data type, the dimensions (none may be 0) and the data size they claim
 * against `limits.maxFileBytes`, so a file is refused before its data is inflated or read.
 * `source` names it in errors. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data } from "@byol/tfjs";
 *
 * const head = new Uint8Array([0, 0, 8, 3, 0, 0, 0xea, 0x60, 0, 0, 0, 28, 0, 0, 0, 28]);
 * const { dims, dataBytes } = data.readIdxHeader(head, "train-images-idx3-ubyte");
 * console.log(dims, dataBytes); // [60000, 28, 28] 47040000
 * ```
 */
export function readIdxHeader(
  bytes: Uint8Array,
  source: string,
  { limits }: WithLimits = {},
): IdxHeader {
  if (bytes.length < 4) {
    throw new Error(`${source}: ${bytes.length} bytes is too short for an IDX header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = bytes[2];
  const rank = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || !Object.hasOwn(TYPE_NAMES, type) || rank === 0) {
    const magic = view.getUint32(0).toString(16).padStart(8, "0");
    throw new Error(
      `${source}: bad IDX magic number 0x${magic}; expected 0x000008NN ` +
        "(unsigned bytes, NN dimensions), e.g. 0x00000803 for images, 0x00000801 for labels",
    );
  }
  if (type !== 0x08) {
    throw new Error(
      `${source}: IDX data type 0x${type.toString(16).padStart(2, "0")} (${TYPE_NAMES[type]}) ` +
        "is not supported; expected 0x08 (unsigned byte)",
    );
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new Error(
      `${source}: truncated IDX header: ${rank} dimensions need ${headerBytes} bytes, ` +
        `the file has ${bytes.length}`,
    );
  }
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const zero = dims.indexOf(0);
  if (zero >= 0) {
    throw new Error(
      `${source}: IDX header gives dimension ${zero} of [${dims.join(", ")}] size 0; every ` +
        "dimension must be at least 1",
    );
  }
  const dataBytes = dims.reduce((a, b) => a * b, 1);
  const { maxFileBytes } = decodeLimits(limits);
  if (dataBytes > maxFileBytes) {
    throw limitError(
      source,
      `IDX header claims [${dims.join(", ")}] = ${dataBytes} data bytes`,
      "maxFileBytes",
      maxFileBytes,
    );
  }
  return { dims, headerBytes, dataBytes };
}

/**
 * Parses an IDX file held in `bytes` (already decompressed); `source` names it in errors. The
 * header is checked by {@link readIdxHeader} (with `options.limits`), and the data must have exactly the
 * size it claims. The returned data is a view into `bytes`. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data } from "@byol/tfjs";
 *
 * // Magic 00 00 08 01 (unsigned bytes, one dimension), size 3, then the data.
 * const bytes = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]);
 * const { dims, data: values } = data.parseIdx(bytes, "labels-idx1-ubyte"); // [3], [7, 8, 9]
 * ```
 */
export function parseIdx(
  bytes: Uint8Array,
  source: string,
  options: WithLimits = {},
): IdxArray {
  const { dims, headerBytes, dataBytes: expected } = readIdxHeader(bytes, source, options);
  const actual = bytes.length - headerBytes;
  if (actual !== expected) {
    throw new Error(
      `${source}: header says [${dims.join(", ")}] = ${expected} data bytes but the file has ` +
        `${actual} (${actual < expected ? "truncated" : "trailing bytes"})`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Options for {@link idxDataset}. */
export interface IdxDatasetOptions {
  /** Parsed image file: `[count, height, width]` or `[count, height, width, channels]`. */
  readonly images: IdxArray;
  /** Parsed label file: `[count]`. */
  readonly labels: IdxArray;
  /** Class names, indexed by label. */
  readonly classNames: readonly string[];
  /** Names of the image and label files, for errors. */
  readonly sources: { readonly images: string; readonly labels: string };
}

/**
 * Pairs an IDX image array with its label array into a dataset (copies the bytes, so the file
 * buffers can be dropped). Consumes nothing.
 *
 * @example
 * ```ts
 * import { data } from "@byol/tfjs";
 *
 * const images = { dims: [2, 2, 2], data: new Uint8Array([0, 255, 255, 0, 9, 9, 9, 9]) };
 * const labels = { dims: [2], data: new Uint8Array([1, 0]) };
 * const ds = data.idxDataset({
 *   images,
 *   labels,
 *   classNames: ["grey", "checker"],
 *   sources: { images: "images-idx3-ubyte", labels: "labels-idx1-ubyte" },
 * });
 * console.log(ds.shape); // [2, 2, 2, 1]
 * ```
 */
export function idxDataset(
  { images, labels, classNames, sources }: IdxDatasetOptions,
): ImageDataset {
  if (images.dims.length !== 3 && images.dims.length !== 4) {
    throw new Error(
      `${sources.images}: images must have 3 or 4 dimensions ([count, height, width(, channels)])` +
        `, got [${images.dims.join(", ")}]`,
    );
  }
  if (labels.dims.length !== 1) {
    throw new Error(
      `${sources.labels}: labels must have 1 dimension, got [${labels.dims.join(", ")}]`,
    );
  }
  const [n, h, w, c = 1] = images.dims;
  if (labels.dims[0] !== n) {
    throw new Error(
      `${sources.labels}: ${labels.dims[0]} labels but ${sources.images} has ${n} images`,
    );
  }
  return checkDataset(
    {
      images: images.data.slice(),
      shape: [n, h, w, c],
      labels: Int32Array.from(labels.data),
      classNames,
      source: `${sources.images} + ${sources.labels}`,
    },
    sources.labels,
  );
}

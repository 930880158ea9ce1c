/**
 * Decoding PNG and JPEG bytes into 8-bit grayscale or RGB pixels on the host, channel
 * conversion, and an antialiased resize. Uses the pure-JavaScript decoders `fast-png` and
 * `jpeg-js`, so it runs in a browser too; these per-pixel loops are for loading, not training.
 *
 * Before a decoder allocates anything, the image's claims are checked against the limits
 * (`io.DecodeLimits`): its pixel count, and for a PNG that its compressed data inflates to exactly
 * the bytes its header needs (checked in small steps, so a decompression bomb stops early).
 * Ancillary PNG chunks (text, colour profiles) are dropped unread.
 *
 * @module
 */
import { convertIndexedToRgb, decode as decodePng, hasPngSignature } from "fast-png";
import { decode as decodeJpeg } from "jpeg-js";
// fast-png's own inflater (its dependency, the same version), used here in small steps to bound a
// PNG's data before fast-png runs.
import { Unzlib } from "fflate";
import { decodeLimits, limitError, type WithLimits } from "../io/limits.ts";

/** One decoded image: `height * width * channels` bytes in HWC order. */
export interface HostImage {
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
  readonly data: Uint8Array;
}

function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** Scales `raw` samples of `depth` bits (packed rows when depth < 8) to bytes. */
function toBytes(
  raw: ArrayLike<number>,
  depth: number,
  samplesPerRow: number,
  rows: number,
): Uint8Array {
  if (depth === 8) return raw instanceof Uint8Array ? raw : Uint8Array.from(raw);
  const out = new Uint8Array(samplesPerRow * rows);
  if (depth === 16) {
    for (let i = 0; i < out.length; i++) out[i] = raw[i] >>> 8;
    return out;
  }
  const max = (1 << depth) - 1;
  const bytesPerRow = Math.ceil((samplesPerRow * depth) / 8);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < samplesPerRow; x++) {
      const bit = x * depth;
      const byte = raw[y * bytesPerRow + (bit >>> 3)];
      const value = (byte >>> (8 - depth - (bit & 7))) & max;
      out[y * samplesPerRow + x] = Math.round((value * 255) / max);
    }
  }
  return out;
}

/** Drops an alpha channel by compositing over black (premultiplying), keeping 1 or 3 colours. */
function dropAlpha(data: Uint8Array, pixels: number, colours: 1 | 3): Uint8Array {
  const out = new Uint8Array(pixels * colours);
  const stride = colours + 1;
  for (let p = 0; p < pixels; p++) {
    const alpha = data[p * stride + colours];
    for (let c = 0; c < colours; c++) {
      out[p * colours + c] = Math.round((data[p * stride + c] * alpha) / 255);
    }
  }
  return out;
}

/** Valid bit depths of each PNG colour type, and its samples per pixel. */
const PNG_COLOUR_TYPES: Readonly<Record<number, { depths: number[]; samples: number }>> = {
  0: { depths: [1, 2, 4, 8, 16], samples: 1 },
  2: { depths: [8, 16], samples: 3 },
  3: { depths: [1, 2, 4, 8], samples: 1 },
  4: { depths: [8, 16], samples: 2 },
  6: { depths: [8, 16], samples: 4 },
};

/** The chunks fast-png needs; the ancillary others (text, profiles, ...) are dropped unread. */
const PNG_KEPT_CHUNKS = new Set(["IHDR", "PLTE", "tRNS", "IDAT", "IEND"]);

/** Adam7 passes: first column, first row, column step, row step. */
const ADAM7: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** Bytes of filtered scanlines (a filter byte per row) of a PNG image. */
function pngDataBytes(width: number, height: number, bitsPerPixel: number, adam7: boolean): number {
  const rowBytes = (cols: number) => 1 + Math.ceil((cols * bitsPerPixel) / 8);
  if (!adam7) return height * rowBytes(width);
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const cols = Math.ceil((width - x0) / dx);
    const rows = Math.ceil((height - y0) / dy);
    if (cols > 0 && rows > 0) total += rows * rowBytes(cols);
  }
  return total;
}

/** Bytes of step-wise inflation per push: bounds the output of one push to about 1 MB. */
const INFLATE_STEP = 1024;

/** Inflates zlib `parts` in small steps, failing as soon as the output passes `limit` bytes. */
function inflatedSize(parts: readonly Uint8Array[], limit: number, fail: (n: number) => never) {
  let size = 0;
  const inflater = new Unzlib((chunk) => {
    size += chunk.length;
    if (size > limit) fail(size);
  });
  for (const part of parts) {
    for (let at = 0; at < part.length; at += INFLATE_STEP) {
      inflater.push(part.subarray(at, at + INFLATE_STEP), false);
    }
  }
  inflater.push(new Uint8Array(0), true);
  return size;
}

/**
 * Checks a PNG's chunk layout, its header against `maxPixels` and that its image data inflates
 * to exactly the bytes the header needs, and returns the file with only the chunks fast-png needs.
 */
function checkedPng(bytes: Uint8Array, source: string, maxPixels: number): Uint8Array {
  const fail = (problem: string): never => {
    throw new Error(`${source}: cannot decode PNG: ${problem}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kept: Uint8Array[] = [bytes.subarray(0, 8)];
  const idat: Uint8Array[] = [];
  let needed = -1;
  let at = 8;
  for (let type = ""; type !== "IEND";) {
    if (at + 12 > bytes.length) fail(`the file ends at byte ${bytes.length} before an IEND chunk`);
    const length = view.getUint32(at);
    type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const end = at + 12 + length;
    if (end > bytes.length) {
      fail(
        `chunk "${type}" at byte ${at} claims ${length} bytes, beyond the end of the file ` +
          `(${bytes.length} bytes)`,
      );
    }
    if (type === "IHDR") {
      if (needed >= 0) fail("two IHDR chunks");
      if (length !== 13) fail(`IHDR chunk of ${length} bytes, expected 13`);
      const width = view.getUint32(at + 8);
      const height = view.getUint32(at + 12);
      const [depth, colour, , , interlace] = bytes.subarray(at + 16, at + 21);
      if (width === 0 || height === 0) fail(`header gives a ${width}x${height} image`);
      if (width * height > maxPixels) {
        throw limitError(
          source,
          `PNG header claims ${width}x${height} = ${width * height} pixels`,
          "maxPixels",
          maxPixels,
        );
      }
      const kind = Object.hasOwn(PNG_COLOUR_TYPES, colour) ? PNG_COLOUR_TYPES[colour] : null;
      if (!kind || !kind.depths.includes(depth) || interlace > 1) {
        fail(`unsupported colour type ${colour}, bit depth ${depth} or interlace ${interlace}`);
      }
      needed = pngDataBytes(width, height, kind!.samples * depth, interlace === 1);
    }
    if (type === "IDAT") idat.push(bytes.subarray(at + 8, at + 8 + length));
    if (PNG_KEPT_CHUNKS.has(type)) kept.push(bytes.subarray(at, end));
    at = end;
  }
  if (needed < 0) fail("no IHDR chunk");
  if (idat.length === 0) fail("no IDAT chunk");
  let size = 0;
  try {
    size = inflatedSize(
      idat,
      needed,
      (n) =>
        fail(`image data inflates to more than the ${needed} bytes its header needs (${n} so far)`),
    );
  } catch (err) {
    if ((err as Error).message.startsWith(source)) throw err;
    fail(`image data is not a valid zlib stream (${(err as Error).message})`);
  }
  if (size < needed) fail(`image data inflates to ${size} bytes, the header needs ${needed}`);
  const out = new Uint8Array(kept.reduce((n, chunk) => n + chunk.length, 0));
  kept.reduce((offset, chunk) => (out.set(chunk, offset), offset + chunk.length), 0);
  return out;
}

/** The width and height of a JPEG's first frame header (SOFn), or null if none comes first. */
function jpegSize(bytes: Uint8Array): { width: number; height: number } | null {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at += 1;
    } else if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      at += 2;
    } else if (marker === 0xd9 || marker === 0xda) {
      return null;
    } else if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      if (at + 9 > bytes.length) return null;
      return {
        height: (bytes[at + 5] << 8) | bytes[at + 6],
        width: (bytes[at + 7] << 8) | bytes[at + 8],
      };
    } else {
      at += 2 + ((bytes[at + 2] << 8) | bytes[at + 3]);
    }
  }
  return null;
}

/** What jpeg-js may allocate per pixel: coefficient blocks and output, with room to spare. */
const JPEG_BYTES_PER_PIXEL = 24;

function decodeJpegImage(bytes: Uint8Array, source: string, maxPixels: number): HostImage {
  const size = jpegSize(bytes);
  if (size && size.width * size.height > maxPixels) {
    throw limitError(
      source,
      `JPEG header claims ${size.width}x${size.height} = ${size.width * size.height} pixels`,
      "maxPixels",
      maxPixels,
    );
  }
  // Every 8x8 block of the largest component takes at least one bit of coded data (its DC code).
  const minBytes = size
    ? Math.ceil((Math.ceil(size.width / 8) * Math.ceil(size.height / 8)) / 8)
    : 0;
  if (bytes.length < minBytes) {
    throw new Error(
      `${source}: cannot decode JPEG: a ${size!.width}x${size!.height} image needs at least ` +
        `${minBytes} bytes of coded data (a bit per 8x8 block), the file has ${bytes.length}: ` +
        "truncated or damaged",
    );
  }
  const jpeg = decodeJpeg(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    maxResolutionInMP: maxPixels / 1e6,
    maxMemoryUsageInMB: Math.ceil((maxPixels * JPEG_BYTES_PER_PIXEL) / 2 ** 20),
  });
  return { width: jpeg.width, height: jpeg.height, channels: 3, data: jpeg.data };
}

function decodePngImage(bytes: Uint8Array): HostImage {
  const png = decodePng(bytes);
  const { width, height } = png;
  const pixels = width * height;
  if (png.palette) {
    const rgb = convertIndexedToRgb(png);
    const channels = rgb.length / pixels;
    return { width, height, channels: 3, data: channels === 4 ? dropAlpha(rgb, pixels, 3) : rgb };
  }
  const data = toBytes(png.data, png.depth, width * png.channels, height);
  switch (png.channels) {
    case 1:
      return { width, height, channels: 1, data };
    case 2:
      return { width, height, channels: 1, data: dropAlpha(data, pixels, 1) };
    case 3:
      return { width, height, channels: 3, data };
    default:
      return { width, height, channels: 3, data: dropAlpha(data, pixels, 3) };
  }
}

/**
 * Decodes a PNG (any bit depth, palette, grayscale, RGB, with or without alpha) or a JPEG into
 * 8-bit pixels: grayscale PNGs give 1 channel, everything else 3; alpha is composited over black.
 * The image's claims are checked before decoding (see the module doc) against `limits`
 * (`maxPixels`). `source` names the file in errors. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data } from "@byol/tfjs";
 *
 * // A 2x2 grayscale PNG checkerboard.
 * const base64 = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAAAAABX3VL4AAAADElEQVR4XmNg+A+EAAYAAf9qFHE4" +
 *   "AAAAAElFTkSuQmCC";
 * const png = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
 * const img = data.decodeImage(png, "checker.png"); // { width: 2, height: 2, channels: 1, ... }
 * ```
 */
export function decodeImage(
  bytes: Uint8Array,
  source: string,
  { limits }: WithLimits = {},
): HostImage {
  const { maxPixels } = decodeLimits(limits);
  const kind = hasPngSignature(bytes) ? "PNG" : isJpeg(bytes) ? "JPEG" : null;
  if (kind === null) {
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0"));
    throw new Error(
      `${source}: not a PNG or JPEG file (starts with bytes ${head.join(" ") || "(empty)"})`,
    );
  }
  if (kind === "PNG") bytes = checkedPng(bytes, source, maxPixels);
  try {
    return kind === "PNG" ? decodePngImage(bytes) : decodeJpegImage(bytes, source, maxPixels);
  } catch (err) {
    if ((err as Error).message.startsWith(`${source}: `)) throw err;
    throw new Error(`${source}: cannot decode ${kind}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Whether every pixel of an RGB image has equal red, green and blue.
 *
 * @example
 * ```ts
 * import { data } from "@byol/tfjs";
 *
 * data.isGray({ height: 1, width: 1, channels: 3, data: new Uint8Array([9, 9, 9]) }); // true
 * ```
 */
export function isGray(image: HostImage): boolean {
  if (image.channels === 1) return true;
  const d = image.data;
  for (let i = 0; i < d.length; i += 3) {
    if (d[i] !== d[i + 1] || d[i] !== d[i + 2]) return false;
  }
  return true;
}

/**
 * The image with `channels` channels: grayscale is repeated into RGB, RGB becomes luma
 * (0.299 R + 0.587 G + 0.114 B, ITU-R BT.601). Consumes nothing.
 *
 * @example
 * ```ts
 * import { data } from "@byol/tfjs";
 *
 * const red: data.HostImage = { height: 1, width: 1, channels: 3, data: Uint8Array.of(255, 0, 0) };
 * const gray = data.convertChannels(red, 1); // data: [76]
 * ```
 */
export function convertChannels(image: HostImage, channels: 1 | 3): HostImage {
  if (image.channels === channels) return image;
  const pixels = image.width * image.height;
  const src = image.data;
  const data = new Uint8Array(pixels * channels);
  for (let p = 0; p < pixels; p++) {
    if (channels === 3) {
      data[3 * p] = data[3 * p + 1] = data[3 * p + 2] = src[p];
    } else {
      data[p] = Math.round(0.299 * src[3 * p] + 0.587 * src[3 * p + 1] + 0.114 * src[3 * p + 2]);
    }
  }
  return { ...image, channels, data };
}

/** Per output index along one axis: first input index and normalised triangle-filter weights. */
function filterTaps(inSize: number, outSize: number): { first: Int32Array; taps: Float32Array[] } {
  const scale = inSize / outSize;
  // Widening the filter by the scale when shrinking averages every input pixel (antialiasing).
  const support = Math.max(1, scale);
  const first = new Int32Array(outSize);
  const taps: Float32Array[] = [];
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support));
    const hi = Math.min(inSize, Math.ceil(center + support));
    const w = new Float32Array(hi - lo);
    let sum = 0;
    for (let i = lo; i < hi; i++) {
      w[i - lo] = Math.max(0, 1 - Math.abs(i + 0.5 - center) / support);
      sum += w[i - lo];
    }
    for (let k = 0; k < w.length; k++) w[k] /= sum;
    first[o] = lo;
    taps.push(w);
  }
  return { first, taps };
}

/**
 * The image resized to `height x width` with a triangle (bilinear) filter that is widened when
 * shrinking, so downscaling averages instead of aliasing. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data } from "@byol/tfjs";
 *
 * const img: data.HostImage = { height: 64, width: 64, channels: 1, data: new Uint8Array(4096) };
 * const small = data.resizeImage(img, { height: 32, width: 32 });
 * ```
 */
export function resizeImage(
  image: HostImage,
  { height, width }: { readonly height: number; readonly width: number },
): HostImage {
  if (image.height === height && image.width === width) return image;
  const c = image.channels;
  const rows = filterTaps(image.height, height);
  const cols = filterTaps(image.width, width);
  const wide = new Float32Array(image.height * width * c);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < width; x++) {
      const w = cols.taps[x];
      for (let ch = 0; ch < c; ch++) {
        let acc = 0;
        for (let k = 0; k < w.length; k++) {
          acc += w[k] * image.data[(y * image.width + cols.first[x] + k) * c + ch];
        }
        wide[(y * width + x) * c + ch] = acc;
      }
    }
  }
  const data = new Uint8Array(height * width * c);
  for (let y = 0; y < height; y++) {
    const w = rows.taps[y];
    for (let x = 0; x < width * c; x++) {
      let acc = 0;
      for (let k = 0; k < w.length; k++) acc += w[k] * wide[(rows.first[y] + k) * width * c + x];
      data[y * width * c + x] = Math.min(255, Math.max(0, Math.round(acc)));
    }
  }
  return { height, width, channels: c, data };
}

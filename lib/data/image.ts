/**
 * Decoding PNG and JPEG bytes into 8-bit grayscale or RGB pixels on the host, channel
 * conversion, and an antialiased resize. Uses the pure-JavaScript decoders `fast-png` and
 * `jpeg-js`, so it runs in a browser too; these per-pixel loops are for loading, not training.
 *
 * @module
 */
import { convertIndexedToRgb, decode as decodePng, hasPngSignature } from "fast-png";
import { decode as decodeJpeg } from "jpeg-js";

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
  const out = new Uint8Array(samplesPerRow * rows);
  if (depth === 8) return Uint8Array.from(raw);
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
 * `source` names the file in errors. Consumes nothing.
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
export function decodeImage(bytes: Uint8Array, source: string): HostImage {
  const kind = hasPngSignature(bytes) ? "PNG" : isJpeg(bytes) ? "JPEG" : null;
  if (kind === null) {
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0"));
    throw new Error(
      `${source}: not a PNG or JPEG file (starts with bytes ${head.join(" ") || "(empty)"})`,
    );
  }
  try {
    if (kind === "PNG") return decodePngImage(bytes);
    const jpeg = decodeJpeg(bytes, { useTArray: true, formatAsRGBA: false });
    return { width: jpeg.width, height: jpeg.height, channels: 3, data: jpeg.data };
  } catch (err) {
    throw new Error(`${source}: cannot decode ${kind}: ${(err as Error).message}`);
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

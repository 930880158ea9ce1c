/**
 * Loading a folder of images per class (`root/<class>/*.png|jpg|jpeg`), as torchvision's
 * `ImageFolder`.
 *
 * @module
 */
import { join } from "node:path";
import { checkDataset, type ImageDataset } from "../../data/dataset.ts";
import {
  convertChannels,
  decodeImage,
  type HostImage,
  isGray,
  resizeImage,
} from "../../data/image.ts";
import { decodeLimits, limitError, type WithLimits } from "../../io/limits.ts";
import { readFileLimited } from "../io/read_file.ts";

const IMAGE_FILE = /\.(png|jpe?g)$/i;

/** Options for {@link loadImageFolder}. */
export interface LoadImageFolderOptions extends WithLimits {
  /** Directory with one subdirectory per class; classes are the subdirectory names, sorted. */
  readonly root: string;
  /**
   * Resize every image to this size (antialiased bilinear). Without it all images must have
   * the same size, and one that differs is an error naming the file.
   */
  readonly size?: { readonly height: number; readonly width: number };
  /** 1 (grayscale), 3 (RGB) or `auto` (default): 1 when every image is gray, else 3. */
  readonly channels?: 1 | 3 | "auto";
}

async function sortedEntries(dir: string, wantDirectories: boolean): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name.startsWith(".")) continue;
      if (wantDirectories ? entry.isDirectory : entry.isFile && IMAGE_FILE.test(entry.name)) {
        names.push(entry.name);
      }
    }
  } catch (err) {
    const why = err instanceof Deno.errors.NotFound
      ? "directory not found"
      : (err as Error).message;
    throw new Error(`${dir}: ${why}`, { cause: err });
  }
  return names.sort();
}

/**
 * Loads `root/<class>/<image>` files (PNG or JPEG; grayscale, RGB, with or without alpha, which
 * is composited over black) into one dataset of a single size and channel count. Labels follow
 * the sorted class names; files are read in sorted order. Each file's size and each image's pixel
 * count are checked against `limits` before it is read and decoded. Consumes nothing.
 *
 * @example
 * ```ts
 * import { loadImageFolder } from "@byol/tfjs/deno";
 *
 * const pets = await loadImageFolder({ root: "data/pets", size: { height: 64, width: 64 } });
 * ```
 */
export async function loadImageFolder(options: LoadImageFolderOptions): Promise<ImageDataset> {
  const { root, size, channels = "auto", limits } = options;
  const { maxPixels } = decodeLimits(limits);
  if (size) {
    const { height, width } = size;
    if (!Number.isSafeInteger(height) || !Number.isSafeInteger(width) || height < 1 || width < 1) {
      throw new Error(
        `${root}: size must be positive integers { height, width }, got ${height}x${width}`,
      );
    }
    if (height * width > maxPixels) {
      throw limitError(
        root,
        `size ${height}x${width} is ${height * width} pixels`,
        "maxPixels",
        maxPixels,
      );
    }
  }
  const classNames = await sortedEntries(root, true);
  if (classNames.length === 0) {
    throw new Error(`${root}: no class subdirectories (expected ${root}/<class>/<image>.png)`);
  }
  const decoded: { path: string; label: number; image: HostImage }[] = [];
  for (const [label, name] of classNames.entries()) {
    const dir = join(root, name);
    const files = await sortedEntries(dir, false);
    if (files.length === 0) throw new Error(`${dir}: no .png, .jpg or .jpeg images in this class`);
    for (const file of files) {
      const path = join(dir, file);
      let image = decodeImage(await readFileLimited(path, { limits }), path, { limits });
      if (size) image = resizeImage(image, size);
      decoded.push({ path, label, image });
    }
  }
  const first = decoded[0];
  for (const { path, image } of decoded) {
    if (image.height !== first.image.height || image.width !== first.image.width) {
      throw new Error(
        `${path}: image is ${image.height}x${image.width} but ${first.path} is ` +
          `${first.image.height}x${first.image.width}; all images must have one size, or pass ` +
          "size: { height, width } to resize them",
      );
    }
  }
  const c = channels === "auto" ? (decoded.every(({ image }) => isGray(image)) ? 1 : 3) : channels;
  const { height, width } = first.image;
  const stride = height * width * c;
  const images = new Uint8Array(decoded.length * stride);
  decoded.forEach(({ image }, i) => images.set(convertChannels(image, c).data, i * stride));
  return checkDataset({
    images,
    shape: [decoded.length, height, width, c],
    labels: Int32Array.from(decoded, (d) => d.label),
    classNames,
    source: root,
  });
}

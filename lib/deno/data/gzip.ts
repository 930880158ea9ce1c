/**
 * Reading data files that may be gzip-compressed (by magic bytes, not by name).
 *
 * @module
 */
import { gunzip, type GunzipOptions, isGzip } from "../../data/gzip.ts";
import { readFileLimited } from "../io/read_file.ts";

/**
 * Reads a file, decompressing it when it is gzip (by magic bytes), within `limits` (the file's
 * size before it is read, the inflated size as it is inflated; see `gunzip` for
 * `sizeFromHeader`). Errors name the path. Consumes nothing.
 *
 * @example
 * ```ts
 * import { readMaybeGzip } from "@byol/tfjs/deno";
 *
 * const bytes = await readMaybeGzip("data/fashion-mnist/train-labels-idx1-ubyte.gz");
 * ```
 */
export async function readMaybeGzip(
  path: string,
  options: GunzipOptions = {},
): Promise<Uint8Array> {
  const bytes = await readFileLimited(path, { limits: options.limits });
  return isGzip(bytes) ? await gunzip(bytes, path, options) : bytes;
}

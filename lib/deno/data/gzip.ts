/**
 * Reading data files that may be gzip-compressed (by magic bytes, not by name).
 *
 * @module
 */
import { gunzip, isGzip } from "../../data/gzip.ts";

/**
 * Reads a file, decompressing it when it is gzip (by magic bytes). Errors name the path.
 * Consumes nothing.
 *
 * @example
 * ```ts
 * import { readMaybeGzip } from "@byol/tfjs/deno";
 *
 * const bytes = await readMaybeGzip("data/fashion-mnist/train-labels-idx1-ubyte.gz");
 * ```
 */
export async function readMaybeGzip(path: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    const why = err instanceof Deno.errors.NotFound ? "file not found" : (err as Error).message;
    throw new Error(`${path}: ${why}`, { cause: err });
  }
  return isGzip(bytes) ? await gunzip(bytes, path) : bytes;
}

/**
 * Reading data files that may be gzip-compressed, detected by the gzip magic bytes `1f 8b`
 * rather than by the file name. Decompression uses the web-standard `DecompressionStream`.
 *
 * @module
 */

/** Whether `bytes` start with the gzip magic number `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses a complete gzip stream; `source` names it in errors (a truncated or damaged
 * stream is an error, never a partial result). Consumes nothing.
 *
 * @example
 * ```ts
 * const raw = await gunzip(await Deno.readFile(path), path);
 * ```
 */
export async function gunzip(bytes: Uint8Array, source: string): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
      .pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (err) {
    throw new Error(`${source}: not a valid gzip stream (${(err as Error).message})`, {
      cause: err,
    });
  }
}

/**
 * Reads a file, decompressing it when it is gzip (by magic bytes). Errors name the path.
 * Consumes nothing.
 *
 * @example
 * ```ts
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

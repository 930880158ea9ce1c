/**
 * Reading data files that may be gzip-compressed, detected by the gzip magic bytes `1f 8b`
 * rather than by the file name. Decompression uses the web-standard `DecompressionStream`.
 *
 * @module
 */

/**
 * Whether `bytes` start with the gzip magic number `1f 8b`.
 *
 * @example
 * ```ts
 * import { data } from "@byol/tfjs";
 *
 * data.isGzip(new Uint8Array([0x1f, 0x8b, 8, 0])); // true
 * ```
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses a complete gzip stream; `source` names it in errors (a truncated or damaged
 * stream is an error, never a partial result). Consumes nothing.
 *
 * @example
 * ```ts
 * import { data } from "@byol/tfjs";
 *
 * const text = new TextEncoder().encode("hello");
 * const gz = new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")));
 * const raw = await data.gunzip(new Uint8Array(await gz.arrayBuffer()), "hello.gz");
 * console.log(new TextDecoder().decode(raw)); // hello
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

/**
 * Reading data files that may be gzip-compressed, detected by the gzip magic bytes `1f 8b`
 * rather than by the file name. Decompression uses the web-standard `DecompressionStream`,
 * incrementally, so a decompression bomb is stopped at a limit instead of filling memory.
 *
 * @module
 */
import { decodeLimits, limitError, type WithLimits } from "../io/limits.ts";

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

/** How many inflated bytes {@link GunzipOptions.sizeFromHeader} sees (fewer if the stream ends). */
export const GZIP_HEADER_BYTES = 1024;

/**
 * Options for {@link gunzip}.
 *
 * @example
 * ```ts
 * import type { data } from "@byol/tfjs";
 *
 * const options: data.GunzipOptions = { limits: { maxDecompressedBytes: 2 ** 30 } };
 * ```
 */
export interface GunzipOptions extends WithLimits {
  /**
   * Reads the size the whole output may have from its first {@link GZIP_HEADER_BYTES} bytes (a
   * format's header), or throws to refuse the stream before the rest is inflated.
   */
  readonly sizeFromHeader?: (head: Uint8Array) => number;
}

/** Input bytes handed to the inflater at a time: bounds one output chunk to about 4 MB. */
const GZIP_INPUT_STEP = 4096;

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1 && chunks[0].length === size) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    if (at >= size) break;
    const part = chunk.subarray(0, size - at);
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Decompresses a complete gzip stream; `source` names it in errors (a truncated or damaged
 * stream is an error, never a partial result). The output is checked as it is inflated, against
 * `limits.maxDecompressedBytes` and against the size `sizeFromHeader` reads from its first bytes,
 * so a bomb is refused without inflating it. Consumes nothing.
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
export async function gunzip(
  bytes: Uint8Array,
  source: string,
  { limits, sizeFromHeader }: GunzipOptions = {},
): Promise<Uint8Array> {
  const { maxDecompressedBytes } = decodeLimits(limits);
  // Fed in small slices, the stream inflates at most about 1032 times a slice at once.
  const stream = new DecompressionStream("gzip");
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  (async () => {
    for (let at = 0; at < bytes.length; at += GZIP_INPUT_STEP) {
      await writer.write(bytes.subarray(at, at + GZIP_INPUT_STEP) as Uint8Array<ArrayBuffer>);
    }
    await writer.close();
  })().catch(() => {}); // a failure shows in the reader
  const chunks: Uint8Array[] = [];
  let size = 0;
  let claimed: number | undefined;
  const checkHeader = () => {
    if (sizeFromHeader && claimed === undefined) {
      claimed = sizeFromHeader(concat(chunks, Math.min(size, GZIP_HEADER_BYTES)));
    }
  };
  try {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (err) {
        throw new Error(`${source}: not a valid gzip stream (${(err as Error).message})`, {
          cause: err,
        });
      }
      if (result.done) break;
      chunks.push(result.value);
      size += result.value.length;
      if (size >= GZIP_HEADER_BYTES) checkHeader();
      if (claimed !== undefined && size > claimed) {
        throw new Error(
          `${source}: inflates to more than the ${claimed} bytes its header claims ` +
            "(trailing data, or not the format expected)",
        );
      }
      if (size > maxDecompressedBytes) {
        throw limitError(
          source,
          `gzip stream inflates to more than ${maxDecompressedBytes} bytes`,
          "maxDecompressedBytes",
          maxDecompressedBytes,
        );
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  checkHeader();
  return concat(chunks, size);
}

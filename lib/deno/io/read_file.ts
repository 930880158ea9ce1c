/**
 * Reading a whole file with a size limit checked before the bytes are allocated.
 *
 * @module
 */
import { decodeLimits, limitError, type WithLimits } from "../../io/limits.ts";

/**
 * Reads the file at `path`, refusing one larger than `limits.maxFileBytes` before reading it, and
 * one that grows while it is read. Errors name the path.
 *
 * @example
 * ```ts
 * import { readFileLimited } from "@byol/tfjs/deno";
 *
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "hello");
 * const bytes = await readFileLimited(path, { limits: { maxFileBytes: 1024 } }); // 5 bytes
 * ```
 */
export async function readFileLimited(
  path: string,
  { limits }: WithLimits = {},
): Promise<Uint8Array> {
  const { maxFileBytes } = decodeLimits(limits);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (err) {
    const why = err instanceof Deno.errors.NotFound ? "file not found" : (err as Error).message;
    throw new Error(`${path}: ${why}`, { cause: err });
  }
  try {
    const { size, isFile } = await file.stat();
    if (!isFile) throw new Error(`${path}: not a regular file`);
    if (size > maxFileBytes) {
      throw limitError(path, `file is ${size} bytes`, "maxFileBytes", maxFileBytes);
    }
    // One byte more than the size stat reported shows a file that grew while it was read.
    const bytes = new Uint8Array(size + 1);
    let at = 0;
    for (;;) {
      const n = await file.read(bytes.subarray(at));
      if (n === null) break;
      at += n;
      if (at === bytes.length) throw new Error(`${path}: file grew past ${size} bytes while read`);
    }
    return bytes.subarray(0, at);
  } finally {
    file.close();
  }
}

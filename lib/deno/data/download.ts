/**
 * Downloading a file with a progress bar and SHA-256 verification: the file is written (under a
 * temporary name, then renamed) only once its digest matches, so a bad download is never kept.
 *
 * @module
 */
import { dirname } from "node:path";
import { createProgress, type ProgressSink } from "./progress.ts";

/**
 * The SHA-256 of `bytes` as lowercase hex (Web Crypto). Consumes nothing.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "@byol/tfjs/deno";
 *
 * const hex = await sha256Hex(new TextEncoder().encode("abc")); // "ba7816bf..."
 * ```
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Options for {@link downloadVerified}. */
export interface DownloadOptions {
  /** Where the file is fetched from. */
  readonly url: string;
  /** Where the verified file is written; its directory is created. */
  readonly dest: string;
  /** Expected SHA-256, lowercase hex. */
  readonly sha256: string;
  /** Where the progress bar goes (default `Deno.stderr`). */
  readonly sink?: ProgressSink;
}

async function readBody(
  response: Response,
  label: string,
  sink?: ProgressSink,
): Promise<Uint8Array> {
  const length = Number(response.headers.get("content-length"));
  const progress = createProgress({ label, total: length > 0 ? length : null, sink });
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body!) {
    chunks.push(chunk);
    size += chunk.length;
    progress.advance(chunk.length);
  }
  progress.finish();
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/**
 * Downloads `url` to `dest`, verifying its SHA-256 before the file appears at `dest`. Throws an
 * error naming the URL on an HTTP error, a network failure or a digest mismatch. Consumes
 * nothing.
 *
 * @example
 * ```ts
 * import { data } from "@byol/tfjs";
 * import { downloadVerified } from "@byol/tfjs/deno";
 *
 * const { name, sha256 } = data.FASHION_MNIST.files.test.labels;
 * const url = data.FASHION_MNIST.baseUrls[0] + name;
 * await downloadVerified({ url, dest: `data/fashion-mnist/${name}`, sha256 });
 * ```
 */
export async function downloadVerified(
  { url, dest, sha256, sink }: DownloadOptions,
): Promise<void> {
  let bytes: Uint8Array;
  try {
    const response = await fetch(url);
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
    }
    bytes = await readBody(response, url.split("/").pop() || url, sink);
  } catch (err) {
    // Deno's fetch says only "fetch failed"; the reason (DNS, refused, ...) is in its cause.
    const cause = (err as Error).cause instanceof Error
      ? `: ${
        ((err as Error).cause as Error).message.replace(
          /^error sending request for url \(.*?\): /,
          "",
        )
      }`
      : "";
    throw new Error(`${url}: download failed (${(err as Error).message}${cause})`, { cause: err });
  }
  const actual = await sha256Hex(bytes);
  if (actual !== sha256.toLowerCase()) {
    throw new Error(
      `${url}: SHA-256 mismatch (expected ${sha256}, got ${actual}); the download was discarded`,
    );
  }
  await Deno.mkdir(dirname(dest), { recursive: true });
  const partial = `${dest}.part`;
  await Deno.writeFile(partial, bytes);
  await Deno.rename(partial, dest);
}

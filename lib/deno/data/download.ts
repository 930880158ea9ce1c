/**
 * Downloading a file with a progress bar and SHA-256 verification. The bytes stream to a
 * temporary file with a unique name next to the destination, hashed as they arrive, and take the
 * destination's name only once the digest matches, so a bad download is never kept. A download
 * gives up when no data arrives for a while and when it passes a size limit, and a lock file
 * makes a second process that wants the same file wait for the first and reuse its result.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { dirname } from "node:path";
import { decodeLimits, limitError, type WithLimits } from "../../io/limits.ts";
import { readFileLimited } from "../io/read_file.ts";
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
export interface DownloadOptions extends WithLimits {
  /** Where the file is fetched from. */
  readonly url: string;
  /** Where the verified file is written; its directory is created. */
  readonly dest: string;
  /** Expected SHA-256, lowercase hex. */
  readonly sha256: string;
  /** Where the progress bar and notes go (default `Deno.stderr`). */
  readonly sink?: ProgressSink;
  /** Give up when no response or no data comes for this many milliseconds (default 60,000). */
  readonly timeoutMs?: number;
}

/** How often a process waiting for another's download looks at the lock file. */
const LOCK_POLL_MS = 100;
/** How often the process holding the lock refreshes its time, showing it is alive. */
const LOCK_REFRESH_MS = 1000;

/** Whether `path` holds a file with SHA-256 `sha256`. */
async function hasDigest(path: string, sha256: string, limits?: WithLimits["limits"]) {
  try {
    return await sha256Hex(await readFileLimited(path, { limits })) === sha256.toLowerCase();
  } catch (err) {
    if ((err as Error).cause instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/**
 * Takes the lock file `path` (created exclusively), waiting while another process holds it; a
 * lock not refreshed for `staleMs` is left by a process that died, and is taken over. Returns
 * the function that releases it.
 */
async function acquireLock(
  path: string,
  staleMs: number,
  onWait: () => void,
): Promise<{ refresh(): void; release(): Promise<void> }> {
  let waited = false;
  for (;;) {
    try {
      await Deno.writeTextFile(path, `${Deno.pid}\n`, { createNew: true });
      break;
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
    let mtime: Date | null = null;
    try {
      mtime = (await Deno.stat(path)).mtime;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) continue;
      throw err;
    }
    if (mtime && Date.now() - mtime.getTime() > staleMs) {
      await Deno.remove(path).catch(() => {});
      continue;
    }
    if (!waited) onWait();
    waited = true;
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
  let refreshed = Date.now();
  return {
    refresh() {
      if (Date.now() - refreshed < LOCK_REFRESH_MS) return;
      refreshed = Date.now();
      Deno.utime(path, new Date(), new Date()).catch(() => {});
    },
    release: () => Deno.remove(path).catch(() => {}),
  };
}

/** Streams `url` into `file`, returning the SHA-256 of what was written. */
async function fetchInto(
  file: Deno.FsFile,
  options: DownloadOptions & { readonly onData: () => void },
): Promise<string> {
  const { url, sink, timeoutMs = 60_000, onData } = options;
  const { maxFileBytes } = decodeLimits(options.limits);
  const controller = new AbortController();
  const stall = () => new Error(`timed out: no data for ${timeoutMs} ms`);
  let timer = setTimeout(() => controller.abort(stall()), timeoutMs);
  try {
    const response = await fetch(url, { signal: controller.signal });
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
    }
    const length = Number(response.headers.get("content-length"));
    const tooBig = (claim: string) => limitError(url, claim, "maxFileBytes", maxFileBytes);
    if (length > maxFileBytes) {
      await response.body.cancel();
      throw tooBig(`the server announces ${length} bytes`);
    }
    const label = url.split("/").pop() || url;
    const progress = createProgress({ label, total: length > 0 ? length : null, sink });
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of response.body) {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(stall()), timeoutMs);
      size += chunk.length;
      if (size > maxFileBytes) {
        controller.abort();
        throw tooBig(`the download passed ${maxFileBytes} bytes`);
      }
      hash.update(chunk);
      for (let at = 0; at < chunk.length;) at += await file.write(chunk.subarray(at));
      progress.advance(chunk.length);
      onData();
    }
    progress.finish();
    await file.sync();
    return hash.digest("hex");
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Downloads `url` to `dest`, verifying its SHA-256 before the file appears at `dest` (see the
 * module doc: a unique temporary file, a lock shared with other processes, a timeout, a size limit
 * `limits.maxFileBytes`). When `dest` already holds the file, for example because another process
 * downloaded it while this one waited for the lock, nothing is fetched. Throws an error naming the
 * URL on an HTTP error, a network failure, a timeout, a size over the limit or a digest mismatch;
 * nothing is left behind but an existing `dest`. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data } from "@byol/tfjs";
 * import { downloadVerified } from "@byol/tfjs/deno";
 *
 * const { name, sha256 } = data.FASHION_MNIST.files.test.labels;
 * const url = data.FASHION_MNIST.baseUrls[0] + name;
 * await downloadVerified({ url, dest: `data/fashion-mnist/${name}`, sha256, timeoutMs: 30_000 });
 * ```
 */
export async function downloadVerified(options: DownloadOptions): Promise<void> {
  const { url, dest, sha256, sink = Deno.stderr, timeoutMs = 60_000, limits } = options;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`downloadVerified: timeoutMs must be positive, got ${timeoutMs}`);
  }
  await Deno.mkdir(dirname(dest), { recursive: true });
  const lock = await acquireLock(`${dest}.lock`, 2 * timeoutMs + 5000, () => {
    sink.writeSync(
      new TextEncoder().encode(`${dest}: waiting for another download of it (${dest}.lock)\n`),
    );
  });
  try {
    if (await hasDigest(dest, sha256, limits)) return;
    const temporary = `${dest}.${crypto.randomUUID()}.part`;
    const file = await Deno.open(temporary, { write: true, createNew: true });
    try {
      let actual: string;
      try {
        actual = await fetchInto(file, { ...options, sink, onData: lock.refresh });
      } catch (err) {
        if ((err as Error).message.startsWith(`${url}: `)) throw err;
        throw new Error(`${url}: download failed (${reason(err)})`, { cause: err });
      } finally {
        file.close();
      }
      if (actual !== sha256.toLowerCase()) {
        throw new Error(
          `${url}: SHA-256 mismatch (expected ${sha256}, got ${actual}); the download was ` +
            "discarded",
        );
      }
      await Deno.rename(temporary, dest);
    } catch (err) {
      await Deno.remove(temporary).catch(() => {});
      throw err;
    }
  } finally {
    await lock.release();
  }
}

/** What went wrong, with the cause Deno's fetch keeps apart ("fetch failed": DNS, refused, ...). */
function reason(err: unknown): string {
  const error = err as Error;
  const cause = error.cause instanceof Error
    ? `: ${error.cause.message.replace(/^error sending request for url \(.*?\): /, "")}`
    : "";
  return `${error.message}${cause}`;
}

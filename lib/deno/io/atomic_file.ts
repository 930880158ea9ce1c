/**
 * Atomic file writes: the data goes to a temporary file in the target's directory, is flushed to
 * disk, and only then takes the target's name, so readers see the old file or the whole new one,
 * never a partial one. A process killed mid-write leaves its temporary file behind;
 * {@link removeTemporaryFiles} clears them. Needs Deno.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";

/** Options for {@link writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /** Replace an existing file at the path (default false: refuse with an error). */
  readonly overwrite?: boolean;
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.byteLength) at += await file.write(bytes.subarray(at));
}

async function removeIfPresent(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await Deno.open(dir);
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; the rename itself is then as
    // durable as that platform makes it.
  }
}

function alreadyExists(path: string): Error {
  return new Deno.errors.AlreadyExists(
    `${path} already exists; pass overwrite: true to replace it`,
  );
}

/**
 * Writes `parts` one after the other to `path` atomically: to a temporary file in the same
 * directory, fsynced, then renamed (or, without `overwrite`, hard-linked, which fails rather than
 * replace a file that appeared meanwhile). If anything fails, including the iteration of `parts`,
 * the temporary file is removed and an existing file at `path` is left as it was.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "@byol/tfjs/deno";
 *
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/config.json`, [new TextEncoder().encode("{}")]);
 * ```
 */
export async function writeFileAtomic(
  path: string,
  parts: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  { overwrite = false }: WriteFileAtomicOptions = {},
): Promise<void> {
  if (!overwrite) {
    try {
      await Deno.lstat(path);
      throw alreadyExists(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  const dir = dirname(path);
  const temporary = join(dir, `.${basename(path)}.${crypto.randomUUID()}.tmp`);
  const file = await Deno.open(temporary, { write: true, createNew: true });
  try {
    try {
      for await (const part of parts) await writeAll(file, part);
      await file.sync();
    } finally {
      file.close();
    }
    if (overwrite) {
      await Deno.rename(temporary, path);
    } else {
      try {
        await Deno.link(temporary, path);
      } catch (e) {
        throw e instanceof Deno.errors.AlreadyExists ? alreadyExists(path) : e;
      }
      await Deno.remove(temporary);
    }
  } catch (e) {
    await removeIfPresent(temporary);
    throw e;
  }
  await syncDirectory(dir);
}

/** The names {@link writeFileAtomic} gives its temporary files: `.<name>.<uuid>.tmp`. */
const TEMPORARY = /^\..+\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.tmp$/;

/**
 * Removes the temporary files that {@link writeFileAtomic} left in `dir` when its process was
 * killed mid-write (`.<name>.<uuid>.tmp`, each up to a whole file), and returns their paths.
 * Only call it while no other process writes into `dir` (e.g. under a lock). Other files are
 * left alone; a missing `dir` has none.
 *
 * @example
 * ```ts
 * import { removeTemporaryFiles } from "@byol/tfjs/deno";
 *
 * const removed = await removeTemporaryFiles(await Deno.makeTempDir());
 * console.log(removed); // []
 * ```
 */
export async function removeTemporaryFiles(dir: string): Promise<string[]> {
  const removed: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || !TEMPORARY.test(entry.name)) continue;
      const path = join(dir, entry.name);
      await removeIfPresent(path);
      removed.push(path);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return removed.sort();
}

/**
 * Small file-system queries shared by the loaders and the training CLI.
 *
 * @module
 */

/**
 * Whether `path` exists (a file or a folder); other errors than "not found" are thrown.
 *
 * @example
 * ```ts
 * import { pathExists } from "@byol/tfjs/deno";
 *
 * if (!(await pathExists("runs"))) console.log("no runs yet");
 * ```
 */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** An exclusive lock held on a folder; see {@link lockFolder}. */
export interface FolderLock {
  /** The lock file. */
  readonly path: string;
  /** Releases the lock (the lock file stays, empty). */
  release(): void;
}

/**
 * Takes an exclusive lock on `dir` through its lock file `<dir>/<name>` (made if missing), so a
 * second process (or a second lock in this one) on the same folder is refused at once with an
 * error naming the folder, instead of waiting. The operating system releases the lock when the
 * process ends, however it ends, so a killed process never leaves a stale lock.
 *
 * @example
 * ```ts
 * import { lockFolder } from "@byol/tfjs/deno";
 *
 * const lock = await lockFolder(await Deno.makeTempDir());
 * try {
 *   // ... write into the folder ...
 * } finally {
 *   lock.release();
 * }
 * ```
 */
export async function lockFolder(
  dir: string,
  { name = ".lock", holder = "another process" }: { name?: string; holder?: string } = {},
): Promise<FolderLock> {
  const path = `${dir}/${name}`;
  const file = await Deno.open(path, { read: true, write: true, create: true });
  let locked = false;
  try {
    locked = await file.tryLock(true);
  } finally {
    if (!locked) file.close();
  }
  if (!locked) {
    throw new Error(
      `${dir} is in use by ${holder} (it holds the lock on ${path}); wait for it to end or ` +
        "stop it first",
    );
  }
  return {
    path,
    release: () => {
      try {
        file.close();
      } catch (err) {
        if (!(err instanceof Deno.errors.BadResource)) throw err;
      }
    },
  };
}

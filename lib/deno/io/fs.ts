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

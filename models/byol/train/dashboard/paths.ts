/**
 * The dashboard's only way from a request to a file: a run's name and a file name, each one path
 * segment from a fixed alphabet, resolved (symbolic links included) and refused unless the result
 * lies inside the runs folder. Needs Deno.
 *
 * @module
 */
import { join, sep } from "node:path";

/** A run folder's or file's name the dashboard serves: no separators, no leading dot. */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.+=,@-]*$/;

/** Whether `name` is one path segment the dashboard may serve (never `.`, `..` or hidden). */
export function isSafeSegment(name: string): boolean {
  return name.length <= 255 && SEGMENT.test(name) && !name.includes("..");
}

/**
 * The real path of `runsDir/...segments`, or `null` when a segment is not a safe name, the path
 * does not exist, or it resolves (through a link) outside `runsDir`.
 */
export async function resolveInside(
  runsDir: string,
  ...segments: string[]
): Promise<string | null> {
  if (!segments.every(isSafeSegment)) return null;
  try {
    const root = await Deno.realPath(runsDir);
    const real = await Deno.realPath(join(root, ...segments));
    return real.startsWith(root + sep) ? real : null;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return null;
    }
    throw err;
  }
}

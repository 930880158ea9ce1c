/**
 * How every command of the package reports bad arguments: all the problems at once on stderr,
 * then exit code 2. Needs Deno only for `console`.
 *
 * @module
 */

/** Exit code of a usage error (as most CLIs). */
export const USAGE_ERROR = 2;

/**
 * Prints `problems` with the arguments of `command` to stderr, each on its own line, and returns
 * {@link USAGE_ERROR}.
 *
 * @example
 * ```ts
 * import { usageErrors } from "./usage_errors.ts";
 *
 * const code = usageErrors("deno task train", ['--epochs "x": expected an integer >= 1']);
 * console.log(code); // 2
 * ```
 */
export function usageErrors(command: string, problems: readonly string[]): number {
  const n = problems.length;
  console.error(
    `${command}: ${n} problem${n === 1 ? "" : "s"} with the arguments:\n` +
      problems.map((p) => `  - ${p}`).join("\n") + `\nRun ${command} --help for the flags.`,
  );
  return USAGE_ERROR;
}

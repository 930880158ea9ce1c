/**
 * The entry points of `deno task train` and `deno task eval`: arguments in, exit code out.
 * Usage errors exit with 2 (every problem listed on stderr), `--help` with 0, a failed run with
 * 1 (its message on stderr, without a stack trace), a run stopped by Ctrl-C with 130 after
 * saving a checkpoint. Needs Deno.
 *
 * @module
 */
import { either } from "fp-ts";
import { parseTrainArgs } from "./cli.ts";
import { parseEvalArgs } from "./eval_cli.ts";
import { evaluateCheckpoint } from "./eval_run.ts";
import { runTraining } from "./run.ts";

/** Exit code of a usage error (as most CLIs). */
export const USAGE_ERROR = 2;

function usageErrors(command: string, problems: readonly string[]): number {
  const n = problems.length;
  console.error(
    `${command}: ${n} problem${n === 1 ? "" : "s"} with the arguments:\n` +
      problems.map((p) => `  - ${p}`).join("\n") + `\nRun ${command} --help for the flags.`,
  );
  return USAGE_ERROR;
}

function failure(command: string, err: unknown): number {
  console.error(`${command}: ${err instanceof Error ? err.message : String(err)}`);
  return 1;
}

/**
 * Runs `deno task train` with `args` and returns the exit code. The first Ctrl-C stops training
 * after the current step with a checkpoint; a second one quits at once.
 *
 * @example
 * ```ts
 * import { trainMain } from "@byol/tfjs/train";
 *
 * Deno.exit(await trainMain(Deno.args));
 * ```
 */
export async function trainMain(args: readonly string[]): Promise<number> {
  const parsed = parseTrainArgs(args);
  if (either.isLeft(parsed)) return usageErrors("deno task train", parsed.left);
  if (parsed.right.kind === "help") {
    console.log(parsed.right.text);
    return 0;
  }
  const controller = new AbortController();
  const interrupt = () => {
    if (controller.signal.aborted) Deno.exit(130);
    console.error("\nstopping after this step with a checkpoint (Ctrl-C again to quit now)");
    controller.abort();
  };
  Deno.addSignalListener("SIGINT", interrupt);
  try {
    const outcome = await runTraining({ ...parsed.right.options, signal: controller.signal });
    return outcome.stopped ? 130 : 0;
  } catch (err) {
    return failure("deno task train", err);
  } finally {
    Deno.removeSignalListener("SIGINT", interrupt);
  }
}

/**
 * Runs `deno task eval` with `args` and returns the exit code.
 *
 * @example
 * ```ts
 * import { evalMain } from "@byol/tfjs/train";
 *
 * Deno.exit(await evalMain(Deno.args));
 * ```
 */
export async function evalMain(args: readonly string[]): Promise<number> {
  const parsed = parseEvalArgs(args);
  if (either.isLeft(parsed)) return usageErrors("deno task eval", parsed.left);
  if (parsed.right.kind === "help") {
    console.log(parsed.right.text);
    return 0;
  }
  try {
    await evaluateCheckpoint(parsed.right.options);
    return 0;
  } catch (err) {
    return failure("deno task eval", err);
  }
}

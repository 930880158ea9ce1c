/**
 * The entry points of `deno task train` and `deno task eval`: arguments in, exit code out.
 * Usage errors exit with 2 (every problem listed on stderr), `--help` with 0, a failed run with
 * 1 (its message on stderr, without a stack trace; a diverged run too), a run stopped by SIGINT
 * (Ctrl-C) with 130 and by SIGTERM (`docker stop`, a scheduler's preemption) with 143, after
 * saving a checkpoint. Needs Deno.
 *
 * @module
 */
import { either } from "fp-ts";
import { usageErrors } from "./usage_errors.ts";
import { parseTrainArgs } from "./cli.ts";
import { parseEvalArgs } from "./eval_cli.ts";
import { evaluateCheckpoint } from "./eval_run.ts";
import { dirname } from "node:path";
import { type Dashboard, serveDashboard } from "./dashboard/server.ts";
import { type RunOptions, runTraining } from "./run.ts";
import { runSeeds } from "./seeds.ts";
import type { Phase } from "./stopping.ts";

function failure(command: string, err: unknown): number {
  console.error(`${command}: ${err instanceof Error ? err.message : String(err)}`);
  return 1;
}

/** The signals a run stops on, with the exit status of a run they stopped (128 + number). */
export const STOP_SIGNALS = { SIGINT: 130, SIGTERM: 143 } as const;

type StopSignal = keyof typeof STOP_SIGNALS;

/** What a first signal will do, said from the phase the run is in. */
function stopping(phase: Phase, signal: StopSignal): string {
  const again = signal === "SIGINT" ? "Ctrl-C again" : "a second signal";
  const how = {
    setup: "stopping once set-up is done, with a checkpoint",
    step: "stopping after this step with a checkpoint",
    checkpoint: "stopping once this checkpoint is written",
    monitor: "abandoning the kNN evaluation; stopping with a checkpoint (it reruns on --resume)",
    final: "abandoning the final evaluation; stopping (--resume runs it again)",
  }[phase];
  return `\n${signal}: ${how} (${again} quits at once)`;
}

/**
 * Runs `deno task train` with `args` and returns the exit code. The first SIGINT (Ctrl-C) or
 * SIGTERM stops the run at its next safe point with a checkpoint (after the current step, after
 * a checkpoint being written, or abandoning an evaluation) and returns 130 or 143; a second one
 * exits at once with that status (files are written atomically, so none is left half-written).
 * With `--seeds N` the runs go one after another (`seeds.ts`); a stop ends the series after
 * summarising the runs that finished.
 * `extra` adds what only code can give (a preset or encoder of its own, a clock) to the run.
 *
 * @example
 * ```ts
 * import { trainMain } from "@byol/tfjs/train";
 *
 * Deno.exit(await trainMain(Deno.args));
 * ```
 */
export async function trainMain(
  args: readonly string[],
  extra: Pick<RunOptions, "customPreset" | "encoder" | "now"> = {},
): Promise<number> {
  const parsed = parseTrainArgs(args);
  if (either.isLeft(parsed)) return usageErrors("deno task train", parsed.left);
  if (parsed.right.kind === "help") {
    console.log(parsed.right.text);
    return 0;
  }
  const command = parsed.right;
  const controller = new AbortController();
  let phase: Phase = "setup";
  // Windows has no SIGTERM to listen to.
  const signals: StopSignal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const listeners = signals.map((signal) => {
    const listener = () => {
      if (controller.signal.aborted) Deno.exit(STOP_SIGNALS[signal]);
      const series = command.kind === "seeds"
        ? "\nthen ending the --seeds series, summarising the runs that finished"
        : "";
      console.error(stopping(phase, signal) + series);
      controller.abort(signal);
    };
    Deno.addSignalListener(signal, listener);
    return [signal, listener] as const;
  });
  const options = command.options;
  const dashboardStop = new AbortController();
  let dashboard: Dashboard | null = null;
  try {
    if (options.dashboard !== undefined) {
      dashboard = await startDashboard(options, options.dashboard, dashboardStop.signal);
    }
    const run = {
      ...options,
      ...extra,
      signal: controller.signal,
      onPhase: (p: Phase) => (phase = p),
    };
    const outcome = command.kind === "seeds"
      ? await runSeeds({ ...run, seeds: command.seeds })
      : await runTraining(run);
    return outcome.stopped ? STOP_SIGNALS[controller.signal.reason as StopSignal] ?? 130 : 0;
  } catch (err) {
    return failure("deno task train", err);
  } finally {
    for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
    dashboardStop.abort();
    await dashboard?.finished;
  }
}

/** `--dashboard PORT`: the dashboard of the folder the run is in, before the run starts. */
async function startDashboard(
  options: RunOptions,
  port: number,
  signal: AbortSignal,
): Promise<Dashboard> {
  const runsDir = options.resume === undefined ? options.out : dirname(options.resume);
  await Deno.mkdir(runsDir, { recursive: true });
  let dashboard: Dashboard;
  try {
    dashboard = await serveDashboard({ runsDir, port, signal });
  } catch (err) {
    if (!(err instanceof Deno.errors.AddrInUse)) throw err;
    throw new Error(`--dashboard ${port}: the port is in use; pick another, or 0 for any free one`);
  }
  console.error(`dashboard of ${runsDir}: ${dashboard.url}`);
  return dashboard;
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

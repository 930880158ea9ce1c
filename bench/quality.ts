/**
 * The quality table: `deno task train --seeds 3` (the default dataset and preset, seeds 0, 1, 2,
 * unless the arguments say otherwise) and its summary, every metric as mean ± sample std over the
 * seeds for the trained encoder and both baselines, with the health signals. `bench/main.ts`
 * writes what it returns to bench/results/quality.json. Three full trainings: on 2 CPU cores,
 * about three times `deno task train`'s time. Run it with `deno task bench quality [-- FLAGS]`,
 * FLAGS being `deno task train`'s (e.g. `-- --limit 2048 --epochs 1` for a quick look).
 *
 * @module
 */
import { either } from "fp-ts";
import { parseTrainArgs } from "../models/byol/train/mod.ts";
import { runSeeds } from "../models/byol/train/seeds.ts";

/** The seeds the table averages over unless the arguments give `--seeds`. */
const SEEDS = 3;

/**
 * Trains the series that `trainArgs` (`deno task train`'s flags; `--seeds 3` unless given)
 * describe and returns its summary, with the command and the summary's folder.
 *
 * @example
 * ```ts
 * import { run } from "./quality.ts";
 *
 * const figures = await run(["--dataset", "shapes", "--limit", "1024", "--epochs", "1"]);
 * console.log(figures.metrics);
 * ```
 */
export async function run(trainArgs: readonly string[]): Promise<Record<string, unknown>> {
  const given = trainArgs.some((a) => a === "--seeds" || a.startsWith("--seeds="));
  const args = given ? [...trainArgs] : ["--seeds", String(SEEDS), ...trainArgs];
  const parsed = parseTrainArgs(args);
  if (either.isLeft(parsed)) {
    throw new Error(`bench quality: the train flags after --:\n  ${parsed.left.join("\n  ")}`);
  }
  const command = parsed.right;
  if (command.kind !== "seeds") {
    throw new Error("bench quality: --help and --print-config print, they train nothing");
  }
  const { dir, summary, stopped } = await runSeeds({ ...command.options, seeds: command.seeds });
  if (summary === null) throw new Error("bench quality: no run of the series finished");
  return { command: `deno task train ${args.join(" ")}`, summaryDir: dir, stopped, ...summary };
}

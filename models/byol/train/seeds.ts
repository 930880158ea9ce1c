/**
 * `deno task train --seeds N`: the same settings trained with N seeds, one after another, each
 * in its own ordinary run folder (resumable and evaluable as any other), then a summary of every
 * metric as the mean and sample standard deviation over the seeds: a table, and `quality.json`
 * in `<out>/<dataset>-<preset>-seeds-<time>/`. A stop (Ctrl-C, SIGTERM) stops the run in
 * progress as usual (checkpointed: `--resume` it) and summarises the runs that finished, saying
 * so; the summary is rewritten after each finished run, so a killed series keeps the earlier ones.
 * Needs Deno.
 *
 * @module
 */
import { join } from "node:path";
import type { HealthSignals } from "../health.ts";
import type { FinalResults } from "./records.ts";
import { alignedTable, ENCODER_ROWS, SCORE_COLUMNS } from "./report.ts";
import { type RunOptions, runTraining } from "./run.ts";
import { createRunFolder, runName, writeRunFile } from "./run_folder.ts";
import { terminalOutput } from "./terminal.ts";

/**
 * The summary file of a series, in its folder.
 *
 * @example
 * ```ts
 * import { SEEDS_FILE } from "@byol/tfjs/train";
 *
 * const summary = JSON.parse(
 *   await Deno.readTextFile(`runs/fashion-mnist-seeds-20250101-120000/${SEEDS_FILE}`),
 * );
 * ```
 */
export const SEEDS_FILE = "quality.json";

/**
 * The format tag of {@link SEEDS_FILE}.
 *
 * @example
 * ```ts
 * import { SEEDS_FORMAT } from "@byol/tfjs/train";
 *
 * const summary = JSON.parse(await Deno.readTextFile("runs/x-seeds-20250101-120000/quality.json"));
 * if (summary.format !== SEEDS_FORMAT) throw new Error(`not a ${SEEDS_FORMAT} summary`);
 * ```
 */
export const SEEDS_FORMAT = "byol-seeds/1";

/** The mean of some values, their sample standard deviation (`n - 1`), and the values. */
export interface MeanStd {
  /** The mean. */
  readonly mean: number;
  /** The sample standard deviation; `null` for fewer than 2 values. */
  readonly std: number | null;
  /** How many values. */
  readonly n: number;
  /** The values, in order. */
  readonly values: readonly number[];
}

/**
 * The mean and sample standard deviation (divided by `n - 1`; `null` for one value) of
 * `values`. Throws on an empty list.
 *
 * @example
 * ```ts
 * import { meanStd } from "@byol/tfjs/train";
 *
 * meanStd([0.8, 0.82, 0.84]); // { mean: 0.82, std: 0.02, n: 3, values: [0.8, 0.82, 0.84] }
 * ```
 */
export function meanStd(values: readonly number[]): MeanStd {
  const n = values.length;
  if (n === 0) throw new RangeError("meanStd: needs at least one value");
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n < 2 ? null : Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { mean, std, n, values: [...values] };
}

/** One finished run of a series. */
export interface SeedRun {
  /** Its seed. */
  readonly seed: number;
  /** Its run folder. */
  readonly dir: string;
  /** Its final evaluation (`results.json`). */
  readonly results: FinalResults;
}

/** The summary of a series (`quality.json`). */
export interface SeedsSummary {
  /** {@link SEEDS_FORMAT}. */
  readonly format: typeof SEEDS_FORMAT;
  /** The dataset's name. */
  readonly dataset: string;
  /** The preset's name. */
  readonly preset: string;
  /** The seeds asked for. */
  readonly requested: readonly number[];
  /** Whether every seed asked for finished (else the summary is over those that did). */
  readonly complete: boolean;
  /** Why it is incomplete, and how to finish the run that stopped. */
  readonly note: string | null;
  /** The finished runs, in seed order. */
  readonly runs: readonly SeedRun[];
  /**
   * Each encoder's accuracies (`trained`, `random`, `pixels`; each `knn20`, `knn200`,
   * `linearTest`, `linearTrain`) over the finished runs.
   */
  readonly metrics: Readonly<Record<string, Readonly<Record<string, MeanStd>>>>;
  /** The trained states' health signals over the finished runs that measured them. */
  readonly health: {
    readonly projectionStd: MeanStd;
    readonly relativeStd: MeanStd;
    readonly cosineGap: MeanStd;
    /** The seeds whose trained state collapsed. */
    readonly collapsed: readonly number[];
  } | null;
}

/**
 * The summary of finished runs (at least one) of a series asked for with `requested` seeds.
 *
 * @example
 * ```ts
 * import { summarizeSeeds } from "@byol/tfjs/train";
 *
 * const scores = { knn: { k20: 0.8, k200: 0.78 }, linear: { testAccuracy: 0.85, trainAccuracy: 0.9, trainLoss: 0.4 } };
 * const results = { step: 24, dataset: "shapes", trainImages: 256, testImages: 256,
 *   trained: scores, random: scores, pixels: scores, stepSeconds: 3, resumed: false, skippedBatches: 0 };
 * const summary = summarizeSeeds([{ seed: 0, dir: "runs/a", results }], {
 *   preset: "tiny", requested: [0, 1], note: "stopped",
 * });
 * console.log(summary.metrics.trained.knn20.mean); // 0.8
 * ```
 */
export function summarizeSeeds(
  runs: readonly SeedRun[],
  { preset, requested, note }: {
    readonly preset: string;
    readonly requested: readonly number[];
    readonly note: string | null;
  },
): SeedsSummary {
  if (runs.length === 0) throw new RangeError("summarizeSeeds: needs at least one finished run");
  const metrics = Object.fromEntries(ENCODER_ROWS.map(([kind]) => [
    kind,
    Object.fromEntries(SCORE_COLUMNS.map(([key, , score]) => [
      key,
      meanStd(runs.map((r) => score(r.results[kind]))),
    ])),
  ]));
  const measured = runs.flatMap((r) =>
    r.results.health === undefined ? [] : [{ seed: r.seed, health: r.results.health }]
  );
  const over = (field: keyof Omit<HealthSignals, "collapsed">) =>
    meanStd(measured.map((m) => m.health[field]));
  return {
    format: SEEDS_FORMAT,
    dataset: runs[0].results.dataset,
    preset,
    requested,
    complete: runs.length === requested.length,
    note,
    runs,
    metrics,
    health: measured.length === 0 ? null : {
      projectionStd: over("projectionStd"),
      relativeStd: over("relativeStd"),
      cosineGap: over("cosineGap"),
      collapsed: measured.filter((m) => m.health.collapsed).map((m) => m.seed),
    },
  };
}

/** `m` as `mean ± std` (scaled, with `digits` decimals); the mean alone for one value. */
function plusMinus(m: MeanStd, { scale = 1, digits = 2, unit = "" } = {}): string {
  const mean = (scale * m.mean).toFixed(digits);
  return m.std === null ? `${mean}${unit}` : `${mean} ± ${(scale * m.std).toFixed(digits)}${unit}`;
}

/**
 * The summary as a table: each encoder's accuracies as `mean ± sample std` over the runs, and
 * the trained states' health, naming the seeds that collapsed.
 *
 * @example
 * ```ts
 * import { formatSeeds, summarizeSeeds } from "@byol/tfjs/train";
 *
 * const scores = { knn: { k20: 0.8, k200: 0.78 }, linear: { testAccuracy: 0.85, trainAccuracy: 0.9, trainLoss: 0.4 } };
 * const results = { step: 24, dataset: "shapes", trainImages: 256, testImages: 256,
 *   trained: scores, random: scores, pixels: scores, stepSeconds: 3, resumed: false, skippedBatches: 0 };
 * const runs = [0, 1].map((seed) => ({ seed, dir: `runs/${seed}`, results }));
 * console.log(formatSeeds(summarizeSeeds(runs, { preset: "tiny", requested: [0, 1], note: null })));
 * ```
 */
export function formatSeeds(s: SeedsSummary): string {
  const first = s.runs[0].results;
  const seeds = s.runs.map((r) => r.seed);
  const header = ["encoder", ...SCORE_COLUMNS.map(([, name]) => name)];
  const body = ENCODER_ROWS.map(([kind, name]) => [
    name,
    ...SCORE_COLUMNS.map(([key]) =>
      plusMinus(s.metrics[kind][key], { scale: 100, digits: 2, unit: "%" })
    ),
  ]);
  const h = s.health;
  return [
    `BYOL on ${s.dataset} (preset ${s.preset}), step ${first.step}: ${first.trainImages} train / ` +
    `${first.testImages} test images; mean ± sample std over ${s.runs.length} ` +
    `run${s.runs.length === 1 ? "" : "s"} (seed${seeds.length === 1 ? "" : "s"} ${
      seeds.join(", ")
    })`,
    alignedTable([header, ...body]),
    ...(h === null ? [] : [
      `health of the trained states: projection spread ${
        plusMinus(h.relativeStd, { digits: 3 })
      } x 1/sqrt(d), online-target cosine gap ${plusMinus(h.cosineGap, { digits: 4 })}; ` +
      (h.collapsed.length === 0
        ? `none collapsed`
        : `COLLAPSED: seed${h.collapsed.length === 1 ? "" : "s"} ${h.collapsed.join(", ")}`),
    ]),
    ...(s.complete ? [] : [`incomplete: ${s.note}`]),
  ].join("\n");
}

/** What {@link runSeeds} needs: a run's options and how many seeds. */
export interface SeedsOptions extends RunOptions {
  /** Runs, with seeds `seed`, `seed + 1`, ... */
  readonly seeds: number;
}

/** How a series ended. */
export interface SeedsOutcome {
  /** The summary's folder, or `null` when no run finished (nothing summarised). */
  readonly dir: string | null;
  /** The summary, or `null` when no run finished. */
  readonly summary: SeedsSummary | null;
  /** Whether `signal` stopped it before every run finished. */
  readonly stopped: boolean;
}

/**
 * Trains `seeds` runs of the same settings, with seeds `seed` to `seed + seeds - 1`, one after
 * another (see the module doc), writing the summary's `quality.json` after each and printing
 * the table at the end. `options.resume` is refused. Frees every tensor it makes.
 *
 * @example
 * ```ts
 * import { runSeeds } from "@byol/tfjs/train";
 *
 * const { dir, summary } = await runSeeds({ dataset: "shapes", backend: "wasm", seed: 0,
 *   out: "runs", evalEvery: 0, epochs: 1, limit: 1024, seeds: 3 });
 * console.log(dir, summary?.metrics.trained.knn20);
 * ```
 */
export async function runSeeds(options: SeedsOptions): Promise<SeedsOutcome> {
  if (options.resume !== undefined) {
    throw new Error("runSeeds: a series starts new runs; resume each of its runs on its own");
  }
  if (!Number.isSafeInteger(options.seeds) || options.seeds < 1) {
    throw new RangeError(`runSeeds: seeds must be an integer >= 1, got ${options.seeds}`);
  }
  const out = options.output ?? terminalOutput();
  const now = options.now ?? (() => new Date());
  const started = now();
  const requested = Array.from({ length: options.seeds }, (_, i) => options.seed + i);
  const runs: SeedRun[] = [];
  let dir: string | null = null;
  let preset = "";
  const save = async (note: string | null): Promise<SeedsSummary> => {
    const summary = summarizeSeeds(runs, { preset, requested, note });
    await writeRunFile(dir!, SEEDS_FILE, JSON.stringify(summary, null, 2) + "\n", {
      overwrite: true,
    });
    return summary;
  };
  const stop = async (why: string): Promise<SeedsOutcome> => {
    const finished = `${runs.length} finished run${runs.length === 1 ? "" : "s"} of ` +
      `${requested.length}`;
    if (dir === null) {
      out.info(`${why}; no run of the series finished: nothing summarised`);
      return { dir, summary: null, stopped: true };
    }
    const summary = await save(`${why}; summarised over the ${finished}`);
    out.info(`wrote ${join(dir, SEEDS_FILE)}: ${summary.note}`);
    out.result(formatSeeds(summary));
    return { dir, summary, stopped: true };
  };
  let summary: SeedsSummary | null = null;
  for (const [i, seed] of requested.entries()) {
    if (options.signal?.aborted) return await stop(`stopped before seed ${seed}`);
    out.info(`seed ${seed} (run ${i + 1} of ${requested.length})`);
    let outcome;
    try {
      outcome = await runTraining({ ...options, seed, output: out, now });
    } catch (err) {
      if (dir !== null) {
        const why = `seed ${seed} failed (${err instanceof Error ? err.message : String(err)})`;
        await save(`${why}; summarised over the ${runs.length} finished runs`);
      }
      throw err;
    }
    if (outcome.results === null) {
      return await stop(
        `stopped during seed ${seed} (continue it with: deno task train --resume ${outcome.dir})`,
      );
    }
    runs.push({ seed, dir: outcome.dir, results: outcome.results });
    if (dir === null) {
      preset = outcome.config.preset.name;
      dir = join(options.out, runName(outcome.config.dataset.name, preset, started, "seeds"));
      await createRunFolder(dir);
    }
    const done = runs.length === requested.length;
    summary = await save(done ? null : "the series is still running (or was killed)");
  }
  out.info(`wrote ${join(dir!, SEEDS_FILE)}: ${runs.length} runs`);
  out.result(formatSeeds(summary!));
  return { dir, summary, stopped: false };
}

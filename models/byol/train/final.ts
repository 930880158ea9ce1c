/**
 * A run's final evaluation and its outputs: the trained encoder (with the state's health signals)
 * and both baselines evaluated, their `final` records in `metrics.jsonl`, `curves.svg`,
 * `features.svg`, the table, and last `results.json`, which marks the run complete.
 * `deno task train` runs it after the last step or on `--resume` of a run stopped after its last
 * checkpoint; `deno task eval --write` runs it on a run folder's checkpoint. Needs Deno.
 *
 * @module
 */
import type { ByolState } from "../mod.ts";
import { EMBEDDING_FILE, saveEmbedding } from "./embedding.ts";
import { evaluateBaselines, evaluateTrained } from "./evaluate.ts";
import { curvesSvg, featuresSvg } from "./pictures.ts";
import type { FinalResults, MetricsRecord } from "./records.ts";
import { formatResults } from "./report.ts";
import {
  appendMetrics,
  filterMetrics,
  readMetrics,
  RUN_FILES,
  writeRunFile,
} from "./run_folder.ts";
import type { Session } from "./session.ts";
import { ABANDONED, untilAborted } from "./stopping.ts";
import type { Output } from "./terminal.ts";
import type { RunConfig } from "./config.ts";

/** The title of a run's pictures. */
export const runTitle = (c: RunConfig): string =>
  `BYOL on ${c.dataset.name} (preset ${c.preset.name})`;

/**
 * Draws `curves.svg` from the run folder's `metrics.jsonl`, noting lines that are not JSON.
 *
 * @example
 * ```ts
 * import { readConfig } from "@byol/tfjs/train";
 * import { writeCurves } from "./final.ts";
 *
 * const dir = "runs/shapes-fashion-mnist-20250101-120000";
 * await writeCurves(dir, await readConfig(dir), console.error);
 * ```
 */
export async function writeCurves(
  dir: string,
  config: RunConfig,
  say: (text: string) => void,
): Promise<void> {
  const { records, skipped } = await readMetrics(dir);
  if (skipped.length > 0) {
    say(`note: ${RUN_FILES.metrics} lines ${skipped.join(", ")} are not JSON; left out`);
  }
  await writeRunFile(dir, RUN_FILES.curves, curvesSvg(records, runTitle(config)), {
    overwrite: true,
  });
}

/** What {@link finishRun} needs besides the session's run. */
export interface FinishOptions {
  /** The trained state (not consumed). */
  readonly state: ByolState;
  /** Seconds of training steps the finishing session spent. */
  readonly stepSeconds: number;
  /** Batches skipped for a non-finite loss or gradient norm over the whole run. */
  readonly skippedBatches: number;
  /** Where messages go. */
  readonly out: Output;
  /** The records' clock. */
  readonly now: () => Date;
  /** Abandons the evaluation (nothing is written then). */
  readonly signal?: AbortSignal;
}

/**
 * The final evaluation of `state` and the run folder's outputs: the `final` records (replacing
 * earlier ones), `curves.svg`, `features.svg`, then `results.json`, and the table as a result.
 * Returns the results, or `null` when `signal` abandoned the evaluation before anything was
 * written. Consumes nothing.
 *
 * @example
 * ```ts
 * import { tree } from "@byol/tfjs";
 * import { terminalOutput } from "@byol/tfjs/train";
 * import { finishRun } from "./final.ts";
 * import { openSession } from "./session.ts";
 *
 * const s = await openSession({
 *   dataset: "shapes", backend: "wasm", seed: 0, out: "runs", evalEvery: 1, limit: 1024,
 *   keepCheckpoints: 3, now: () => new Date(), say: console.error,
 * });
 * await finishRun(s, {
 *   state: s.state, stepSeconds: 0, skippedBatches: 0, out: terminalOutput(), now: () => new Date(),
 * });
 * tree.dispose(s.state);
 * s.lock.release();
 * ```
 */
export async function finishRun(
  s: Pick<Session, "dir" | "config" | "data" | "model" | "keys" | "resumed">,
  { state, stepSeconds, skippedBatches, out, now, signal }: FinishOptions,
): Promise<FinalResults | null> {
  const c = s.config;
  const data = {
    train: s.data.train,
    test: s.data.test,
    probeKey: s.keys.probe,
    say: (t: string) => out.info(`${t}...`),
    signal,
  };
  const trained = await untilAborted(
    evaluateTrained({ ...data, model: s.model, state, dataset: c.dataset.name }),
    signal,
  );
  if (trained === ABANDONED) return null;
  const baselines = await untilAborted(
    evaluateBaselines({
      ...data,
      model: s.model,
      initKey: s.keys.init,
      inputShape: c.dataset.imageShape,
    }),
    signal,
  );
  if (baselines === ABANDONED) return null;
  const full: FinalResults = {
    ...trained.results,
    stepSeconds: Math.round(stepSeconds),
    resumed: s.resumed,
    skippedBatches,
    ...baselines,
  };
  const time = now().toISOString();
  await filterMetrics(s.dir, (r) => r.type !== "final");
  await appendMetrics(
    s.dir,
    ...(["trained", "random", "pixels"] as const).map((encoder): MetricsRecord => ({
      type: "final",
      step: state.step,
      encoder,
      ...full[encoder],
      ...(encoder === "trained" ? { health: full.health } : {}),
      time,
    })),
  );
  await writeCurves(s.dir, c, (t) => out.info(t));
  const embedding = await saveEmbedding(s.dir, {
    features: trained.testFeatures,
    classNames: c.dataset.classNames,
    step: state.step,
    key: s.keys.root,
  });
  const title = `${runTitle(c)}: online encoder features at step ${state.step}`;
  await writeRunFile(s.dir, RUN_FILES.features, featuresSvg(embedding, title), {
    overwrite: true,
  });
  // Last: results.json marks the run complete, so a run killed before it is finished on resume.
  await writeRunFile(s.dir, RUN_FILES.results, JSON.stringify(full, null, 2) + "\n", {
    overwrite: true,
  });
  out.info(
    `wrote ${RUN_FILES.results}, ${RUN_FILES.curves}, ${RUN_FILES.features}, ` +
      `${EMBEDDING_FILE} in ${s.dir}`,
  );
  out.result(formatResults(full));
  if (skippedBatches > 0) {
    out.info(
      `note: ${skippedBatches} batch${skippedBatches === 1 ? " was" : "es were"} skipped for a ` +
        "non-finite loss or gradient norm (--on-nonfinite skip)",
    );
  }
  return full;
}

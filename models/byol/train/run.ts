/**
 * A BYOL training run end to end, as `deno task train` runs it: set-up (`session.ts`), the epoch
 * loop (`loop.ts`, where the resume rules are documented), and the final evaluation with its
 * table, `results.json` and pictures (`final.ts`). A run asked to stop (`signal`) stops at the
 * next safe point: after the current step, once a checkpoint being written is written, or at
 * once during an evaluation (abandoned: it runs again on `--resume`), always with a checkpoint
 * of the state it stopped at. Needs Deno.
 *
 * @module
 */
import { type Layer, tree } from "../../../mod.ts";
import type { ByolState } from "../mod.ts";
import type { RunConfig } from "./config.ts";
import { finishRun, writeCurves } from "./final.ts";
import { checkpoint, type Holder, trainEpochs } from "./loop.ts";
import type { TrainOptions } from "./options.ts";
import type { FinalResults } from "./records.ts";
import { formatDuration } from "./progress.ts";
import { appendMetrics } from "./run_folder.ts";
import { openSession, type Session } from "./session.ts";
import type { Phase } from "./stopping.ts";
import { type Output, terminalOutput } from "./terminal.ts";

/** A run as code starts it: the CLI's options and what only code can give. */
export interface RunOptions extends TrainOptions {
  /** An encoder replacing the preset's; it must be given again to resume the run. */
  readonly encoder?: Layer;
  /** Where messages go (default {@link terminalOutput}). */
  readonly output?: Output;
  /**
   * Stops the run at the next safe point with a checkpoint (the CLI wires SIGINT and SIGTERM to
   * it): after the current step, after a checkpoint being written, or abandoning an evaluation.
   */
  readonly signal?: AbortSignal;
  /** Hears each phase the run enters (the CLI says what a signal will do from it). */
  readonly onPhase?: (phase: Phase) => void;
  /** The clock for the folder's name and the records' times (default: the system clock). */
  readonly now?: () => Date;
  /** Return the last state instead of freeing it (the caller then owns and frees it). */
  readonly returnState?: boolean;
}

/** How a run ended. */
export interface RunOutcome {
  /** The run folder. */
  readonly dir: string;
  /** The run's config (as in `config.json`). */
  readonly config: RunConfig;
  /** Steps completed. */
  readonly step: number;
  /** Whether the run was stopped before its results were written (then `results` is null). */
  readonly stopped: boolean;
  /** The final evaluation (as in `results.json`), or `null` when stopped. */
  readonly results: FinalResults | null;
  /** The last state, with `returnState` (else `null`). */
  readonly state: ByolState | null;
}

/**
 * Runs training as configured (a new run, or `resume`), writing into the run folder as it goes,
 * and returns where it wrote and the final results. See the module doc for the resume rules.
 * Frees every tensor it makes, except the last state when `returnState` asks for it. Consumes
 * nothing.
 *
 * @example
 * ```ts
 * import { runTraining } from "@byol/tfjs/train";
 *
 * const { dir, results } = await runTraining({ dataset: "shapes", backend: "wasm", seed: 0,
 *   out: "runs", evalEvery: 1, epochs: 1, limit: 1024 });
 * ```
 */
export async function runTraining(options: RunOptions): Promise<RunOutcome> {
  const out = options.output ?? terminalOutput();
  const now = options.now ?? (() => new Date());
  const { signal, onPhase } = options;
  onPhase?.("setup");
  const s = await openSession({
    ...options,
    keepCheckpoints: options.keepCheckpoints ?? 3,
    now,
    say: (t) => out.info(t),
  });
  const held: Holder = { state: s.state, skipped: s.skipped, saved: s.saved };
  let kept = false;
  try {
    announce(s, out);
    const { stopped, stepSeconds } = await trainEpochs(s, held, { out, now, signal, onPhase });
    let results: FinalResults | null = null;
    if (!stopped) {
      out.info(
        `training steps took ${formatDuration(stepSeconds)}` +
          (s.resumed ? " in this session" : ""),
      );
      onPhase?.("final");
      results = await finishRun(s, {
        state: held.state,
        stepSeconds,
        skippedBatches: held.skipped,
        out,
        now,
        signal,
      });
    }
    if (results === null) await stopRun(s, held, out, now);
    kept = options.returnState === true;
    const state = kept ? held.state : null;
    const step = held.state.step;
    return { dir: s.dir, config: s.config, step, stopped: results === null, results, state };
  } finally {
    if (!kept) tree.dispose(held.state);
    s.lock.release();
  }
}

/** A stopped run: its state checkpointed (unless it is already), a stop record, the curves. */
async function stopRun(s: Session, held: Holder, out: Output, now: () => Date): Promise<void> {
  const step = held.state.step;
  const saved = held.saved === step ? null : await checkpoint(s, held);
  await appendMetrics(s.dir, { type: "stop", step, time: now().toISOString() });
  await writeCurves(s.dir, s.config, (t) => out.info(t));
  const what = step >= s.config.totalSteps
    ? `stopped before the final evaluation (all ${step} steps done)`
    : `stopped at step ${step} of ${s.config.totalSteps}`;
  out.info(
    `${what}${saved ? `: saved ${saved}` : " (its checkpoint is saved)"}\ncontinue with: ` +
      `deno task train --resume ${s.dir}`,
  );
}

function announce(s: Session, out: Output): void {
  const c = s.config;
  const ds = c.dataset;
  const encoder = c.encoder === "custom" ? "custom encoder" : c.preset.encoder.arch;
  const params = tree.size(s.state.online).toLocaleString("en-US");
  out.info([
    `run folder: ${s.dir}${s.resumed ? ` (resumed at step ${s.state.step})` : ""}`,
    `data: ${ds.name} (${ds.why}): ${ds.train.count} train images from ${ds.train.source}, ` +
    `${ds.test.count} test images`,
    `model: preset ${c.preset.name} (${encoder}), ${params} online parameters, ` +
    `input ${ds.imageShape.join("x")}`,
    `training: ${c.epochs} epoch${
      c.epochs === 1 ? "" : "s"
    } x ${c.stepsPerEpoch} steps of ${c.batchSize} images ` +
    `(${c.totalSteps} steps), peak lr ${c.learningRate}, seed ${c.seed}`,
  ].join("\n"));
  if (c.preset.inputShape.join("x") !== ds.imageShape.join("x")) {
    out.info(
      `note: preset ${c.preset.name} is made for ${c.preset.inputShape.join("x")} images; ` +
        `training at the dataset's ${ds.imageShape.join("x")}`,
    );
  }
}

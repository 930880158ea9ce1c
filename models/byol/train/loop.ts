/**
 * The epoch loop of a run: steps over key-driven epoch batches, metrics records and the progress
 * line at logged steps, the kNN monitor every `evalEvery` epochs (with the pictures the dashboard
 * shows), checkpoints at each epoch's end
 * and every `checkpointEvery` steps or minutes of training steps, the guard against a non-finite
 * loss, and a stop when asked. Needs Deno.
 *
 * Resuming: a run continues from its latest good checkpoint's step `s` (or from the seed's
 * initial state when it has none) with its optimizer state, key and count of skipped batches.
 * Epoch `e = floor(s / stepsPerEpoch)` draws its batch order from the same key as before and
 * starts at batch `s - e * stepsPerEpoch`, skipping the batches it already trained on, so a run
 * stopped or killed at any step and resumed trains on the same batches, with the same views,
 * schedules and epoch boundaries, and ends bit for bit where the uninterrupted run ends.
 * `metrics.jsonl` is cut back to step `s` first, and a kNN monitor due at step `s` whose record is
 * missing (the run stopped during it) runs again.
 *
 * Non-finite values: each step's loss and gradient norm are read. With `onNonfinite: "stop"` a
 * NaN or infinity ends the run with an error naming the step and likely causes; the state before
 * that step is never saved over a good checkpoint. With `"skip"` the step keeps the previous
 * parameters and optimizer state but still counts, so later steps keep their batches; the
 * count is kept in checkpoints and reported in `results.json`.
 *
 * @module
 */
import { type Batch, data, random, runSteps, tf } from "../../../mod.ts";
import type { ByolState } from "../mod.ts";
import { saveTrainState } from "./checkpoints.ts";
import type { RunConfig } from "./config.ts";
import { saveEmbedding } from "./embedding.ts";
import { knnMonitor } from "./evaluate.ts";
import { writeCurves } from "./final.ts";
import { formatProgress, StepClock } from "./progress.ts";
import { formatHealth } from "./report.ts";
import type { MetricsRecord } from "./records.ts";
import { appendMetrics, readMetrics } from "./run_folder.ts";
import type { Session } from "./session.ts";
import { ABANDONED, type Phase, untilAborted } from "./stopping.ts";
import type { Output } from "./terminal.ts";

/**
 * The mutable cell holding the current state, so an error still frees the latest one, with the
 * count of skipped batches and the step of the checkpoint holding the state (if any).
 */
export interface Holder {
  state: ByolState;
  skipped: number;
  saved: number | null;
}

/**
 * Saves `held`'s state as a checkpoint of the session's run unless one already holds it, and
 * returns its path.
 */
export async function checkpoint(s: Session, held: Holder): Promise<string> {
  const path = await saveTrainState(s.dir, {
    state: held.state,
    key: s.keys.root,
    config: s.config,
    keep: s.config.keepCheckpoints,
    skipped: held.skipped,
  });
  held.saved = held.state.step;
  return path;
}

/** Where the loop reports, its clock, and what stops it. */
export interface LoopIo {
  readonly out: Output;
  readonly now: () => Date;
  /** Stops the loop after the current step, or abandons the current evaluation. */
  readonly signal?: AbortSignal;
  /** Hears each phase the loop enters. */
  readonly onPhase?: (phase: Phase) => void;
}

/** Whether the kNN monitor runs at `step` (before training, and after every `evalEvery` epochs). */
function monitorAt(c: RunConfig, step: number): boolean {
  return c.evalEvery > 0 && step < c.totalSteps && step % c.stepsPerEpoch === 0 &&
    (step / c.stepsPerEpoch) % c.evalEvery === 0;
}

/**
 * The kNN monitor at the state's step, recorded and announced, then `curves.svg` and
 * `embedding.json` rewritten; the single place each evaluation during training goes through.
 * Returns false when `signal` abandoned the evaluation (nothing recorded).
 */
async function monitor(s: Session, state: ByolState, io: LoopIo): Promise<boolean> {
  const { out, now, signal } = io;
  io.onPhase?.("monitor");
  const found = await untilAborted(
    knnMonitor(s.model, state, s.data.train, s.data.test, { signal }),
    signal,
  );
  if (found === ABANDONED) return false;
  const { knn, testFeatures, health } = found;
  await appendMetrics(s.dir, {
    type: "eval",
    step: state.step,
    epoch: state.step / s.config.stepsPerEpoch,
    knn,
    health,
    time: now().toISOString(),
  });
  out.info(
    `kNN at step ${state.step}${state.step === 0 ? " (random init)" : ""}: ` +
      `k=20 ${(100 * knn.k20).toFixed(2)}%, k=200 ${(100 * knn.k200).toFixed(2)}%; ` +
      formatHealth(health),
  );
  await writeCurves(s.dir, s.config, (t) => out.info(t));
  const embedding = saveEmbedding(s.dir, {
    features: testFeatures,
    classNames: s.config.dataset.classNames,
    step: state.step,
    key: s.keys.root,
  });
  // The picture is derived data: a stop abandons it (the previous one stays).
  await untilAborted(embedding, signal);
  return true;
}

/** How {@link trainEpochs} ended. */
export interface TrainOutcome {
  /** Whether `signal` stopped it early (the caller then checkpoints the state if not saved). */
  readonly stopped: boolean;
  /** Seconds spent in training steps (not evaluations or checkpoints) by this session. */
  readonly stepSeconds: number;
}

/** The error of a non-finite loss or gradient norm with `onNonfinite: "stop"`. */
function divergence(c: RunConfig, step: number, loss: number, gradNorm: number): Error {
  const what = [
    Number.isFinite(loss) ? null : `the loss is ${loss}`,
    Number.isFinite(gradNorm) ? null : `the gradient norm is ${gradNorm}`,
  ].filter((x) => x !== null).join(" and ");
  return new Error(
    `step ${step}: ${what}; training diverged and was stopped before saving that state ` +
      "(the checkpoints on disk hold good states). Likely causes: a learning rate too high " +
      `for the batch size and preset (this run: --lr ${c.learningRate}, batch ${c.batchSize}, ` +
      `preset ${c.preset.name}; try a smaller --lr), bad input data (NaN or extreme pixel ` +
      "values, a damaged --data folder), or an encoder without normalisation. Start a new run " +
      "with other settings, or pass --on-nonfinite skip to skip such batches",
  );
}

/** The value of a scalar metric. */
const read = async (t: tf.Scalar): Promise<number> => (await t.data())[0];

/** Whether a checkpoint is due after `step` besides the epoch's end. */
function cadence(c: RunConfig, clock: StepClock) {
  let lastSeconds = 0;
  return {
    due: (step: number) =>
      c.checkpointEvery.unit === "steps"
        ? step % c.checkpointEvery.every === 0
        : clock.totalSeconds - lastSeconds >= 60 * c.checkpointEvery.every,
    saved: () => {
      lastSeconds = clock.totalSeconds;
    },
  };
}

/**
 * Trains from `held.state` to the session's last step (see the module doc), replacing
 * `held.state` after each step and freeing the old one. Throws on a non-finite loss with
 * `onNonfinite: "stop"`, leaving `held.state` at the last good state.
 */
export async function trainEpochs(s: Session, held: Holder, io: LoopIo): Promise<TrainOutcome> {
  const { out, now, signal } = io;
  const c = s.config;
  const clock = new StepClock();
  const stopped = () => ({ stopped: true, stepSeconds: clock.totalSeconds });
  if (monitorAt(c, held.state.step)) {
    const { records } = await readMetrics(s.dir);
    const done = records.some((r) => r.type === "eval" && r.step === held.state.step);
    if (!done && !(await monitor(s, held.state, io))) return stopped();
  }
  const checkpoints = cadence(c, clock);
  for (let epoch = Math.floor(held.state.step / c.stepsPerEpoch); epoch < c.epochs; epoch++) {
    if (signal?.aborted) return stopped();
    const epochStart = epoch * c.stepsPerEpoch;
    const epochEnd = epochStart + c.stepsPerEpoch;
    const batches = data.epochBatches(random.foldIn(s.keys.data, epoch), s.data.train, {
      batchSize: c.batchSize,
      dropRemainder: true,
      start: held.state.step - epochStart,
    });
    io.onPhase?.("step");
    let started = 0;
    // The step's loss and gradient norm, read once by the guard and kept for the record.
    let loss = NaN;
    let gradNorm = NaN;
    let skippedThis = false;
    held.state = await runSteps({
      state: held.state,
      step: (state, { images, labels }: Batch) => {
        started = performance.now();
        try {
          return s.model.step(state, images, s.keys.step);
        } finally {
          tf.dispose([images, labels]);
        }
      },
      inputs: batches,
      steps: epochEnd - held.state.step,
      signal,
      choose: async ({ previous, next, metrics }) => {
        [loss, gradNorm] = await Promise.all([read(metrics.loss), read(metrics.gradNorm)]);
        skippedThis = !Number.isFinite(loss) || !Number.isFinite(gradNorm);
        if (!skippedThis) return next;
        const step = previous.step + 1;
        if (c.onNonfinite === "stop") throw divergence(c, step, loss, gradNorm);
        held.skipped++;
        out.info(
          `step ${step}: non-finite loss or gradient norm (${loss}, ${gradNorm}); batch skipped ` +
            `(${held.skipped} so far)`,
        );
        return { ...previous, step };
      },
      onStep: async ({ state, metrics }) => {
        held.state = state;
        held.saved = null;
        const step = state.step;
        clock.add(c.batchSize, (performance.now() - started) / 1000);
        const logged = !skippedThis && (step % c.logEvery === 0 || step === epochEnd);
        if (logged) {
          const collapse = await read(metrics.collapse);
          const imagesPerSecond = clock.takeThroughput();
          const record: MetricsRecord = {
            type: "train",
            step,
            epoch,
            loss,
            tau: metrics.tau,
            lr: metrics.learningRate,
            gradNorm,
            collapse,
            imagesPerSecond,
            time: now().toISOString(),
          };
          await appendMetrics(s.dir, record);
          out.progress(
            formatProgress({
              step,
              totalSteps: c.totalSteps,
              epoch,
              epochs: c.epochs,
              imagesPerSecond,
              loss,
              tau: metrics.tau,
              lr: metrics.learningRate,
              etaSeconds: clock.eta(c.totalSteps - step),
              spread: collapse * Math.sqrt(c.preset.projector.out),
            }),
            step === epochEnd,
          );
        }
        if (step < epochEnd && checkpoints.due(step) && !signal?.aborted) {
          io.onPhase?.("checkpoint");
          await checkpoint(s, held);
          checkpoints.saved();
          io.onPhase?.("step");
        }
      },
    });
    if (signal?.aborted) return stopped();
    if (monitorAt(c, held.state.step) && !(await monitor(s, held.state, io))) return stopped();
    io.onPhase?.("checkpoint");
    const path = await checkpoint(s, held);
    checkpoints.saved();
    out.info(`epoch ${epoch + 1}/${c.epochs} done: saved ${path}`);
  }
  return { stopped: signal?.aborted === true, stepSeconds: clock.totalSeconds };
}

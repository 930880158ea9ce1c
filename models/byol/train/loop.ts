/**
 * The epoch loop of a run: steps over key-driven epoch batches, metrics records and the progress
 * line at logged steps, the kNN monitor every `evalEvery` epochs, a checkpoint at each epoch's
 * end, and a stop after the current step when asked. Needs Deno.
 *
 * Resuming: a run continues from its latest checkpoint's step `s` with its optimizer state and
 * key. Epoch `e = floor(s / stepsPerEpoch)` restarts from the first batch of its order (drawn
 * from the same key as before) and runs `(e + 1) * stepsPerEpoch - s` steps, so step numbers,
 * schedules and epoch boundaries are as without the interruption; checkpoints are written at
 * epoch ends, so only a run stopped with Ctrl-C resumes mid-epoch (its epoch then revisits its
 * first batches instead of its last ones).
 *
 * @module
 */
import { type Batch, data, random, runSteps, tf } from "../../../mod.ts";
import type { ByolState } from "../mod.ts";
import { saveTrainState } from "./checkpoints.ts";
import { knnMonitor } from "./evaluate.ts";
import { formatProgress, StepClock } from "./progress.ts";
import type { MetricsRecord } from "./records.ts";
import { appendMetrics } from "./run_folder.ts";
import type { Session } from "./session.ts";
import type { Output } from "./terminal.ts";

/** The mutable cell holding the current state, so an error still frees the latest one. */
export interface Holder {
  state: ByolState;
}

/** What {@link saveTrainState} needs to checkpoint a session's state. */
export function checkpointArgs(s: Session, state: ByolState) {
  return { state, key: s.keys.root, config: s.config, keep: s.config.keepCheckpoints };
}

/** Where the loop reports, its clock, and what stops it. */
export interface LoopIo {
  readonly out: Output;
  readonly now: () => Date;
  /** Stops the loop after the current step. */
  readonly signal?: AbortSignal;
}

/** The kNN monitor at the state's step after `epoch` epochs, recorded and announced. */
async function monitor(s: Session, state: ByolState, epoch: number, { out, now }: LoopIo) {
  const knn = await knnMonitor(s.model, state, s.data.train, s.data.test);
  await appendMetrics(s.dir, {
    type: "eval",
    step: state.step,
    epoch,
    knn,
    time: now().toISOString(),
  });
  out.info(
    `kNN at step ${state.step}${state.step === 0 ? " (random init)" : ""}: ` +
      `k=20 ${(100 * knn.k20).toFixed(2)}%, k=200 ${(100 * knn.k200).toFixed(2)}%`,
  );
}

/** How {@link trainEpochs} ended. */
export interface TrainOutcome {
  /** Whether `signal` stopped it early (the caller then checkpoints the state). */
  readonly stopped: boolean;
  /** Seconds spent in training steps (not evaluations or checkpoints) by this session. */
  readonly stepSeconds: number;
}

/**
 * Trains from `held.state` to the session's last step (see the module doc), replacing
 * `held.state` after each step and freeing the old one.
 */
export async function trainEpochs(s: Session, held: Holder, io: LoopIo): Promise<TrainOutcome> {
  const { out, now, signal } = io;
  const c = s.config;
  if (!s.resumed && c.evalEvery > 0) await monitor(s, held.state, 0, io);
  const clock = new StepClock();
  for (let epoch = Math.floor(held.state.step / c.stepsPerEpoch); epoch < c.epochs; epoch++) {
    const epochEnd = (epoch + 1) * c.stepsPerEpoch;
    const batches = data.epochBatches(random.foldIn(s.keys.data, epoch), s.data.train, {
      batchSize: c.batchSize,
      dropRemainder: true,
    });
    let started = 0;
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
      onStep: async ({ state, metrics }) => {
        held.state = state;
        const step = state.step;
        const logged = step % c.logEvery === 0 || step === epochEnd;
        const read = logged
          ? await Promise.all(
            [metrics.loss, metrics.gradNorm, metrics.collapse].map((t) => t.data()),
          )
          : null;
        clock.add(c.batchSize, (performance.now() - started) / 1000);
        if (!read) return;
        const loss = read[0][0];
        const imagesPerSecond = clock.takeThroughput();
        const record: MetricsRecord = {
          type: "train",
          step,
          epoch,
          loss,
          tau: metrics.tau,
          lr: metrics.learningRate,
          gradNorm: read[1][0],
          collapse: read[2][0],
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
          }),
          step === epochEnd,
        );
      },
    });
    if (signal?.aborted) return { stopped: true, stepSeconds: clock.totalSeconds };
    const last = epoch + 1 === c.epochs;
    if (!last && c.evalEvery > 0 && (epoch + 1) % c.evalEvery === 0) {
      await monitor(s, held.state, epoch + 1, io);
    }
    const path = await saveTrainState(s.dir, checkpointArgs(s, held.state));
    out.info(`epoch ${epoch + 1}/${c.epochs} done: saved ${path}`);
  }
  return { stopped: false, stepSeconds: clock.totalSeconds };
}

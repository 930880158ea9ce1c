/**
 * The records of `metrics.jsonl` and the content of `results.json`. Every step number is the
 * number of optimizer steps completed: a `train` record at step `s` reports the step that took
 * the state from `s - 1` to `s` (its loss, and the `tau` and `lr` it used); an `eval` record at
 * step `s` evaluates the state after `s` steps (step 0: the random initialisation).
 *
 * Fields added later are optional, so that the files of earlier runs still read: `health` of
 * `eval` and trained `final` records and of `results.json`.
 *
 * @module
 */
import type { HealthSignals } from "../health.ts";

/** kNN test accuracy (a fraction) with k = 20 and k = 200 neighbours, T = 0.1. */
export interface KnnAccuracy {
  /** With the 20 nearest neighbours. */
  readonly k20: number;
  /** With the 200 nearest neighbours. */
  readonly k200: number;
}

/** One logged training step. */
export interface TrainRecord {
  /** The record's kind. */
  readonly type: "train";
  /** Steps completed, this one included. */
  readonly step: number;
  /** 0-based epoch of the step. */
  readonly epoch: number;
  /** The step's BYOL loss. */
  readonly loss: number;
  /** The target's decay rate the step used. */
  readonly tau: number;
  /** The learning rate the step used. */
  readonly lr: number;
  /** Global norm of the step's gradients. */
  readonly gradNorm: number;
  /** Mean std of the normalised online projections (0: collapsed). */
  readonly collapse: number;
  /** Training throughput since the previous record. */
  readonly imagesPerSecond: number;
  /** When it was recorded (ISO 8601). */
  readonly time: string;
}

/** A kNN evaluation during training. */
export interface EvalRecord {
  /** The record's kind. */
  readonly type: "eval";
  /** Steps completed before the evaluation. */
  readonly step: number;
  /** Epochs completed. */
  readonly epoch: number;
  /** kNN test accuracies. */
  readonly knn: KnnAccuracy;
  /** The health signals on the first test images (absent in runs from before they were logged). */
  readonly health?: HealthSignals;
  /** When it was recorded (ISO 8601). */
  readonly time: string;
}

/** Which encoder a final score is for. */
export type EncoderKind = "trained" | "random" | "pixels";

/** The linear probe's accuracies and final training loss. */
export interface LinearScores {
  /** Accuracy on the test split. */
  readonly testAccuracy: number;
  /** Accuracy on the training split. */
  readonly trainAccuracy: number;
  /** Mean cross-entropy over the last epoch of the probe's training. */
  readonly trainLoss: number;
}

/** kNN and linear probe of one encoder. */
export interface EncoderScores {
  /** kNN test accuracies. */
  readonly knn: KnnAccuracy;
  /** The linear probe's accuracies and loss. */
  readonly linear: LinearScores;
}

/** One encoder's final evaluation. */
export interface FinalRecord extends EncoderScores {
  /** The record's kind. */
  readonly type: "final";
  /** Steps the run completed. */
  readonly step: number;
  /** The encoder scored. */
  readonly encoder: EncoderKind;
  /** The trained encoder's health signals (absent for the baselines and in earlier runs). */
  readonly health?: HealthSignals;
  /** When it was recorded (ISO 8601). */
  readonly time: string;
}

/** A run continued with `--resume` from the checkpoint at `step`. */
export interface ResumeRecord {
  /** The record's kind. */
  readonly type: "resume";
  /** The checkpoint's step. */
  readonly step: number;
  /** The checkpoint file resumed from; `null` when the run had none yet (it restarts at step 0). */
  readonly checkpoint: string | null;
  /** The backend of the resumed session. */
  readonly backend: string;
  /** When it was recorded (ISO 8601). */
  readonly time: string;
}

/** A run stopped early (SIGINT or SIGTERM) after a checkpoint at `step`. */
export interface StopRecord {
  /** The record's kind. */
  readonly type: "stop";
  /** Steps completed, saved in the checkpoint. */
  readonly step: number;
  /** When it was recorded (ISO 8601). */
  readonly time: string;
}

/** A line of `metrics.jsonl`. */
export type MetricsRecord = TrainRecord | EvalRecord | FinalRecord | ResumeRecord | StopRecord;

/** The evaluation of a trained encoder. */
export interface TrainedResults {
  /** Steps the encoder was trained. */
  readonly step: number;
  /** The dataset's name. */
  readonly dataset: string;
  /** Size of the kNN memory bank and the probe's training set. */
  readonly trainImages: number;
  /** Size of the test split. */
  readonly testImages: number;
  /** The trained online encoder's scores. */
  readonly trained: EncoderScores;
  /**
   * The trained state's health signals on the first test images (absent in runs from before
   * they were logged).
   */
  readonly health?: HealthSignals;
}

/** The baselines a trained encoder is compared with. */
export interface BaselineResults {
  /** The same encoder at its random initialisation (re-initialised from the seed). */
  readonly random: EncoderScores;
  /** The raw pixels, flattened. */
  readonly pixels: EncoderScores;
}

/** The final evaluation (`results.json`): the trained encoder and both baselines. */
export interface FinalResults extends TrainedResults, BaselineResults {
  /**
   * Seconds spent in training steps (not evaluations or checkpoints) by the session that
   * finished the run; a resumed run counts only its last session.
   */
  readonly stepSeconds: number;
  /** Whether that session resumed the run from a checkpoint. */
  readonly resumed: boolean;
  /**
   * Batches skipped for a non-finite loss or gradient norm (`--on-nonfinite skip`) over the whole
   * run, every session included; 0 otherwise.
   */
  readonly skippedBatches: number;
}

/**
 * The records of `metrics.jsonl` and the content of `results.json`. Every step number is the
 * number of optimizer steps completed: a `train` record at step `s` reports the step that took
 * the state from `s - 1` to `s` (its loss, and the `tau` and `lr` it used); an `eval` record at
 * step `s` evaluates the state after `s` steps (step 0: the random initialisation).
 *
 * @module
 */

/** kNN test accuracy (a fraction) with k = 20 and k = 200 neighbours, T = 0.1. */
export interface KnnAccuracy {
  readonly k20: number;
  readonly k200: number;
}

/** One logged training step. */
export interface TrainRecord {
  readonly type: "train";
  readonly step: number;
  /** 0-based epoch of the step. */
  readonly epoch: number;
  readonly loss: number;
  readonly tau: number;
  readonly lr: number;
  readonly gradNorm: number;
  /** Mean std of the normalised online projections (0: collapsed). */
  readonly collapse: number;
  /** Training throughput since the previous record. */
  readonly imagesPerSecond: number;
  readonly time: string;
}

/** A kNN evaluation during training. */
export interface EvalRecord {
  readonly type: "eval";
  readonly step: number;
  /** Epochs completed. */
  readonly epoch: number;
  readonly knn: KnnAccuracy;
  readonly time: string;
}

/** Which encoder a final score is for. */
export type EncoderKind = "trained" | "random" | "pixels";

/** The linear probe's accuracies and final training loss. */
export interface LinearScores {
  readonly testAccuracy: number;
  readonly trainAccuracy: number;
  readonly trainLoss: number;
}

/** kNN and linear probe of one encoder. */
export interface EncoderScores {
  readonly knn: KnnAccuracy;
  readonly linear: LinearScores;
}

/** One encoder's final evaluation. */
export interface FinalRecord extends EncoderScores {
  readonly type: "final";
  readonly step: number;
  readonly encoder: EncoderKind;
  readonly time: string;
}

/** A run continued with `--resume` from the checkpoint at `step`. */
export interface ResumeRecord {
  readonly type: "resume";
  readonly step: number;
  readonly checkpoint: string;
  readonly backend: string;
  readonly time: string;
}

/** A run stopped early (Ctrl-C) after a checkpoint at `step`. */
export interface StopRecord {
  readonly type: "stop";
  readonly step: number;
  readonly time: string;
}

/** A line of `metrics.jsonl`. */
export type MetricsRecord = TrainRecord | EvalRecord | FinalRecord | ResumeRecord | StopRecord;

/** The evaluation of a trained encoder. */
export interface TrainedResults {
  readonly step: number;
  readonly dataset: string;
  /** Size of the kNN memory bank and the probe's training set. */
  readonly trainImages: number;
  readonly testImages: number;
  readonly trained: EncoderScores;
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
}

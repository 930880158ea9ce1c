/**
 * BYOL as a product: `deno task train` (command line, training loop with progress line, run
 * folder with config, metrics, checkpoints, evaluations and pictures, resume) and
 * `deno task eval`. `runTraining` is the function the CLI runs, taking a config object, so code
 * and tests can also give a preset or encoder of their own.
 *
 * @example
 * ```ts
 * import { runTraining } from "./models/byol/train/mod.ts";
 *
 * const { dir, results } = await runTraining({
 *   dataset: "shapes", backend: "wasm", seed: 0, out: "runs", evalEvery: 1, epochs: 1, limit: 1024,
 * });
 * ```
 *
 * @module
 */
export { type Command, parseTrainArgs } from "./cli.ts";
export { type EvalCommand, type EvalOptions, evalUsage, parseEvalArgs } from "./eval_cli.ts";
export {
  evaluateCheckpoint,
  type EvaluateCheckpointOptions,
  resolveCheckpoint,
  type ResolvedCheckpoint,
} from "./eval_run.ts";
export { type Validation } from "./flags.ts";
export { evalMain, trainMain, USAGE_ERROR } from "./main.ts";
export { CONFIG_FORMAT, modelOf, presetLearningRate, type RunConfig } from "./config.ts";
export { CIFAR10_DEFAULT_DIR, loadRunData, type RunData, SHAPES_SPLITS } from "./datasets.ts";
export { evaluateBaselines, evaluateTrained, knnMonitor, onlineEncoder } from "./evaluate.ts";
export { type LoadedTrainState, loadTrainState, saveTrainState } from "./checkpoints.ts";
export {
  BACKEND_CHOICES,
  type DatasetChoice,
  type DatasetName,
  DATASETS,
  DEFAULTS,
  FLAGS,
  PRESET_NAMES,
  type PresetName,
  type TrainOptions,
} from "./options.ts";
export type {
  BaselineResults,
  EncoderKind,
  EncoderScores,
  EvalRecord,
  FinalRecord,
  FinalResults,
  KnnAccuracy,
  LinearScores,
  MetricsRecord,
  ResumeRecord,
  StopRecord,
  TrainedResults,
  TrainRecord,
} from "./records.ts";
export { formatResults } from "./report.ts";
export { readConfig, readMetrics, RUN_FILES, runName } from "./run_folder.ts";
export { type RunOptions, type RunOutcome, runTraining } from "./run.ts";
export { ensureRuntimeDir, type RunKeys, runKeys } from "./session.ts";
export { type Output, terminalOutput } from "./terminal.ts";
export { usage } from "./usage.ts";

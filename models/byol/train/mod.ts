/**
 * BYOL as a product: `deno task train` (command line, training loop with progress line, run
 * folder with config, metrics, checkpoints, evaluations and pictures, resume) and
 * `deno task eval`. `runTraining` is the function the CLI runs, taking a config object, so code
 * and tests can also give a preset or encoder of their own.
 *
 * @example
 * ```ts
 * import { runTraining } from "@byol/tfjs/train";
 *
 * const { dir, results } = await runTraining({
 *   dataset: "shapes", backend: "wasm", seed: 0, out: "runs", evalEvery: 1, epochs: 1, limit: 1024,
 * });
 * ```
 *
 * @module
 */
export { type Command, parseTrainArgs, type ReadTextFile } from "./cli.ts";
export { type EvalCommand, type EvalOptions, evalUsage, parseEvalArgs } from "./eval_cli.ts";
export {
  type CheckpointEvaluation,
  EVAL_FORMAT,
  type EvalFileOptions,
  evalFilePath,
  type EvalReport,
  evaluateCheckpoint,
  type EvaluateCheckpointOptions,
  resolveCheckpoint,
  type ResolvedCheckpoint,
} from "./eval_run.ts";
export type { Validation } from "../schema.ts";
export { evalMain, STOP_SIGNALS, trainMain } from "./main.ts";
export { USAGE_ERROR, usageErrors } from "./usage_errors.ts";
export {
  checkConfig,
  checkConfigUnchanged,
  type CheckpointEvery,
  checkpointEverySchema,
  checkRunData,
  CONFIG_FORMAT,
  CONFIG_FORMATS,
  configChanges,
  type ConfigsToCompare,
  DEFAULT_CHECKPOINT_EVERY,
  type InitFrom,
  modelOf,
  type Provenance,
  RESUME_MAY_CHANGE,
  type RunConfig,
  runConfigSchema,
  type SplitInfo,
} from "./config.ts";
export {
  type ConfigFile,
  defaultSettings,
  formatSettings,
  type Override,
  parseConfigText,
  parseSet,
  RECORDED_FIELDS,
  resolveSettings,
  RESUME_MAY_SET,
  resumeChanges,
  type RunSettings,
  settingsOf,
  type SettingsSources,
  type UnresolvedSettings,
  withSettings,
} from "./config_file.ts";
export {
  AUTO,
  CIFAR10_DEFAULT_DIR,
  DATASET_CHOICES,
  DATASET_NAMES,
  type DatasetChoice,
  type DatasetEntry,
  type DatasetName,
  datasets,
  loadRunData,
  type LoadRunDataOptions,
  presetFor,
  type RunData,
  SHAPES_SPLITS,
  type Splits,
} from "./datasets.ts";
export {
  evaluateBaselines,
  type EvaluateBaselinesOptions,
  evaluateTrained,
  type EvaluateTrainedOptions,
  type EvaluationData,
  KNN,
  KNN_MIN_IMAGES,
  knnMonitor,
  type KnnMonitorResult,
  onlineEncoder,
} from "./evaluate.ts";
export {
  type LatestTrainState,
  type LoadedTrainState,
  loadLatestTrainState,
  loadTrainState,
  newestStoredConfig,
  readCheckpointConfig,
  saveTrainState,
  type TrainStateToSave,
} from "./checkpoints.ts";
export {
  EXPORT_FORMATS,
  EXPORT_METADATA_KEY,
  EXPORT_PARTS,
  EXPORT_USAGE,
  type ExportFormat,
  type ExportInfo,
  exportMain,
  type ExportOptions,
  type ExportPart,
  exportWeights,
} from "./export.ts";
export { initFromFile } from "./init_from.ts";
export type { Phase } from "./stopping.ts";
export { DEFAULTS, FLAGS, type FlagSpec, PRESET_NAMES, type TrainOptions } from "./options.ts";
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
export { formatHealth, formatResults } from "./report.ts";
export {
  type FineTuneScores,
  formatPaperEvaluations,
  type LinearProtocolRecord,
  type PaperEvalOptions,
  type PaperEvalResults,
  paperEvaluations,
  SEMI_BATCH_SIZE,
  SEMI_LEARNING_RATE,
  SEMI_STEPS,
  type SemiSupervisedFraction,
  type SemiSupervisedRecord,
} from "./paper_eval.ts";
export {
  formatSeeds,
  type MeanStd,
  meanStd,
  runSeeds,
  type SeedRun,
  SEEDS_FILE,
  SEEDS_FORMAT,
  type SeedsOptions,
  type SeedsOutcome,
  type SeedsSummary,
  summarizeSeeds,
} from "./seeds.ts";
export { type Dashboard, type DashboardOptions, serveDashboard } from "./dashboard/server.ts";
export { DASHBOARD_USAGE, dashboardMain } from "./dashboard/main.ts";
export { type DemoOptions, type DemoServer, serveDemo } from "./demo/server.ts";
export { DEMO_BUNDLE, DEMO_USAGE, demoMain } from "./demo/main.ts";
export { EMBEDDING_FILE, saveEmbedding, type SaveEmbeddingOptions } from "./embedding.ts";
export { type MetricsFile, readConfig, readMetrics, RUN_FILES, runName } from "./run_folder.ts";
export { type RunOptions, type RunOutcome, runTraining } from "./run.ts";
export { type RunKeys, runKeys } from "./session.ts";
export {
  type Output,
  terminalOutput,
  type TerminalOutputOptions,
  type TextSink,
} from "./terminal.ts";
export { usage } from "./usage.ts";

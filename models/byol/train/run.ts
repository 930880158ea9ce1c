/**
 * A BYOL training run end to end, as `deno task train` runs it: set-up (`session.ts`), the epoch
 * loop (`loop.ts`, where the resume rules are documented), and the final evaluation with its
 * table, `results.json` and pictures. Needs Deno.
 *
 * @module
 */
import { type Layer, tree } from "../../../mod.ts";
import type { ByolPreset, ByolState } from "../mod.ts";
import { saveTrainState } from "./checkpoints.ts";
import type { RunConfig } from "./config.ts";
import { evaluateBaselines, evaluateTrained } from "./evaluate.ts";
import { checkpointArgs, type Holder, trainEpochs } from "./loop.ts";
import type { TrainOptions } from "./options.ts";
import { curvesSvg, featuresSvg } from "./pictures.ts";
import type { FinalResults, MetricsRecord } from "./records.ts";
import { formatResults } from "./report.ts";
import { formatDuration } from "./progress.ts";
import { appendMetrics, readMetrics, RUN_FILES, writeRunFile } from "./run_folder.ts";
import { openSession, type Session } from "./session.ts";
import { type Output, terminalOutput } from "./terminal.ts";

/** A run as code starts it: the CLI's options and what only code can give. */
export interface RunOptions extends TrainOptions {
  /** A preset given in code (e.g. a tiny one in tests), replacing `preset`; kept in config.json. */
  readonly customPreset?: ByolPreset;
  /** An encoder replacing the preset's; it must be given again to resume the run. */
  readonly encoder?: Layer;
  /** Where messages go (default {@link terminalOutput}). */
  readonly output?: Output;
  /** Stops the run after the current step with a checkpoint (the CLI wires Ctrl-C to it). */
  readonly signal?: AbortSignal;
  /** Steps between metrics records (default 1, or 10 on WebGPU where reading stalls the GPU). */
  readonly logEvery?: number;
  /** Checkpoints kept in the run folder, the newest ones (default 3). */
  readonly keepCheckpoints?: number;
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
  /** Whether the run was stopped before its last step (then `results` is null). */
  readonly stopped: boolean;
  /** The final evaluation (as in `results.json`), or `null` when stopped. */
  readonly results: FinalResults | null;
  /** The last state, with `returnState` (else `null`). */
  readonly state: ByolState | null;
}

const title = (c: RunConfig) => `BYOL on ${c.dataset.name} (preset ${c.preset.name})`;

async function writeCurves(s: Session, out: Output): Promise<void> {
  const { records, skipped } = await readMetrics(s.dir);
  if (skipped.length > 0) {
    out.info(`note: ${RUN_FILES.metrics} lines ${skipped.join(", ")} are not JSON; left out`);
  }
  await writeRunFile(s.dir, RUN_FILES.curves, curvesSvg(records, title(s.config)), {
    overwrite: true,
  });
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
  const s = await openSession({
    ...options,
    keepCheckpoints: options.keepCheckpoints ?? 3,
    now,
    say: (t) => out.info(t),
  });
  const held: Holder = { state: s.state };
  let kept = false;
  try {
    announce(s, out);
    const { stopped, stepSeconds } = await trainEpochs(s, held, {
      out,
      now,
      signal: options.signal,
    });
    const step = held.state.step;
    let results: FinalResults | null = null;
    if (stopped) {
      const path = await saveTrainState(s.dir, checkpointArgs(s, held.state));
      await appendMetrics(s.dir, { type: "stop", step, time: now().toISOString() });
      await writeCurves(s, out);
      out.info(
        `stopped at step ${step}: saved ${path}\ncontinue with: ` +
          `deno task train --resume ${s.dir}`,
      );
    } else {
      out.info(
        `training steps took ${formatDuration(stepSeconds)}` +
          (s.resumed ? " in this session" : ""),
      );
      results = await finish(s, held.state, stepSeconds, out, now);
    }
    kept = options.returnState === true;
    const state = kept ? held.state : null;
    return { dir: s.dir, config: s.config, step, stopped, results, state };
  } finally {
    if (!kept) tree.dispose(held.state);
  }
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

/** The final evaluation, its records, results.json, the pictures and the table. */
async function finish(
  s: Session,
  state: ByolState,
  stepSeconds: number,
  out: Output,
  now: () => Date,
): Promise<FinalResults> {
  const c = s.config;
  const data = {
    train: s.data.train,
    test: s.data.test,
    probeKey: s.keys.probe,
    say: (t: string) => out.info(`${t}...`),
  };
  const { results, testFeatures } = await evaluateTrained({
    ...data,
    model: s.model,
    state,
    dataset: c.dataset.name,
  });
  const baselines = await evaluateBaselines({
    ...data,
    model: s.model,
    initKey: s.keys.init,
    inputShape: c.dataset.imageShape,
  });
  const full: FinalResults = {
    ...results,
    stepSeconds: Math.round(stepSeconds),
    resumed: s.resumed,
    ...baselines,
  };
  const time = now().toISOString();
  await appendMetrics(
    s.dir,
    ...(["trained", "random", "pixels"] as const).map((encoder): MetricsRecord => ({
      type: "final",
      step: state.step,
      encoder,
      ...full[encoder],
      time,
    })),
  );
  await writeRunFile(s.dir, RUN_FILES.results, JSON.stringify(full, null, 2) + "\n");
  await writeCurves(s, out);
  const features = await featuresSvg(
    testFeatures,
    c.dataset.classNames,
    `${title(c)}: online encoder features at step ${state.step}`,
  );
  await writeRunFile(s.dir, RUN_FILES.features, features, { overwrite: true });
  out.info(
    `wrote ${RUN_FILES.results}, ${RUN_FILES.curves}, ${RUN_FILES.features} in ${s.dir}`,
  );
  out.result(formatResults(full));
  return full;
}

/**
 * Setting up a run before its first step: the backend, the data, the run folder with its config
 * (new run) or the config and latest good checkpoint of a run folder (`--resume`), the folder's
 * lock, the model, the keys and the state. Needs Deno.
 *
 * @module
 */
import { basename, join } from "node:path";
import { advance, type BackendInfo, type Key, type Layer, random, tree } from "../../../mod.ts";
import {
  type FolderLock,
  latestCheckpoint,
  pathExists,
  readFileLimited,
  removeTemporaryFiles,
  sha256Hex,
  useDenoBackend,
  wasmThreadsStatus,
} from "../../../deno.ts";
import { type Byol, type ByolPreset, type ByolState, presets } from "../mod.ts";
import {
  checkConfigUnchanged,
  checkRunData,
  configChanges,
  type InitFrom,
  modelOf,
  resolveConfig,
  type RunConfig,
} from "./config.ts";
import { loadRunData, presetFor, type RunData } from "./datasets.ts";
import type { TrainOptions } from "./options.ts";
import {
  appendMetrics,
  createRunFolder,
  filterMetrics,
  lockRunFolder,
  readConfig,
  RUN_FILES,
  runName,
  writeConfig,
  writeRunFile,
} from "./run_folder.ts";
import { type LatestTrainState, loadLatestTrainState, newestStoredConfig } from "./checkpoints.ts";
import { type RunSettings, settingsOf, withSettings } from "./config_file.ts";
import { shown } from "../schema.ts";
import { runProvenance } from "./provenance.ts";
import { initFromFile } from "./init_from.ts";

/** The keys of a run, all split from the seed's key (stored in each checkpoint). */
export interface RunKeys {
  /** The seed's key, saved in each checkpoint. */
  readonly root: Key;
  /** Initial parameters (also rebuilds the random-encoder baseline). */
  readonly init: Key;
  /** Epoch `e` visits the data in the order drawn from `foldIn(data, e)`. */
  readonly data: Key;
  /** `model.step` draws step `s`'s views from `foldIn(step, s)`. */
  readonly step: Key;
  /** The linear probes' shuffling. */
  readonly probe: Key;
}

/** Everything a run needs once set up. */
export interface Session {
  readonly dir: string;
  readonly config: RunConfig;
  readonly backend: BackendInfo;
  readonly data: RunData;
  readonly model: Byol;
  readonly keys: RunKeys;
  /** The state to start from; owned by the caller. */
  readonly state: ByolState;
  readonly resumed: boolean;
  /** Batches skipped for a non-finite loss before this session (from the checkpoint). */
  readonly skipped: number;
  /** The step of the checkpoint that holds `state`, or `null` when none does yet. */
  readonly saved: number | null;
  /** The run folder's lock, held until the caller releases it. */
  readonly lock: FolderLock;
}

/** What {@link openSession} needs beyond the CLI's options. */
export interface SessionOptions extends TrainOptions {
  readonly customPreset?: ByolPreset;
  readonly encoder?: Layer;
  readonly logEvery?: number;
  readonly keepCheckpoints: number;
  readonly now: () => Date;
  readonly say: (text: string) => void;
}

/**
 * The keys of a run from its root key.
 *
 * @example
 * ```ts
 * import { random } from "@byol/tfjs";
 * import { runKeys } from "@byol/tfjs/train";
 *
 * const { init, data, step, probe } = runKeys(random.key(0));
 * ```
 */
export function runKeys(root: Key): RunKeys {
  const [init, data, step, probe] = random.split(root, 4);
  return { root, init, data, step, probe };
}

/**
 * `--init-from FILE` as `config.json` records it: the path and the SHA-256 of the file's bytes.
 * Throws naming the flag and the file when it cannot be read.
 *
 * @example
 * ```ts
 * import { initFromRecord } from "./session.ts";
 *
 * const path = await Deno.makeTempFile();
 * console.log(await initFromRecord(path)); // { path, sha256: "e3b0c442..." }
 * ```
 */
export async function initFromRecord(path: string): Promise<InitFrom> {
  let bytes: Uint8Array;
  try {
    bytes = await readFileLimited(path);
  } catch (err) {
    throw new Error(`--init-from: ${(err as Error).message}`, { cause: err });
  }
  return { path, sha256: await sha256Hex(bytes) };
}

/** The wasm backend's threads, or `null` on another backend. */
const wasmThreads = (backend: BackendInfo) =>
  backend.name === "wasm" ? wasmThreadsStatus()?.threads ?? 1 : null;

/** What {@link applyResumeSettings} applies, to which run. */
export interface ResumeSettingsOptions {
  /** The run folder. */
  readonly dir: string;
  /** Its config, as its `config.json` holds it. */
  readonly config: RunConfig;
  /** The settings `--set`/`--config` resolved to. */
  readonly settings: RunSettings;
  /** Says what changed. */
  readonly say: (text: string) => void;
}

/**
 * A resumed run's config with `settings` (`--set`/`--config`) applied: refused when they change
 * what the run computes; else, when they change anything, the run folder's `config.json` is kept
 * as `config.json.prev` and then rewritten, each atomically (so neither content is ever lost),
 * and the changes are said.
 *
 * @example
 * ```ts
 * import { readConfig, settingsOf } from "@byol/tfjs/train";
 * import { applyResumeSettings } from "./session.ts";
 *
 * const dir = "runs/shapes-fashion-mnist-20250101-120000";
 * const config = await readConfig(dir);
 * const settings = { ...settingsOf(config), keepCheckpoints: 5 };
 * await applyResumeSettings({ dir, config, settings, say: console.error });
 * ```
 */
export async function applyResumeSettings(
  { dir, config, settings, say }: ResumeSettingsOptions,
): Promise<RunConfig> {
  const edited = withSettings(config, settings);
  const file = join(dir, RUN_FILES.config);
  // The command line checked these against config.json; it may have changed since.
  const changes = configChanges(config, edited, [file, "--set/--config"]);
  if (changes.length > 0) {
    throw new Error(`--set/--config would change the run:\n  ${changes.join("\n  ")}`);
  }
  const before = settingsOf(config);
  const changed = (Object.keys(before) as (keyof RunSettings)[]).filter((k) =>
    JSON.stringify(before[k]) !== JSON.stringify(settingsOf(edited)[k])
  );
  if (changed.length === 0) return config;
  await writeRunFile(dir, `${RUN_FILES.config}.prev`, await Deno.readTextFile(file), {
    overwrite: true,
  });
  await writeRunFile(dir, RUN_FILES.config, JSON.stringify(edited, null, 2) + "\n", {
    overwrite: true,
  });
  say(
    `${file}: ${
      changed.map((k) => `${k} ${shown(before[k])} -> ${shown(settingsOf(edited)[k])}`).join(", ")
    } (the previous file is kept as ${RUN_FILES.config}.prev)`,
  );
  return edited;
}

/** A new run's data, config and folder name; nothing is written yet. */
async function planNewRun(
  o: SessionOptions,
  backend: BackendInfo,
): Promise<Omit<Session, "model" | "keys" | "state" | "skipped" | "saved" | "lock">> {
  // Checked before the data loads: a missing file fails at once.
  const initFrom = o.initFrom === undefined ? undefined : await initFromRecord(o.initFrom);
  const data = await loadRunData({ dataset: o.dataset, dir: o.data, limit: o.limit, say: o.say });
  const preset = o.customPreset ?? presets[o.preset ?? presetFor(data.name)];
  const now = o.now();
  const config = resolveConfig({
    requested: o.dataset,
    dir: o.data,
    limit: o.limit,
    data,
    preset,
    customEncoder: o.encoder !== undefined,
    epochs: o.epochs,
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    seed: o.seed,
    evalEvery: o.evalEvery,
    logEvery: o.logEvery ?? (backend.name === "webgpu" ? 10 : 1),
    keepCheckpoints: o.keepCheckpoints,
    checkpointEvery: o.checkpointEvery,
    onNonfinite: o.onNonfinite,
    backend: { ...backend, requested: o.backend, threads: wasmThreads(backend) },
    now,
    initFrom,
    provenance: await runProvenance(o.args),
  });
  const dir = join(o.out, runName(data.name, preset.name, now));
  return { dir, config, backend, data, resumed: false };
}

/**
 * A run folder to continue: its config, its lock (taken before anything is written), the
 * temporary files of interrupted writes removed, and the same data as before.
 */
async function resumedRun(o: SessionOptions, dir: string, backend: BackendInfo) {
  const config = await readConfig(dir);
  const lock = await lockRunFolder(dir);
  try {
    if (await pathExists(join(dir, RUN_FILES.results))) {
      const step = (await latestCheckpoint(dir))?.step ?? config.totalSteps;
      throw new Error(
        `${dir} is complete (step ${step} of ${config.totalSteps}): its ${RUN_FILES.results} ` +
          `is written; evaluate it with: deno task eval ${dir}`,
      );
    }
    const stored = await newestStoredConfig(dir);
    if (stored) {
      const file = join(dir, RUN_FILES.config);
      checkConfigUnchanged({
        stored: stored.config,
        checkpoint: stored.path,
        edited: config,
        file,
      });
    }
    const removed = await removeTemporaryFiles(dir);
    if (removed.length > 0) {
      o.say(
        `removed ${removed.length} temporary file${removed.length === 1 ? "" : "s"} of ` +
          `interrupted writes: ${removed.map((p) => basename(p)).join(", ")}`,
      );
    }
    const ds = config.dataset;
    const data = await loadRunData({
      dataset: ds.name,
      dir: o.data ?? ds.dir ?? undefined,
      limit: ds.limit ?? undefined,
      say: o.say,
    });
    checkRunData(config, data, dir);
    const settings = o.resumeSettings;
    const edited = settings
      ? await applyResumeSettings({ dir, config, settings, say: o.say })
      : config;
    return { dir, config: edited, backend, data, resumed: true, lock };
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** Cuts `metrics.jsonl` back to `step` (saying what went) and records the resume. */
async function restartMetrics(
  o: SessionOptions,
  dir: string,
  step: number,
  checkpoint: string | null,
  backend: BackendInfo,
): Promise<void> {
  const { dropped, damaged } = await filterMetrics(dir, (r) => r.step <= step);
  if (dropped > 0 || damaged.length > 0) {
    o.say(
      `${RUN_FILES.metrics}: removed ${dropped} record${dropped === 1 ? "" : "s"} after step ` +
        `${step}${damaged.length > 0 ? ` and ${damaged.length} damaged line(s)` : ""}; ` +
        "those steps run again",
    );
  }
  await appendMetrics(dir, {
    type: "resume",
    step,
    checkpoint,
    backend: backend.name,
    time: o.now().toISOString(),
  });
}

/**
 * `initial` with the weights of the file at `path` (`--init-from`; see `initFromFile`). Consumes
 * `initial`, also when it throws.
 *
 * @example
 * ```ts
 * import { random, tree } from "@byol/tfjs";
 * import { modelOf, readConfig } from "@byol/tfjs/train";
 * import { startFrom } from "./session.ts";
 *
 * const config = await readConfig("runs/a");
 * const initial = modelOf(config).init(random.key(config.seed), config.dataset.imageShape);
 * tree.dispose(await startFrom("encoder-torch-step-000040.safetensors", initial, config));
 * ```
 */
export async function startFrom(
  path: string,
  initial: ByolState,
  config: RunConfig,
): Promise<ByolState> {
  try {
    return advance(initial, await initFromFile(path, initial, config));
  } catch (err) {
    tree.dispose(initial);
    throw err;
  }
}

/** A resumed run without a checkpoint: `like` with its `--init-from` file, if still the same. */
async function restartFrom(
  initFrom: InitFrom,
  like: ByolState,
  config: RunConfig,
): Promise<ByolState> {
  const { sha256 } = await initFromRecord(initFrom.path).catch((err) => {
    tree.dispose(like);
    throw err;
  });
  if (sha256 !== initFrom.sha256) {
    tree.dispose(like);
    throw new Error(
      `--init-from ${initFrom.path} changed since the run started (SHA-256 ${sha256}; ` +
        `config.json records ${initFrom.sha256}): restore that file to resume the run`,
    );
  }
  return await startFrom(initFrom.path, like, config);
}

/**
 * Sets a run up: selects the backend, then for a new run loads the data, resolves the config,
 * builds and initialises the model (its online and target networks from the weights of
 * `initFrom` when given, recorded in `config.json` with the file's SHA-256) and creates the run
 * folder with `config.json`; for `resume`,
 * reads the folder's `config.json`, reloads the same data and loads the newest checkpoint that
 * loads (checked against the model; a damaged newer one is named in a warning), or starts again
 * from the seed's initial state when the run stopped before its first checkpoint. On resume the
 * temporary files of interrupted writes are removed and `metrics.jsonl` is cut back to the
 * checkpoint's step before a `resume` record is appended. Either way the run folder is locked
 * (see `lockFolder`) until the caller releases `lock`. Throws with what is wrong (a folder in use,
 * a finished run, other data, no checkpoint of this model). Consumes nothing.
 *
 * @example
 * ```ts
 * import { tree } from "@byol/tfjs";
 * import { openSession } from "./session.ts";
 *
 * const session = await openSession({
 *   dataset: "shapes", backend: "wasm", seed: 0, out: "runs", evalEvery: 1, limit: 1024,
 *   keepCheckpoints: 3, now: () => new Date(), say: console.error,
 * });
 * tree.dispose(session.state);
 * session.lock.release();
 * ```
 */
export async function openSession(o: SessionOptions): Promise<Session> {
  const backend = await useDenoBackend(o.backend);
  if (o.resume === undefined) {
    const base = await planNewRun(o, backend);
    const model = modelOf(base.config, o.encoder);
    const keys = runKeys(random.key(base.config.seed));
    // The folder is made only once the model builds, so a bad setting leaves nothing behind.
    const initial = model.init(keys.init, base.config.dataset.imageShape);
    const state = o.initFrom === undefined
      ? initial
      : await startFrom(o.initFrom, initial, base.config);
    let lock: FolderLock | null = null;
    try {
      await createRunFolder(base.dir);
      lock = await lockRunFolder(base.dir);
      await writeConfig(base.dir, base.config);
    } catch (err) {
      lock?.release();
      tree.dispose(state);
      throw err;
    }
    return { ...base, model, keys, state, skipped: 0, saved: null, lock };
  }
  const base = await resumedRun(o, o.resume, backend);
  const { config, dir, lock } = base;
  try {
    const model = modelOf(config, o.encoder);
    const root = random.key(config.seed);
    const like = model.init(runKeys(root).init, config.dataset.imageShape);
    let latest: LatestTrainState | null;
    try {
      latest = await loadLatestTrainState(dir, { like, warn: o.say });
    } catch (err) {
      tree.dispose(like);
      throw err;
    }
    let state: ByolState;
    if (latest) {
      tree.dispose(like);
      state = latest.state;
    } else {
      const from = config.initFrom?.path ?? "the seed's initial state";
      o.say(`${dir} has no checkpoint yet: starting again from ${from} (step 0)`);
      state = config.initFrom ? await restartFrom(config.initFrom, like, config) : like;
    }
    try {
      await restartMetrics(o, dir, state.step, latest?.path ?? null, backend);
    } catch (err) {
      tree.dispose(state);
      throw err;
    }
    return {
      ...base,
      model,
      keys: runKeys(latest?.key ?? root),
      state,
      skipped: latest?.skipped ?? 0,
      saved: latest ? state.step : null,
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}

/**
 * Setting up a run before its first step: the backend, the data, the run folder with its config
 * (new run) or the config and latest checkpoint of a run folder (`--resume`), the model, the keys
 * and the state. Needs Deno.
 *
 * @module
 */
import { join } from "node:path";
import { type BackendInfo, type Key, type Layer, random, tree } from "../../../mod.ts";
import { latestCheckpoint, useDenoBackend } from "../../../deno.ts";
import { type Byol, type ByolPreset, type ByolState, presets } from "../mod.ts";
import { modelOf, resolveConfig, type RunConfig } from "./config.ts";
import { loadRunData, presetFor, type RunData } from "./datasets.ts";
import type { TrainOptions } from "./options.ts";
import {
  appendMetrics,
  createRunFolder,
  endMetricsLine,
  readConfig,
  runName,
  writeConfig,
} from "./run_folder.ts";
import { type LoadedTrainState, loadTrainState } from "./checkpoints.ts";

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

/** A new run's data, config and folder name; nothing is written yet. */
async function planNewRun(
  o: SessionOptions,
  backend: BackendInfo,
): Promise<Omit<Session, "model" | "keys" | "state">> {
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
    backend: { ...backend, requested: o.backend },
    now,
  });
  const dir = join(o.out, runName(data.name, preset.name, now));
  return { dir, config, backend, data, resumed: false };
}

async function resumedRun(o: SessionOptions, dir: string, backend: BackendInfo) {
  const config = await readConfig(dir);
  const latest = await latestCheckpoint(dir);
  if (!latest) throw new Error(`${dir}: no checkpoint (step-NNNNNN.safetensors) to resume from`);
  if (latest.step >= config.totalSteps) {
    throw new Error(
      `${dir} is complete (step ${latest.step} of ${config.totalSteps}); ` +
        `evaluate it with: deno task eval ${dir}`,
    );
  }
  const ds = config.dataset;
  const data = await loadRunData({
    dataset: ds.name,
    dir: o.data ?? ds.dir ?? undefined,
    limit: ds.limit ?? undefined,
    say: o.say,
  });
  const counts = [data.train.shape[0], data.test.shape[0]];
  if (counts[0] !== ds.train.count || counts[1] !== ds.test.count) {
    throw new Error(
      `${dir}: the run trained on ${ds.train.count} / ${ds.test.count} ${ds.name} images ` +
        `(${ds.train.source}), but ${data.train.source} now gives ${counts.join(" / ")}`,
    );
  }
  return { dir, config, backend, data, resumed: true, latest };
}

/**
 * Sets a run up: selects the backend, then for a new run loads the data, resolves the config,
 * builds and initialises the model and creates the run folder with `config.json`; for `resume`, reads the folder's `config.json`,
 * reloads the same data and loads the latest checkpoint (checked against the model), appending a
 * `resume` record to `metrics.jsonl`. Throws with what is wrong (no checkpoint, a finished run,
 * other data, a checkpoint of another model). Consumes nothing.
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
 * ```
 */
export async function openSession(o: SessionOptions): Promise<Session> {
  const backend = await useDenoBackend(o.backend);
  if (o.resume === undefined) {
    const base = await planNewRun(o, backend);
    const model = modelOf(base.config, o.encoder);
    const keys = runKeys(random.key(base.config.seed));
    // The folder is made only once the model builds, so a bad setting leaves nothing behind.
    const state = model.init(keys.init, base.config.dataset.imageShape);
    try {
      await createRunFolder(base.dir);
      await writeConfig(base.dir, base.config);
    } catch (err) {
      tree.dispose(state);
      throw err;
    }
    return { ...base, model, keys, state };
  }
  const { latest, ...base } = await resumedRun(o, o.resume, backend);
  const { config, dir } = base;
  const model = modelOf(config, o.encoder);
  const like = model.init(runKeys(random.key(config.seed)).init, config.dataset.imageShape);
  let loaded: LoadedTrainState;
  try {
    loaded = await loadTrainState(latest.path, { like });
  } finally {
    tree.dispose(like);
  }
  await endMetricsLine(dir);
  await appendMetrics(dir, {
    type: "resume",
    step: loaded.state.step,
    checkpoint: latest.path,
    backend: backend.name,
    time: o.now().toISOString(),
  });
  return { ...base, model, keys: runKeys(loaded.key), state: loaded.state };
}

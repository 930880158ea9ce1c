/**
 * `deno task train`'s command line: flags parsed with `node:util`'s `parseArgs`, then validated
 * up front as one applicative validation (fp-ts `Either` accumulating string arrays), so every
 * problem is reported at once, each naming the flag, the value given and what is expected. The
 * run's settings are then resolved (`config_file.ts`): the defaults of `--dataset`/`--preset`,
 * or `--config FILE.jsonc`; then the flags; then each `--set path=value`; and checked as a whole.
 *
 * @module
 */
import { join } from "node:path";
import { either, function as fn } from "fp-ts";
import { BACKEND_CHOICES, type BackendChoice } from "../../../mod.ts";
import { presets } from "../mod.ts";
import { bad, ok, type Validation } from "../schema.ts";
import { checkConfig, type CheckpointEvery, type RunConfig } from "./config.ts";
import { RUN_FILES } from "./run_folder.ts";
import {
  type ConfigFile,
  defaultSettings,
  formatSettings,
  type Override,
  parseSet,
  resolveSettings,
  RESUME_MAY_SET,
  resumeChanges,
  type RunSettings,
  settingsOf,
} from "./config_file.ts";
import { DATASET_CHOICES } from "./datasets.ts";
import { integer, oneOf, parseFlags, path, port, positiveNumber, type Raw } from "./flags.ts";
import { DEFAULTS, FLAG, FLAGS, imageLimit, PRESET_NAMES, type TrainOptions } from "./options.ts";
import { usage } from "./usage.ts";

/**
 * What the command line asks for: a text to print before exiting with 0 (`--help`,
 * `--print-config`), a run, or (`--seeds N`) `seeds` runs of the same settings with seeds
 * `options.seed`, `options.seed + 1`, ... and their summary.
 */
export type Command =
  | { readonly kind: "help"; readonly text: string }
  | { readonly kind: "train"; readonly options: TrainOptions }
  | { readonly kind: "seeds"; readonly options: TrainOptions; readonly seeds: number };

/** Reads a file's text (throwing when it cannot): for `--config` and a resumed run's config. */
export type ReadTextFile = (path: string) => string;

/** The flags a resumed run takes: where to find data and what to run on, and config edits. */
const RESUME_FLAGS: readonly string[] = [
  FLAG.resume,
  FLAG.backend,
  FLAG.data,
  FLAG.dashboard,
  FLAG.config,
  FLAG.set,
  FLAG.printConfig,
].map((f) => f.name);

/** A resumed run keeps its config.json: other flags are refused. */
function checkResume(values: Readonly<Record<string, string | boolean>>): Validation<null> {
  if (values.resume === undefined) return ok(null);
  const fixed = Object.keys(values).filter((k) => !RESUME_FLAGS.includes(k));
  return fixed.length === 0
    ? ok(null)
    : either.left(fixed.map((k) =>
      k === FLAG.seeds.name
        ? `--${k} cannot be combined with --resume: --resume continues one run folder; resume ` +
          `a stopped run of a --seeds series on its own (the series' quality.json names it)`
        : `--${k} cannot be combined with --resume: a resumed run keeps the settings in its ` +
          `config.json (only --backend, --data, --dashboard, and --set or --config changes to ` +
          `fields a resumed run may change, may be given)`
    ));
}

/** `--checkpoint-every`: a whole number of steps (`500`) or of minutes (`10m`). */
function checkpointEvery(raw: Raw): Validation<CheckpointEvery | undefined> {
  if (raw === undefined) return ok(undefined);
  const m = /^(\d+)(m?)$/.exec(raw.trim());
  const every = m ? Number(m[1]) : NaN;
  return m && Number.isSafeInteger(every) && every >= 1
    ? ok({ unit: m[2] === "m" ? "minutes" : "steps", every })
    : bad(
      `--${FLAG.checkpointEvery.name} "${raw}": expected a whole number of steps >= 1 (e.g. 500) ` +
        "or of minutes followed by m (e.g. 10m)",
    );
}

/** The text of `file`, or why it cannot be read, naming `flag`. */
function readFile(read: ReadTextFile, file: string, flag: string): Validation<ConfigFile> {
  try {
    return ok({ path: file, text: read(file) });
  } catch (err) {
    return bad(
      `${flag} ${file}: ` +
        (err instanceof Deno.errors.NotFound
          ? "no such file"
          : `cannot read it (${err instanceof Error ? err.message : String(err)})`),
    );
  }
}

/** The flags' values, validated, before the settings are resolved. */
interface FlagValues {
  readonly dataset?: (typeof DATASET_CHOICES)[number];
  readonly data?: string;
  readonly preset?: (typeof PRESET_NAMES)[number];
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  readonly backend?: BackendChoice;
  readonly seed?: number;
  readonly evalEvery?: number;
  readonly limit?: number;
  readonly checkpointEvery?: CheckpointEvery;
  readonly onNonfinite?: "stop" | "skip";
  readonly initFrom?: string;
}

/**
 * The settings the flags change, in the documented order; `--preset` first (with a config file
 * only: its preset, epochs, batch size and learning rate replace the file's), so that the other
 * flags override it.
 */
function flagOverrides(v: FlagValues, raw: (flag: { name: string }) => Raw, withFile: boolean) {
  const overrides: Override[] = [];
  const add = (flag: { name: string }, path: Override["path"], value: unknown) => {
    if (value !== undefined) overrides.push({ path, value, origin: `--${flag.name} ${raw(flag)}` });
  };
  if (withFile && v.preset !== undefined) {
    const p = presets[v.preset];
    add(FLAG.preset, ["preset"], p);
    add(FLAG.preset, ["epochs"], p.epochs);
    add(FLAG.preset, ["batchSize"], p.batchSize);
    add(FLAG.preset, ["learningRate"], null);
  }
  add(FLAG.dataset, ["dataset", "requested"], v.dataset);
  add(FLAG.data, ["dataset", "dir"], v.data);
  add(FLAG.limit, ["dataset", "limit"], v.limit);
  add(FLAG.epochs, ["epochs"], v.epochs);
  add(FLAG.batchSize, ["batchSize"], v.batchSize);
  add(FLAG.lr, ["learningRate"], v.learningRate);
  add(FLAG.seed, ["seed"], v.seed);
  add(FLAG.evalEvery, ["evalEvery"], v.evalEvery);
  add(FLAG.checkpointEvery, ["checkpointEvery"], v.checkpointEvery);
  add(FLAG.onNonfinite, ["onNonfinite"], v.onNonfinite);
  add(FLAG.backend, ["backend", "requested"], v.backend);
  add(FLAG.initFrom, ["initFrom"], v.initFrom);
  return overrides;
}

/**
 * A new run's options from its settings. The preset, epochs, batch size and learning rate are
 * passed only when a config file or an override set them, so that a preset given in code
 * (`trainMain`'s `customPreset`) supplies its own otherwise.
 */
function newRunOptions(
  s: RunSettings,
  v: FlagValues,
  { explicit, out, dashboard, args }: {
    explicit: (field: string) => boolean;
    out?: string;
    dashboard?: number;
    args: readonly string[];
  },
): TrainOptions {
  const given = <T>(field: string, value: T) => explicit(field) ? value : undefined;
  return {
    dataset: s.dataset.requested,
    data: s.dataset.dir ?? undefined,
    limit: s.dataset.limit ?? undefined,
    preset: v.preset,
    customPreset: given("preset", s.preset),
    epochs: given("epochs", s.epochs),
    batchSize: given("batchSize", s.batchSize),
    learningRate: given("learningRate", s.learningRate),
    backend: s.backend.requested,
    seed: s.seed,
    out: out ?? DEFAULTS.out,
    evalEvery: s.evalEvery,
    logEvery: s.logEvery ?? undefined,
    keepCheckpoints: s.keepCheckpoints,
    checkpointEvery: s.checkpointEvery,
    onNonfinite: s.onNonfinite,
    dashboard,
    initFrom: s.initFrom ?? undefined,
    args,
  };
}

/** A resumed run's `config.json`, checked. */
function runConfigOf(read: ReadTextFile, dir: string): Validation<RunConfig> {
  const file = join(dir, RUN_FILES.config);
  return fn.pipe(
    readFile(read, file, `--${FLAG.resume.name}`),
    either.chain((f) => {
      try {
        return ok(checkConfig(JSON.parse(f.text), file));
      } catch (err) {
        return bad(`--${FLAG.resume.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }),
  );
}

/**
 * `--resume` with `--config`/`--set`: the run's settings with them applied, refused (listing each
 * field) when they would change what the run computes.
 */
function resumedSettings(
  run: RunConfig,
  dir: string,
  file: ConfigFile | undefined,
  sets: readonly Override[],
): Validation<RunSettings> {
  return fn.pipe(
    resolveSettings({ base: settingsOf(run), file, overrides: sets }),
    either.chain((s) => {
      const changes = resumeChanges(run, s, sets);
      if (changes.length === 0) return ok(s);
      return bad(
        `--resume ${dir}: ${changes.length === 1 ? "1 change" : `${changes.length} changes`} ` +
          `would alter what the run computes:\n      ${changes.join("\n      ")}\n    ` +
          `A resumed run may change only ${
            RESUME_MAY_SET.join(", ")
          }; start a new run for other settings ` +
          `(--config ${join(dir, RUN_FILES.config)} with your --set).`,
      );
    }),
  );
}

/**
 * Parses and validates `deno task train`'s arguments. Returns the usage text for `--help`/`-h`
 * (which wins over other problems), the resolved config for `--print-config`, the run's options
 * (with `--seeds N`: the first run's, and N), or every problem at once: unknown flags, missing values, bad values (naming flag, value and
 * what is expected), flags that conflict with `--resume`, a `--config` file's syntax errors
 * (`file:line:column`) and every field of the resolved settings that is wrong (with its path,
 * the closest valid key of a misspelt one, and the flag, `--set` or file line it came from),
 * and `--set`/`--config` changes a resumed run may not make. `readTextFile` reads `--config` and,
 * with `--resume` and `--set`/`--config`, the run's `config.json`.
 *
 * @example
 * ```ts
 * import { either } from "fp-ts";
 * import { parseTrainArgs } from "@byol/tfjs/train";
 *
 * const parsed = parseTrainArgs(["--epochs", "2", "--dataset", "shapes", "--set", "seed=3"]);
 * if (either.isRight(parsed) && parsed.right.kind === "train") console.log(parsed.right.options);
 * ```
 */
export function parseTrainArgs(
  args: readonly string[],
  { readTextFile = Deno.readTextFileSync }: { readonly readTextFile?: ReadTextFile } = {},
): Validation<Command> {
  const { values, lists, check, help } = parseFlags(args, FLAGS, { positionals: false });
  if (help) return ok({ kind: "help", text: usage() });
  const str = (flag: { name: string }): Raw =>
    typeof values[flag.name] === "string" ? values[flag.name] as string : undefined;
  const configPath = path(FLAG.config.name)(str(FLAG.config));
  const checks = {
    tokens: check,
    resume: checkResume(values),
    dataset: oneOf(FLAG.dataset.name, DATASET_CHOICES)(str(FLAG.dataset)),
    data: path(FLAG.data.name)(str(FLAG.data)),
    preset: oneOf(FLAG.preset.name, PRESET_NAMES)(str(FLAG.preset)),
    epochs: integer(FLAG.epochs.name, 1)(str(FLAG.epochs)),
    batchSize: integer(FLAG.batchSize.name, 1)(str(FLAG.batchSize)),
    learningRate: positiveNumber(FLAG.lr.name)(str(FLAG.lr)),
    backend: oneOf<BackendChoice>(FLAG.backend.name, BACKEND_CHOICES)(str(FLAG.backend)),
    seed: integer(FLAG.seed.name, 0)(str(FLAG.seed)),
    seeds: integer(FLAG.seeds.name, 1, "the number of runs, one per seed")(str(FLAG.seeds)),
    out: path(FLAG.out.name)(str(FLAG.out)),
    evalEvery: integer(FLAG.evalEvery.name, 0)(str(FLAG.evalEvery)),
    resumeDir: path(FLAG.resume.name)(str(FLAG.resume)),
    limit: imageLimit(FLAG.limit.name)(str(FLAG.limit)),
    checkpointEvery: checkpointEvery(str(FLAG.checkpointEvery)),
    onNonfinite: oneOf(FLAG.onNonfinite.name, ["stop", "skip"] as const)(
      str(FLAG.onNonfinite),
    ),
    dashboard: port(FLAG.dashboard.name)(str(FLAG.dashboard)),
    initFrom: path(FLAG.initFrom.name)(str(FLAG.initFrom)),
    file: either.chain((p: string | undefined) =>
      p === undefined ? ok(undefined) : readFile(readTextFile, p, `--${FLAG.config.name}`)
    )(configPath),
  };
  const setChecks = (lists[FLAG.set.name] ?? []).map(parseSet);
  // The settings are resolved from the valid flags even when others are not, so that their
  // problems are reported with the flags'.
  const flagProblems = [...Object.values(checks), ...setChecks].flatMap((c) =>
    either.isLeft(c) ? c.left : []
  );
  const v = {
    ...Object.fromEntries(
      Object.entries(checks).map(([k, c]: [string, Validation<unknown>]) => [
        k,
        either.isRight(c) ? c.right : undefined,
      ]),
    ) as unknown as {
      [K in keyof typeof checks]: Extract<(typeof checks)[K], { _tag: "Right" }>["right"];
    },
    sets: setChecks.flatMap((c) => either.isRight(c) ? [c.right] : []),
  };
  const resolved = fn.pipe(
    ok(v),
    either.chain((v): Validation<Command> => {
      const print = values[FLAG.printConfig.name] === true;
      if (v.resumeDir !== undefined) {
        const options: TrainOptions = {
          dataset: DEFAULTS.dataset,
          data: v.data,
          backend: v.backend ?? DEFAULTS.backend,
          seed: DEFAULTS.seed,
          out: DEFAULTS.out,
          evalEvery: DEFAULTS.evalEvery,
          resume: v.resumeDir,
          dashboard: v.dashboard,
        };
        if (v.file === undefined && v.sets.length === 0 && !print) {
          return ok({ kind: "train", options });
        }
        const dir = v.resumeDir;
        return fn.pipe(
          runConfigOf(readTextFile, dir),
          either.chain((run) =>
            either.map((s: RunSettings): Command => {
              if (print) return { kind: "help", text: formatSettings(s) };
              // A new data folder or backend asked for is used now, unless the flags say.
              const { dir: data } = s.dataset;
              const { requested: backend } = s.backend;
              return {
                kind: "train",
                options: {
                  ...options,
                  data: v.data ?? (data !== run.dataset.dir && data !== null ? data : undefined),
                  backend: v.backend ??
                    (backend !== run.backend.requested ? backend : DEFAULTS.backend),
                  resumeSettings: s,
                },
              };
            })(resumedSettings(run, dir, v.file, v.sets))
          ),
        );
      }
      const overrides = [...flagOverrides(v, str, v.file !== undefined), ...v.sets];
      const base = defaultSettings(v.dataset ?? DEFAULTS.dataset, v.preset);
      const explicit = (field: string) =>
        v.file !== undefined ||
        overrides.some((o) => o.origin.startsWith("--set") ? o.path[0] === field : false) ||
        (field === "epochs" && v.epochs !== undefined) ||
        (field === "batchSize" && v.batchSize !== undefined) ||
        (field === "learningRate" && v.learningRate !== undefined);
      return either.map((s: RunSettings): Command => {
        if (print) return { kind: "help", text: formatSettings(s) };
        const options = newRunOptions(s, v, { explicit, out: v.out, dashboard: v.dashboard, args });
        return v.seeds === undefined
          ? { kind: "train", options }
          : { kind: "seeds", options, seeds: v.seeds };
      })(resolveSettings({ base, file: v.file, overrides }));
    }),
  );
  const problems = [...flagProblems, ...(either.isLeft(resolved) ? resolved.left : [])];
  return problems.length > 0 ? either.left(problems) : resolved;
}

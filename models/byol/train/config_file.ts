/**
 * A run's settings as a config file and the command line give them. The settings are the fields
 * of `config.json` that a user chooses (the data asked for, the preset in full, epochs, batch
 * size, learning rate, seed, cadences, backend asked for, `initFrom`); the rest of `config.json`
 * is recorded when a run starts (when, the data found, steps, the backend used and why, the
 * command line, commit and versions) and is ignored when a `config.json` is read as a config.
 * They are resolved in one order: the defaults (of `--dataset` and `--preset`), or a
 * `--config FILE.jsonc` (JSON with comments: a run's `config.json` or what `--print-config`
 * prints); then the flags (`--epochs`, ...); then each `--set path=value`, left to right. Then
 * every problem is reported at once, each with its path, what was expected, the closest valid
 * key of a misspelt one, and where it came from (the flag, the `--set`, or the file's line and
 * column). Pure: no file access.
 *
 * @module
 */
import {
  findNodeAtLocation,
  type Node,
  parse,
  type ParseError,
  parseTree,
  printParseErrorCode,
} from "jsonc-parser";
import { either } from "fp-ts";
import { BACKEND_CHOICES, type BackendChoice } from "../../../mod.ts";
import {
  type ByolPreset,
  peakLearningRate,
  type PresetName,
  presets,
  presetSchema,
} from "../mod.ts";
import {
  bad,
  closest,
  integer,
  nullable,
  ok,
  oneOf,
  positive,
  problemPath,
  refine,
  type Schema,
  shown,
  struct,
  type Validation,
  withRules,
} from "../schema.ts";
import {
  type CheckpointEvery,
  checkpointEverySchema,
  CONFIG_FORMAT,
  CONFIG_FORMATS,
  configChanges,
  DEFAULT_CHECKPOINT_EVERY,
  RESUME_MAY_CHANGE,
  type RunConfig,
} from "./config.ts";
import { DATASET_CHOICES, type DatasetChoice, presetFor } from "./datasets.ts";
import { KNN_MIN_IMAGES } from "./evaluate.ts";

/** The settings of a run: the fields of `config.json` a user chooses (see the module doc). */
export interface RunSettings {
  /** The version tag of `config.json`. */
  readonly format: typeof CONFIG_FORMAT;
  /** The data asked for. */
  readonly dataset: {
    /** `--dataset`. */
    readonly requested: DatasetChoice;
    /** `--data DIR`, or `null`: the standard places. */
    readonly dir: string | null;
    /** `--limit`, or `null`: every image. */
    readonly limit: number | null;
  };
  /** The preset in full: encoder, heads, optimizer, schedule, views. */
  readonly preset: ByolPreset;
  /** Passes over the training set. */
  readonly epochs: number;
  /** Images per step. */
  readonly batchSize: number;
  /** The peak learning rate. */
  readonly learningRate: number;
  /** The seed of the run's keys. */
  readonly seed: number;
  /** Epochs between kNN evaluations (0: only the final one). */
  readonly evalEvery: number;
  /** Steps between records in metrics.jsonl, or `null`: 1, or 10 on WebGPU. */
  readonly logEvery: number | null;
  /** Checkpoints kept on disk (the newest ones). */
  readonly keepCheckpoints: number;
  /** When checkpoints are written besides each epoch's end. */
  readonly checkpointEvery: CheckpointEvery;
  /** What a non-finite loss or gradient norm does. */
  readonly onNonfinite: "stop" | "skip";
  /** The backend asked for. */
  readonly backend: { readonly requested: BackendChoice };
  /** A weights file to start from (`--init-from`), or `null`: the seed's initial weights. */
  readonly initFrom: string | null;
}

/** The settings before the learning rate is resolved: `null` is the optimizer's own peak. */
export type UnresolvedSettings = Omit<RunSettings, "learningRate"> & {
  readonly learningRate: number | null;
};

const nonEmpty = refine(
  "a non-empty string",
  (x): x is string => typeof x === "string" && x.trim() !== "",
);

const SETTINGS_FIELDS = {
  format: oneOf(CONFIG_FORMAT),
  dataset: struct({
    requested: oneOf(...DATASET_CHOICES),
    dir: nullable(nonEmpty),
    limit: nullable(integer(KNN_MIN_IMAGES)),
  }),
  preset: presetSchema,
  epochs: integer(1),
  batchSize: integer(1),
  learningRate: nullable(positive),
  seed: integer(0),
  evalEvery: integer(0),
  logEvery: nullable(integer(1)),
  keepCheckpoints: integer(1),
  checkpointEvery: checkpointEverySchema,
  onNonfinite: oneOf("stop", "skip"),
  backend: struct({ requested: oneOf(...BACKEND_CHOICES) }),
  initFrom: nullable(nonEmpty),
};

/**
 * The schema of a run's settings before the learning rate is resolved (`learningRate` may be
 * `null`: the optimizer's peak for the batch size): every field with its range, and a
 * `dataset.limit` that leaves one whole batch.
 */
const settingsSchema: Schema<UnresolvedSettings> = withRules(struct(SETTINGS_FIELDS), [{
  reads: ["dataset.limit", "batchSize"],
  check: ({ dataset: { limit }, batchSize }) =>
    limit === null || limit >= batchSize ? [] : [
      `dataset.limit: expected at least batchSize (${batchSize}), got ${limit}: it leaves no ` +
      "whole batch (raise the limit or lower the batch size)",
    ],
}]);

/**
 * The settings a resumed run may change with `--set`/`--config` (`RESUME_MAY_CHANGE` less the
 * fields recorded when a run starts), each with every path below it.
 *
 * @example
 * ```ts
 * import { RESUME_MAY_SET } from "@byol/tfjs/train";
 *
 * RESUME_MAY_SET.includes("keepCheckpoints"); // true
 * RESUME_MAY_SET.includes("epochs"); // false
 * ```
 */
export const RESUME_MAY_SET: readonly string[] = RESUME_MAY_CHANGE.filter((p) =>
  p === "dataset.requested" || p === "dataset.dir" ||
  (p !== "format" && Object.hasOwn(SETTINGS_FIELDS, p))
);

/**
 * The fields of `config.json` recorded when a run starts, by path: ignored when a `config.json`
 * is read as a config (a new run records its own).
 */
export const RECORDED_FIELDS: readonly string[] = [
  "createdAt",
  "dataset.name",
  "dataset.why",
  "dataset.train",
  "dataset.test",
  "dataset.imageShape",
  "dataset.classNames",
  "encoder",
  "stepsPerEpoch",
  "totalSteps",
  "backend.name",
  "backend.reason",
  "backend.threads",
  "initFrom.sha256",
  "provenance",
];

/** One change to the settings: the value at `path`, and where it came from for messages. */
export interface Override {
  /** Keys and list indices from the top, e.g. `["preset", "views", 0, "crop", "scale"]`. */
  readonly path: readonly (string | number)[];
  /** The new value (JSON). */
  readonly value: unknown;
  /** Where it came from, e.g. `--set epochs=3` or `--epochs 3`. */
  readonly origin: string;
}

const isObject = (x: unknown): x is Readonly<Record<string, unknown>> =>
  typeof x === "object" && x !== null && !Array.isArray(x);

const pathText = (path: readonly (string | number)[]) =>
  path.reduce<string>(
    (p, k) => typeof k === "number" ? `${p}[${k}]` : p === "" ? k : `${p}.${k}`,
    "",
  );

const within = (inner: string, outer: string) =>
  outer === "" || inner === outer || inner.startsWith(`${outer}.`) ||
  inner.startsWith(`${outer}[`);

/**
 * Parses one `--set path.to.field=value`: the path's keys are separated by dots, a list's items
 * are numbers (`views.0` or `views[0]`); the value is JSON when it parses as JSON, else the
 * string as given.
 *
 * @example
 * ```ts
 * import { parseSet } from "@byol/tfjs/train";
 *
 * parseSet("preset.views.0.crop.scale=[0.2,1]");
 * // right({ path: ["preset", "views", 0, "crop", "scale"], value: [0.2, 1], origin: ... })
 * parseSet("dataset.requested=shapes"); // value "shapes": not JSON, so a string
 * ```
 */
export function parseSet(arg: string): Validation<Override> {
  const eq = arg.indexOf("=");
  const path = (eq < 0 ? "" : arg.slice(0, eq)).trim().replace(/\[(\d+)\]/g, ".$1").split(".");
  if (eq < 0 || path.some((k) => k === "")) {
    return bad(
      `--set "${arg}": expected path.to.field=value (e.g. preset.optimizer.weightDecay=1e-5)`,
    );
  }
  const text = arg.slice(eq + 1);
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // Not JSON: the value is the string as given.
  }
  return ok({
    path: path.map((k) => /^\d+$/.test(k) ? Number(k) : k),
    value,
    origin: `--set ${arg}`,
  });
}

/** `node` with `value` at `path`, or why not: a missing field or item on the way. */
function setAt(
  node: unknown,
  path: readonly (string | number)[],
  value: unknown,
  done: readonly (string | number)[],
): Validation<unknown> {
  if (path.length === 0) return ok(value);
  const [key, ...rest] = path;
  const here = [...done, key];
  const where = done.length === 0 ? "the config" : pathText(done);
  if (Array.isArray(node)) {
    if (typeof key !== "number" || key >= node.length) {
      return bad(
        `${pathText(here)}: ${where} is a list of ${node.length} items: expected an index ` +
          `from 0 to ${node.length - 1}`,
      );
    }
    return either.map((v) => node.map((x, i) => i === key ? v : x))(
      setAt(node[key], rest, value, here),
    );
  }
  if (isObject(node)) {
    const name = String(key);
    if (!Object.hasOwn(node, name) && rest.length > 0) {
      const near = closest(name, Object.keys(node));
      return bad(
        `${pathText(here)}: ${where} has no field ${name}` +
          (near === undefined ? "" : ` (did you mean ${near}?)`) +
          ` (it has ${Object.keys(node).join(", ")})`,
      );
    }
    return either.map((v) => ({ ...node, [name]: v }))(setAt(node[name], rest, value, here));
  }
  return bad(`${pathText(here)}: ${where} is ${shown(node)}, which has no field or item ${key}`);
}

/** Where `text` has `offset`, as `line:column` (both from 1). */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

const words = (code: string) =>
  code.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase().replace(/^invalid symbol$/, "unexpected");

/** A config file as read: its path (for messages) and its text. */
export interface ConfigFile {
  /** The path as given to `--config`. */
  readonly path: string;
  /** Its content. */
  readonly text: string;
}

/**
 * The JSON value of a JSONC file (comments and trailing commas allowed), or every syntax error,
 * each as `file:line:column: what`.
 *
 * @example
 * ```ts
 * import { parseConfigText } from "@byol/tfjs/train";
 *
 * parseConfigText({ path: "a.jsonc", text: '{ "epochs": 3, // three\n}' }); // right({ epochs: 3 })
 * parseConfigText({ path: "a.jsonc", text: '{ "epochs": 3 "seed": 1 }' });
 * // left(["a.jsonc:1:15: comma expected"])
 * ```
 */
export function parseConfigText(file: ConfigFile): Validation<unknown> {
  const errors: ParseError[] = [];
  const value: unknown = parse(file.text, errors, { allowTrailingComma: true });
  if (errors.length > 0) {
    return either.left(
      errors.map((e) =>
        `${file.path}:${lineColumn(file.text, e.offset)}: ${words(printParseErrorCode(e.error))}`
      ),
    );
  }
  return value === undefined ? bad(`${file.path}: the file is empty`) : ok(value);
}

const omit = (o: Readonly<Record<string, unknown>>, keys: readonly string[]) =>
  Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

/** The fields of `RECORDED_FIELDS` below `prefix` (e.g. `dataset`), by their own name. */
const recordedIn = (prefix: string) =>
  RECORDED_FIELDS.filter((p) => p.startsWith(`${prefix}.`)).map((p) => p.slice(prefix.length + 1));

/**
 * The settings part of parsed config JSON (a run's `config.json` of any format
 * {@link checkConfig} reads, or a settings file): the recorded fields dropped, a `byol-run/1`
 * config's missing cadences filled in as its run behaved, `initFrom` as its path. Other fields,
 * unknown ones included, are left for the schema to check.
 */
function settingsPart(json: unknown): Validation<unknown> {
  if (!isObject(json)) {
    return bad(
      `expected a JSON object (a run's config.json, or what --print-config prints), got ` +
        shown(json),
    );
  }
  if (json.format !== undefined && !CONFIG_FORMATS.includes(json.format as string)) {
    return bad(
      `format: expected one of ${CONFIG_FORMATS.map((f) => `"${f}"`).join(", ")}, got ` +
        shown(json.format),
    );
  }
  if (json.encoder === "custom") {
    return bad(
      'encoder: this run trained a custom encoder given in code ("custom"); a config file ' +
        "can only give a preset's encoder",
    );
  }
  const v1 = json.format === CONFIG_FORMATS[0];
  const older = v1 || json.format === CONFIG_FORMATS[1];
  const { dataset, backend, initFrom } = json;
  return ok({
    ...omit(json, RECORDED_FIELDS),
    format: CONFIG_FORMAT,
    ...(isObject(dataset) ? { dataset: omit(dataset, recordedIn("dataset")) } : {}),
    ...(isObject(backend) ? { backend: omit(backend, recordedIn("backend")) } : {}),
    ...(isObject(initFrom) && typeof initFrom.path === "string" ? { initFrom: initFrom.path } : {}),
    // Runs before byol-run/3 started from their seed.
    ...(older && json.initFrom === undefined ? { initFrom: null } : {}),
    ...(v1 && json.checkpointEvery === undefined
      ? { checkpointEvery: { unit: "steps", every: json.stepsPerEpoch } }
      : {}),
    ...(v1 && json.onNonfinite === undefined ? { onNonfinite: "stop" } : {}),
  });
}

/**
 * The default settings of a new run: those of `--dataset` (default `auto`) and its preset (or
 * `preset`): its epochs and batch size, the optimizer's peak learning rate (`null` until
 * resolved), seed 0, an evaluation every epoch, 3 checkpoints kept, one every 5 minutes, stop on
 * a non-finite loss, backend `auto`.
 *
 * @example
 * ```ts
 * import { defaultSettings } from "@byol/tfjs/train";
 *
 * defaultSettings("cifar10").preset.name; // "cifar10"
 * ```
 */
export function defaultSettings(
  dataset: DatasetChoice = "auto",
  preset?: PresetName,
): UnresolvedSettings {
  const p = presets[preset ?? presetFor(dataset)];
  return {
    format: CONFIG_FORMAT,
    dataset: { requested: dataset, dir: null, limit: null },
    preset: p,
    epochs: p.epochs,
    batchSize: p.batchSize,
    learningRate: null,
    seed: 0,
    evalEvery: 1,
    logEvery: null,
    keepCheckpoints: 3,
    checkpointEvery: DEFAULT_CHECKPOINT_EVERY,
    onNonfinite: "stop",
    backend: { requested: "auto" },
    initFrom: null,
  };
}

/** Where the settings come from, for {@link resolveSettings}. */
export interface SettingsSources {
  /** The starting point when there is no `file`: e.g. the defaults, or a resumed run's. */
  readonly base: unknown;
  /** A `--config` file, which replaces `base`. */
  readonly file?: ConfigFile;
  /** The flags' and `--set`s' changes, applied in order. */
  readonly overrides: readonly Override[];
}

/** `problem` with where it came from: the last override at or above its path, or the file. */
function located(
  problem: string,
  overrides: readonly Override[],
  file: { readonly path: string; readonly text: string; readonly tree: Node | undefined } | null,
): string {
  const path = problemPath(problem);
  const from = overrides.findLast((o) => within(path, pathText(o.path)));
  if (from) return `${problem} (${from.origin})`;
  if (!file?.tree || path === "") return problem;
  const keys = path.replace(/\[(\d+)\]/g, ".$1").split(".").map((k) =>
    /^\d+$/.test(k) ? Number(k) : k
  );
  // A missing field's problem points at the object that lacks it; the whole file's, at the file.
  for (let n = keys.length; n >= 1; n--) {
    const node = findNodeAtLocation(file.tree, keys.slice(0, n));
    // A field's problem points at its key (the parent of its value's node).
    const at = node?.parent?.type === "property" ? node.parent : node;
    if (at) return `${file.path}:${lineColumn(file.text, at.offset)}: ${problem}`;
  }
  return `${file.path}: ${problem}`;
}

/**
 * Resolves a run's settings: `file` (a `--config`) or else `base`, with its recorded fields
 * dropped, then each override in order, then checked as a whole; a `null` learning rate becomes
 * the optimizer's peak for the batch size. Returns the settings, or every problem at once: the
 * file's syntax errors (`file:line:column`), overrides whose path does not exist (with the
 * closest field), and each field that is wrong, with its path, what was expected, the closest
 * valid key of an unknown one, and where the value came from.
 *
 * @example
 * ```ts
 * import { either } from "fp-ts";
 * import { defaultSettings, parseSet, resolveSettings } from "@byol/tfjs/train";
 *
 * const set = parseSet("preset.optimizer.weightDecy=1e-5");
 * if (either.isRight(set)) {
 *   const settings = resolveSettings({ base: defaultSettings("shapes"), overrides: [set.right] });
 *   // left(["preset.optimizer.weightDecy: unexpected field (did you mean weightDecay?) ..."])
 * }
 * ```
 */
export function resolveSettings(
  { base, file, overrides }: SettingsSources,
): Validation<RunSettings> {
  const start = file ? parseConfigText(file) : ok(base);
  if (either.isLeft(start)) return start;
  const part = settingsPart(start.right);
  if (either.isLeft(part)) {
    return either.left(part.left.map((p) => file ? `${file.path}: ${p}` : p));
  }
  const problems: string[] = [];
  let json = part.right;
  for (const o of overrides) {
    const next = setAt(json, o.path, o.value, []);
    if (either.isLeft(next)) problems.push(...next.left.map((p) => `${p} (${o.origin})`));
    else json = next.right;
  }
  const checked = settingsSchema.validate(json, "");
  const where = file ? { ...file, tree: parseTree(file.text) } : null;
  if (either.isLeft(checked)) {
    problems.push(...checked.left.map((p) => located(p, overrides, where)));
  }
  if (problems.length > 0 || either.isLeft(checked)) return either.left(problems);
  const s = checked.right;
  return ok({
    ...s,
    learningRate: s.learningRate ?? peakLearningRate(s.preset.optimizer, s.batchSize),
  });
}

/**
 * The settings as `--print-config` prints them (then a newline): JSON in the settings' field
 * order, 2-space indented; reading it back with `--config` gives the same text.
 *
 * @example
 * ```ts
 * import { either } from "fp-ts";
 * import { defaultSettings, formatSettings, resolveSettings } from "@byol/tfjs/train";
 *
 * const s = resolveSettings({ base: defaultSettings("shapes"), overrides: [] });
 * if (either.isRight(s)) console.log(formatSettings(s.right));
 * ```
 */
export function formatSettings(settings: RunSettings): string {
  return JSON.stringify(settings, null, 2);
}

/**
 * The settings of a run's config (the fields a user chooses).
 *
 * @example
 * ```ts
 * import { readConfig, settingsOf } from "@byol/tfjs/train";
 *
 * const settings = settingsOf(await readConfig("runs/shapes-fashion-mnist-20250101-120000"));
 * ```
 */
export function settingsOf(config: RunConfig): RunSettings {
  const { dataset: { requested, dir, limit } } = config;
  return {
    format: CONFIG_FORMAT,
    dataset: { requested, dir, limit },
    preset: config.preset,
    epochs: config.epochs,
    batchSize: config.batchSize,
    learningRate: config.learningRate,
    seed: config.seed,
    evalEvery: config.evalEvery,
    logEvery: config.logEvery,
    keepCheckpoints: config.keepCheckpoints,
    checkpointEvery: config.checkpointEvery,
    onNonfinite: config.onNonfinite,
    backend: { requested: config.backend.requested as BackendChoice },
    initFrom: config.initFrom?.path ?? null,
  };
}

/**
 * A run's `config` with `settings` in place of its own: the fields they give, the steps they
 * derive (`stepsPerEpoch`, `totalSteps`), the rest as recorded. Fields keep their order, so a
 * config with its own settings comes back as the same JSON. A new `initFrom` path has no known
 * SHA-256 (an empty one).
 *
 * @example
 * ```ts
 * import { readConfig, settingsOf, withSettings } from "@byol/tfjs/train";
 *
 * const config = await readConfig("runs/shapes-fashion-mnist-20250101-120000");
 * const more = withSettings(config, { ...settingsOf(config), keepCheckpoints: 5 });
 * ```
 */
export function withSettings(config: RunConfig, settings: RunSettings): RunConfig {
  const s = settings;
  const stepsPerEpoch = Math.floor(config.dataset.train.count / s.batchSize);
  return {
    ...config,
    dataset: { ...config.dataset, ...s.dataset },
    preset: s.preset,
    epochs: s.epochs,
    batchSize: s.batchSize,
    learningRate: s.learningRate,
    stepsPerEpoch,
    totalSteps: stepsPerEpoch * s.epochs,
    seed: s.seed,
    evalEvery: s.evalEvery,
    logEvery: s.logEvery ?? config.logEvery,
    keepCheckpoints: s.keepCheckpoints,
    checkpointEvery: s.checkpointEvery,
    onNonfinite: s.onNonfinite,
    backend: { ...config.backend, requested: s.backend.requested },
    initFrom: s.initFrom === (config.initFrom?.path ?? null)
      ? config.initFrom
      : s.initFrom === null
      ? null
      : { path: s.initFrom, sha256: "" },
  };
}

/**
 * The changes `settings` make to a resumed run's `config` that would change what it computes
 * (`configChanges`), each naming its path, both values and, when one override set it, its
 * origin; empty when they change only what a resumed run may change.
 *
 * @example
 * ```ts
 * import { readConfig, resumeChanges, settingsOf } from "@byol/tfjs/train";
 *
 * const config = await readConfig("runs/shapes-fashion-mnist-20250101-120000");
 * resumeChanges(config, { ...settingsOf(config), epochs: 9 }, []);
 * // ["epochs: 4 in the run's config.json, 9 in the command line", "totalSteps: ..."]
 * ```
 */
export function resumeChanges(
  config: RunConfig,
  settings: RunSettings,
  overrides: readonly Override[],
): string[] {
  const names = ["the run's config.json", "the command line"] as const;
  return configChanges(config, withSettings(config, settings), names).map(
    (line) => located(line, overrides, null),
  );
}

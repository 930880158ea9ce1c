/**
 * `deno task train`'s command line: flags parsed with `node:util`'s `parseArgs`, then validated
 * up front as one applicative validation (fp-ts `Either` accumulating string arrays), so every
 * problem is reported at once, each naming the flag, the value given and what is expected.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { apply, either, function as fn, readonlyArray } from "fp-ts";
import type { BackendChoice } from "../../../mod.ts";
import {
  BACKEND_CHOICES,
  DATASETS,
  DEFAULTS,
  FLAGS,
  PRESET_NAMES,
  type TrainOptions,
} from "./options.ts";
import { usage } from "./usage.ts";

/** A value, or every problem found on the way to it. */
export type Validation<A> = either.Either<readonly string[], A>;

/** What the command line asks for: the usage text, or a run. */
export type Command =
  | { readonly kind: "help"; readonly text: string }
  | { readonly kind: "train"; readonly options: TrainOptions };

const V = either.getApplicativeValidation(readonlyArray.getSemigroup<string>());
const ok = <A>(a: A): Validation<A> => either.right(a);
const bad = (message: string): Validation<never> => either.left([message]);

type Raw = string | undefined;

const flagOptions = Object.fromEntries(
  FLAGS.map((f) => [f.name, { type: f.value === undefined ? "boolean" : "string" } as const]),
);

function oneOf<T extends string>(flag: string, allowed: readonly T[]) {
  return (raw: Raw): Validation<T | undefined> =>
    raw === undefined || (allowed as readonly string[]).includes(raw)
      ? ok(raw as T | undefined)
      : bad(`--${flag} "${raw}": expected one of ${allowed.join(", ")}`);
}

function integer(flag: string, min: number) {
  return (raw: Raw): Validation<number | undefined> => {
    if (raw === undefined) return ok(undefined);
    const value = Number(raw);
    return /^\d+$/.test(raw) && Number.isSafeInteger(value) && value >= min
      ? ok(value)
      : bad(`--${flag} "${raw}": expected an integer >= ${min}`);
  };
}

function positiveNumber(flag: string) {
  return (raw: Raw): Validation<number | undefined> => {
    if (raw === undefined) return ok(undefined);
    const value = Number(raw);
    return raw.trim() !== "" && Number.isFinite(value) && value > 0
      ? ok(value)
      : bad(`--${flag} "${raw}": expected a number > 0 (e.g. 2e-3)`);
  };
}

function path(flag: string) {
  return (raw: Raw): Validation<string | undefined> =>
    raw === undefined || raw.trim() !== "" ? ok(raw) : bad(`--${flag}: expected a path, got ""`);
}

type Token = NonNullable<ReturnType<typeof parseArgs>["tokens"]>[number];

/**
 * Unknown flags, flags without their value, values given to `--help`, repeated flags and stray
 * arguments; and the flags whose value is missing, so they are not validated a second time.
 */
function checkTokens(tokens: readonly Token[]): { check: Validation<null>; valueless: string[] } {
  const seen = new Set<string>();
  const problems: string[] = [];
  const valueless: string[] = [];
  for (const t of tokens) {
    if (t.kind === "positional") {
      problems.push(`unexpected argument "${t.value}": every setting is a --flag (see --help)`);
    } else if (t.kind === "option") {
      const spec = FLAGS.find((f) => f.name === t.name);
      if (!spec) {
        problems.push(`unknown flag ${t.rawName} (see --help for the flags)`);
        continue;
      }
      if (seen.has(t.name)) problems.push(`--${t.name} is given more than once`);
      seen.add(t.name);
      if (spec.value === undefined && t.value !== undefined) {
        problems.push(`--${t.name} takes no value, got "${t.value}"`);
      } else if (spec.value !== undefined && t.value === undefined) {
        problems.push(`--${t.name} needs a value: ${spec.value}`);
        valueless.push(t.name);
      } else if (spec.value !== undefined && !t.inlineValue && t.value!.startsWith("--")) {
        problems.push(`--${t.name} needs a value (${spec.value}), got the flag ${t.value}`);
        valueless.push(t.name);
      }
    }
  }
  return { check: problems.length === 0 ? ok(null) : either.left(problems), valueless };
}

/** A resumed run keeps its config.json: only where to find data and what to run on may change. */
function checkResume(values: Readonly<Record<string, unknown>>): Validation<null> {
  if (values.resume === undefined) return ok(null);
  const fixed = Object.keys(values).filter((k) => !["resume", "backend", "data"].includes(k));
  return fixed.length === 0
    ? ok(null)
    : either.left(fixed.map((k) =>
      `--${k} cannot be combined with --resume: a resumed run keeps the settings in its ` +
      `config.json (only --backend and --data may be given)`
    ));
}

/**
 * Parses and validates `deno task train`'s arguments. Returns the usage text for `--help`/`-h`
 * (which wins over other problems), the run's options, or every problem at once: unknown flags,
 * missing values, bad values (naming flag, value and what is expected) and flags that conflict
 * with `--resume`.
 *
 * Parsing is not `strict` because strict `parseArgs` throws at the first problem; the tokens it
 * returns are checked here instead, so unknown flags are still errors, all of them reported.
 *
 * @example
 * ```ts
 * const parsed = parseTrainArgs(["--epochs", "2", "--dataset", "shapes"]);
 * if (either.isRight(parsed) && parsed.right.kind === "train") console.log(parsed.right.options);
 * ```
 */
export function parseTrainArgs(args: readonly string[]): Validation<Command> {
  const { values: all, tokens } = parseArgs({
    args: [...args],
    options: { ...flagOptions, help: { type: "boolean", short: "h" } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  if (all.help === true) return ok({ kind: "help", text: usage() });
  const { check, valueless } = checkTokens(tokens);
  const known = new Set(FLAGS.map((f) => f.name));
  const values = Object.fromEntries(
    Object.entries(all).filter(([k]) => known.has(k) && !valueless.includes(k)),
  );
  const str = (name: string): Raw => typeof values[name] === "string" ? values[name] : undefined;
  return fn.pipe(
    apply.sequenceS(V)({
      tokens: check,
      resume: checkResume(values),
      dataset: oneOf("dataset", DATASETS)(str("dataset")),
      data: path("data")(str("data")),
      preset: oneOf("preset", PRESET_NAMES)(str("preset")),
      epochs: integer("epochs", 1)(str("epochs")),
      batchSize: integer("batch-size", 1)(str("batch-size")),
      learningRate: positiveNumber("lr")(str("lr")),
      backend: oneOf<BackendChoice>("backend", BACKEND_CHOICES)(str("backend")),
      seed: integer("seed", 0)(str("seed")),
      out: path("out")(str("out")),
      evalEvery: integer("eval-every", 0)(str("eval-every")),
      resumeDir: path("resume")(str("resume")),
      limit: integer("limit", 1)(str("limit")),
    }),
    either.map((v): Command => ({
      kind: "train",
      options: {
        dataset: v.dataset ?? DEFAULTS.dataset,
        data: v.data,
        preset: v.preset,
        epochs: v.epochs,
        batchSize: v.batchSize,
        learningRate: v.learningRate,
        backend: v.backend ?? DEFAULTS.backend,
        seed: v.seed ?? DEFAULTS.seed,
        out: v.out ?? DEFAULTS.out,
        evalEvery: v.evalEvery ?? DEFAULTS.evalEvery,
        resume: v.resumeDir,
        limit: v.limit,
      },
    })),
  );
}

/**
 * `deno task train`'s command line: flags parsed with `node:util`'s `parseArgs`, then validated
 * up front as one applicative validation (fp-ts `Either` accumulating string arrays), so every
 * problem is reported at once, each naming the flag, the value given and what is expected. The
 * one check across flags (`--limit` against the batch size) runs once each value is valid.
 *
 * @module
 */
import { apply, either, function as fn } from "fp-ts";
import { BACKEND_CHOICES, type BackendChoice } from "../../../mod.ts";
import { type PresetName, presets } from "../mod.ts";
import { bad, ok, type Validation, validationApplicative } from "../schema.ts";
import type { CheckpointEvery } from "./config.ts";
import { DATASET_CHOICES, type DatasetChoice, presetFor } from "./datasets.ts";
import { KNN_MIN_IMAGES } from "./evaluate.ts";
import { integer, oneOf, parseFlags, path, positiveNumber, type Raw } from "./flags.ts";
import { DEFAULTS, FLAG, FLAGS, PRESET_NAMES, type TrainOptions } from "./options.ts";
import { usage } from "./usage.ts";

/** What the command line asks for: the usage text, or a run. */
export type Command =
  | { readonly kind: "help"; readonly text: string }
  | { readonly kind: "train"; readonly options: TrainOptions };

/** A resumed run keeps its config.json: only where to find data and what to run on may change. */
function checkResume(values: Readonly<Record<string, string | boolean>>): Validation<null> {
  if (values.resume === undefined) return ok(null);
  const fixed = Object.keys(values).filter((k) =>
    !["resume", "backend", "data", "dashboard"].includes(k)
  );
  return fixed.length === 0
    ? ok(null)
    : either.left(fixed.map((k) =>
      `--${k} cannot be combined with --resume: a resumed run keeps the settings in its ` +
      `config.json (only --backend, --data and --dashboard may be given)`
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

/** `--limit` must leave at least one batch (of `--batch-size`, else the preset's). */
function checkLimit<
  V extends {
    limit?: number;
    batchSize?: number;
    preset?: PresetName;
    dataset?: DatasetChoice;
  },
>(v: V): Validation<V> {
  if (v.limit === undefined) return ok(v);
  const batch = v.batchSize ?? presets[v.preset ?? presetFor(v.dataset ?? DEFAULTS.dataset)]
    .batchSize;
  return v.limit >= batch ? ok(v) : bad(
    `--limit ${v.limit} leaves no whole batch of ${batch} images` +
      `${v.batchSize === undefined ? " (the preset's batch size)" : ""}: raise --limit or ` +
      "lower --batch-size",
  );
}

/**
 * Parses and validates `deno task train`'s arguments. Returns the usage text for `--help`/`-h`
 * (which wins over other problems), the run's options, or every problem at once: unknown flags,
 * missing values, bad values (naming flag, value and what is expected) and flags that conflict
 * with `--resume`.
 *
 * @example
 * ```ts
 * import { either } from "fp-ts";
 * import { parseTrainArgs } from "@byol/tfjs/train";
 *
 * const parsed = parseTrainArgs(["--epochs", "2", "--dataset", "shapes"]);
 * if (either.isRight(parsed) && parsed.right.kind === "train") console.log(parsed.right.options);
 * ```
 */
export function parseTrainArgs(args: readonly string[]): Validation<Command> {
  const { values, check, help } = parseFlags(args, FLAGS, { positionals: false });
  if (help) return ok({ kind: "help", text: usage() });
  const str = (flag: { name: string }): Raw =>
    typeof values[flag.name] === "string" ? values[flag.name] as string : undefined;
  return fn.pipe(
    apply.sequenceS(validationApplicative)({
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
      out: path(FLAG.out.name)(str(FLAG.out)),
      evalEvery: integer(FLAG.evalEvery.name, 0)(str(FLAG.evalEvery)),
      resumeDir: path(FLAG.resume.name)(str(FLAG.resume)),
      limit: integer(
        FLAG.limit.name,
        KNN_MIN_IMAGES,
        `the kNN evaluation uses ${KNN_MIN_IMAGES} neighbours`,
      )(str(FLAG.limit)),
      checkpointEvery: checkpointEvery(str(FLAG.checkpointEvery)),
      onNonfinite: oneOf(FLAG.onNonfinite.name, ["stop", "skip"] as const)(
        str(FLAG.onNonfinite),
      ),
      dashboard: integer(FLAG.dashboard.name, 0)(str(FLAG.dashboard)),
    }),
    either.chain(checkLimit),
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
        checkpointEvery: v.checkpointEvery,
        onNonfinite: v.onNonfinite,
        dashboard: v.dashboard,
      },
    })),
  );
}

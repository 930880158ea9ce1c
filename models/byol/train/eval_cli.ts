/**
 * `deno task eval`'s command line: one run folder or checkpoint file (or `--init-from FILE` with
 * a preset), and a few flags, validated with every problem reported at once.
 *
 * @module
 */
import { apply, either, function as fn } from "fp-ts";
import { BACKEND_CHOICES, type BackendChoice, evaluation } from "../../../mod.ts";
import type { PresetName } from "../mod.ts";
import { bad, ok, type Validation, validationApplicative } from "../schema.ts";
import { DATASET_NAMES, type DatasetName } from "./datasets.ts";
import { KNN, KNN_MIN_IMAGES } from "./evaluate.ts";
import { flagLines, integer, oneOf, parseFlags, path, type Raw } from "./flags.ts";
import { SEMI_BATCH_SIZE, SEMI_LEARNING_RATE, SEMI_STEPS } from "./paper_eval.ts";
import { DEFAULTS, FLAG, type FlagSpec, imageLimit, PRESET_NAMES } from "./options.ts";

/** What `deno task eval` evaluates, and how. */
export interface EvalOptions {
  /** A run folder (its latest checkpoint) or a checkpoint file; absent with `initFrom`. */
  readonly path?: string;
  /** A weights file (`deno task export`'s, or PyTorch's) to evaluate instead of a checkpoint. */
  readonly initFrom?: string;
  /** With `initFrom`: the recipe whose networks the weights fit (default: the dataset's). */
  readonly preset?: PresetName;
  /** The tfjs backend. */
  readonly backend: BackendChoice;
  /** Evaluate on this registered dataset (default: the run's; `auto` with `initFrom`). */
  readonly dataset?: DatasetName;
  /** A directory with the dataset's files, tried before the standard places. */
  readonly data?: string;
  /** The first `limit` images of each split (default: the run's on its own dataset, else all). */
  readonly limit?: number;
  /** Also evaluate the random-encoder and raw-pixel baselines. */
  readonly baselines: boolean;
  /** Write the run folder's results.json, pictures and final records (baselines included). */
  readonly write?: boolean;
  /** Where `eval.json` goes (default: see `evalFilePath`). */
  readonly out?: string;
  /** Fine-tune on these percentages of the training labels (semi-supervised evaluation). */
  readonly semi?: readonly number[];
  /** Fine-tuning steps of each semi-supervised run (default `SEMI_STEPS`). */
  readonly semiSteps?: number;
  /** Run the standard linear protocol (the CLI's `--semi` implies it). */
  readonly standardLinear?: boolean;
}

/** What `deno task eval`'s command line asks for. */
export type EvalCommand =
  | { readonly kind: "help"; readonly text: string }
  | { readonly kind: "eval"; readonly options: EvalOptions };

/** The flags of `deno task eval` by name. */
const EVAL_FLAG = {
  dataset: {
    name: "dataset",
    value: DATASET_NAMES.join("|"),
    default: "the run's",
    help: "evaluate on this dataset instead (its images must have the run's shape)",
  },
  data: {
    ...FLAG.data,
    default: "the run's",
    help: "directory with the dataset's files, if it moved since training",
  },
  limit: {
    name: "limit",
    value: "N",
    default: "the run's on its own dataset, else all",
    help: `the first N training and N test images (N >= ${KNN_MIN_IMAGES})`,
  },
  initFrom: {
    name: "init-from",
    value: "FILE",
    default: "off",
    help: "evaluate the weights in FILE (deno task export's, or PyTorch's) instead of a run",
  },
  preset: {
    ...FLAG.preset,
    default: "the dataset's",
    help: "with --init-from: the recipe whose encoder the weights fit",
  },
  baselines: {
    name: "baselines",
    default: "off",
    help: "also evaluate the encoder at its random initialisation and the raw pixels",
  },
  write: {
    name: "write",
    default: "off",
    help: "write the run folder's results.json, curves.svg, features.svg (baselines included)",
  },
  out: {
    name: "out",
    value: "FILE",
    default: "in the run folder, or beside the file evaluated",
    help: "where eval.json goes",
  },
  semi: {
    name: "semi",
    value: "P[,P...]",
    default: "off",
    help: "fine-tune on P% of the labels (P in (0, 100]), and from scratch; with --standard-linear",
  },
  semiSteps: {
    name: "semi-steps",
    value: "N",
    default: `${SEMI_STEPS}`,
    help: `fine-tuning steps of ${SEMI_BATCH_SIZE} images for each --semi fraction`,
  },
  standardLinear: {
    name: "standard-linear",
    default: "off",
    help: "the standard linear protocol: augmented features, weight decay chosen on held-out train",
  },
} as const satisfies Readonly<Record<string, FlagSpec>>;

/** The flags of `deno task eval`. */
export const EVAL_FLAGS: readonly FlagSpec[] = [
  FLAG.backend,
  EVAL_FLAG.dataset,
  EVAL_FLAG.data,
  EVAL_FLAG.limit,
  EVAL_FLAG.initFrom,
  EVAL_FLAG.preset,
  EVAL_FLAG.baselines,
  EVAL_FLAG.write,
  EVAL_FLAG.out,
  EVAL_FLAG.semi,
  EVAL_FLAG.semiSteps,
  EVAL_FLAG.standardLinear,
  FLAG.help,
];

/**
 * The usage text of `deno task eval`.
 *
 * @example
 * ```ts
 * import { evalUsage } from "@byol/tfjs/train";
 *
 * console.log(evalUsage());
 * ```
 */
export function evalUsage(): string {
  return [
    "Usage: deno task eval <run folder | checkpoint file> [flags]",
    "       deno task eval --init-from FILE [--preset NAME] [--dataset NAME] [flags]",
    "",
    "Loads a checkpoint written by deno task train (a run folder's latest, or the file given),",
    "with the run's config.json (or the config in the checkpoint's metadata), and evaluates its",
    "online encoder on the run's data: kNN " +
    `(k = ${KNN.k.join(", ")}; T = ${KNN.temperature}) and a linear probe.`,
    "--dataset evaluates it on another registered dataset whose images have the same shape",
    "(e.g. mnist for a fashion-mnist run); the run's --limit applies only to its own dataset.",
    "--init-from evaluates the encoder weights in a file instead (deno task export's, or saved",
    "from PyTorch with models/torch/) in the networks of --preset, with no run folder.",
    "",
    "Prints a table on stdout and writes it as JSON to eval.json in the run folder",
    "(eval-<dataset>.json for another dataset), or beside the file evaluated",
    "(<name>.eval.json, <name>.eval-<dataset>.json), or to --out FILE; an earlier one of the",
    "same name is replaced. With --write, also the run folder's results.json, curves.svg,",
    "features.svg and final records, as a finished run writes them (e.g. for a run stopped",
    "during its final evaluation).",
    "",
    "The paper's evaluations, printed after the table and added to eval.json:",
    "--semi 1,10 fine-tunes the encoder with a linear head on 1% and on 10% of the training",
    "labels (the same number of images from each class, chosen by the run's key; the 1% inside",
    "the 10%): the encoder in training mode, a light random crop and flip, Adam from " +
    `${SEMI_LEARNING_RATE}`,
    `decayed along a cosine, --semi-steps steps of ${SEMI_BATCH_SIZE} images; and trains the ` +
    "same network from its",
    "random initialisation on the same labels in the same way. It prints both test accuracies.",
    "--semi also runs --standard-linear: a linear probe on the frozen encoder's features of the",
    "training images and of one lightly augmented copy of each, its weight decay chosen among",
    `${evaluation.WEIGHT_DECAYS.join(", ")} by the accuracy on a held-out 10% of the training ` +
    "images (never the",
    "test set), then refitted on all the training images and tested once.",
    "",
    "Flags:",
    ...flagLines(EVAL_FLAGS),
    "",
    "Examples:",
    "  deno task eval runs/fashion-mnist-20250101-120000",
    "  deno task eval runs/shapes-fashion-mnist-20250101-120000/step-000039.safetensors --baselines",
    "  deno task eval runs/fashion-mnist-20250101-120000 --dataset mnist",
    "  deno task eval runs/fashion-mnist-20250101-120000 --write",
    "  deno task eval --init-from runs/encoder.safetensors --preset fashion-mnist",
    "  deno task eval runs/fashion-mnist-20250101-120000 --semi 1,10",
  ].join("\n");
}

/**
 * Validates `--semi`'s value: comma-separated label percentages, each a number in (0, 100],
 * none repeated.
 *
 * @example
 * ```ts
 * import { labelPercents } from "./eval_cli.ts";
 *
 * labelPercents("semi")("1,10"); // right([1, 10])
 * labelPercents("semi")("150"); // left(['--semi "150": ...'])
 * ```
 */
export function labelPercents(flag: string) {
  return (raw: Raw): Validation<readonly number[] | undefined> => {
    if (raw === undefined) return ok(undefined);
    const parts = raw.split(",").map((p) => p.trim());
    const values = parts.map(Number);
    const valid = parts.every((p, i) => p !== "" && values[i] > 0 && values[i] <= 100);
    if (!valid) {
      return bad(
        `--${flag} "${raw}": expected percentages of the training labels, each a number in ` +
          "(0, 100], separated by commas (e.g. 1,10)",
      );
    }
    return new Set(values).size === values.length
      ? ok(values)
      : bad(`--${flag} "${raw}": each percentage once`);
  };
}

/** The positional argument: one path, or none with `--init-from`. */
function onePath(
  positionals: readonly string[],
  initFrom: boolean,
): Validation<string | undefined> {
  if (initFrom) {
    return positionals.length === 0 ? ok(undefined) : bad(
      `--${EVAL_FLAG.initFrom.name} evaluates the file it names: drop ${positionals.join(" ")}, ` +
        "or drop --init-from to evaluate a run",
    );
  }
  if (positionals.length === 1 && positionals[0].trim() !== "") return ok(positionals[0]);
  return positionals.length <= 1
    ? bad("expected a run folder or checkpoint file to evaluate, or --init-from FILE (see --help)")
    : bad(
      `expected one run folder or checkpoint file, got ${positionals.length}: ${
        positionals.join(" ")
      }`,
    );
}

/** The flags that only make sense together, or never together. */
function checkCombination(values: Readonly<Record<string, string | boolean>>): Validation<null> {
  const given = (f: { name: string }) => values[f.name] !== undefined;
  const problems: string[] = [];
  if (given(EVAL_FLAG.preset) && !given(EVAL_FLAG.initFrom)) {
    problems.push(
      "--preset applies only with --init-from: a run's checkpoint is evaluated with the preset " +
        "in its config.json",
    );
  }
  if (given(EVAL_FLAG.semiSteps) && !given(EVAL_FLAG.semi)) {
    problems.push("--semi-steps applies only with --semi: it sets the fine-tuning's steps");
  }
  if (given(EVAL_FLAG.write)) {
    const paper = [EVAL_FLAG.semi, EVAL_FLAG.standardLinear];
    for (const f of [EVAL_FLAG.dataset, EVAL_FLAG.limit, EVAL_FLAG.initFrom, ...paper]) {
      if (given(f)) {
        problems.push(
          `--${f.name} cannot be combined with --write: --write rewrites the run folder's own ` +
            "results, on the run's data",
        );
      }
    }
  }
  return problems.length === 0 ? ok(null) : either.left(problems);
}

/**
 * Parses and validates `deno task eval`'s arguments: the usage text for `--help`, the options,
 * or every problem at once.
 *
 * @example
 * ```ts
 * import { either } from "fp-ts";
 * import { parseEvalArgs } from "@byol/tfjs/train";
 *
 * const parsed = parseEvalArgs(["runs/a", "--baselines", "--dataset", "mnist"]);
 * if (either.isLeft(parsed)) console.error(parsed.left.join("\n"));
 * ```
 */
export function parseEvalArgs(args: readonly string[]): Validation<EvalCommand> {
  const { values, positionals, check, help } = parseFlags(args, EVAL_FLAGS, { positionals: true });
  if (help) return ok({ kind: "help", text: evalUsage() });
  const str = (flag: { name: string }) =>
    typeof values[flag.name] === "string" ? values[flag.name] as string : undefined;
  return fn.pipe(
    apply.sequenceS(validationApplicative)({
      tokens: check,
      combination: checkCombination(values),
      path: onePath(positionals, values[EVAL_FLAG.initFrom.name] !== undefined),
      backend: oneOf<BackendChoice>(FLAG.backend.name, BACKEND_CHOICES)(str(FLAG.backend)),
      dataset: oneOf(EVAL_FLAG.dataset.name, DATASET_NAMES)(str(EVAL_FLAG.dataset)),
      data: path(EVAL_FLAG.data.name)(str(EVAL_FLAG.data)),
      limit: imageLimit(EVAL_FLAG.limit.name)(str(EVAL_FLAG.limit)),
      initFrom: path(EVAL_FLAG.initFrom.name)(str(EVAL_FLAG.initFrom)),
      preset: oneOf(EVAL_FLAG.preset.name, PRESET_NAMES)(str(EVAL_FLAG.preset)),
      out: path(EVAL_FLAG.out.name)(str(EVAL_FLAG.out)),
      semi: labelPercents(EVAL_FLAG.semi.name)(str(EVAL_FLAG.semi)),
      semiSteps: integer(EVAL_FLAG.semiSteps.name, 1)(str(EVAL_FLAG.semiSteps)),
    }),
    either.map((v): EvalCommand => ({
      kind: "eval",
      options: {
        path: v.path,
        initFrom: v.initFrom,
        preset: v.preset,
        backend: v.backend ?? DEFAULTS.backend,
        dataset: v.dataset,
        data: v.data,
        limit: v.limit,
        baselines: values.baselines === true || values.write === true,
        write: values.write === true,
        out: v.out,
        semi: v.semi,
        semiSteps: v.semiSteps,
        standardLinear: values[EVAL_FLAG.standardLinear.name] === true || v.semi !== undefined,
      },
    })),
  );
}

/**
 * `deno task eval`'s command line: one run folder or checkpoint file, and a few flags, validated
 * with every problem reported at once.
 *
 * @module
 */
import { apply, either, function as fn } from "fp-ts";
import { BACKEND_CHOICES, type BackendChoice } from "../../../mod.ts";
import { bad, ok, type Validation, validationApplicative } from "../schema.ts";
import { KNN } from "./evaluate.ts";
import { flagLines, oneOf, parseFlags, path } from "./flags.ts";
import { DEFAULTS, FLAG, type FlagSpec } from "./options.ts";

/** What `deno task eval` evaluates, and how. */
export interface EvalOptions {
  /** A run folder (its latest checkpoint) or a checkpoint file. */
  readonly path: string;
  /** The tfjs backend. */
  readonly backend: BackendChoice;
  /** A directory with the dataset's files, tried before the standard places. */
  readonly data?: string;
  /** Also evaluate the random-encoder and raw-pixel baselines. */
  readonly baselines: boolean;
  /** Write the run folder's results.json, pictures and final records (baselines included). */
  readonly write?: boolean;
}

/** What `deno task eval`'s command line asks for. */
export type EvalCommand =
  | { readonly kind: "help"; readonly text: string }
  | { readonly kind: "eval"; readonly options: EvalOptions };

/** The flags of `deno task eval`. */
export const EVAL_FLAGS: readonly FlagSpec[] = [
  FLAG.backend,
  {
    ...FLAG.data,
    default: "the run's",
    help: "directory with the dataset's files, if it moved since training",
  },
  {
    name: "baselines",
    default: "off",
    help: "also evaluate the encoder at its random initialisation and the raw pixels",
  },
  {
    name: "write",
    default: "off",
    help: "write the run folder's results.json, curves.svg, features.svg (baselines included)",
  },
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
    "",
    "Loads a checkpoint written by deno task train (a run folder's latest, or the file given),",
    "with the run's config.json (or the config in the checkpoint's metadata), and evaluates its",
    `online encoder on the run's data: kNN (k = ${KNN.k.join(", ")}; T = ${KNN.temperature}) ` +
    "and a linear",
    "probe. Prints a table on stdout; writes nothing, unless --write: then the run folder's",
    "results.json, curves.svg, features.svg and final records are written from that checkpoint",
    "(as a finished run writes them; e.g. for a run stopped during its final evaluation).",
    "",
    "Flags:",
    ...flagLines(EVAL_FLAGS),
    "",
    "Examples:",
    "  deno task eval runs/fashion-mnist-20250101-120000",
    "  deno task eval runs/shapes-fashion-mnist-20250101-120000/step-000039.safetensors --baselines",
    "  deno task eval runs/fashion-mnist-20250101-120000 --write",
  ].join("\n");
}

function onePath(positionals: readonly string[]): Validation<string> {
  if (positionals.length === 1 && positionals[0].trim() !== "") return ok(positionals[0]);
  return positionals.length <= 1
    ? bad("expected a run folder or checkpoint file to evaluate (see --help)")
    : bad(
      `expected one run folder or checkpoint file, got ${positionals.length}: ${
        positionals.join(" ")
      }`,
    );
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
 * const parsed = parseEvalArgs(["runs/a", "--baselines"]);
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
      path: onePath(positionals),
      backend: oneOf<BackendChoice>(FLAG.backend.name, BACKEND_CHOICES)(str(FLAG.backend)),
      data: path(FLAG.data.name)(str(FLAG.data)),
    }),
    either.map((v): EvalCommand => ({
      kind: "eval",
      options: {
        path: v.path,
        backend: v.backend ?? DEFAULTS.backend,
        data: v.data,
        baselines: values.baselines === true || values.write === true,
        write: values.write === true,
      },
    })),
  );
}

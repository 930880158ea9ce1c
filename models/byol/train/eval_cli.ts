/**
 * `deno task eval`'s command line: one run folder or checkpoint file, and a few flags, validated
 * with every problem reported at once.
 *
 * @module
 */
import { apply, either, function as fn } from "fp-ts";
import type { BackendChoice } from "../../../mod.ts";
import {
  bad,
  ok,
  oneOf,
  parseFlags,
  path,
  type Validation,
  validationApplicative,
} from "./flags.ts";
import { BACKEND_CHOICES, type FlagSpec } from "./options.ts";

/** What `deno task eval` evaluates, and how. */
export interface EvalOptions {
  /** A run folder (its latest checkpoint) or a checkpoint file. */
  readonly path: string;
  readonly backend: BackendChoice;
  /** A directory with the dataset's files, tried before the standard places. */
  readonly data?: string;
  /** Also evaluate the random-encoder and raw-pixel baselines. */
  readonly baselines: boolean;
}

/** What `deno task eval`'s command line asks for. */
export type EvalCommand =
  | { readonly kind: "help"; readonly text: string }
  | { readonly kind: "eval"; readonly options: EvalOptions };

/** The flags of `deno task eval`. */
export const EVAL_FLAGS: readonly FlagSpec[] = [
  {
    name: "backend",
    value: BACKEND_CHOICES.join("|"),
    default: "auto",
    help: "auto: WebGPU on a hardware GPU, else wasm",
  },
  {
    name: "data",
    value: "DIR",
    default: "the run's",
    help: "directory with the dataset's files, if it moved since training",
  },
  {
    name: "baselines",
    default: "off",
    help: "also evaluate the encoder at its random initialisation and the raw pixels",
  },
  { name: "help", default: "", help: "print this text and exit" },
];

/**
 * The usage text of `deno task eval`.
 *
 * @example
 * ```ts
 * console.log(evalUsage());
 * ```
 */
export function evalUsage(): string {
  return [
    "Usage: deno task eval <run folder | checkpoint file> [flags]",
    "",
    "Loads a checkpoint written by deno task train (a run folder's latest, or the file given),",
    "with the run's config.json (or the config in the checkpoint's metadata), and evaluates its",
    "online encoder on the run's data: kNN (k = 20, 200; T = 0.1) and a linear probe. Prints a",
    "table on stdout; writes nothing.",
    "",
    "Flags:",
    ...EVAL_FLAGS.flatMap((f) => [
      `  --${f.name}${f.value === undefined ? "" : ` ${f.value}`}` +
      (f.default === "" ? "" : `    (default: ${f.default})`),
      `      ${f.help}`,
    ]),
    "",
    "Examples:",
    "  deno task eval runs/fashion-mnist-20250101-120000",
    "  deno task eval runs/shapes-fashion-mnist-20250101-120000/step-000039.safetensors --baselines",
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
 * const parsed = parseEvalArgs(["runs/a", "--baselines"]);
 * ```
 */
export function parseEvalArgs(args: readonly string[]): Validation<EvalCommand> {
  const { values, positionals, check, help } = parseFlags(args, EVAL_FLAGS, { positionals: true });
  if (help) return ok({ kind: "help", text: evalUsage() });
  const str = (name: string) =>
    typeof values[name] === "string" ? values[name] as string : undefined;
  return fn.pipe(
    apply.sequenceS(validationApplicative)({
      tokens: check,
      path: onePath(positionals),
      backend: oneOf<BackendChoice>("backend", BACKEND_CHOICES)(str("backend")),
      data: path("data")(str("data")),
    }),
    either.map((v): EvalCommand => ({
      kind: "eval",
      options: {
        path: v.path,
        backend: v.backend ?? "auto",
        data: v.data,
        baselines: values.baselines === true,
      },
    })),
  );
}

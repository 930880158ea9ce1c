/**
 * Command-line flags for the run's CLIs: `node:util`'s `parseArgs` over a table of
 * {@link FlagSpec}s, and validators that return the {@link Validation}s of `../schema.ts` (an
 * applicative validation accumulating every problem), each naming the flag, the value given and
 * what is expected.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { either } from "fp-ts";
import { bad, ok, type Validation } from "../schema.ts";
import type { FlagSpec } from "./options.ts";

/** A flag's raw value, `undefined` when not given. */
export type Raw = string | undefined;

/**
 * Validates an optional flag value against a list of choices.
 *
 * @example
 * ```ts
 * import { oneOf } from "./flags.ts";
 *
 * oneOf("backend", ["wasm", "cpu"])("tpu"); // left(['--backend "tpu": expected one of wasm, cpu'])
 * ```
 */
export function oneOf<T extends string>(flag: string, allowed: readonly T[]) {
  return (raw: Raw): Validation<T | undefined> =>
    raw === undefined || (allowed as readonly string[]).includes(raw)
      ? ok(raw as T | undefined)
      : bad(`--${flag} "${raw}": expected one of ${allowed.join(", ")}`);
}

/**
 * Validates an optional flag value as a decimal integer `>= min`; `why` explains the minimum.
 *
 * @example
 * ```ts
 * import { integer } from "./flags.ts";
 *
 * integer("epochs", 1)("2"); // right(2)
 * integer("epochs", 1)(undefined); // right(undefined): not given
 * ```
 */
export function integer(flag: string, min: number, why?: string) {
  return (raw: Raw): Validation<number | undefined> => {
    if (raw === undefined) return ok(undefined);
    const value = Number(raw);
    return /^\d+$/.test(raw) && Number.isSafeInteger(value) && value >= min
      ? ok(value)
      : bad(`--${flag} "${raw}": expected an integer >= ${min}${why ? ` (${why})` : ""}`);
  };
}

/**
 * Validates an optional flag value as a TCP port: an integer in [0, 65535] (0: any free one).
 *
 * @example
 * ```ts
 * import { port } from "./flags.ts";
 *
 * port("port")("8080"); // right(8080)
 * ```
 */
export function port(flag: string) {
  return (raw: Raw): Validation<number | undefined> =>
    raw === undefined || (/^\d+$/.test(raw) && Number(raw) <= 65535)
      ? ok(raw === undefined ? undefined : Number(raw))
      : bad(`--${flag} "${raw}": expected a port, an integer in [0, 65535] (0: any free one)`);
}

/**
 * Validates an optional flag value as a finite number `> 0`.
 *
 * @example
 * ```ts
 * import { positiveNumber } from "./flags.ts";
 *
 * positiveNumber("lr")("2e-3"); // right(0.002)
 * ```
 */
export function positiveNumber(flag: string) {
  return (raw: Raw): Validation<number | undefined> => {
    if (raw === undefined) return ok(undefined);
    const value = Number(raw);
    return raw.trim() !== "" && Number.isFinite(value) && value > 0
      ? ok(value)
      : bad(`--${flag} "${raw}": expected a number > 0 (e.g. 2e-3)`);
  };
}

/**
 * Validates an optional flag value as a non-empty path.
 *
 * @example
 * ```ts
 * import { path } from "./flags.ts";
 *
 * path("out")(""); // left(['--out: expected a path, got ""'])
 * ```
 */
export function path(flag: string) {
  return (raw: Raw): Validation<string | undefined> =>
    raw === undefined || raw.trim() !== "" ? ok(raw) : bad(`--${flag}: expected a path, got ""`);
}

type Token = NonNullable<ReturnType<typeof parseArgs>["tokens"]>[number];

/**
 * Unknown flags, flags without their value, values given to `--help`, repeated flags and stray
 * arguments; and the flags whose value is missing, so they are not validated a second time.
 */
function checkTokens(
  tokens: readonly Token[],
  flags: readonly FlagSpec[],
  positionals: boolean,
): { check: Validation<null>; valueless: string[] } {
  const seen = new Set<string>();
  const problems: string[] = [];
  const valueless: string[] = [];
  for (const t of tokens) {
    if (t.kind === "positional" && !positionals) {
      problems.push(`unexpected argument "${t.value}": every setting is a --flag (see --help)`);
    } else if (t.kind === "option") {
      const spec = flags.find((f) => f.name === t.name);
      if (!spec) {
        problems.push(`unknown flag ${t.rawName} (see --help for the flags)`);
        continue;
      }
      if (seen.has(t.name) && !spec.multiple) {
        problems.push(`--${t.name} is given more than once`);
      }
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

/** Flags as parsed: values of known flags with a value, positionals, and the token problems. */
export interface ParsedFlags {
  /** Values by flag name (`true` for a given boolean flag); flags missing their value are left out. */
  readonly values: Readonly<Record<string, string | boolean>>;
  /** The values of each flag that may be repeated ({@link FlagSpec}`.multiple`), in order. */
  readonly lists: Readonly<Record<string, readonly string[]>>;
  readonly positionals: readonly string[];
  /** Unknown or repeated flags, missing values, stray arguments (when not allowed). */
  readonly check: Validation<null>;
  /** Whether `--help` or `-h` was given. */
  readonly help: boolean;
}

/**
 * Parses `args` against `flags` (`help` gets `-h`). Parsing is not `strict`, because strict
 * `parseArgs` throws at the first problem: its tokens are checked here instead, so unknown flags
 * are still errors, all of them reported together.
 *
 * @example
 * ```ts
 * import { FLAGS } from "@byol/tfjs/train";
 * import { parseFlags } from "./flags.ts";
 *
 * const { values, check } = parseFlags(["--epochs", "2"], FLAGS, { positionals: false });
 * ```
 */
export function parseFlags(
  args: readonly string[],
  flags: readonly FlagSpec[],
  { positionals }: { positionals: boolean },
): ParsedFlags {
  const options = Object.fromEntries(
    flags.map((f) => [
      f.name,
      {
        type: f.value === undefined ? "boolean" : "string",
        multiple: f.multiple === true,
      } as const,
    ]),
  );
  const parsed = parseArgs({
    args: [...args],
    options: { ...options, help: { type: "boolean", short: "h" } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const { check, valueless } = checkTokens(parsed.tokens, flags, positionals);
  const known = new Set(flags.map((f) => f.name));
  const values = Object.fromEntries(
    Object.entries(parsed.values).filter((e): e is [string, string | boolean] =>
      known.has(e[0]) && !valueless.includes(e[0]) && e[1] !== undefined && !Array.isArray(e[1])
    ),
  );
  // A repeated flag's values, without those that are missing (`--set --epochs 3`).
  const lists = Object.fromEntries(
    flags.filter((f) => f.multiple).map((f) => [
      f.name,
      parsed.tokens.flatMap((t) =>
        t.kind === "option" && t.name === f.name && typeof t.value === "string" &&
          (t.inlineValue || !t.value.startsWith("--"))
          ? [t.value]
          : []
      ),
    ]),
  );
  return {
    values,
    lists,
    positionals: parsed.positionals,
    check,
    help: parsed.values.help === true,
  };
}

/**
 * The lines of a flag table: each flag with its value and default, then its meaning.
 *
 * @example
 * ```ts
 * import { flagLines } from "./flags.ts";
 *
 * const seed = { name: "seed", value: "N", default: "0", help: "the seed" };
 * console.log(flagLines([seed]).join("\n"));
 * ```
 */
export function flagLines(flags: readonly FlagSpec[]): string[] {
  return flags.flatMap((f) => [
    `  --${f.name}${f.value === undefined ? "" : ` ${f.value}`}` +
    (f.default === "" ? "" : `    (default: ${f.default})`),
    `      ${f.help}`,
  ]);
}

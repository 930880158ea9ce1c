/**
 * Schemas of JSON values: what a config field must be, checked at run time and known to the type
 * checker. A schema turns an `unknown` (e.g. parsed `config.json`) into a typed value or reports
 * every problem at once, each naming its path, what it found and what was expected: an fp-ts
 * applicative validation, accumulating arrays of messages. The type of a valid value follows from
 * its schema ({@link TypeOf}), so a registered encoder's config type is its schema's type.
 *
 * @module
 */
import { type applicative, either, readonlyArray } from "fp-ts";

/**
 * A value, or every problem found on the way to it: fp-ts's `Either<readonly string[], A>`, spelled
 * out (the same two shapes, so fp-ts's `either` functions take and return it) so that these docs
 * need not document fp-ts's own types.
 */
export type Validation<A> =
  | { readonly _tag: "Left"; readonly left: readonly string[] }
  | { readonly _tag: "Right"; readonly right: A };

/**
 * The applicative that accumulates problems, for `apply.sequenceS` and `readonlyArray.sequence`.
 *
 * @example
 * ```ts
 * import { apply } from "fp-ts";
 * import { schema } from "@byol/tfjs/byol";
 *
 * const both = apply.sequenceS(schema.validationApplicative)({
 *   a: schema.ok(1),
 *   b: schema.bad("b: expected 2"),
 * });
 * ```
 */
export const validationApplicative: applicative.Applicative2C<either.URI, readonly string[]> =
  either.getApplicativeValidation(readonlyArray.getSemigroup<string>());

/**
 * A valid value.
 *
 * @example
 * ```ts
 * import { schema, type Validation } from "@byol/tfjs/byol";
 *
 * const one: Validation<number> = schema.ok(1);
 * ```
 */
export const ok = <A>(a: A): Validation<A> => either.right(a);

/**
 * One problem.
 *
 * @example
 * ```ts
 * import { schema, type Validation } from "@byol/tfjs/byol";
 *
 * const none: Validation<number> = schema.bad("--epochs: expected an integer >= 1");
 * ```
 */
export const bad = (message: string): Validation<never> => either.left([message]);

/**
 * The value of `validation`, or an `Error` whose message is `context` and every problem (one per
 * line when there are several).
 *
 * @example
 * ```ts
 * import { schema } from "@byol/tfjs/byol";
 *
 * const json: unknown = JSON.parse('{ "epochs": 4 }');
 * const config = schema.struct({ epochs: schema.integer(1) });
 * const { epochs } = schema.getOrThrow(config.validate(json, ""), "config.json");
 * ```
 */
export function getOrThrow<A>(validation: Validation<A>, context: string): A {
  if (either.isRight(validation)) return validation.right;
  const problems = validation.left;
  throw new Error(
    problems.length === 1
      ? `${context}: ${problems[0]}`
      : `${context}: ${problems.length} problems:\n  ${problems.join("\n  ")}`,
  );
}

/** What a value must be: a description for messages and help, and the check that makes a `T`. */
export interface Schema<T> {
  /** What a valid value is, e.g. `an integer >= 1`. */
  readonly expected: string;
  /** `value` as a `T`, or every problem, each prefixed with `path` (e.g. `preset.encoder`). */
  readonly validate: (value: unknown, path: string) => Validation<T>;
}

/** The type of the values a schema accepts. */
export type TypeOf<S> = S extends Schema<infer T> ? T : never;

const isObject = (x: unknown): x is Readonly<Record<string, unknown>> =>
  typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * A value as messages show it: its JSON, cut to 60 characters, or `nothing` for `undefined`.
 *
 * @example
 * ```ts
 * import { schema } from "@byol/tfjs/byol";
 *
 * schema.shown([0.3, 1]); // "[0.3,1]"
 * schema.shown(undefined); // "nothing"
 * ```
 */
export function shown(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const at = (path: string, key: string | number) =>
  typeof key === "number" ? `${path}[${key}]` : path === "" ? key : `${path}.${key}`;

const problem = (path: string, text: string) => bad(path === "" ? text : `${path}: ${text}`);

/**
 * The values `test` accepts, described as `expected`; `hint` adds to the message of a value it
 * refuses (e.g. a suggestion).
 *
 * @example
 * ```ts
 * import { schema } from "@byol/tfjs/byol";
 *
 * const evenNumber = schema.refine(
 *   "an even integer",
 *   (x): x is number => Number.isInteger(x) && (x as number) % 2 === 0,
 * );
 * evenNumber.validate(3, "batchSize"); // left(["batchSize: expected an even integer, got 3"])
 * ```
 */
export function refine<T>(
  expected: string,
  test: (value: unknown) => value is T,
  hint: (value: unknown) => string = () => "",
): Schema<T> {
  return {
    expected,
    validate: (value, path) =>
      test(value)
        ? ok(value)
        : problem(path, `expected ${expected}, got ${shown(value)}${hint(value)}`),
  };
}

/**
 * Any string.
 *
 * @example
 * ```ts
 * import { schema } from "@byol/tfjs/byol";
 *
 * schema.string.validate("paper", "preset.name"); // right("paper")
 * ```
 */
export const string: Schema<string> = refine(
  "a string",
  (x): x is string => typeof x === "string",
);

/**
 * The finite numbers `test` accepts, described as `expected`.
 *
 * @example
 * ```ts
 * import { schema } from "@byol/tfjs/byol";
 *
 * const probability = schema.finite("a number in [0, 1]", (x) => x >= 0 && x <= 1);
 * ```
 */
export function finite(expected: string, test: (x: number) => boolean): Schema<number> {
  return refine(
    expected,
    (x): x is number => typeof x === "number" && Number.isFinite(x) && test(x),
  );
}

/**
 * Integers `>= min` (safe integers: exact as doubles, as JSON and keys need).
 *
 * @example
 * ```ts
 * import { schema } from "@byol/tfjs/byol";
 *
 * schema.integer(1).validate(0, "epochs"); // left(["epochs: expected an integer >= 1, got 0"])
 * ```
 */
export const integer = (min: number): Schema<number> =>
  finite(`an integer >= ${min}`, (x) => Number.isSafeInteger(x) && x >= min);

/**
 * Numbers `> 0`.
 *
 * @example
 * ```ts
 * import { schema } from "@byol/tfjs/byol";
 *
 * schema.positive.validate(2e-3, "learningRate"); // right(0.002)
 * ```
 */
export const positive: Schema<number> = finite("a number > 0", (x) => x > 0);

/**
 * Numbers `>= 0`.
 *
 * @example
 * ```ts
 * import { schema } from "@byol/tfjs/byol";
 *
 * schema.nonNegative.validate(0, "weightDecay"); // right(0)
 * ```
 */
export const nonNegative: Schema<number> = finite("a number >= 0", (x) => x >= 0);

/**
 * Numbers in `[min, max]`, or `[min, max)` with `open`.
 *
 * @example
 * ```ts
 * import { schema } from "@byol/tfjs/byol";
 *
 * schema.between(0, 1, "open").validate(1, "momentum");
 * // left(["momentum: expected a number in [0, 1), got 1"])
 * ```
 */
export function between(
  min: number,
  max: number,
  end: "closed" | "open" = "closed",
): Schema<number> {
  return end === "open"
    ? finite(`a number in [${min}, ${max})`, (x) => x >= min && x < max)
    : finite(`a number in [${min}, ${max}]`, (x) => x >= min && x <= max);
}

/**
 * One of the given strings or numbers.
 *
 * @example
 * ```ts
 * import { schema } from "@byol/tfjs/byol";
 *
 * // Schema<"small" | "strided" | "imagenet">
 * const stem = schema.oneOf("small", "strided", "imagenet");
 * const channels = schema.oneOf(1, 3); // Schema<1 | 3>
 * ```
 */
export function oneOf<const T extends readonly (string | number)[]>(
  ...values: T
): Schema<T[number]> {
  return refine(
    `one of ${values.map((v) => JSON.stringify(v)).join(", ")}`,
    (x): x is T[number] => values.includes(x as T[number]),
    (x) =>
      typeof x === "string"
        ? didYouMean(x, values.filter((v) => typeof v === "string"), (v) => JSON.stringify(v))
        : "",
  );
}

/**
 * `null`, or a value of `schema`.
 *
 * @example
 * ```ts
 * import { schema } from "@byol/tfjs/byol";
 *
 * schema.nullable(schema.integer(1)).validate(null, "dataset.limit"); // right(null)
 * ```
 */
export function nullable<T>(schema: Schema<T>): Schema<T | null> {
  return {
    expected: `${schema.expected} or null`,
    validate: (value, path) => value === null ? ok(null) : schema.validate(value, path),
  };
}

/**
 * A field that may be left out: absent (`undefined`), or a value of `schema`. A {@link struct}
 * leaves an absent optional field out of its value.
 *
 * @example
 * ```ts
 * import { schema } from "@byol/tfjs/byol";
 *
 * const size = schema.struct({ height: schema.integer(1), width: schema.integer(1) });
 * const crop = schema.struct({ size: schema.optional(size) });
 * crop.validate({}, "crop"); // right({})
 * ```
 */
export function optional<T>(schema: Schema<T>): Schema<T | undefined> {
  return {
    expected: `${schema.expected}, or nothing`,
    validate: (value, path) => value === undefined ? ok(undefined) : schema.validate(value, path),
  };
}

/**
 * Arrays of `item` with at least `minLength` items, each checked at `path[i]`.
 *
 * @example
 * ```ts
 * import { schema } from "@byol/tfjs/byol";
 *
 * schema.array(schema.integer(1), { minLength: 1 }).validate([32, 0], "channels");
 * // left(["channels[1]: expected an integer >= 1, got 0"])
 * ```
 */
export function array<T>(
  item: Schema<T>,
  { minLength = 0 }: { readonly minLength?: number } = {},
): Schema<readonly T[]> {
  const expected = `a list of ${minLength > 0 ? `at least ${minLength} ` : ""}items, each ` +
    item.expected;
  return {
    expected,
    validate: (value, path) =>
      Array.isArray(value) && value.length >= minLength
        ? readonlyArray.sequence(validationApplicative)(
          value.map((x, i) => item.validate(x, at(path, i))),
        )
        : problem(path, `expected ${expected}, got ${shown(value)}`),
  };
}

/**
 * Arrays of exactly one value of each schema, in order.
 *
 * @example
 * ```ts
 * import { schema } from "@byol/tfjs/byol";
 *
 * const { integer, tuple } = schema;
 * const imageShape = tuple(integer(1), integer(1), integer(1)); // [height, width, channels]
 * ```
 */
export function tuple<const S extends readonly Schema<unknown>[]>(
  ...items: S
): Schema<{ readonly [I in keyof S]: TypeOf<S[I]> }> {
  const expected = `[${items.map((s) => s.expected).join(", ")}]`;
  return {
    expected,
    validate: (value, path) =>
      Array.isArray(value) && value.length === items.length
        ? readonlyArray.sequence(validationApplicative)(
          items.map((s, i) => s.validate(value[i], at(path, i))),
        ) as Validation<never>
        : problem(path, `expected ${expected}, got ${shown(value)}`),
  };
}

/**
 * `[low, high]` with both of `bound` and `low <= high`.
 *
 * @example
 * ```ts
 * import { schema } from "@byol/tfjs/byol";
 *
 * schema.range(schema.between(0, 1)).validate([0.8, 0.3], "crop.scale");
 * // left(["crop.scale: expected [low, high] with low <= high, got [0.8,0.3]"])
 * ```
 */
export function range(bound: Schema<number>): Schema<readonly [number, number]> {
  const pair = tuple(bound, bound);
  const expected = `[low, high], each ${bound.expected}, low <= high`;
  return {
    expected,
    validate: (value, path) =>
      Array.isArray(value) && value.length === 2
        ? either.flatMap(
          pair.validate(value, path),
          ([low, high]) =>
            low <= high
              ? ok([low, high] as const)
              : problem(path, `expected [low, high] with low <= high, got ${shown(value)}`),
        )
        : problem(path, `expected ${expected}, got ${shown(value)}`),
  };
}

/** The fields of a {@link struct}: a schema by name. */
export type Fields = Readonly<Record<string, Schema<unknown>>>;

/** The schema of each field of a config type `C`: the {@link Fields} whose struct is a `C`. */
export type FieldsOf<C> = { readonly [K in keyof C]-?: Schema<C[K]> };

/** The value of a {@link struct} of `F`. */
export type StructOf<F extends Fields> = { readonly [K in keyof F]: TypeOf<F[K]> };

/** The edit distance between `a` and `b`: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length];
}

/**
 * The candidate closest to `name` by edit distance (ignoring case), when it is close enough to
 * be a likely misspelling (at most a third of its letters, at least 1, differ), else `undefined`.
 *
 * @example
 * ```ts
 * import { schema } from "@byol/tfjs/byol";
 *
 * schema.closest("weightDecy", ["learningRate", "weightDecay"]); // "weightDecay"
 * schema.closest("seeds", ["epochs"]); // undefined
 * ```
 */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d <= limit && d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

/** ` (did you mean X?)` for the candidate closest to `name`, or `""`. */
const didYouMean = (name: string, candidates: readonly string[], show = (s: string) => s) => {
  const match = closest(name, candidates);
  return match === undefined ? "" : ` (did you mean ${show(match)}?)`;
};

function checkFields<F extends Fields>(
  fields: F,
  value: Readonly<Record<string, unknown>>,
  path: string,
): Validation<StructOf<F>> {
  const names = Object.keys(fields);
  const unknown = Object.keys(value).filter((k) => !Object.hasOwn(fields, k));
  const extra = unknown.map((k) =>
    problem(
      at(path, k),
      `unexpected field${didYouMean(k, names)} (expected only ${names.join(", ")})`,
    )
  );
  // A missing field that an unknown one misspells is reported once, as the misspelling.
  const misspelt = new Set(unknown.map((k) => closest(k, names)));
  const checked = names.filter((k) => !(misspelt.has(k) && value[k] === undefined)).map((k) =>
    either.map((v) => [k, v] as const)(fields[k].validate(value[k], at(path, k)))
  );
  return either.map((entries: readonly (readonly [string, unknown])[]) =>
    Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as StructOf<F>
  )(readonlyArray.sequence(validationApplicative)([...checked, ...extra]));
}

/**
 * Objects with exactly the given fields (a missing or an unknown field is a problem, a missing
 * {@link optional} one is not), each checked at `path.name`; the value has them in the schema's
 * order. An unknown field names the closest valid one ({@link closest}), and stands alone for
 * a missing field it misspells.
 *
 * @example
 * ```ts
 * import { schema } from "@byol/tfjs/byol";
 *
 * const head = schema.struct({ hidden: schema.integer(1), out: schema.integer(1) });
 * head.validate({ hidden: 0, outs: 2 }, "projector");
 * // left(["projector.hidden: expected an integer >= 1, got 0",
 * //       "projector.outs: unexpected field (did you mean out?) (expected only hidden, out)"])
 * ```
 */
export function struct<F extends Fields>(fields: F): Schema<StructOf<F>> {
  const expected = `an object with ${Object.keys(fields).join(", ")}`;
  return {
    expected,
    validate: (value, path) =>
      isObject(value)
        ? checkFields(fields, value, path)
        : problem(path, `expected ${expected}, got ${shown(value)}`),
  };
}

/** The value of a {@link tagged} union: one member's struct with its name under `Tag`. */
export type TaggedOf<Tag extends string, M extends Readonly<Record<string, Fields>>> = {
  [K in keyof M & string]: { readonly [T in Tag]: K } & StructOf<M[K]>;
}[keyof M & string];

/**
 * Objects whose field `tag` names a member and whose other fields are that member's: a
 * discriminated union. The value has the tag first, then the member's fields.
 *
 * @example
 * ```ts
 * import { schema } from "@byol/tfjs/byol";
 *
 * const { nonNegative, positive } = schema;
 * const optimizer = schema.tagged("kind", {
 *   sgd: { learningRate: positive },
 *   adamw: { learningRate: positive, weightDecay: nonNegative },
 * });
 * optimizer.validate({ kind: "adamw", learningRate: 2e-3, weightDecay: 0 }, "optimizer");
 * ```
 */
export function tagged<Tag extends string, M extends Readonly<Record<string, Fields>>>(
  tag: Tag,
  members: M,
): Schema<TaggedOf<Tag, M>> {
  const names = Object.keys(members);
  const expected = `an object with "${tag}" one of ${names.map((n) => `"${n}"`).join(", ")}`;
  return {
    expected,
    validate: (value, path) => {
      if (!isObject(value)) return problem(path, `expected ${expected}, got ${shown(value)}`);
      const { [tag]: name, ...rest } = value;
      if (typeof name !== "string" || !Object.hasOwn(members, name)) {
        return problem(
          at(path, tag),
          `expected one of ${names.join(", ")}, got ${shown(name)}` +
            (typeof name === "string" ? didYouMean(name, names) : ""),
        );
      }
      return either.map((fields: object) => ({ [tag]: name, ...fields }) as TaggedOf<Tag, M>)(
        checkFields(members[name], rest, path),
      );
    },
  };
}

/**
 * A rule across fields, for {@link withRules}: the paths it reads (relative to the value checked,
 * e.g. `dataset.train.count`), and its check, which may read only those and returns its problems,
 * each `path: text` with the path relative to the value too.
 *
 * @example
 * ```ts
 * import { schema } from "@byol/tfjs/byol";
 *
 * const ordered: schema.Rule<{ readonly min: number; readonly max: number }> = {
 *   reads: ["min", "max"],
 *   check: ({ min, max }) => min <= max ? [] : [`max: expected at least min (${min}), got ${max}`],
 * };
 * ```
 */
export interface Rule<T> {
  /** The paths the check reads. */
  readonly reads: readonly string[];
  /** The problems of a value whose `reads` are valid. */
  readonly check: (value: T) => readonly string[];
}

const PATH = /^[\w$-]+(\.[\w$-]+|\[\d+\])*$/;

/**
 * The path a problem names (`path: text`), or `""` (the whole value) when it names none.
 *
 * @example
 * ```ts
 * import { schema } from "@byol/tfjs/byol";
 *
 * schema.problemPath("preset.views[0].crop.scale: expected ..."); // "preset.views[0].crop.scale"
 * ```
 */
export function problemPath(message: string): string {
  const colon = message.indexOf(": ");
  const path = colon < 0 ? "" : message.slice(0, colon);
  return PATH.test(path) ? path : "";
}

const within = (inner: string, outer: string) =>
  outer === "" || inner === outer || inner.startsWith(`${outer}.`) ||
  inner.startsWith(`${outer}[`);

/**
 * `schema` and rules across its fields: each rule runs when the fields it reads are valid, even
 * when others are not, so that every problem is reported at once.
 *
 * @example
 * ```ts
 * import { schema } from "@byol/tfjs/byol";
 *
 * const bounds = schema.withRules(
 *   schema.struct({ min: schema.integer(0), max: schema.integer(0), step: schema.integer(1) }),
 *   [{
 *     reads: ["min", "max"],
 *     check: ({ min, max }) => min <= max ? [] : [`max: expected at least ${min}, got ${max}`],
 *   }],
 * );
 * bounds.validate({ min: 3, max: 1, step: 0 }, "bounds");
 * // left(["bounds.step: expected an integer >= 1, got 0",
 * //       "bounds.max: expected at least 3, got 1"])
 * ```
 */
export function withRules<T>(schema: Schema<T>, rules: readonly Rule<T>[]): Schema<T> {
  return {
    expected: schema.expected,
    validate: (value, path) => {
      const checked = schema.validate(value, path);
      const failed = either.isLeft(checked) ? checked.left.map(problemPath) : [];
      const readable = (read: string) => {
        const full = at(path, read);
        return failed.every((f) => !within(full, f) && !within(f, full));
      };
      // A rule reads only its `reads`, which the schema found valid.
      const subject = either.isRight(checked) ? checked.right : value as T;
      const found = rules.filter((r) => r.reads.every(readable)).flatMap((r) =>
        r.check(subject).map((m) => path === "" ? m : `${path}.${m}`)
      );
      if (found.length === 0) return checked;
      return either.left([...(either.isLeft(checked) ? checked.left : []), ...found]);
    },
  };
}

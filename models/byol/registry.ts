/**
 * The machinery shared by the registries a preset names its parts from (encoders by `arch`,
 * optimizers by `kind`): from a record of entries, each with its config's fields and defaults,
 * the schema of a tagged preset `{ [tag]: name, ...config }`, the preset of a name with its
 * defaults, and the check that resolves a preset to its entry and config.
 *
 * @module
 */
import { type FieldsOf, getOrThrow, type Schema, tagged } from "./schema.ts";

/** What every registered entry has: its help line, its config's fields and its defaults. */
export interface RegistryEntry<C> {
  /** One line for `--help`. */
  readonly help: string;
  /** The schema of each config field (without the tag). */
  readonly fields: FieldsOf<C>;
  /** A complete config, the starting point of a preset. */
  readonly defaults: C;
}

/** The entries of a registry: for each name of `Configs`, an entry of that name's config. */
export type EntriesOf<Configs> = { readonly [N in keyof Configs]: RegistryEntry<Configs[N]> };

/** A tagged preset: `{ [Tag]: N, ...config }` of a registered name `N` (default: any). */
export type TaggedPreset<Tag extends string, Configs, N extends keyof Configs = keyof Configs> =
  N extends keyof Configs ? { readonly [T in Tag]: N } & Configs[N] : never;

/** A registry's schema, preset builder and resolver, from {@link registry}. */
export interface Registry<
  Tag extends string,
  Configs,
  Entries extends EntriesOf<Configs>,
> {
  /** The schema of a preset, from every entry's fields. */
  readonly schema: Schema<TaggedPreset<Tag, Configs>>;
  /** The preset of `name`: its registered defaults, then `overrides`. */
  readonly preset: <N extends keyof Configs>(
    name: N,
    overrides?: Partial<Configs[N]>,
  ) => TaggedPreset<Tag, Configs, N>;
  /**
   * What `use` makes of a preset's entry and config, once the preset is checked; throws an
   * `Error` whose message starts with `fn` and names every field that does not fit.
   */
  readonly resolve: <R>(
    preset: TaggedPreset<Tag, Configs>,
    fn: string,
    use: <N extends keyof Configs>(entry: Entries[N], config: Configs[N]) => R,
  ) => R;
}

/**
 * The registry of `entries`, whose presets name their entry under `tag` and whose problems are
 * reported at `path` (e.g. `encoder.stem`).
 *
 * @example
 * ```ts
 * import { positive } from "./schema.ts";
 * import { registry } from "./registry.ts";
 *
 * interface Configs {
 *   readonly sgd: { readonly learningRate: number };
 * }
 * const entries = {
 *   sgd: { help: "plain SGD", fields: { learningRate: positive }, defaults: { learningRate: 0.1 } },
 * };
 * const optimizers = registry<"kind", Configs, typeof entries>("kind", "optimizer", entries);
 * const preset = optimizers.preset("sgd", { learningRate: 0.5 }); // { kind: "sgd", learningRate: 0.5 }
 * optimizers.resolve(preset, "example", (entry, config) => `${entry.help} at ${config.learningRate}`);
 * ```
 */
export function registry<Tag extends string, Configs, Entries extends EntriesOf<Configs>>(
  tag: Tag,
  path: string,
  entries: Entries,
): Registry<Tag, Configs, Entries> {
  type Preset<N extends keyof Configs = keyof Configs> = TaggedPreset<Tag, Configs, N>;
  const names = Object.keys(entries) as (keyof Configs & string)[];
  const schema = tagged(
    tag,
    Object.fromEntries(names.map((name) => [name, entries[name].fields])),
  ) as unknown as Schema<Preset>;
  function preset<N extends keyof Configs>(
    name: N,
    overrides: Partial<Configs[N]> = {},
  ): Preset<N> {
    return { [tag]: name, ...entries[name].defaults, ...overrides } as Preset<N>;
  }
  function resolve<R>(
    preset: Preset,
    fn: string,
    use: <N extends keyof Configs>(entry: Entries[N], config: Configs[N]) => R,
  ): R {
    const { [tag]: name, ...config }: Record<string, unknown> = getOrThrow(
      schema.validate(preset, path),
      fn,
    );
    return use(entries[name as keyof Configs], config as Configs[keyof Configs]);
  }
  return { schema, preset, resolve };
}

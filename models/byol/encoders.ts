/**
 * The encoders a preset can name, registered once: each with its config type, help text, the
 * schema of its config fields (type-checked against the config type), defaults, and the builder
 * of its layer. A preset's `encoder` is `{ arch, ...config }`; its type, the `--help` text and
 * the check of a run's `config.json` all follow from {@link EncoderConfigs} and {@link encoders}.
 *
 * To add an encoder, add its config type to {@link EncoderConfigs} and its entry to
 * {@link encoders}, both here (its layer lives in its own module).
 *
 * @module
 */
import type { Layer } from "../../mod.ts";
import { convNet } from "../convnet.ts";
import { resnet18, resnet34, resnet50 } from "../resnet.ts";
import { registry } from "./registry.ts";
import { array, type FieldsOf, integer, oneOf, positive, type Schema } from "./schema.ts";

/** One registered encoder: what it is, its config's fields and defaults, and its builder. */
export interface EncoderEntry<C extends object> {
  /** One line for `--help`: the architecture and its features. */
  readonly help: string;
  /** The schema of each config field (without `arch`), which checks it in `config.json`. */
  readonly fields: FieldsOf<C>;
  /** A complete config, the starting point of {@link encoderPreset}. */
  readonly defaults: C;
  /** The encoder layer of a config: images `[batch, h, w, c]` to features `[batch, dim]`. */
  readonly build: (config: C) => Layer;
}

/** The config of a ResNet encoder (`models/resnet.ts`). */
export interface ResNetConfig {
  /** `small` (3x3 stride 1, for 28-32 px), `strided` (3x3 stride 2) or `imagenet` (7x7 + pool). */
  readonly stem: "small" | "strided" | "imagenet";
  /** Multiplier on every channel count. */
  readonly width: number;
}

/** The config of a plain conv-net encoder (`models/convnet.ts`). */
export interface ConvNetConfig {
  /** Output channels of each layer. */
  readonly channels: readonly number[];
  /** Stride of each layer. */
  readonly strides: readonly number[];
  /** Side of the grid the last feature map is averaged to (1: global average pooling). */
  readonly poolGrid: number;
}

/** The config type of each registered encoder, by `arch`. */
export interface EncoderConfigs {
  /** ResNet-18 (`models/resnet.ts`). */
  readonly resnet18: ResNetConfig;
  /** ResNet-34 (`models/resnet.ts`). */
  readonly resnet34: ResNetConfig;
  /** ResNet-50 (`models/resnet.ts`). */
  readonly resnet50: ResNetConfig;
  /** A plain conv net (`models/convnet.ts`). */
  readonly convnet: ConvNetConfig;
}

/** The name of a registered encoder. */
export type EncoderName = keyof EncoderConfigs;

const resnet = (build: typeof resnet18, name: string, features: number) => ({
  help: `${name} (He et al. 2016); stem small (28-32 px), strided or imagenet; ` +
    `${features} x width features`,
  fields: { stem: oneOf("small", "strided", "imagenet"), width: positive },
  defaults: { stem: "small", width: 1 },
  build: ({ stem, width }) => build({ stem, width }),
} satisfies EncoderEntry<ResNetConfig>);

/**
 * Every encoder by `arch`: its entry, typed by its config in {@link EncoderConfigs}.
 *
 * @example
 * ```ts
 * import { encoders } from "@byol/tfjs/byol";
 *
 * for (const [arch, { help, defaults }] of Object.entries(encoders)) console.log(arch, help, defaults);
 * const layer = encoders.convnet.build({ ...encoders.convnet.defaults, poolGrid: 2 });
 * ```
 */
export const encoders: { readonly [A in EncoderName]: EncoderEntry<EncoderConfigs[A]> } = {
  resnet18: resnet(resnet18, "ResNet-18", 512),
  resnet34: resnet(resnet34, "ResNet-34", 512),
  resnet50: resnet(resnet50, "ResNet-50", 2048),
  convnet: {
    help: "plain 3x3 conv -> batch norm -> relu layers (channels, strides), last map averaged " +
      "to poolGrid x poolGrid cells",
    fields: {
      channels: array(integer(1), { minLength: 1 }),
      strides: array(integer(1), { minLength: 1 }),
      poolGrid: integer(1),
    },
    defaults: { channels: [32, 64, 64, 128, 128], strides: [1, 2, 1, 2, 1], poolGrid: 1 },
    build: ({ channels, strides, poolGrid }) => convNet({ channels, strides, poolGrid }),
  },
};

/** A preset's encoder: `{ arch, ...config }` of a registered encoder `A` (default: any). */
export type EncoderPreset<A extends EncoderName = EncoderName> = A extends EncoderName
  ? { readonly arch: A } & EncoderConfigs[A]
  : never;

/** A ResNet encoder. */
export type ResNetPreset = EncoderPreset<"resnet18" | "resnet34" | "resnet50">;
/** A plain conv-net encoder. */
export type ConvNetPreset = EncoderPreset<"convnet">;

const registered = registry<"arch", EncoderConfigs, typeof encoders>("arch", "encoder", encoders);

/**
 * The schema of a preset's `encoder`, from the registered encoders' fields.
 *
 * @example
 * ```ts
 * import { encoderPresetSchema } from "@byol/tfjs/byol";
 *
 * encoderPresetSchema.validate({ arch: "convnet", channels: [8], strides: [2] }, "encoder");
 * // left(["encoder.poolGrid: expected an integer >= 1, got nothing"])
 * ```
 */
export const encoderPresetSchema: Schema<EncoderPreset> = registered.schema;

/**
 * A preset's encoder `arch` with its registered defaults, then `overrides`.
 *
 * @example
 * ```ts
 * import { encoderPreset } from "@byol/tfjs/byol";
 *
 * encoderPreset("resnet50", { stem: "imagenet" }); // { arch: "resnet50", stem: "imagenet", width: 1 }
 * ```
 */
export function encoderPreset<A extends EncoderName>(
  arch: A,
  overrides: Partial<EncoderConfigs[A]> = {},
): EncoderPreset<A> {
  return registered.preset(arch, overrides);
}

/**
 * The encoder layer a preset describes. Throws naming every field that does not fit its
 * registered encoder (and the registered names for an unknown `arch`).
 *
 * @example
 * ```ts
 * import { random, tree } from "@byol/tfjs";
 * import { encoderOf } from "@byol/tfjs/byol";
 *
 * const encoder = encoderOf({ arch: "resnet18", stem: "small", width: 0.5 });
 * const { params, state } = encoder.init(random.key(0), [32, 32, 3]);
 * tree.dispose([params, state]);
 * ```
 */
export function encoderOf(preset: EncoderPreset): Layer {
  return registered.resolve(preset, "encoderOf", (entry, config) => entry.build(config));
}

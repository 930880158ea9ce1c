/**
 * The optimizers a preset can name, registered once: each with its config type, help text, the
 * schema of its config fields (type-checked against the config type), defaults, the peak
 * learning rate it runs at, and its builder. A preset's `optimizer` is `{ kind, ...config }`;
 * its type, the `--help` text and the check of a run's `config.json` follow from
 * {@link OptimizerConfigs} and {@link optimizers}. As BYOL does, weight decay and LARS's trust ratio skip biases and
 * batch-norm parameters (`optim.excludeBiasAndNorm`).
 *
 * To add an optimizer, add its config type to {@link OptimizerConfigs} and its entry to
 * {@link optimizers}, both here.
 *
 * @module
 */
import {
  type GradientTransformation,
  type Leaf,
  optim,
  type Schedule,
  type Tree,
} from "../../mod.ts";
import { registry } from "./registry.ts";
import { between, type FieldsOf, nonNegative, positive, type Schema } from "./schema.ts";

/** One registered optimizer: what it is, its config's fields and defaults, and its builder. */
export interface OptimizerEntry<C extends object> {
  /** One line for `--help`. */
  readonly help: string;
  /** The schema of each config field (without `kind`), which checks it in `config.json`. */
  readonly fields: FieldsOf<C>;
  /** A complete config, the starting point of {@link optimizerPreset}. */
  readonly defaults: C;
  /** The peak learning rate of a run at `batchSize` (what `--lr` replaces). */
  readonly peakLearningRate: (config: C, batchSize: number) => number;
  /** The optimizer of a config, at the learning rate `learningRate` (a schedule of the step). */
  readonly build: (config: C, learningRate: Schedule) => GradientTransformation<Tree<Leaf>>;
}

/** The config of LARS as BYOL uses it. */
export interface LarsConfig {
  /** Learning rate per 256 images: the rate used is `baseLearningRate * batchSize / 256`. */
  readonly baseLearningRate: number;
  /** Decay of the momentum trace, in [0, 1). */
  readonly momentum: number;
  /** Weight decay coefficient (not on biases and norm parameters). */
  readonly weightDecay: number;
  /** The trust coefficient of the layer-wise trust ratio. */
  readonly eta: number;
}

/** The config of AdamW; `weightDecay: 0` is plain Adam. */
export interface AdamwConfig {
  /** The peak learning rate. */
  readonly learningRate: number;
  /** Decoupled weight decay coefficient (not on biases and norm parameters). */
  readonly weightDecay: number;
}

/** The config type of each registered optimizer, by `kind`. */
export interface OptimizerConfigs {
  /** LARS (You et al. 2017). */
  readonly lars: LarsConfig;
  /** AdamW (Loshchilov & Hutter 2019). */
  readonly adamw: AdamwConfig;
}

/** The name of a registered optimizer. */
export type OptimizerName = keyof OptimizerConfigs;

const mask = optim.excludeBiasAndNorm;

/**
 * Every optimizer by `kind`: its entry, typed by its config in {@link OptimizerConfigs}.
 *
 * @example
 * ```ts
 * import { optimizers } from "@byol/tfjs/byol";
 *
 * const lars = optimizers.lars.defaults; // the paper's: base rate 0.2, momentum 0.9, ...
 * console.log(optimizers.lars.peakLearningRate(lars, 4096)); // 3.2
 * ```
 */
export const optimizers: {
  readonly [K in OptimizerName]: OptimizerEntry<OptimizerConfigs[K]>;
} = {
  lars: {
    help: "LARS (You et al. 2017): momentum SGD with a layer-wise trust ratio; the learning " +
      "rate is baseLearningRate x batch size / 256",
    fields: {
      baseLearningRate: positive,
      momentum: between(0, 1, "open"),
      weightDecay: nonNegative,
      eta: positive,
    },
    defaults: { baseLearningRate: 0.2, momentum: 0.9, weightDecay: 1.5e-6, eta: 1e-3 },
    peakLearningRate: ({ baseLearningRate }, batchSize) => baseLearningRate * batchSize / 256,
    build: ({ momentum, weightDecay, eta }, learningRate) =>
      optim.lars({ learningRate, momentum, weightDecay, eta, mask }),
  },
  adamw: {
    help: "Adam with decoupled weight decay (Loshchilov & Hutter 2019); weightDecay 0 is Adam",
    fields: { learningRate: positive, weightDecay: nonNegative },
    defaults: { learningRate: 1e-3, weightDecay: 1e-4 },
    peakLearningRate: ({ learningRate }) => learningRate,
    build: ({ weightDecay }, learningRate) => optim.adamw({ learningRate, weightDecay, mask }),
  },
};

/** A preset's optimizer: `{ kind, ...config }` of a registered optimizer `K` (default: any). */
export type OptimizerPreset<K extends OptimizerName = OptimizerName> = K extends OptimizerName
  ? { readonly kind: K } & OptimizerConfigs[K]
  : never;

/** LARS as BYOL uses it. */
export type LarsPreset = OptimizerPreset<"lars">;
/** AdamW; `weightDecay: 0` is plain Adam. */
export type AdamPreset = OptimizerPreset<"adamw">;

const registered = registry<"kind", OptimizerConfigs, typeof optimizers>(
  "kind",
  "optimizer",
  optimizers,
);

/**
 * The schema of a preset's `optimizer`, from the registered optimizers' fields.
 *
 * @example
 * ```ts
 * import { optimizerPresetSchema } from "@byol/tfjs/byol";
 *
 * optimizerPresetSchema.validate({ kind: "sgd" }, "optimizer");
 * // left(['optimizer.kind: expected one of lars, adamw, got "sgd"'])
 * ```
 */
export const optimizerPresetSchema: Schema<OptimizerPreset> = registered.schema;

/**
 * A preset's optimizer `kind` with its registered defaults, then `overrides`.
 *
 * @example
 * ```ts
 * import { optimizerPreset } from "@byol/tfjs/byol";
 *
 * optimizerPreset("adamw", { learningRate: 2e-3 }); // { kind: "adamw", learningRate: 2e-3, weightDecay: 1e-4 }
 * ```
 */
export function optimizerPreset<K extends OptimizerName>(
  kind: K,
  overrides: Partial<OptimizerConfigs[K]> = {},
): OptimizerPreset<K> {
  return registered.preset(kind, overrides);
}

/**
 * The peak learning rate a preset's optimizer runs at with batches of `batchSize` (LARS scales
 * its rate per 256 images).
 *
 * @example
 * ```ts
 * import { peakLearningRate } from "@byol/tfjs/byol";
 *
 * peakLearningRate({ kind: "lars", baseLearningRate: 0.2, momentum: 0.9, weightDecay: 0, eta: 1e-3 }, 4096); // 3.2
 * ```
 */
export function peakLearningRate(preset: OptimizerPreset, batchSize: number): number {
  return registered.resolve(
    preset,
    "peakLearningRate",
    (entry, config) => entry.peakLearningRate(config, batchSize),
  );
}

/**
 * The optimizer a preset describes, at the learning rate `learningRate`. Throws naming every
 * field that does not fit its registered optimizer.
 *
 * @example
 * ```ts
 * import { schedules, tf, tree } from "@byol/tfjs";
 * import { optimizerOf, optimizerPreset } from "@byol/tfjs/byol";
 *
 * const opt = optimizerOf(optimizerPreset("adamw"), schedules.constant(1e-3));
 * const params = { w: tf.ones([2, 2]) };
 * const state = opt.init(params);
 * tree.dispose([params, state]);
 * ```
 */
export function optimizerOf(
  preset: OptimizerPreset,
  learningRate: Schedule,
): GradientTransformation<Tree<Leaf>> {
  return registered.resolve(
    preset,
    "optimizerOf",
    (entry, config) => entry.build(config, learningRate),
  );
}

/**
 * Health signals of a BYOL state, measured on un-augmented images: whether the online network's
 * projections have collapsed, and how far its predictions are from the target's projections.
 *
 * @module
 */
import { data, type ImageDataset, random, tf, tree } from "../../mod.ts";
import type { Byol, ByolState } from "./byol.ts";
import { collapseSignal, regressionLoss } from "./loss.ts";

/**
 * How the health signals are measured and judged: on the first `images` images of a split (the
 * same ones at every evaluation), `batchSize` at a time; a state is collapsed when its relative
 * projection spread ({@link HealthSignals}`.relativeStd`) is below `collapsedBelow`.
 *
 * @example
 * ```ts
 * import { HEALTH } from "@byol/tfjs/byol";
 *
 * console.log(`collapsed below ${HEALTH.collapsedBelow} of 1/sqrt(d)`);
 * ```
 */
export const HEALTH: {
  readonly images: number;
  readonly batchSize: number;
  readonly collapsedBelow: number;
} = { images: 1024, batchSize: 256, collapsedBelow: 0.1 };

/** What {@link measureHealth} found. */
export interface HealthSignals {
  /** Images measured. */
  readonly images: number;
  /** The projections' dimension `d`. */
  readonly dim: number;
  /**
   * The collapse measure: the standard deviation over the images of each dimension of the
   * l2-normalised online projections, averaged over the dimensions (`collapseSignal`). About
   * `1/sqrt(d)` when the projections spread over the sphere, 0 when every image maps to one point.
   */
  readonly projectionStd: number;
  /** `projectionStd * sqrt(d)`: about 1 when well spread, 0 when collapsed. */
  readonly relativeStd: number;
  /**
   * `1 - mean cos(prediction, target projection)`: the online network's predictions against the
   * target network's projections of the same images (the pair the loss regresses, so it is half
   * the loss on un-augmented images); without a target (SimSiam) the online projections. 0 when
   * the predictions match, 1 when orthogonal.
   */
  readonly cosineGap: number;
  /** Whether `relativeStd < HEALTH.collapsedBelow`. */
  readonly collapsed: boolean;
}

/**
 * The health signals from the collapse measure and cosine gap of `images` images of dimension
 * `dim` (see {@link HealthSignals}). Pure arithmetic.
 *
 * @example
 * ```ts
 * import { judgeHealth } from "@byol/tfjs/byol";
 *
 * judgeHealth({ projectionStd: 0.001, cosineGap: 0, dim: 256, images: 1024 }).collapsed; // true
 * ```
 */
export function judgeHealth(
  { projectionStd, cosineGap, dim, images }: Omit<HealthSignals, "relativeStd" | "collapsed">,
): HealthSignals {
  const relativeStd = projectionStd * Math.sqrt(dim);
  return {
    images,
    dim,
    projectionStd,
    relativeStd,
    cosineGap,
    collapsed: relativeStd < HEALTH.collapsedBelow,
  };
}

/**
 * The online projections, online predictions and target projections (the online projections
 * without a target) of `images`. The networks run as the loss runs them, batch norm on the
 * batch's statistics (its new running statistics are dropped): with running statistics, a
 * random initialisation's projections all share one large mean direction and would read as
 * collapsed. Consumes nothing.
 */
function outputs(model: Byol, state: ByolState, images: tf.Tensor): tf.Tensor[] {
  return tf.tidy(() => {
    const bn = state.bnState;
    const as = (path: string) => ({ training: true, path });
    const z = model.online.apply(state.online, bn.online, images, as("online")).y;
    const q = model.predictor.apply(state.predictor, bn.predictor, z, as("predictor")).y;
    const t = state.target === null || bn.target === null
      ? z
      : model.online.apply(state.target, bn.target, images, as("target")).y;
    return [z, q, t];
  });
}

/**
 * The health signals of `state` on the first `HEALTH.images` images of `dataset` (all of them
 * when it has fewer), un-augmented, in batches of at most `HEALTH.batchSize` (batch norm on each batch's
 * statistics, as in training; the state is not changed): the collapse measure of the
 * online projections and the online-target cosine gap (see {@link HealthSignals}). `signal`
 * stops it between batches (it then throws the signal's reason). Consumes nothing; frees every
 * tensor it makes.
 *
 * @example
 * ```ts
 * import { data, random, tree } from "@byol/tfjs";
 * import { byol, fashionMnist, fromPreset, measureHealth } from "@byol/tfjs/byol";
 *
 * const model = byol(fromPreset(fashionMnist, { stepsPerEpoch: 10 }));
 * const state = model.init(random.key(0), [28, 28, 1]);
 * const health = await measureHealth(model, state, data.shapes(random.key(1), { count: 256 }));
 * console.log(health.relativeStd, health.cosineGap, health.collapsed);
 * tree.dispose(state);
 * ```
 */
export async function measureHealth(
  model: Byol,
  state: ByolState,
  dataset: ImageDataset,
  { signal }: { readonly signal?: AbortSignal } = {},
): Promise<HealthSignals> {
  const count = Math.min(HEALTH.images, dataset.shape[0]);
  const first = data.selectExamples(dataset, Int32Array.from({ length: count }, (_, i) => i));
  const parts: tf.Tensor[][] = [];
  try {
    // Batches of even size: batch norm on a batch of one or two images says little.
    const batchSize = Math.ceil(count / Math.ceil(count / HEALTH.batchSize));
    const batches = data.epochBatches(random.key(0), first, { batchSize, shuffle: false });
    for await (const { images, labels } of batches) {
      try {
        signal?.throwIfAborted();
        parts.push(outputs(model, state, images));
      } finally {
        tf.dispose([images, labels]);
      }
    }
    const [std, loss] = tf.tidy(() => {
      const [z, q, t] = [0, 1, 2].map((i) => tf.concat(parts.map((p) => p[i])));
      return [collapseSignal(z), regressionLoss(q, t)];
    });
    const [projectionStd, twiceGap] = await Promise.all([std.data(), loss.data()]);
    tf.dispose([std, loss]);
    return judgeHealth({
      images: count,
      dim: parts[0][0].shape[1]!,
      projectionStd: projectionStd[0],
      cosineGap: twiceGap[0] / 2,
    });
  } finally {
    tree.dispose(parts);
  }
}

/**
 * The embedding picture's data: test features projected to 2-D (UMAP via `umap-js`, or the
 * top two principal components as the fast fallback), with their labels and class names, as a
 * plain JSON-ready object that a run folder stores (`embedding.json`) and pages draw.
 *
 * Pure: no DOM, no file system. UMAP's randomness comes from a key, so the same features and key
 * give the same picture.
 *
 * @module
 */
import { type Key, threefry2x32 } from "../random.ts";
import { pca2 } from "./pca.ts";

/** How an {@link Embedding}'s points were found. */
export type EmbeddingMethod = "umap" | "pca";

/**
 * Features projected to 2-D, as stored in a run folder's `embedding.json`: `points` is `[n, 2]`
 * row-major (`x0, y0, x1, y1, ...`), `labels[i]` the class index of point `i`.
 */
export interface Embedding {
  /** The optimizer steps the encoder had completed. */
  readonly step: number;
  /** How the points were found. */
  readonly method: EmbeddingMethod;
  /** `[n, 2]` row-major coordinates. */
  readonly points: number[];
  /** The class index of each point. */
  readonly labels: number[];
  /** The name of each class. */
  readonly classNames: string[];
}

/** Options for {@link embedding2d}. */
export interface Embedding2dOptions {
  /** `[n, columns]` row-major features. */
  readonly features: Float32Array;
  /** Features per row. */
  readonly columns: number;
  /** The class index of each row. */
  readonly labels: ArrayLike<number>;
  /** The name of each class. */
  readonly classNames: readonly string[];
  /** The step the features are from, recorded in the result. */
  readonly step: number;
  /** Drives UMAP's randomness (e.g. the run's key). */
  readonly key: Key;
  /** `auto` (default): UMAP unless there are too few points for it; or force one. */
  readonly method?: "auto" | EmbeddingMethod;
  /** At most this many rows (the first ones) are projected (default 2000). */
  readonly maxPoints?: number;
  /** UMAP's optimisation epochs (default {@link UMAP_EPOCHS}). */
  readonly umapEpochs?: number;
}

/**
 * UMAP's default optimisation epochs: umap-learn's for large datasets. umap-js's own default
 * (500 up to 10,000 points) takes 6.1 s for 2,000 points on a 2-core machine, 200 take 3.6 s,
 * and each run of a training session draws one picture per evaluation.
 */
export const UMAP_EPOCHS = 200;

/** UMAP's neighbourhood size; `auto` uses PCA when there are fewer than 3 times as many points. */
export const UMAP_NEIGHBORS = 15;

/** A deterministic stream of uniform draws in [0, 1) from `key`: Threefry of a counter. */
function uniformStream(key: Key): () => number {
  let counter = 0;
  return () => threefry2x32(key, counter++, 0)[0] / 2 ** 32;
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;

/**
 * Projects the first `maxPoints` rows of `features` to 2-D for the embedding picture: UMAP
 * (`umap-js`, `nNeighbors` {@link UMAP_NEIGHBORS}, random draws from `key`, so deterministic) or
 * PCA (`pca2`), which `auto` chooses when there are fewer than `3 * UMAP_NEIGHBORS` points.
 * Coordinates are rounded to 4 decimals. UMAP takes seconds for a few thousand points (about 7 s
 * for 2000 on one CPU core); PCA a fraction of that. Consumes nothing, writes nothing.
 *
 * @example
 * ```ts
 * import { plot, random } from "@byol/tfjs";
 *
 * const features = random.normalArray(random.key(0), 100 * 8); // 100 rows of 8 features
 * const labels = Array.from({ length: 100 }, (_, i) => i % 2);
 * const embedding = await plot.embedding2d({
 *   features, columns: 8, labels, classNames: ["even", "odd"], step: 0, key: random.key(1),
 *   method: "pca",
 * });
 * console.log(embedding.method, embedding.points.length); // "pca" 200
 * ```
 */
export async function embedding2d(o: Embedding2dOptions): Promise<Embedding> {
  const { features, columns, labels, classNames, step, key } = o;
  if (!Number.isInteger(columns) || columns < 1 || features.length % columns !== 0) {
    throw new Error(
      `embedding2d: ${features.length} features need { columns } dividing them, got ${columns}`,
    );
  }
  const rows = features.length / columns;
  if (labels.length !== rows) {
    throw new Error(`embedding2d: ${rows} feature rows but ${labels.length} labels`);
  }
  const n = Math.min(rows, o.maxPoints ?? 2000);
  if (n < 1) throw new Error("embedding2d: no features to project");
  const requested = o.method ?? "auto";
  if (requested === "umap" && n <= UMAP_NEIGHBORS) {
    throw new Error(`embedding2d: UMAP needs more than ${UMAP_NEIGHBORS} points, got ${n}`);
  }
  const method: EmbeddingMethod = requested === "auto"
    ? (n >= 3 * UMAP_NEIGHBORS ? "umap" : "pca")
    : requested;
  const rowsUsed = features.subarray(0, n * columns);
  let points: ArrayLike<number>;
  if (method === "pca") {
    points = await pca2(rowsUsed, { columns });
  } else {
    const { UMAP } = await import("umap-js");
    const data = Array.from(
      { length: n },
      (_, i) => Array.from(rowsUsed.subarray(i * columns, (i + 1) * columns)),
    );
    const umap = new UMAP({
      nComponents: 2,
      nNeighbors: UMAP_NEIGHBORS,
      nEpochs: o.umapEpochs ?? UMAP_EPOCHS,
      random: uniformStream(key),
    });
    points = umap.fit(data).flat();
  }
  return {
    step,
    method,
    points: Array.from(points, round),
    labels: Array.from({ length: n }, (_, i) => labels[i]),
    classNames: [...classNames],
  };
}

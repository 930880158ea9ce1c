/**
 * A run folder's `embedding.json`: the test images' online-encoder features projected to 2-D
 * (`plot.embedding2d`: UMAP, or PCA as the fast fallback), rewritten at each evaluation so that
 * `deno task dashboard` shows how the classes separate as the run learns. Needs Deno.
 *
 * @module
 */
import {
  type Embedding,
  type EmbeddingMethod,
  type FeatureSet,
  type Key,
  plot,
} from "../../../mod.ts";
import { writeRunFile } from "./run_folder.ts";

/** The file name of a run's embedding picture data. */
export const EMBEDDING_FILE = "embedding.json";

/** What {@link saveEmbedding} needs. */
export interface SaveEmbeddingOptions {
  /** The test images' features (e.g. the kNN monitor's); the first `maxPoints` are drawn. */
  readonly features: FeatureSet;
  /** The name of each class. */
  readonly classNames: readonly string[];
  /** The encoder's step, recorded in the file. */
  readonly step: number;
  /** Drives UMAP's randomness (the run's key gives the same picture on a rerun). */
  readonly key: Key;
  /** `auto` (default): UMAP unless there are too few points; or force one. */
  readonly method?: "auto" | EmbeddingMethod;
  /** At most this many test images (default 2000). */
  readonly maxPoints?: number;
}

/**
 * Projects the first `maxPoints` test features to 2-D (`plot.embedding2d`) and writes them to
 * `dir/embedding.json`, atomically, replacing the previous evaluation's. Returns what it wrote.
 * Consumes nothing.
 *
 * @example
 * ```ts
 * import { data, evaluation, random } from "@byol/tfjs";
 * import { saveEmbedding } from "@byol/tfjs/train";
 *
 * const test = data.shapes(random.key(1), { count: 64 });
 * const dir = await Deno.makeTempDir();
 * const embedding = await saveEmbedding(dir, {
 *   features: evaluation.pixelFeatures(test), classNames: test.classNames, step: 0,
 *   key: random.key(2), method: "pca",
 * });
 * ```
 */
export async function saveEmbedding(dir: string, o: SaveEmbeddingOptions): Promise<Embedding> {
  const { features } = o;
  const embedding = await plot.embedding2d({
    features: features.values,
    columns: features.dim,
    labels: features.labels,
    classNames: o.classNames,
    step: o.step,
    key: o.key,
    method: o.method,
    maxPoints: o.maxPoints,
  });
  await writeRunFile(dir, EMBEDDING_FILE, JSON.stringify(embedding) + "\n", { overwrite: true });
  return embedding;
}

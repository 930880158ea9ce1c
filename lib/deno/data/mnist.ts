/**
 * Finding MNIST-style IDX datasets (Fashion-MNIST, MNIST): an explicit directory (a CLI's
 * `--data DIR`) is the only place tried when given, and failing to load from it is an error.
 * Otherwise `$FASHION_MNIST_DIR` / `$MNIST_DIR`, then `./data/<name>`, then system directories
 * (Debian's `dataset-fashion-mnist` installs `/usr/share/datasets/fashion-mnist`), and failing
 * all of these a download from the official location into `./data/<name>`, each file verified by
 * SHA-256. When everything fails, the error lists every place tried and why.
 *
 * @module
 */
import { join } from "node:path";
import type { ImageDataset } from "../../data/dataset.ts";
import {
  FASHION_MNIST,
  type IdxDatasetSpec,
  type IdxFileSpec,
  MNIST,
  type Split,
} from "../../data/idx_specs.ts";
import { loadIdx } from "./idx_files.ts";
import { downloadVerified } from "./download.ts";
import type { ProgressSink } from "./progress.ts";
import { pathExists as exists } from "../io/fs.ts";
import type { WithLimits } from "../../io/limits.ts";

/** Options for {@link loadIdxDataset}. */
export interface LoadIdxDatasetOptions extends WithLimits {
  /** `train` or `test`. */
  readonly split: Split;
  /**
   * A directory given explicitly (e.g. a CLI's `--data DIR`): the only place tried, so that a
   * directory that does not load is an error naming it rather than a quiet switch to another.
   */
  readonly dir?: string;
  /** Directory that holds `<name>/` and receives downloads (default `data`). */
  readonly dataRoot?: string;
  /** Replaces the spec's system directories. */
  readonly systemDirs?: readonly string[];
  /** Replaces the spec's download locations (e.g. a local mirror). */
  readonly baseUrls?: readonly string[];
  /** Whether to download when no directory has the files (default true). */
  readonly download?: boolean;
  /** Where download progress and notes on skipped directories go (default `Deno.stderr`). */
  readonly sink?: ProgressSink;
  /** A download gives up when no data comes for this many milliseconds (default 60,000). */
  readonly timeoutMs?: number;
}

/** The path of `file` in `dir`, compressed or not, or null. */
async function findFile(dir: string, file: IdxFileSpec): Promise<string | null> {
  for (const name of [file.name, file.name.replace(/\.gz$/, "")]) {
    if (await exists(join(dir, name))) return join(dir, name);
  }
  return null;
}

async function loadFromDir(
  spec: IdxDatasetSpec,
  split: Split,
  dir: string,
  limits: WithLimits["limits"],
): Promise<ImageDataset> {
  if (!(await exists(dir))) throw new Error("directory not found");
  const { images, labels } = spec.files[split];
  const [imagePath, labelPath] = [await findFile(dir, images), await findFile(dir, labels)];
  const missing = [[images, imagePath], [labels, labelPath]].filter(([, p]) => p === null)
    .map(([f]) => (f as IdxFileSpec).name);
  if (missing.length > 0) throw new Error(`missing ${missing.join(" and ")}`);
  const dataset = await loadIdx({
    images: imagePath!,
    labels: labelPath!,
    classNames: spec.classNames,
    limits,
  });
  const expected = spec.shapes[split];
  const [n, h, w, c] = dataset.shape;
  if (n !== expected[0] || h !== expected[1] || w !== expected[2] || c !== 1) {
    throw new Error(
      `${imagePath}: has ${n} images of ${h}x${w}x${c}, expected ${spec.title} ${split}: ` +
        `${expected[0]} images of ${expected[1]}x${expected[2]}x1`,
    );
  }
  return { ...dataset, source: `${dir} (${split})` };
}

async function download(
  spec: IdxDatasetSpec,
  split: Split,
  dest: string,
  baseUrls: readonly string[],
  options: LoadIdxDatasetOptions,
): Promise<void> {
  const { sink, timeoutMs, limits } = options;
  for (const file of [spec.files[split].images, spec.files[split].labels]) {
    const failures: string[] = [];
    let ok = false;
    for (const base of baseUrls) {
      try {
        // Reuses a verified file already at the destination without fetching it.
        await downloadVerified({
          url: base + file.name,
          dest: join(dest, file.name),
          sha256: file.sha256,
          sink,
          timeoutMs,
          limits,
        });
        ok = true;
        break;
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
    if (!ok) throw new Error(failures.join("; ") || "no download location configured");
  }
}

/**
 * Loads one split of an IDX dataset from `dir` when given, else from the first place that has it
 * (see the module doc), downloading it into `<dataRoot>/<name>` as a last resort. Files are read
 * and downloaded within `limits`. Throws one error naming `dir` and why it failed, or listing
 * every place tried and why each failed, and how to provide the data. Consumes nothing.
 *
 * @example
 * ```ts
 * import { data } from "@byol/tfjs";
 * import { loadIdxDataset } from "@byol/tfjs/deno";
 *
 * const dir = Deno.env.get("FASHION_MNIST_DIR"); // or a CLI's --data DIR
 * const train = await loadIdxDataset(data.FASHION_MNIST, { split: "train", dir });
 * ```
 */
export async function loadIdxDataset(
  spec: IdxDatasetSpec,
  options: LoadIdxDatasetOptions,
): Promise<ImageDataset> {
  const { split, dataRoot = "data", download: allowDownload = true, sink, limits } = options;
  if (split !== "train" && split !== "test") {
    throw new Error(`loadIdxDataset: split must be "train" or "test", got "${split}"`);
  }
  if (options.dir !== undefined) {
    try {
      return await loadFromDir(spec, split, options.dir, limits);
    } catch (err) {
      throw new Error(
        `${spec.title} (${split}) could not be loaded from ${options.dir}: ` +
          `${(err as Error).message}`,
        { cause: err },
      );
    }
  }
  const candidates: { label: string; dir: string | null; why?: string }[] = [];
  let fromEnv: string | undefined;
  let envProblem = "not set";
  try {
    fromEnv = Deno.env.get(spec.envVar) || undefined;
  } catch (err) {
    envProblem = `cannot be read (${(err as Error).message})`;
  }
  candidates.push(
    fromEnv
      ? { label: `$${spec.envVar}=${fromEnv}`, dir: fromEnv }
      : { label: `$${spec.envVar}`, dir: null, why: envProblem },
  );
  const home = join(dataRoot, spec.name);
  candidates.push({ label: home, dir: home });
  for (const dir of options.systemDirs ?? spec.systemDirs) candidates.push({ label: dir, dir });
  const tried: string[] = [];
  // A directory the user named that does not work gets a note now, whatever works later.
  const named = new Set([fromEnv].filter((d) => d !== undefined));
  const note = (text: string) => (sink ?? Deno.stderr).writeSync(new TextEncoder().encode(text));
  for (const { label, dir, why } of candidates) {
    if (dir === null) {
      tried.push(`${label}: ${why}`);
      continue;
    }
    try {
      return await loadFromDir(spec, split, dir, limits);
    } catch (err) {
      tried.push(`${label}: ${(err as Error).message}`);
      if (named.has(dir)) note(`${spec.title}: skipping ${label}: ${(err as Error).message}\n`);
    }
  }
  const baseUrls = options.baseUrls ?? spec.baseUrls;
  if (!allowDownload) {
    tried.push("download: not attempted (download disabled)");
  } else {
    try {
      await download(spec, split, home, baseUrls, options);
      return await loadFromDir(spec, split, home, limits);
    } catch (err) {
      tried.push(`download into ${home}: ${(err as Error).message}`);
    }
  }
  const { images, labels } = spec.files[split];
  throw new Error(
    `${spec.title} (${split}) could not be loaded. Tried, in order:\n` +
      tried.map((line, i) => `  ${i + 1}. ${line}`).join("\n") +
      `\nProvide ${images.name} and ${labels.name} (gzip or not) in a directory passed as ` +
      `--data DIR or $${spec.envVar}, or put them in ${home}` +
      (spec.installHint ? `, or ${spec.installHint}` : "") +
      (baseUrls.length > 0 ? `, or allow the download from ${baseUrls.join(" or ")}` : "") + ".",
  );
}

/**
 * Loads a Fashion-MNIST split (see {@link loadIdxDataset} for where it looks). Consumes nothing.
 *
 * @example
 * ```ts
 * import { loadFashionMnist } from "@byol/tfjs/deno";
 *
 * const train = await loadFashionMnist({ split: "train" });
 * ```
 */
export function loadFashionMnist(options: LoadIdxDatasetOptions): Promise<ImageDataset> {
  return loadIdxDataset(FASHION_MNIST, options);
}

/**
 * Loads an MNIST split (see {@link loadIdxDataset} for where it looks). Consumes nothing.
 *
 * @example
 * ```ts
 * import { loadMnist } from "@byol/tfjs/deno";
 *
 * const test = await loadMnist({ split: "test", dir: "/data/mnist" });
 * ```
 */
export function loadMnist(options: LoadIdxDatasetOptions): Promise<ImageDataset> {
  return loadIdxDataset(MNIST, options);
}

/**
 * A run folder on disk: its name, creating it without ever writing into someone else's files,
 * `config.json`, the append-only `metrics.jsonl`, and whole-file outputs (results, pictures)
 * written atomically. Needs Deno.
 *
 * @module
 */
import { join } from "node:path";
import { type FolderLock, lockFolder, writeFileAtomic } from "../../../deno.ts";
import { checkConfig, type RunConfig } from "./config.ts";
import type { MetricsRecord } from "./records.ts";

/** The files of a run folder. */
export const RUN_FILES = {
  config: "config.json",
  metrics: "metrics.jsonl",
  results: "results.json",
  curves: "curves.svg",
  features: "features.svg",
} as const;

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * A run folder's name: the dataset, the preset (when it differs from the dataset), `label` (when
 * given, e.g. `seeds` for a series' summary) and the local time, e.g.
 * `shapes-fashion-mnist-20250101-120000`, `cifar10-20250101-120000` or
 * `fashion-mnist-seeds-20250101-120000`.
 *
 * @example
 * ```ts
 * import { runName } from "@byol/tfjs/train";
 *
 * runName("shapes", "fashion-mnist", new Date()); // "shapes-fashion-mnist-2025..."
 * runName("cifar10", "cifar10", new Date(), "seeds"); // "cifar10-seeds-2025..."
 * ```
 */
export function runName(dataset: string, preset: string, time: Date, label?: string): string {
  const stamp = `${time.getFullYear()}${pad(time.getMonth() + 1)}${pad(time.getDate())}-` +
    `${pad(time.getHours())}${pad(time.getMinutes())}${pad(time.getSeconds())}`;
  const parts = [
    dataset,
    ...(dataset === preset ? [] : [preset]),
    ...(label ? [label] : []),
    stamp,
  ];
  return parts.join("-");
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    for await (const _ of Deno.readDir(dir)) return false;
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return true;
    throw err;
  }
}

/**
 * Creates the run folder `dir` (and its parents). Refuses, without touching anything, when `dir`
 * exists and is not empty: runs are only continued with `--resume`.
 *
 * @example
 * ```ts
 * import { join } from "node:path";
 * import { runName } from "@byol/tfjs/train";
 * import { createRunFolder } from "./run_folder.ts";
 *
 * await createRunFolder(join("runs", runName("shapes", "fashion-mnist", new Date())));
 * ```
 */
export async function createRunFolder(dir: string): Promise<void> {
  if (!(await isEmptyOrMissing(dir))) {
    throw new Error(
      `${dir} already exists and is not empty; refusing to write into it. ` +
        `Continue it with --resume ${dir}, or choose another --out`,
    );
  }
  await Deno.mkdir(dir, { recursive: true });
}

/**
 * Locks run folder `dir` against a second process writing into it (`deno task train` and
 * `deno task eval --write` hold it while they run; see `lockFolder`); the error of a refusal
 * names the folder.
 *
 * @example
 * ```ts
 * import { lockRunFolder } from "./run_folder.ts";
 *
 * const lock = await lockRunFolder(await Deno.makeTempDir());
 * lock.release();
 * ```
 */
export function lockRunFolder(dir: string): Promise<FolderLock> {
  return lockFolder(dir, { holder: "another deno task train or deno task eval --write" });
}

/**
 * Writes a text file of the run folder atomically; refuses to replace one unless `overwrite`.
 *
 * @example
 * ```ts
 * import { writeRunFile } from "./run_folder.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await writeRunFile(dir, "notes.txt", "a note\n");
 * await writeRunFile(dir, "notes.txt", "another\n", { overwrite: true });
 * ```
 */
export async function writeRunFile(
  dir: string,
  name: string,
  text: string,
  { overwrite = false }: { overwrite?: boolean } = {},
): Promise<void> {
  await writeFileAtomic(join(dir, name), [new TextEncoder().encode(text)], { overwrite });
}

/**
 * Writes `config.json` of a new run (refuses to replace one).
 *
 * @example
 * ```ts
 * import { readConfig } from "@byol/tfjs/train";
 * import { writeConfig } from "./run_folder.ts";
 *
 * const config = await readConfig("runs/shapes-fashion-mnist-20250101-120000");
 * await writeConfig(await Deno.makeTempDir(), config);
 * ```
 */
export async function writeConfig(dir: string, config: RunConfig): Promise<void> {
  await writeRunFile(dir, RUN_FILES.config, JSON.stringify(config, null, 2) + "\n");
}

/**
 * Reads and checks the `config.json` of run folder `dir`; the error says what is missing.
 *
 * @example
 * ```ts
 * import { readConfig } from "@byol/tfjs/train";
 *
 * const config = await readConfig("runs/shapes-fashion-mnist-20250101-120000");
 * ```
 */
export async function readConfig(dir: string): Promise<RunConfig> {
  const path = join(dir, RUN_FILES.config);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(`${path} not found: ${dir} is not a run folder written by deno task train`);
    }
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return checkConfig(json, path);
}

/**
 * Appends records to `metrics.jsonl`, one JSON object per line.
 *
 * @example
 * ```ts
 * import { appendMetrics } from "./run_folder.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await appendMetrics(dir, { type: "stop", step: 12, time: new Date().toISOString() });
 * ```
 */
export async function appendMetrics(dir: string, ...records: MetricsRecord[]): Promise<void> {
  const text = records.map((r) => JSON.stringify(r) + "\n").join("");
  await Deno.writeTextFile(join(dir, RUN_FILES.metrics), text, { append: true });
}

/** The records of `metrics.jsonl`, and the numbers of lines that could not be read. */
export interface MetricsFile {
  /** The records, in order. */
  readonly records: MetricsRecord[];
  /** 1-based numbers of lines that are not JSON, e.g. cut short by a crash. */
  readonly skipped: number[];
}

/**
 * Reads `metrics.jsonl` (no records when it is missing). Lines that are not JSON (a record cut
 * short by a crash) are skipped and listed, so the caller can say so.
 *
 * @example
 * ```ts
 * import { readMetrics } from "@byol/tfjs/train";
 *
 * const { records } = await readMetrics("runs/shapes-fashion-mnist-20250101-120000");
 * const losses = records.filter((r) => r.type === "train");
 * ```
 */
export async function readMetrics(dir: string): Promise<MetricsFile> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(dir, RUN_FILES.metrics));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { records: [], skipped: [] };
    throw err;
  }
  const records: MetricsRecord[] = [];
  const skipped: number[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      records.push(JSON.parse(line));
    } catch {
      skipped.push(i + 1);
    }
  });
  return { records, skipped };
}

/** What {@link filterMetrics} removed. */
export interface FilteredMetrics {
  /** Records left out by the filter. */
  readonly dropped: number;
  /** 1-based numbers of lines that were not JSON (e.g. cut short by a crash), also removed. */
  readonly damaged: number[];
}

/**
 * Rewrites `metrics.jsonl` atomically with only the records `keep` accepts, in order, dropping
 * lines that are not JSON, so every record ends its line. A resumed run keeps the records up to
 * its checkpoint's step, so the steps it trains again are not logged twice. A missing or empty
 * file is left as it is.
 *
 * @example
 * ```ts
 * import { appendMetrics, filterMetrics } from "./run_folder.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await appendMetrics(dir, { type: "stop", step: 12, time: new Date().toISOString() });
 * await filterMetrics(dir, (r) => r.step <= 10); // { dropped: 1, damaged: [] }
 * ```
 */
export async function filterMetrics(
  dir: string,
  keep: (record: MetricsRecord) => boolean,
): Promise<FilteredMetrics> {
  const { records, skipped } = await readMetrics(dir);
  const kept = records.filter(keep);
  const dropped = records.length - kept.length;
  if (records.length > 0 || skipped.length > 0) {
    const text = kept.map((r) => JSON.stringify(r) + "\n").join("");
    await writeRunFile(dir, RUN_FILES.metrics, text, { overwrite: true });
  }
  return { dropped, damaged: skipped };
}

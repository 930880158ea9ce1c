/**
 * `deno task fuzz [--cases N] [--seed S] [--batch B]`: runs N fuzz cases (default 10,000; see
 * tests/fuzz/cases.ts) through every public reader and reports counts per reader and outcome: ok,
 * clean error (names the file), unclean error (does not), slow (over 2 s of CPU time), memory
 * (the case's peak resident memory over 256 MiB above what the process held before it). Cases
 * run in subprocesses of B cases each (default 500) so that each one's peak can be read from
 * `/proc/self/status` (VmHWM, reset before every case through `/proc/self/clear_refs`). Both the
 * wall-clock and the CPU time of each case are recorded; slowness is judged on CPU time, which a
 * busy shared machine does not inflate. Writes bench/results/fuzz.json and exits 1 when a case is
 * anything but ok or a clean error.
 *
 * @module
 */
import { cpuUsage } from "node:process";
import { parseArgs } from "node:util";
import { fuzzCase, makeSeeds, READERS, runCase } from "../tests/fuzz/cases.ts";
import { tf } from "../mod.ts";

/** A case is slow above this. */
const SLOW_MS = 2000;
/** A case uses too much memory above this growth of the resident set. */
const MEMORY_MIB = 256;

interface CaseResult {
  index: number;
  reader: string;
  kind: string;
  outcome: string;
  /** Wall-clock time, ms. */
  ms: number;
  /** CPU time (user + system, all threads) of the process during the case, ms. */
  cpuMs: number;
  /** Peak resident set during the case, MiB. */
  peakMiB: number;
  /** Peak minus the resident set before the case, MiB. */
  growthMiB: number;
  message?: string;
}

const status = () => Deno.readTextFileSync("/proc/self/status");
const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status())![1]);

async function worker(seed: number, from: number, to: number): Promise<void> {
  await tf.ready();
  const seeds = await makeSeeds();
  const dir = await Deno.makeTempDir({ prefix: "fuzz_" });
  const gc = (globalThis as { gc?: () => void }).gc;
  try {
    for (let index = from; index < to; index++) {
      const c = fuzzCase(seeds, seed, index);
      gc?.();
      Deno.writeTextFileSync("/proc/self/clear_refs", "5");
      const before = kib("VmRSS");
      const t0 = performance.now();
      const cpu0 = cpuUsage();
      const { outcome, message } = await runCase(c, dir);
      const cpu = cpuUsage(cpu0);
      const ms = performance.now() - t0;
      const peak = kib("VmHWM");
      const result: CaseResult = {
        index,
        reader: c.reader,
        kind: c.kind,
        outcome,
        ms: Math.round(ms * 10) / 10,
        cpuMs: Math.round((cpu.user + cpu.system) / 100) / 10,
        peakMiB: Math.round(peak / 102.4) / 10,
        growthMiB: Math.round((peak - before) / 102.4) / 10,
        ...(outcome === "unclean error" ? { message: message?.slice(0, 300) } : {}),
      };
      console.log(JSON.stringify(result));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function main(cases: number, seed: number, batch: number): Promise<void> {
  const results: CaseResult[] = [];
  const started = performance.now();
  for (let from = 0; from < cases; from += batch) {
    const to = Math.min(cases, from + batch);
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--v8-flags=--expose-gc",
        new URL(import.meta.url).pathname,
        "--worker",
        `--seed=${seed}`,
        `--from=${from}`,
        `--to=${to}`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const lines = new TextDecoder().decode(stdout).split("\n").filter((l) => l.startsWith("{"));
    results.push(...lines.map((l) => JSON.parse(l) as CaseResult));
    if (code !== 0) {
      console.error(new TextDecoder().decode(stderr));
      throw new Error(`fuzz worker for cases ${from}-${to} exited with ${code}`);
    }
    console.error(`fuzz: ${to}/${cases} cases`);
  }
  const verdict = (r: CaseResult) =>
    r.outcome === "unclean error"
      ? "unclean error"
      : r.cpuMs > SLOW_MS
      ? "slow"
      : r.growthMiB > MEMORY_MIB
      ? "memory"
      : r.outcome;
  const byReader: Record<string, Record<string, number>> = {};
  const byOutcome: Record<string, number> = {};
  for (const r of results) {
    const v = verdict(r);
    byReader[r.reader] ??= {};
    byReader[r.reader][v] = (byReader[r.reader][v] ?? 0) + 1;
    byOutcome[v] = (byOutcome[v] ?? 0) + 1;
  }
  const slowest = results.reduce((a, b) => (b.cpuMs > a.cpuMs ? b : a));
  const slowestWall = results.reduce((a, b) => (b.ms > a.ms ? b : a));
  const largest = results.reduce((a, b) => (b.growthMiB > a.growthMiB ? b : a));
  const largestPeak = results.reduce((a, b) => (b.peakMiB > a.peakMiB ? b : a));
  const bad = results.filter((r) => !["ok", "clean error"].includes(verdict(r)));
  const report = {
    date: new Date().toISOString(),
    command: `deno task fuzz --cases ${cases} --seed ${seed} --batch ${batch}`,
    limits: { slowMs: SLOW_MS, memoryMiB: MEMORY_MIB },
    cases: results.length,
    crafted: results.filter((r) => r.kind.startsWith("crafted:")).length,
    wallSeconds: Math.round((performance.now() - started) / 100) / 10,
    outcomes: byOutcome,
    byReader: Object.fromEntries(READERS.map((r) => [r, byReader[r] ?? {}])),
    slowest: {
      index: slowest.index,
      reader: slowest.reader,
      kind: slowest.kind,
      cpuMs: slowest.cpuMs,
      ms: slowest.ms,
    },
    slowestWall: {
      index: slowestWall.index,
      reader: slowestWall.reader,
      kind: slowestWall.kind,
      cpuMs: slowestWall.cpuMs,
      ms: slowestWall.ms,
    },
    loadAverage: Deno.loadavg(),
    largestGrowth: {
      index: largest.index,
      reader: largest.reader,
      kind: largest.kind,
      growthMiB: largest.growthMiB,
      peakMiB: largest.peakMiB,
    },
    largestPeakMiB: largestPeak.peakMiB,
    failures: bad.slice(0, 50),
    // The ten slowest cases by CPU time: what costs most.
    slowestCases: [...results].sort((a, b) => b.cpuMs - a.cpuMs).slice(0, 10),
  };
  await Deno.mkdir(new URL("./results/", import.meta.url), { recursive: true });
  await Deno.writeTextFile(
    new URL("./results/fuzz.json", import.meta.url),
    JSON.stringify(report, null, 2) + "\n",
  );
  console.log(JSON.stringify({ ...report, failures: bad.length }, null, 2));
  if (bad.length > 0) Deno.exit(1);
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    cases: { type: "string", default: "10000" },
    seed: { type: "string", default: "1" },
    batch: { type: "string", default: "500" },
    worker: { type: "boolean", default: false },
    from: { type: "string" },
    to: { type: "string" },
  },
});
const number = (name: string, text: string | undefined) => {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) {
    console.error(`fuzz: --${name} must be a non-negative integer, got ${text}`);
    Deno.exit(2);
  }
  return n;
};
const seed = number("seed", values.seed);
if (values.worker) {
  await worker(seed, number("from", values.from), number("to", values.to));
} else {
  await main(number("cases", values.cases), seed, Math.max(1, number("batch", values.batch)));
}

import assert from "node:assert/strict";
import { join } from "node:path";
import { either } from "fp-ts";
import { tf } from "../mod.ts";
import { useDenoBackend } from "../deno.ts";
import {
  type Command,
  type MetricsRecord,
  type Output,
  parseTrainArgs,
  readMetrics,
  RUN_FILES,
  usage,
} from "../models/byol/train/mod.ts";
import { meanStd, runSeeds, SEEDS_FILE, type SeedsSummary } from "../models/byol/train/seeds.ts";
import { curvesSvg } from "../models/byol/train/pictures.ts";
import { formatResults } from "../models/byol/train/report.ts";
import { formatProgress } from "../models/byol/train/progress.ts";
import { recordOutput, tinyEncoder, tinyPreset } from "./fixtures/tiny_train.ts";

await useDenoBackend("wasm");

/** A clock one second later at each call, so each run of a series gets its own folder name. */
function ticking(start = Date.UTC(2025, 0, 2, 3, 4, 5)) {
  let t = start;
  return () => new Date(t += 1000);
}

const tiny = (out: string) => ({
  dataset: "shapes" as const,
  backend: "wasm" as const,
  seed: 5,
  out,
  evalEvery: 1,
  epochs: 1,
  limit: 256,
  customPreset: tinyPreset,
  encoder: tinyEncoder,
  now: ticking(),
});

Deno.test("train CLI --seeds: N runs from --seed; bad N and --resume are refused, naming the flag", () => {
  const parsed = parseTrainArgs(["--seeds", "3", "--seed", "7", "--dataset", "shapes"]);
  assert.ok(either.isRight(parsed));
  const command = parsed.right as Extract<Command, { kind: "seeds" }>;
  assert.equal(command.kind, "seeds");
  assert.equal(command.seeds, 3);
  assert.equal(command.options.seed, 7);
  const plain = parseTrainArgs(["--dataset", "shapes"]);
  assert.ok(either.isRight(plain) && plain.right.kind === "train");
  for (const bad of ["0", "-1", "2.5", "x", ""]) {
    const p = parseTrainArgs(["--seeds", bad]);
    assert.ok(either.isLeft(p), `--seeds ${bad} accepted`);
    assert.ok(
      p.left.some((m) => m.startsWith(`--seeds "${bad}": expected an integer >= 1`)),
      p.left.join("\n"),
    );
  }
  const resumed = parseTrainArgs(["--resume", "runs/a", "--seeds", "2"]);
  assert.ok(either.isLeft(resumed));
  assert.match(resumed.left.join("\n"), /--seeds cannot be combined with --resume: .*on its own/);
  assert.match(usage(), /--seeds N/);
  assert.match(usage(), /quality\.json/);
});

Deno.test("meanStd: mean and sample standard deviation; one value has no std", () => {
  const m = meanStd([0.8, 0.82, 0.84]);
  assert.ok(Math.abs(m.mean - 0.82) < 1e-12);
  assert.ok(Math.abs(m.std! - 0.02) < 1e-12);
  assert.equal(m.n, 3);
  assert.deepEqual(meanStd([2]), { mean: 2, std: null, n: 1, values: [2] });
  assert.throws(() => meanStd([]), /at least one value/);
});

Deno.test("runSeeds: 2 tiny runs, each a run folder, then quality.json and a mean ± std table", async () => {
  const out = await Deno.makeTempDir({ prefix: "train_seeds_test_" });
  const before = tf.memory().numTensors;
  try {
    const { lines, output } = recordOutput();
    const { dir, summary, stopped } = await runSeeds({ ...tiny(out), seeds: 2, output });
    assert.equal(tf.memory().numTensors, before, "the series frees every tensor");
    assert.equal(stopped, false);
    assert.ok(dir !== null && summary !== null);
    assert.match(dir, /shapes-tiny-seeds-\d{8}-\d{6}$/);
    const file: SeedsSummary = JSON.parse(await Deno.readTextFile(join(dir, SEEDS_FILE)));
    assert.deepEqual(file, JSON.parse(JSON.stringify(summary)));
    assert.equal(file.format, "byol-seeds/1");
    assert.deepEqual(file.requested, [5, 6]);
    assert.equal(file.complete, true);
    assert.deepEqual(file.runs.map((r) => r.seed), [5, 6]);
    for (const run of file.runs) {
      const results = JSON.parse(await Deno.readTextFile(join(run.dir, RUN_FILES.results)));
      assert.deepEqual(results, run.results);
      const seed = JSON.parse(await Deno.readTextFile(join(run.dir, RUN_FILES.config))).seed;
      assert.equal(seed, run.seed);
    }
    for (const kind of ["trained", "random", "pixels"]) {
      for (const key of ["knn20", "knn200", "linearTest", "linearTrain"]) {
        const m = file.metrics[kind][key];
        assert.equal(m.n, 2);
        assert.ok(m.std !== null && m.std >= 0, `${kind} ${key}`);
        assert.ok(Math.abs(m.mean - (m.values[0] + m.values[1]) / 2) < 1e-12);
      }
    }
    assert.equal(file.metrics.trained.knn20.values[1], file.runs[1].results.trained.knn.k20);
    assert.ok(file.health !== null && file.health.relativeStd.n === 2);
    const table = lines.result.at(-1)!;
    assert.match(table, /mean ± sample std over 2 runs \(seeds 5, 6\)/);
    assert.match(table, /BYOL \(trained\) +\d+\.\d\d ± \d+\.\d\d%/);
    assert.match(table, /raw pixels +\d+\.\d\d ± \d+\.\d\d%/);
    assert.match(table, /health of the trained states: projection spread \d\.\d{3} ± /);
    // Health signals are logged at every evaluation, and shown on each logged step.
    const { records } = await readMetrics(file.runs[0].dir);
    const evals = records.filter((r) => r.type === "eval" || r.type === "final");
    assert.ok(evals.length >= 2);
    for (const r of evals) {
      if (r.type === "final" && r.encoder !== "trained") continue;
      assert.ok(r.health !== undefined && r.health.dim === tinyPreset.projector.out, r.type);
    }
    assert.ok(lines.progress.every((l) => / spread \d\.\d\d /.test(l)), lines.progress[0]);
    const svg = await Deno.readTextFile(join(file.runs[0].dir, RUN_FILES.curves));
    assert.match(svg, /online-target cosine gap/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("runSeeds: a stop during the second run summarises the first, saying so", async () => {
  const out = await Deno.makeTempDir({ prefix: "train_seeds_test_" });
  try {
    const stop = new AbortController();
    let finished = 0;
    const { lines, output } = recordOutput((line) => {
      if (finished === 1 && line.startsWith("step 2/")) stop.abort();
    });
    const counting: Output = {
      ...output,
      result: (text) => {
        finished++;
        output.result(text);
      },
    };
    const outcome = await runSeeds({
      ...tiny(out),
      evalEvery: 0,
      seeds: 3,
      output: counting,
      signal: stop.signal,
    });
    assert.equal(outcome.stopped, true);
    const file: SeedsSummary = JSON.parse(await Deno.readTextFile(join(outcome.dir!, SEEDS_FILE)));
    assert.equal(file.complete, false);
    assert.deepEqual(file.runs.map((r) => r.seed), [5]);
    assert.match(file.note!, /stopped during seed 6 \(continue it with: deno task train --resume /);
    assert.match(file.note!, /summarised over the 1 finished run of 3/);
    assert.match(lines.result.at(-1)!, /incomplete: stopped during seed 6/);
    assert.match(lines.result.at(-1)!, /over 1 run \(seed 5\)/);
    // The stopped run is an ordinary run folder with its checkpoint, to resume on its own.
    const stoppedDir = /--resume (\S+)\)/.exec(file.note!)![1];
    const names = [...Deno.readDirSync(stoppedDir)].map((e) => e.name);
    assert.ok(names.some((n) => /^step-\d+\.safetensors$/.test(n)), names.join(", "));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("health in records: old records without it still draw and report; collapse is said", () => {
  const time = "2025-01-02T03:04:05.000Z";
  const scores = {
    knn: { k20: 0.5, k200: 0.4 },
    linear: { testAccuracy: 0.6, trainAccuracy: 0.7, trainLoss: 1 },
  };
  // As runs wrote them before the health signals were logged.
  const old: MetricsRecord[] = [
    { type: "eval", step: 0, epoch: 0, knn: { k20: 0.3, k200: 0.2 }, time },
    {
      type: "train",
      step: 1,
      epoch: 0,
      loss: 3.9,
      tau: 0.99,
      lr: 1e-3,
      gradNorm: 2,
      collapse: 0.2,
      imagesPerSecond: 100,
      time,
    },
    { type: "final", step: 1, encoder: "trained", ...scores, time },
  ];
  const svg = curvesSvg(old, "old run");
  assert.doesNotMatch(svg, /cosine gap/);
  assert.match(svg, /kNN k = 20/);
  const results = {
    step: 1,
    dataset: "shapes",
    trainImages: 256,
    testImages: 256,
    trained: scores,
  };
  assert.doesNotMatch(formatResults(results), /health/);
  const health = {
    images: 256,
    dim: 16,
    projectionStd: 0.001,
    relativeStd: 0.004,
    cosineGap: 0,
    collapsed: true,
  };
  assert.match(
    formatResults({ ...results, health }),
    /health .*: .*COLLAPSED \(spread below 0\.1\)/,
  );
  const progress = {
    step: 1,
    totalSteps: 8,
    epoch: 0,
    epochs: 1,
    imagesPerSecond: 50,
    loss: 3.9,
    tau: 0.99,
    lr: 2e-3,
    etaSeconds: 35,
  };
  assert.match(formatProgress({ ...progress, spread: 0.05 }), / spread 0\.05 COLLAPSED /);
  assert.doesNotMatch(formatProgress({ ...progress, spread: 0.8 }), /COLLAPSED/);
  assert.doesNotMatch(formatProgress(progress), /spread/);
  const drawn = curvesSvg([...old, { ...old[0], step: 1, health } as MetricsRecord], "new run");
  assert.match(drawn, /online-target cosine gap/);
  assert.match(drawn, /collapse threshold/);
});

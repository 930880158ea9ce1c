import assert from "node:assert/strict";
import { join } from "node:path";
import { io, nn, tf, tree } from "../mod.ts";
import { listCheckpoints, useDenoBackend } from "../deno.ts";
import {
  evaluateCheckpoint,
  loadTrainState,
  type MetricsRecord,
  readMetrics,
  RUN_FILES,
  type RunOptions,
  runTraining,
  type TrainRecord,
} from "../models/byol/train/mod.ts";
import { recordOutput, tinyPreset } from "./fixtures/tiny_train.ts";

await useDenoBackend("wasm");

// The tiny recipe with a two-conv encoder (the fixture's trainer has one conv).
const encoder = nn.sequential({
  conv1: nn.conv2d({ filters: 8, kernel: 3, stride: 2, bias: false }),
  bn1: nn.batchNorm(),
  act1: nn.relu,
  conv2: nn.conv2d({ filters: 16, kernel: 3, stride: 2, bias: false }),
  bn2: nn.batchNorm(),
  act2: nn.relu,
  pool: nn.globalAvgPool,
});

const base = (out: string): RunOptions => ({
  dataset: "shapes",
  backend: "wasm",
  seed: 3,
  out,
  evalEvery: 1,
  limit: 256,
  customPreset: tinyPreset,
  encoder,
  now: () => new Date(2025, 0, 2, 3, 4, 5),
});

const trainRecords = (records: MetricsRecord[]) =>
  records.filter((r): r is TrainRecord => r.type === "train");

Deno.test("train run on shapes: stop, checkpoint exact, resume continues, final report with baselines", async () => {
  const out = await Deno.makeTempDir({ prefix: "train_run_test_" });
  const before = tf.memory().numTensors;
  try {
    // Run 1 stops mid-epoch 2 (step 12 of 24), as Ctrl-C would.
    const stop = new AbortController();
    const first = recordOutput((line) => {
      if (line.startsWith("step 12/")) stop.abort();
    });
    const one = await runTraining({
      ...base(out),
      output: first.output,
      signal: stop.signal,
      returnState: true,
    });
    const dir = one.dir;
    assert.equal(dir, join(out, "shapes-tiny-20250102-030405"));
    assert.equal(one.stopped, true);
    assert.equal(one.step, 12);
    assert.equal(one.config.stepsPerEpoch, 8);
    assert.equal(one.config.totalSteps, 24);
    assert.equal(one.config.encoder, "custom");
    assert.equal(one.results, null);

    // The checkpoint holds exactly the state the run ended with.
    const names = (await listCheckpoints(dir)).map((c) => c.step);
    assert.deepEqual(names, [8, 12]);
    const loaded = await loadTrainState(join(dir, io.checkpointName(12)), { like: one.state! });
    for (const name of ["online", "predictor", "target", "bnState", "optState"] as const) {
      assert.ok(
        await tree.allClose(loaded.state[name], one.state![name], { rtol: 0, atol: 0 }),
        `${name} differs after loading the checkpoint`,
      );
    }
    assert.equal(loaded.state.step, 12);
    assert.deepEqual(loaded.config, one.config);
    tree.dispose(loaded.state, one.state!);

    const config = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.config)));
    assert.equal(config.seed, 3);
    assert.equal(config.preset.name, "tiny");
    assert.equal(config.dataset.train.count, 256);
    assert.equal(config.backend.name, "wasm");
    assert.match(config.backend.reason, /asked for/);
    await Deno.stat(join(dir, RUN_FILES.curves));

    // A new run that would write into the same folder is refused.
    await assert.rejects(
      runTraining({ ...base(out), output: recordOutput().output }),
      /already exists and is not empty.*--resume/,
    );

    // Run 2 resumes at step 13 and finishes.
    const second = recordOutput();
    const two = await runTraining({
      ...base(out),
      resume: dir,
      output: second.output,
    });
    assert.equal(two.dir, dir);
    assert.equal(two.step, 24);
    assert.equal(two.stopped, false);

    const { records, skipped } = await readMetrics(dir);
    assert.deepEqual(skipped, []);
    const steps = trainRecords(records).map((r) => r.step);
    assert.deepEqual(steps, Array.from({ length: 24 }, (_, i) => i + 1));
    const resumeAt = records.findIndex((r) => r.type === "resume");
    assert.ok(resumeAt > 0, "no resume record");
    assert.equal(records[resumeAt].step, 12);
    const afterResume = records.slice(resumeAt).find((r) => r.type === "train") as TrainRecord;
    assert.equal(afterResume.step, 13);
    assert.equal(afterResume.epoch, 1);
    for (const r of trainRecords(records)) {
      for (const k of ["loss", "tau", "lr", "gradNorm", "collapse", "imagesPerSecond"] as const) {
        assert.ok(Number.isFinite(r[k]), `step ${r.step}: ${k} is ${r[k]}`);
      }
    }
    const evals = records.filter((r) => r.type === "eval").map((r) => r.step);
    assert.deepEqual(evals, [0, 8, 16]);

    // Loss falls.
    const losses = trainRecords(records).map((r) => r.loss);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const [early, late] = [mean(losses.slice(0, 4)), mean(losses.slice(-4))];
    assert.ok(late < early - 0.1, `loss did not fall: ${early.toFixed(3)} -> ${late.toFixed(3)}`);

    // Final report: the trained encoder next to both baselines, in the table and the files.
    const finals = records.filter((r) => r.type === "final").map((r) => r.encoder);
    assert.deepEqual(finals, ["trained", "random", "pixels"]);
    const results = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.results)));
    assert.deepEqual(results, two.results);
    const { resumed, stepSeconds } = two.results!;
    assert.equal(resumed, true);
    assert.ok(stepSeconds >= 0 && Number.isInteger(stepSeconds), `stepSeconds ${stepSeconds}`);
    for (const kind of ["trained", "random", "pixels"] as const) {
      const { knn, linear } = two.results![kind];
      for (const v of [knn.k20, knn.k200, linear.testAccuracy, linear.trainAccuracy]) {
        assert.ok(v >= 0 && v <= 1, `${kind}: accuracy ${v} outside [0, 1]`);
      }
    }
    // The random-init baseline re-initialises from the seed: its kNN equals the step-0 monitor.
    const step0 = records.find((r) => r.type === "eval" && r.step === 0);
    assert.deepEqual(step0?.type === "eval" && step0.knn, two.results!.random.knn);
    const table = second.lines.result.join("\n");
    for (const row of ["BYOL (trained)", "random-init encoder", "raw pixels"]) {
      assert.match(table, new RegExp(`^${row.replace(/[()]/g, "\\$&")} +\\d+\\.\\d\\d%`, "m"));
    }

    const curves = await Deno.readTextFile(join(dir, RUN_FILES.curves));
    assert.match(curves, /^<svg[\s\S]*kNN[\s\S]*<\/svg>\s*$/);
    const features = await Deno.readTextFile(join(dir, RUN_FILES.features));
    assert.match(features, /<svg[\s\S]*circle[\s\S]*triangle[\s\S]*<\/svg>/);
    assert.deepEqual((await listCheckpoints(dir)).map((c) => c.step), [12, 16, 24]);

    // deno task eval's function reproduces the final scores from the saved checkpoint.
    const evaluated = await evaluateCheckpoint({
      path: join(dir, io.checkpointName(24)),
      backend: "wasm",
      baselines: false,
      encoder,
      output: recordOutput().output,
    });
    assert.deepEqual(evaluated.trained, two.results!.trained);
    assert.equal(evaluated.random, undefined);

    // A finished run is not resumed again.
    await assert.rejects(
      runTraining({ ...base(out), resume: dir, output: recordOutput().output }),
      /is complete \(step 24 of 24\).*deno task eval/,
    );
    assert.equal(tf.memory().numTensors, before, "tensors leaked across the runs");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

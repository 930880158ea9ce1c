// `deno task eval`'s machine-readable result (eval.json), evaluation on another dataset of the
// same image shape, and --init-from on train and eval, on a tiny run of a small conv net.
import assert from "node:assert/strict";
import { join } from "node:path";
import { either } from "fp-ts";
import { tf } from "../mod.ts";
import { latestCheckpoint, sha256Hex, useDenoBackend } from "../deno.ts";
import { quietOutput, tinyConvPreset } from "./fixtures/tiny_train.ts";
import {
  EVAL_FORMAT,
  evalFilePath,
  evalMain,
  type EvalReport,
  evaluateCheckpoint,
  exportWeights,
  type FinalResults,
  parseEvalArgs,
  parseTrainArgs,
  readConfig,
  readMetrics,
  runTraining,
} from "../models/byol/train/mod.ts";

await useDenoBackend("wasm");

const readReport = async (path: string): Promise<EvalReport> =>
  JSON.parse(await Deno.readTextFile(path));

/** The tiny run every test evaluates: 256 shapes, 8 steps, baselines in its results.json. */
const out = await Deno.makeTempDir({ prefix: "eval_json_test_" });
const run = await runTraining({
  dataset: "shapes",
  backend: "wasm",
  seed: 0,
  out,
  evalEvery: 0,
  limit: 256,
  customPreset: tinyConvPreset,
  output: quietOutput,
});
const dir = run.dir;
const results = run.results as FinalResults;
const checkpoint = (await latestCheckpoint(dir))!.path;
/** The run's encoder as `deno task export` writes it (PyTorch's names and layouts). */
const exported = await exportWeights({ run: dir, out: join(out, "encoder.safetensors") });

globalThis.addEventListener("unload", () => Deno.removeSync(out, { recursive: true }));

Deno.test("eval CLI: eval.json in the run folder with every field, replaced by a later one", async () => {
  const before = tf.memory().numTensors;
  assert.equal(await evalMain([dir, "--backend", "wasm"]), 0);
  const file = join(dir, "eval.json");
  const report = await readReport(file);
  assert.deepEqual(Object.keys(report).sort(), [
    "backend",
    "checkpoint",
    "dataset",
    "encoder",
    "evaluatedAt",
    "format",
    "initFrom",
    "knn",
    "preset",
    "run",
    "scores",
    "seconds",
  ]);
  assert.equal(report.format, EVAL_FORMAT);
  assert.ok(!Number.isNaN(Date.parse(report.evaluatedAt)), report.evaluatedAt);
  assert.ok(report.seconds >= 0, `seconds ${report.seconds}`);
  assert.equal(report.run, dir);
  assert.deepEqual(report.checkpoint, { path: checkpoint, step: 8 });
  assert.equal(report.initFrom, null);
  assert.equal(report.preset, "tiny-conv");
  assert.equal(report.encoder, "preset");
  assert.deepEqual(report.knn, { k: [20, 200], temperature: 0.1 });
  assert.equal(report.backend.name, "wasm");
  assert.equal(report.backend.requested, "wasm");
  const { dataset } = report;
  assert.equal(dataset.name, "shapes");
  assert.equal(dataset.runDataset, "shapes");
  assert.equal(dataset.limit, 256, "the run's --limit applies on its own dataset");
  assert.deepEqual(dataset.imageShape, [28, 28, 1]);
  assert.deepEqual([dataset.train.count, dataset.test.count], [256, 256]);
  assert.match(dataset.train.source, /^shapes.*first 256$/);
  // The same checkpoint, data and probe key as the run's final evaluation: the same scores.
  assert.deepEqual(report.scores, { trained: results.trained });

  // --baselines: written again, in place, with the baselines of results.json.
  assert.equal(await evalMain([dir, "--backend", "wasm", "--baselines"]), 0);
  const again = await readReport(file);
  assert.deepEqual(again.scores, {
    trained: results.trained,
    random: results.random,
    pixels: results.pixels,
  });
  const left = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".tmp"));
  assert.deepEqual(left, [], "temporary files left behind");
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
});

Deno.test("eval: beside a checkpoint file, or to --out; --limit replaces the run's", async () => {
  const evaluated = await evaluateCheckpoint({
    path: checkpoint,
    backend: "wasm",
    baselines: false,
    limit: 300,
    output: quietOutput,
  });
  assert.equal(evaluated.evalFile, join(dir, "step-000008.eval.json"));
  const report = await readReport(evaluated.evalFile);
  assert.equal(report.run, dir, "a checkpoint beside its config.json belongs to that run");
  assert.equal(report.dataset.limit, 300);
  assert.deepEqual([report.dataset.train.count, report.dataset.test.count], [300, 300]);
  assert.deepEqual(report.scores.trained, evaluated.trained);

  const chosen = join(out, "chosen.json");
  assert.equal(await evalMain([checkpoint, "--backend", "wasm", "--out", chosen]), 0);
  assert.deepEqual((await readReport(chosen)).scores.trained, results.trained);

  assert.equal(
    evalFilePath({ given: "runs/a", folder: true, dataset: "mnist", runDataset: "fashion-mnist" }),
    join("runs/a", "eval-mnist.json"),
  );
  assert.equal(
    evalFilePath({ given: "w/enc.safetensors", folder: false, dataset: "mnist", runDataset: null }),
    join("w", "enc.eval-mnist.json"),
  );
});

Deno.test("eval --dataset: a shapes run's encoder on Fashion-MNIST (same 28x28x1 images)", async () => {
  assert.equal(
    await evalMain([
      dir,
      "--backend",
      "wasm",
      "--dataset",
      "fashion-mnist",
      "--limit",
      "256",
      "--baselines",
    ]),
    0,
  );
  const report = await readReport(join(dir, "eval-fashion-mnist.json"));
  assert.equal(report.dataset.name, "fashion-mnist");
  assert.equal(report.dataset.runDataset, "shapes");
  assert.deepEqual([report.dataset.train.count, report.dataset.test.count], [256, 256]);
  assert.deepEqual(Object.keys(report.scores), ["trained", "random", "pixels"]);
  for (const [encoder, s] of Object.entries(report.scores)) {
    for (const v of [s.knn.k20, s.knn.k200, s.linear.testAccuracy, s.linear.trainAccuracy]) {
      assert.ok(v >= 0 && v <= 1, `${encoder}: accuracy ${v}`);
    }
  }
  // Clothes, not shapes: ten classes, and other scores than on the run's own data.
  assert.notDeepEqual(report.scores.pixels, results.pixels);
});

Deno.test("eval --dataset of another image shape: an error naming both shapes", async () => {
  // A CIFAR-10 folder of one 32x32x3 record per batch file.
  const cifar = await Deno.makeTempDir({ dir: out, prefix: "cifar_" });
  const names = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`).concat("test_batch.bin");
  for (const name of names) await Deno.writeFile(join(cifar, name), new Uint8Array(3073));
  await assert.rejects(
    evaluateCheckpoint({
      path: dir,
      backend: "wasm",
      baselines: false,
      dataset: "cifar10",
      data: cifar,
      output: quietOutput,
    }),
    /--dataset cifar10: its images are 32x32x3, but the run's encoder takes 28x28x1 images/,
  );
  await assert.rejects(Deno.stat(join(dir, "eval-cifar10.json")), Deno.errors.NotFound);
});

Deno.test("eval CLI: flags that do not fit together are all reported", () => {
  const problems = (args: string[]) => {
    const parsed = parseEvalArgs(args);
    return either.isLeft(parsed) ? parsed.left : [];
  };
  const found = problems([
    "runs/a",
    "--preset",
    "fashion-mnist",
    "--write",
    "--dataset",
    "mnist",
    "--limit",
    "10",
  ]);
  const expected = [
    /--preset applies only with --init-from/,
    /--dataset cannot be combined with --write/,
    /--limit cannot be combined with --write/,
    /--limit "10": expected an integer >= 200/,
  ];
  assert.equal(found.length, expected.length, found.join("\n"));
  for (const re of expected) assert.ok(found.some((p) => re.test(p)), `${re} in ${found}`);
  assert.match(problems(["runs/a", "--init-from", "w.safetensors"]).join(), /drop runs\/a/);
  assert.match(problems([]).join(), /or --init-from FILE/);
  assert.match(problems(["runs/a", "--dataset", "imagenet"]).join(), /expected one of/);
  const ok = parseEvalArgs(["--init-from", "w.safetensors", "--preset", "cifar10"]);
  assert.ok(either.isRight(ok) && ok.right.kind === "eval");
  assert.equal(ok.right.options.initFrom, "w.safetensors");
  assert.equal(ok.right.options.path, undefined);
});

Deno.test("eval --init-from: exported weights score as their checkpoint; a misfit is refused", async () => {
  const before = tf.memory().numTensors;
  // The same encoder, data and probe key (seed 0's) as the run's final evaluation: the same scores.
  const evaluated = await evaluateCheckpoint({
    initFrom: exported,
    customPreset: tinyConvPreset,
    dataset: "shapes",
    limit: 256,
    backend: "wasm",
    baselines: false,
    output: quietOutput,
  });
  assert.equal(evaluated.evalFile, join(out, "encoder.eval-shapes.json"));
  const report = await readReport(evaluated.evalFile);
  const sha256 = await sha256Hex(await Deno.readFile(exported));
  assert.deepEqual(report.initFrom, { path: exported, sha256 });
  assert.equal(report.checkpoint, null);
  assert.equal(report.run, null);
  assert.equal(report.preset, "tiny-conv");
  assert.equal(report.dataset.runDataset, null);
  assert.deepEqual(report.scores, { trained: results.trained });

  // Another preset's encoder does not take these weights: exit 1, nothing written.
  const other = join(out, "other.json");
  const args = ["--init-from", exported, "--preset", "fashion-mnist", "--dataset", "shapes"];
  assert.equal(await evalMain([...args, "--limit", "256", "--backend", "wasm", "--out", other]), 1);
  await assert.rejects(Deno.stat(other), Deno.errors.NotFound);
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
});

Deno.test("train --init-from: recorded in config.json, the networks start from the file, also on resume", async () => {
  const before = tf.memory().numTensors;
  const parsed = parseTrainArgs(["--init-from", exported, "--dataset", "shapes"]);
  assert.ok(either.isRight(parsed) && parsed.right.kind === "train");
  assert.equal(parsed.right.options.initFrom, exported);
  assert.ok(either.isLeft(parseTrainArgs(["--resume", dir, "--init-from", exported])));

  // A run stopped before its first step, its checkpoint then lost (as if killed before it).
  const file = join(out, "copy.safetensors");
  await Deno.copyFile(exported, file);
  const sha256 = await sha256Hex(await Deno.readFile(file));
  const stop = new AbortController();
  stop.abort();
  const base = {
    dataset: "shapes",
    backend: "wasm",
    seed: 0,
    out: join(out, "from-file"),
    evalEvery: 1,
    limit: 256,
    customPreset: tinyConvPreset,
    output: quietOutput,
  } as const;
  const stopped = await runTraining({ ...base, initFrom: file, signal: stop.signal });
  assert.equal(stopped.stopped, true);
  assert.deepEqual((await readConfig(stopped.dir)).initFrom, { path: file, sha256 });
  const evals = (await readMetrics(stopped.dir)).records.filter((r) => r.type === "eval");
  assert.deepEqual(evals, [], "the stopped session evaluated nothing");
  for (const entry of Deno.readDirSync(stopped.dir)) {
    if (entry.name.endsWith(".safetensors")) await Deno.remove(join(stopped.dir, entry.name));
  }

  // Resuming restarts from the file, unless the file changed since.
  const bytes = await Deno.readFile(file);
  await Deno.writeFile(file, bytes.map((b, i) => i === bytes.length - 1 ? b ^ 1 : b));
  await assert.rejects(
    runTraining({ ...base, resume: stopped.dir }),
    /--init-from .*copy\.safetensors changed since the run started/,
  );
  await Deno.writeFile(file, bytes);
  const resumed = await runTraining({ ...base, resume: stopped.dir });
  assert.equal(resumed.step, 8);
  // The step-0 kNN of the run is the trained encoder's: its networks started from those weights.
  const step0 = (await readMetrics(stopped.dir)).records.find((r) =>
    r.type === "eval" && r.step === 0
  );
  assert.deepEqual(step0?.type === "eval" && step0.knn, results.trained.knn);
  assert.notDeepEqual(resumed.results?.random.knn, results.trained.knn, "a fresh init differs");
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
});

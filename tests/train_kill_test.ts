/**
 * A training run survives being killed: the tiny trainer of tests/fixtures/tiny_train.ts is
 * spawned, SIGKILLed at seeded random moments and at the final evaluation, stopped once with
 * SIGTERM and once with SIGINT, and resumed until done; its final checkpoint and its train
 * records must equal an uninterrupted run's bit for bit, on `cpu` and `wasm`. In-process runs
 * check the other reliability rules: the folder lock, falling back from a damaged checkpoint,
 * removing temporary files, cutting metrics back, the non-finite guard, finishing a stranded run
 * and `deno task eval --write`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { io, type Layer, tf } from "../mod.ts";
import { listCheckpoints, lockFolder, useDenoBackend } from "../deno.ts";
import {
  evaluateCheckpoint,
  type Output,
  readMetrics,
  RUN_FILES,
  type RunOptions,
  runTraining,
} from "../models/byol/train/mod.ts";
import { tinyEncoder, tinyPreset } from "./fixtures/tiny_train.ts";
import { mulberry32 } from "./helpers/seeded.ts";

const FIXTURE = new URL("./fixtures/tiny_train.ts", import.meta.url).pathname;

/** The flags of every spawned run: 2 epochs of 12 steps of 16 shapes, a checkpoint every 5. */
const RUN_FLAGS = [
  "--dataset",
  "shapes",
  "--limit",
  "200",
  "--batch-size",
  "16",
  "--epochs",
  "2",
  "--seed",
  "3",
  "--checkpoint-every",
  "5",
];

const hex = (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");

/** sha-256 of a checkpoint's tensors: names, dtypes, shapes and bytes, in name order. */
async function tensorsHash(path: string): Promise<string> {
  const { tensors } = io.decodeSafetensors(await Deno.readFile(path), { name: path });
  const parts: Uint8Array[] = [];
  for (const name of [...tensors.keys()].sort()) {
    const t = tensors.get(name)!;
    parts.push(new TextEncoder().encode(`${name} ${t.dtype} ${t.shape.join("x")}\n`), t.data);
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return hex(await crypto.subtle.digest("SHA-256", all));
}

/** sha-256 of the train records with their times (and throughput) left out, and their steps. */
async function trainRecordsHash(dir: string): Promise<{ hash: string; steps: number[] }> {
  const { records, skipped } = await readMetrics(dir);
  assert.deepEqual(skipped, [], `${dir}: damaged metrics lines`);
  const train = records.filter((r) => r.type === "train").map((r) => {
    const { time: _t, imagesPerSecond: _i, ...rest } = r;
    return JSON.stringify(rest);
  });
  const text = new TextEncoder().encode(train.join("\n"));
  return {
    hash: hex(await crypto.subtle.digest("SHA-256", text)),
    steps: records.filter((r) => r.type === "train").map((r) => r.step),
  };
}

/** The only run folder under `out`. */
async function runFolder(out: string): Promise<string> {
  const names: string[] = [];
  for await (const e of Deno.readDir(out)) if (e.isDirectory) names.push(e.name);
  assert.equal(names.length, 1, `expected one run folder in ${out}, found ${names}`);
  return join(out, names[0]);
}

/** A spawned trainer: its stderr so far, a wait for a pattern in it, its exit status. */
function spawn(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", FIXTURE, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { XDG_RUNTIME_DIR: Deno.env.get("XDG_RUNTIME_DIR") ?? "/tmp" },
  }).spawn();
  let stderr = "";
  const waiters: { pattern: RegExp; resolve: (found: boolean) => void }[] = [];
  const wake = () => {
    for (const w of waiters.splice(0)) {
      if (w.pattern.test(stderr)) w.resolve(true);
      else waiters.push(w);
    }
  };
  const reading = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      stderr += chunk;
      wake();
    }
  })();
  const stdout = new Response(child.stdout).text();
  const status = (async () => {
    const s = await child.status;
    await reading;
    for (const w of waiters.splice(0)) w.resolve(false);
    return { code: s.code, stdout: await stdout, stderr };
  })();
  return {
    child,
    stderr: () => stderr,
    /** Resolves true once `pattern` appears on stderr, false if the process ends first. */
    waitFor: (pattern: RegExp) =>
      new Promise<boolean>((resolve) => {
        if (pattern.test(stderr)) resolve(true);
        else waiters.push({ pattern, resolve });
      }),
    status,
  };
}

type Interruption = { signal: Deno.Signal; at: "random" | "final" };

/** What each interruption of the killed run met. */
interface Hit {
  signal: Deno.Signal;
  at: string;
  code: number;
  checkpoint: number | null;
  trained: number;
  said: string;
}

async function killAndResume(backend: "cpu" | "wasm", seed: number) {
  const root = await Deno.makeTempDir({ prefix: `train_kill_${backend}_` });
  const flags = [...RUN_FLAGS, "--backend", backend];
  const total = 24;
  // The uninterrupted run goes alongside the interrupted one.
  const reference = spawn([...flags, "--out", join(root, "reference")]).status.then(
    async ({ code, stderr }) => {
      assert.equal(code, 0, stderr);
      const dir = await runFolder(join(root, "reference"));
      return {
        checkpoint: await tensorsHash(join(dir, io.checkpointName(total))),
        train: await trainRecordsHash(dir),
      };
    },
  );
  try {
    const random = mulberry32(seed);
    const plan: Interruption[] = [
      { signal: "SIGKILL", at: "random" },
      { signal: "SIGTERM", at: "random" },
      { signal: "SIGINT", at: "random" },
      { signal: "SIGKILL", at: "random" },
      { signal: "SIGKILL", at: "final" },
    ];
    const out = join(root, "killed");
    let dir: string | null = null;
    const hits: Hit[] = [];
    let finished = false;
    for (let session = 0; session < plan.length + 3 && !finished; session++) {
      const args = dir ? ["--resume", dir, "--backend", backend] : [...flags, "--out", out];
      const run = spawn(args);
      const next = plan[session];
      let at = "";
      if (next && (await run.waitFor(/run folder: /))) {
        if (next.at === "final") {
          at = "final evaluation";
          if (await run.waitFor(/final evaluation/)) run.child.kill(next.signal);
        } else {
          const ms = Math.round(100 + 2400 * random());
          at = `${ms} ms after set-up`;
          await new Promise((r) => setTimeout(r, ms));
          try {
            run.child.kill(next.signal);
          } catch {
            // It already ended.
          }
        }
      }
      const { code, stderr } = await run.status;
      dir ??= await runFolder(out);
      if (code === 0) {
        finished = true;
        continue;
      }
      assert.ok(next, `${backend}: session ${session} failed: ${stderr}`);
      if (next.signal !== "SIGKILL") {
        const expected = next.signal === "SIGINT" ? 130 : 143;
        assert.equal(code, expected, `${backend}: ${next.signal}: exit ${code}\n${stderr}`);
        assert.match(stderr, /continue with: deno task train --resume /);
      }
      const said = stderr.split("\n").filter((l) => /^SIG(INT|TERM): /.test(l)).join("; ");
      const checkpoints = await listCheckpoints(dir);
      hits.push({
        signal: next.signal,
        at,
        code,
        checkpoint: checkpoints.at(-1)?.step ?? null,
        trained: (await trainRecordsHash(dir)).steps.length,
        said,
      });
    }
    assert.ok(finished, `${backend}: the run never finished`);
    console.log(
      `${backend}: interruptions survived:\n${hits.map((h) => JSON.stringify(h)).join("\n")}`,
    );
    assert.ok(
      hits.filter((h) => h.signal === "SIGKILL").length >= 2,
      `${backend}: too few kills landed`,
    );
    const killed = await tensorsHash(join(dir!, io.checkpointName(total)));
    const killedTrain = await trainRecordsHash(dir!);
    const { checkpoint: refCheckpoint, train: refTrain } = await reference;
    assert.deepEqual(refTrain.steps, Array.from({ length: total }, (_, i) => i + 1));
    console.log(
      `${backend}: final checkpoint sha-256 ${killed} (uninterrupted ${refCheckpoint}); ` +
        `train records sha-256 ${killedTrain.hash} (uninterrupted ${refTrain.hash})`,
    );
    assert.equal(killed, refCheckpoint, `${backend}: the killed-and-resumed run's state differs`);
    assert.deepEqual(
      killedTrain.steps,
      refTrain.steps,
      `${backend}: train records missing or duplicated`,
    );
    assert.equal(
      killedTrain.hash,
      refTrain.hash,
      `${backend}: the killed-and-resumed run's records differ`,
    );
    for (const name of [RUN_FILES.results, RUN_FILES.curves, RUN_FILES.features]) {
      await Deno.stat(join(dir!, name));
    }
    for await (const e of Deno.readDir(dir!)) {
      assert.ok(!e.name.endsWith(".tmp"), `temporary file left: ${e.name}`);
    }
  } finally {
    await reference.catch(() => {});
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("killed at random moments and at the final evaluation, resumed: bit-exact on cpu and wasm", async () => {
  // Side by side: each spends much of its time starting processes and waiting to kill them.
  await Promise.all([killAndResume("cpu", 12), killAndResume("wasm", 34)]);
});

Deno.test("--lr 1e30: the trainer exits 1 naming the step and likely causes, saving no bad state", async () => {
  const out = await Deno.makeTempDir({ prefix: "train_kill_nonfinite_" });
  try {
    const flags = [...RUN_FLAGS.slice(0, -1), "1", "--backend", "wasm", "--lr", "1e30"];
    const { code, stderr } = await spawn([...flags, "--out", out]).status;
    assert.equal(code, 1, stderr);
    const bad = Number(
      /step (\d+): the (loss|gradient norm) is (NaN|-?Infinity)/.exec(stderr)?.[1],
    );
    assert.ok(bad > 0, stderr);
    assert.match(stderr, /learning rate too high/);
    assert.doesNotMatch(stderr, /results\.json/);
    // A checkpoint after every step, but none of the diverged state.
    const dir = await runFolder(out);
    const saved = (await listCheckpoints(dir)).map((c) => c.step);
    assert.deepEqual(saved, Array.from({ length: bad - 1 }, (_, i) => i + 1).slice(-3));
    await Deno.stat(join(dir, RUN_FILES.config));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

// In-process runs on wasm.
await useDenoBackend("wasm");

/** Collects what a run prints; `onInfo` and `onProgress` see each line. */
function recorder(
  { onInfo = () => {}, onProgress = () => {} }: {
    onInfo?: (t: string) => void;
    onProgress?: (t: string) => void;
  } = {},
) {
  const info: string[] = [];
  const output: Output = {
    progress: onProgress,
    info: (t) => {
      info.push(t);
      onInfo(t);
    },
    result: () => {},
  };
  return { info, output };
}

const base = (out: string): RunOptions => ({
  dataset: "shapes",
  backend: "wasm",
  seed: 5,
  out,
  evalEvery: 1,
  limit: 200,
  batchSize: 16,
  epochs: 1,
  customPreset: tinyPreset,
  encoder: tinyEncoder,
  checkpointEvery: { unit: "steps", every: 3 },
  now: () => new Date(2025, 0, 2, 3, 4, 5),
});

Deno.test("resume: lock, damaged newest checkpoint, temporary files, metrics cut back; exact", async () => {
  const out = await Deno.makeTempDir({ prefix: "train_kill_resume_" });
  const before = tf.memory().numTensors;
  try {
    const reference = await runTraining({
      ...base(join(out, "reference")),
      output: recorder().output,
    });
    const refDir = reference.dir;

    // Stop at step 7: checkpoints at 3, 6 and 7 (the stop).
    const stop = new AbortController();
    const first = recorder({ onProgress: (l) => l.startsWith("step  7/") && stop.abort() });
    const one = await runTraining({
      ...base(join(out, "run")),
      output: first.output,
      signal: stop.signal,
    });
    assert.equal(one.step, 7);
    const dir = one.dir;
    assert.deepEqual((await listCheckpoints(dir)).map((c) => c.step), [3, 6, 7]);

    // A second process on the folder is refused while the first holds it.
    const held = await lockFolder(dir);
    await assert.rejects(
      runTraining({ ...base(out), resume: dir, output: recorder().output }),
      /is in use by .*\.lock/,
    );
    held.release();

    // The newest checkpoint is cut short, a killed write left a temporary file, and the log has
    // a record of a step after the checkpoint the run falls back to.
    const newest = join(dir, io.checkpointName(7));
    const bytes = await Deno.readFile(newest);
    await Deno.writeFile(newest, bytes.subarray(0, bytes.length - 100));
    const temporary = join(dir, `.${io.checkpointName(8)}.${crypto.randomUUID()}.tmp`);
    await Deno.writeFile(temporary, bytes.subarray(0, 1000));
    assert.deepEqual((await trainRecordsHash(dir)).steps, [1, 2, 3, 4, 5, 6, 7]);

    const second = recorder();
    const two = await runTraining({ ...base(out), resume: dir, output: second.output });
    assert.equal(two.step, 12);
    const said = second.info.join("\n");
    assert.match(
      said,
      /warning: cannot load .*step-000007\.safetensors \(.*\); resuming from .*step-000006\.safetensors/,
    );
    assert.match(said, /removed 1 temporary file of interrupted writes: \.step-000008/);
    assert.match(said, /removed 2 records after step 6/);
    await assert.rejects(Deno.stat(temporary), Deno.errors.NotFound);

    // Same states and records as the uninterrupted run, each step logged once.
    const [a, b] = [await trainRecordsHash(refDir), await trainRecordsHash(dir)];
    assert.deepEqual(b.steps, Array.from({ length: 12 }, (_, i) => i + 1));
    assert.equal(b.hash, a.hash);
    assert.equal(
      await tensorsHash(join(dir, io.checkpointName(12))),
      await tensorsHash(join(refDir, io.checkpointName(12))),
    );
    assert.equal(tf.memory().numTensors, before, "tensors leaked");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a run stopped during its final evaluation is finished by --resume; eval --write rewrites", async () => {
  const out = await Deno.makeTempDir({ prefix: "train_kill_final_" });
  try {
    const stop = new AbortController();
    const first = recorder({ onInfo: (t) => t.startsWith("final evaluation") && stop.abort() });
    const one = await runTraining({ ...base(out), output: first.output, signal: stop.signal });
    const dir = one.dir;
    assert.equal(one.stopped, true);
    assert.equal(one.step, 12);
    assert.match(
      first.info.join("\n"),
      /stopped before the final evaluation.*\ncontinue with: deno task train --resume/,
    );
    await assert.rejects(Deno.stat(join(dir, RUN_FILES.results)), Deno.errors.NotFound);

    const two = await runTraining({ ...base(out), resume: dir, output: recorder().output });
    assert.equal(two.stopped, false);
    assert.equal(two.step, 12);
    const results = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.results)));
    assert.deepEqual(results, two.results);
    assert.equal(two.results?.skippedBatches, 0);
    const finals = (await readMetrics(dir)).records.filter((r) => r.type === "final");
    assert.equal(finals.length, 3);

    // Complete now: a further --resume is refused.
    await assert.rejects(
      runTraining({ ...base(out), resume: dir, output: recorder().output }),
      /is complete \(step 12 of 12\).*deno task eval/,
    );

    // eval --write regenerates results.json and the pictures from the latest checkpoint.
    for (const name of [RUN_FILES.results, RUN_FILES.curves, RUN_FILES.features]) {
      await Deno.remove(join(dir, name));
    }
    await evaluateCheckpoint({
      path: dir,
      backend: "wasm",
      baselines: false,
      write: true,
      encoder: tinyEncoder,
      output: recorder().output,
    });
    // The same scores; what the training sessions were is unknown once results.json is gone.
    const again = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.results)));
    assert.deepEqual({ ...again, stepSeconds: 0, resumed: true }, { ...results, stepSeconds: 0 });
    for (const name of [RUN_FILES.curves, RUN_FILES.features]) await Deno.stat(join(dir, name));
    const finalsAgain = (await readMetrics(dir)).records.filter((r) => r.type === "final");
    assert.equal(finalsAgain.length, 3, "final records duplicated");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("--on-nonfinite skip: bad batches are skipped and counted, across a resume too", async () => {
  const out = await Deno.makeTempDir({ prefix: "train_kill_nan_" });
  const before = tf.memory().numTensors;
  try {
    // An encoder that turns the loss into NaN in training when a view's mean pixel is below
    // 0.163: on these batches and views, steps 2, 4 and 11.
    const inner = tinyEncoder as Layer;
    const poisoned: Layer = {
      init: (key, shape, options) => inner.init(key, shape, options),
      apply: (params, state, x, options) => {
        const out = inner.apply(params, state, x, options);
        if (!options?.training) return out;
        return { ...out, y: tf.add(out.y, tf.mul(tf.log(tf.sub(tf.mean(x), 0.163)), 0)) };
      },
    };
    const skipping = {
      ...base(out),
      encoder: poisoned,
      onNonfinite: "skip",
      checkpointEvery: { unit: "steps", every: 5 },
    } as const;
    const whole = recorder();
    const all = await runTraining({ ...skipping, out: join(out, "whole"), output: whole.output });
    const said = whole.info.filter((t) => /non-finite .* batch skipped/.test(t));
    assert.deepEqual(said.map((t) => Number(/^step (\d+)/.exec(t)?.[1])), [2, 4, 11]);
    assert.equal(all.results!.skippedBatches, 3);
    const logged = (await trainRecordsHash(all.dir)).steps;
    assert.deepEqual(logged, [1, 3, 5, 6, 7, 8, 9, 10, 12]);

    // Stopped after step 4 and resumed: the count survives (2 in the checkpoint, then step 11).
    const stop = new AbortController();
    const first = recorder({ onInfo: (t) => /^step 4: non-finite/.test(t) && stop.abort() });
    const one = await runTraining({
      ...skipping,
      out: join(out, "split"),
      output: first.output,
      signal: stop.signal,
    });
    assert.equal(one.step, 4);
    const two = await runTraining({ ...skipping, resume: one.dir, output: recorder().output });
    assert.equal(two.results!.skippedBatches, 3);
    assert.equal(
      await tensorsHash(join(one.dir, io.checkpointName(12))),
      await tensorsHash(join(all.dir, io.checkpointName(12))),
    );
    const json = JSON.parse(await Deno.readTextFile(join(one.dir, RUN_FILES.results)));
    assert.equal(json.skippedBatches, 3);
    assert.equal(tf.memory().numTensors, before, "tensors leaked");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

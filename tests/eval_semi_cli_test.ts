// `deno task eval --semi` and `--standard-linear` on a tiny run: the flags' errors, the table
// printed and the records in eval.json.
import assert from "node:assert/strict";
import { join } from "node:path";
import { either } from "fp-ts";
import { tf } from "../mod.ts";
import { useDenoBackend } from "../deno.ts";
import { quietOutput, tinyConvPreset } from "./fixtures/tiny_train.ts";
import {
  EVAL_FORMAT,
  type EvalReport,
  evaluateCheckpoint,
  parseEvalArgs,
  runTraining,
} from "../models/byol/train/mod.ts";

await useDenoBackend("wasm");

const out = await Deno.makeTempDir({ prefix: "eval_semi_cli_test_" });
globalThis.addEventListener("unload", () => Deno.removeSync(out, { recursive: true }));
/** 256 shapes (8 classes), 8 steps. */
const { dir } = await runTraining({
  dataset: "shapes",
  backend: "wasm",
  seed: 0,
  out,
  evalEvery: 0,
  limit: 256,
  customPreset: tinyConvPreset,
  output: quietOutput,
});

const readReport = async (path: string): Promise<EvalReport> =>
  JSON.parse(await Deno.readTextFile(path));

const problems = (args: string[]) => {
  const parsed = parseEvalArgs(args);
  return either.isLeft(parsed) ? parsed.left : [];
};

Deno.test("eval --semi: bad values and combinations name the flag and what it accepts", () => {
  const range = /expected percentages of the training labels, each a number in \(0, 100\]/;
  for (const value of ["0", "150", "abc", "1,", "-1", "1,,10", ""]) {
    const found = problems(["runs/a", "--semi", value]);
    assert.equal(found.length, 1, `${value}: ${found}`);
    assert.match(found[0], new RegExp(`^--semi "${value}": `));
    assert.match(found[0], range);
  }
  assert.match(
    problems(["runs/a", "--semi", "1,10,1"]).join(),
    /--semi "1,10,1": each percentage once/,
  );
  assert.match(
    problems(["runs/a", "--semi-steps", "5"]).join(),
    /--semi-steps applies only with --semi/,
  );
  assert.match(
    problems(["runs/a", "--semi", "1", "--semi-steps", "0"]).join(),
    /--semi-steps "0": expected an integer >= 1/,
  );
  const write = problems(["runs/a", "--write", "--semi", "1", "--standard-linear"]);
  assert.equal(write.length, 2, write.join("\n"));
  assert.match(write[0], /--semi cannot be combined with --write/);
  assert.match(write[1], /--standard-linear cannot be combined with --write/);

  const parsed = parseEvalArgs(["runs/a", "--semi", " 1, 10 ", "--semi-steps", "40"]);
  assert.ok(either.isRight(parsed) && parsed.right.kind === "eval");
  const { semi, semiSteps, standardLinear } = parsed.right.options;
  assert.deepEqual({ semi, semiSteps, standardLinear }, {
    semi: [1, 10],
    semiSteps: 40,
    standardLinear: true,
  }, "--semi runs the standard linear protocol too");
  const linear = parseEvalArgs(["runs/a", "--standard-linear"]);
  assert.ok(either.isRight(linear) && linear.right.kind === "eval");
  assert.equal(linear.right.options.standardLinear, true);
  assert.equal(linear.right.options.semi, undefined);
  const help = parseEvalArgs(["--help"]);
  assert.ok(either.isRight(help) && help.right.kind === "help");
  assert.match(help.right.text, /--semi P\[,P\.\.\.\]/);
  assert.match(help.right.text, /--standard-linear/);
  assert.match(help.right.text, /deno task eval runs\/.* --semi 1,10/);
});

Deno.test("eval --semi: the fine-tuning table and the linear protocol, printed and in eval.json", async () => {
  const before = tf.memory().numTensors;
  const printed: string[] = [];
  const file = join(out, "semi.json");
  const evaluated = await evaluateCheckpoint({
    path: dir,
    backend: "wasm",
    baselines: false,
    semi: [10, 50],
    semiSteps: 3,
    standardLinear: true,
    out: file,
    output: { ...quietOutput, result: (text) => printed.push(text) },
  });
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
  const report = await readReport(file);
  assert.equal(report.format, EVAL_FORMAT);
  assert.deepEqual(report.semiSupervised, evaluated.paper.semiSupervised);
  assert.deepEqual(report.linearProtocol, evaluated.paper.linearProtocol);
  const semi = report.semiSupervised!;
  assert.equal(semi.steps, 3);
  assert.deepEqual(
    semi.fractions.map((f) => [f.percent, f.images, f.perClass]),
    [[10, 24, 3], [50, 128, 16]],
    "3 and 16 images of each of the 8 shapes",
  );
  for (const f of semi.fractions) {
    for (const s of [f.byol, f.scratch]) {
      assert.ok(s.testAccuracy >= 0 && s.testAccuracy <= 1, `${s.testAccuracy}`);
      assert.ok(Number.isFinite(s.firstLoss) && Number.isFinite(s.lastLoss));
    }
  }
  const linear = report.linearProtocol!;
  assert.ok(linear.validation.some((v) => v.weightDecay === linear.weightDecay));
  assert.equal(linear.validationImages, 26, "10% of 256 training images held out");

  const table = printed.at(-1)!;
  assert.match(table, /^semi-supervised: encoder \+ linear head fine-tuned 3 steps/);
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const row = (f: typeof semi.fractions[number]) =>
    new RegExp(
      `${f.percent}%\\s+${f.images}\\s+${pct(f.byol.testAccuracy)}\\s+` +
        `${pct(f.scratch.testAccuracy)}`,
    );
  assert.match(table, /labels\s+images\s+BYOL init\s+from scratch/);
  for (const f of semi.fractions) assert.match(table, row(f));
  assert.match(
    table,
    new RegExp(
      `linear protocol .*: test ${pct(linear.testAccuracy)} with weight decay ` +
        `${linear.weightDecay}, chosen on 26 held-out training images`,
    ),
  );
});

Deno.test("deno task eval RUN --semi prints the table and records it; bad --semi exits 2", async () => {
  const task = async (args: string[]) => {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["task", "--quiet", "eval", ...args],
      cwd: new URL("..", import.meta.url),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder();
    return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
  };
  const bad = await task([dir, "--semi", "150"]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /--semi "150": expected percentages .* in \(0, 100\]/);

  const file = join(out, "task.json");
  const run = await task([
    dir,
    "--backend",
    "wasm",
    "--semi",
    "50",
    "--semi-steps",
    "2",
    "--out",
    file,
  ]);
  assert.equal(run.code, 0, run.stderr);
  const report = await readReport(file);
  const [f] = report.semiSupervised!.fractions;
  assert.equal(f.images, 128);
  assert.match(run.stdout, /labels\s+images\s+BYOL init\s+from scratch\n50%\s+128\s+/);
  assert.match(run.stdout, /linear protocol .* with weight decay /);
  assert.ok(report.linearProtocol!.testAccuracy >= 0);
});

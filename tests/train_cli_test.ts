import assert from "node:assert/strict";
import { either } from "fp-ts";
import {
  type Command,
  DEFAULTS,
  type EvalCommand,
  FLAGS,
  parseEvalArgs,
  parseTrainArgs,
  type TrainOptions,
  type Validation,
} from "../models/byol/train/mod.ts";

function options(args: string[]): TrainOptions {
  const parsed = parseTrainArgs(args);
  assert.ok(either.isRight(parsed), `rejected: ${either.isLeft(parsed) && parsed.left}`);
  assert.equal(parsed.right.kind, "train");
  return (parsed.right as Extract<Command, { kind: "train" }>).options;
}

function problems<A>(parsed: Validation<A>): readonly string[] {
  assert.ok(
    either.isLeft(parsed),
    `accepted: ${JSON.stringify(either.isRight(parsed) && parsed.right)}`,
  );
  return parsed.left;
}

Deno.test("train CLI: no arguments gives the defaults", () => {
  assert.deepEqual(options([]), {
    dataset: "auto",
    data: undefined,
    preset: undefined,
    epochs: undefined,
    batchSize: undefined,
    learningRate: undefined,
    backend: "auto",
    seed: 0,
    out: "runs",
    evalEvery: 1,
    resume: undefined,
    limit: undefined,
  });
  assert.equal(DEFAULTS.out, "runs");
});

Deno.test("train CLI: every flag is parsed, in both --flag value and --flag=value forms", () => {
  assert.deepEqual(
    options([
      "--dataset",
      "cifar10",
      "--data=/tmp/cifar",
      "--preset",
      "paper",
      "--epochs",
      "3",
      "--batch-size=64",
      "--lr",
      "1.5e-3",
      "--backend",
      "cpu",
      "--seed",
      "7",
      "--out",
      "elsewhere",
      "--eval-every",
      "0",
      "--limit",
      "2048",
    ]),
    {
      dataset: "cifar10",
      data: "/tmp/cifar",
      preset: "paper",
      epochs: 3,
      batchSize: 64,
      learningRate: 1.5e-3,
      backend: "cpu",
      seed: 7,
      out: "elsewhere",
      evalEvery: 0,
      resume: undefined,
      limit: 2048,
    },
  );
  assert.equal(options(["--resume", "runs/a", "--backend", "wasm"]).resume, "runs/a");
});

Deno.test("train CLI: several bad values are all reported, each naming flag, value and expectation", () => {
  const found = problems(parseTrainArgs([
    "--dataset",
    "imagenet",
    "--epochs",
    "0",
    "--batch-size",
    "12.5",
    "--lr",
    "fast",
    "--backend",
    "tpu",
    "--seed",
    "-1",
    "--eval-every",
    "x",
    "--limit",
    "",
  ]));
  const expected = [
    /--dataset "imagenet": expected one of auto, fashion-mnist, mnist, cifar10, shapes/,
    /--epochs "0": expected an integer >= 1/,
    /--batch-size "12.5": expected an integer >= 1/,
    /--lr "fast": expected a number > 0/,
    /--backend "tpu": expected one of auto, webgpu, wasm, cpu/,
    /--seed "-1": expected an integer >= 0/,
    /--eval-every "x": expected an integer >= 0/,
    /--limit "": expected an integer >= 200 \(the kNN evaluation uses 200 neighbours\)/,
  ];
  assert.equal(found.length, expected.length, found.join("\n"));
  for (const re of expected) {
    assert.ok(found.some((p) => re.test(p)), `${re} not in:\n${found.join("\n")}`);
  }
});

Deno.test("train CLI: unknown flags, missing values, stray and repeated arguments are errors", () => {
  const found = problems(parseTrainArgs([
    "--bogus",
    "--epochs",
    "--width=3",
    "extra",
    "--seed",
    "1",
    "--seed",
    "2",
    "-x",
    "--out",
  ]));
  const expected = [
    /unknown flag --bogus/,
    /--epochs needs a value \(N\), got the flag --width=3/,
    /unexpected argument "extra"/,
    /--seed is given more than once/,
    /unknown flag -x/,
    /--out needs a value: DIR/,
  ];
  assert.equal(found.length, expected.length, found.join("\n"));
  for (const re of expected) {
    assert.ok(found.some((p) => re.test(p)), `${re} not in:\n${found.join("\n")}`);
  }
});

Deno.test("train CLI: --limit must leave one whole batch, of --batch-size or the preset's", () => {
  const [problem, ...rest] = problems(parseTrainArgs(["--limit", "300", "--preset", "paper"]));
  assert.deepEqual(rest, []);
  assert.match(
    problem,
    /--limit 300 leaves no whole batch of 4096 images \(the preset's batch size\)/,
  );
  assert.match(
    problems(parseTrainArgs(["--limit", "300", "--batch-size", "512"]))[0],
    /--limit 300 leaves no whole batch of 512 images: raise --limit or lower --batch-size/,
  );
  assert.equal(options(["--limit", "200", "--batch-size", "64"]).limit, 200);
  assert.equal(options(["--limit", "256", "--dataset", "cifar10"]).limit, 256);
});

Deno.test("train CLI: --resume keeps the run's config; other settings are refused", () => {
  const found = problems(parseTrainArgs(["--resume", "runs/a", "--epochs", "5", "--seed", "1"]));
  assert.equal(found.length, 2);
  assert.match(found[0], /--epochs cannot be combined with --resume/);
  assert.match(found[1], /--seed cannot be combined with --resume/);
});

Deno.test("train CLI: --help and -h give the usage with every flag, its default and examples", () => {
  for (const flag of ["--help", "-h"]) {
    const parsed = parseTrainArgs(["--epochs", "zero", flag]);
    assert.ok(either.isRight(parsed) && parsed.right.kind === "help");
    const text = parsed.right.text;
    for (const f of FLAGS) {
      assert.match(
        text,
        new RegExp(`^  --${f.name}\\b.*${f.default === "" ? "" : `\\(default: `}`, "m"),
      );
    }
    assert.match(text, /Examples:\n( {2}deno task .*\n?)+/);
    assert.match(text, /--eval-every N {4}\(default: 1\)/);
  }
});

Deno.test("eval CLI: one path, known flags", () => {
  const parsed = parseEvalArgs(["runs/a", "--baselines", "--backend", "wasm"]);
  assert.ok(either.isRight(parsed));
  assert.deepEqual((parsed.right as Extract<EvalCommand, { kind: "eval" }>).options, {
    path: "runs/a",
    backend: "wasm",
    data: undefined,
    baselines: true,
  });
  assert.match(problems(parseEvalArgs([]))[0], /expected a run folder or checkpoint file/);
  const found = problems(parseEvalArgs(["a", "b", "--backend", "gpu", "--nope"]));
  assert.equal(found.length, 3, found.join("\n"));
});

async function runCli(script: string, args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    cwd: new URL("..", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

Deno.test("deno run examples/train.ts: bad flags exit 2 with every problem on stderr; --help exits 0", async () => {
  const bad = await runCli("examples/train.ts", ["--bogus", "--epochs", "many"]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /deno task train: 2 problems with the arguments:/);
  assert.match(bad.stderr, /unknown flag --bogus/);
  assert.match(bad.stderr, /--epochs "many": expected an integer >= 1/);
  assert.equal(bad.stdout, "");
  const help = await runCli("examples/train.ts", ["--help"]);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: deno task train/);
  assert.match(help.stdout, /--resume RUN_DIR/);
});

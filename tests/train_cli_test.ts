import assert from "node:assert/strict";
import { either } from "fp-ts";
import { data, random, schedules, tf, tree, useBackend } from "../mod.ts";
import {
  encoderOf,
  type EncoderPreset,
  encoderPreset,
  encoders,
  fashionMnist,
  optimizerOf,
  type OptimizerPreset,
  optimizerPreset,
  optimizers,
  peakLearningRate,
  presets,
  presetSchema,
} from "../models/byol/mod.ts";
import {
  checkConfig,
  type Command,
  DATASET_CHOICES,
  datasets,
  DEFAULTS,
  type EvalCommand,
  FLAGS,
  modelOf,
  parseEvalArgs,
  parseTrainArgs,
  PRESET_NAMES,
  type RunConfig,
  type TrainOptions,
  usage,
  type Validation,
} from "../models/byol/train/mod.ts";

await useBackend("wasm");

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
  // The preset's epochs, batch size and learning rate stay unset: a preset given in code gives its own.
  assert.deepEqual(options([]), {
    dataset: "auto",
    data: undefined,
    preset: undefined,
    customPreset: undefined,
    epochs: undefined,
    batchSize: undefined,
    learningRate: undefined,
    backend: "auto",
    seed: 0,
    out: "runs",
    evalEvery: 1,
    logEvery: undefined,
    keepCheckpoints: 3,
    limit: undefined,
    checkpointEvery: { unit: "minutes", every: 5 },
    onNonfinite: "stop",
    dashboard: undefined,
    initFrom: undefined,
    args: [],
  });
  assert.equal(DEFAULTS.out, "runs");
});

Deno.test("train CLI: every flag is parsed, in both --flag value and --flag=value forms", () => {
  const args = [
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
    "--checkpoint-every",
    "500",
    "--on-nonfinite=skip",
    "--dashboard",
    "0",
  ];
  assert.deepEqual(
    options(args),
    {
      dataset: "cifar10",
      data: "/tmp/cifar",
      preset: "paper",
      customPreset: undefined,
      epochs: 3,
      batchSize: 64,
      learningRate: 1.5e-3,
      backend: "cpu",
      seed: 7,
      out: "elsewhere",
      evalEvery: 0,
      logEvery: undefined,
      keepCheckpoints: 3,
      limit: 2048,
      checkpointEvery: { unit: "steps", every: 500 },
      onNonfinite: "skip",
      dashboard: 0,
      initFrom: undefined,
      args,
    },
  );
  assert.deepEqual(options(["--checkpoint-every", "10m"]).checkpointEvery, {
    unit: "minutes",
    every: 10,
  });
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
    "--checkpoint-every",
    "5s",
    "--on-nonfinite",
    "ignore",
  ]));
  const expected = [
    new RegExp(`--dataset "imagenet": expected one of ${DATASET_CHOICES.join(", ")}`),
    /--epochs "0": expected an integer >= 1/,
    /--batch-size "12.5": expected an integer >= 1/,
    /--lr "fast": expected a number > 0/,
    /--backend "tpu": expected one of auto, webgpu, wasm, cpu/,
    /--seed "-1": expected an integer >= 0/,
    /--eval-every "x": expected an integer >= 0/,
    /--limit "": expected an integer >= 200 \(the kNN evaluation uses 200 neighbours\)/,
    /--checkpoint-every "5s": expected a whole number of steps >= 1 .* or of minutes followed by m/,
    /--on-nonfinite "ignore": expected one of stop, skip/,
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
    /^dataset\.limit: expected at least batchSize \(4096\), got 300: it leaves no whole batch .*\(--limit 300\)$/,
  );
  assert.match(
    problems(parseTrainArgs(["--limit", "300", "--batch-size", "512"]))[0],
    /^dataset\.limit: expected at least batchSize \(512\), got 300: .*\(raise the limit or lower the batch size\) \(--limit 300\)$/,
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
  const unset = {
    data: undefined,
    dataset: undefined,
    initFrom: undefined,
    limit: undefined,
    out: undefined,
    preset: undefined,
    semi: undefined,
    semiSteps: undefined,
    standardLinear: false,
  };
  assert.deepEqual((parsed.right as Extract<EvalCommand, { kind: "eval" }>).options, {
    ...unset,
    path: "runs/a",
    backend: "wasm",
    baselines: true,
    write: false,
  });
  const write = parseEvalArgs(["runs/a", "--write"]);
  assert.ok(either.isRight(write));
  assert.deepEqual(
    (write.right as Extract<EvalCommand, { kind: "eval" }>).options,
    { ...unset, path: "runs/a", backend: "auto", baselines: true, write: true },
  );
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

Deno.test("registries: --dataset and --preset choices and the help text come from them", () => {
  assert.deepEqual(DATASET_CHOICES, ["auto", ...Object.keys(datasets)]);
  const flag = (name: string) => FLAGS.find((f) => f.name === name)!;
  assert.equal(flag("dataset").value, DATASET_CHOICES.join("|"));
  assert.deepEqual(PRESET_NAMES, Object.keys(presets));
  assert.equal(flag("preset").value, PRESET_NAMES.join("|"));
  const text = usage();
  const joined = text.replace(/\n {3,}/g, " ");
  const listed = (name: string, help: string) => {
    assert.match(text, new RegExp(`^ {2}${name} `, "m"));
    assert.ok(joined.includes(help), `${name}: "${help}" not listed`);
  };
  for (const [name, d] of Object.entries(datasets)) listed(name, d.help);
  for (const [name, p] of Object.entries(presets)) listed(name, p.description);
  for (const [arch, e] of Object.entries(encoders)) listed(arch, e.help);
  for (const [kind, o] of Object.entries(optimizers)) listed(kind, o.help);
  assert.equal(options(["--preset", "cifar10"]).preset, "cifar10");
});

Deno.test("registries: presets are named by their key, datasets name registered presets", () => {
  for (const [name, preset] of Object.entries(presets)) {
    assert.equal(preset.name, name);
    // Each preset survives config.json: written as JSON, read back by its schema unchanged.
    const read = presetSchema.validate(JSON.parse(JSON.stringify(preset)), "preset");
    assert.deepEqual(read, either.right(JSON.parse(JSON.stringify(preset))));
  }
  for (const d of Object.values(datasets)) assert.ok(Object.hasOwn(presets, d.preset));
});

Deno.test("the fashion-mnist preset resolves as before the registries (same seed, same run)", () => {
  // The values of the preset as it was written out before encoders and optimizers were registered.
  const view = {
    ...data.SMALL_IMAGE_VIEWS[0],
    crop: { ...data.SMALL_IMAGE_VIEWS[0].crop, scale: [0.3, 1] },
    solarizeProbability: 0,
  };
  assert.deepEqual(presets["fashion-mnist"], {
    name: "fashion-mnist",
    description: "Fashion-MNIST on a 2-core CPU: 5-layer conv net, 2x2 pooled, AdamW, 4 epochs",
    encoder: {
      arch: "convnet",
      channels: [32, 64, 64, 128, 128],
      strides: [1, 2, 1, 2, 1],
      poolGrid: 2,
    },
    inputShape: [28, 28, 1],
    projector: { hidden: 512, out: 128 },
    predictor: { hidden: 512, out: 128 },
    batchSize: 64,
    epochs: 4,
    warmupEpochs: 0.4,
    optimizer: { kind: "adamw", learningRate: 2e-3, weightDecay: 1e-4 },
    tauBase: 0.99,
    views: [view, view],
  });
  // Key order too, as config.json writes it.
  assert.deepEqual(Object.keys(fashionMnist.encoder), ["arch", "channels", "strides", "poolGrid"]);
  assert.deepEqual(Object.keys(fashionMnist.optimizer), ["kind", "learningRate", "weightDecay"]);
});

Deno.test("registries: a preset's encoder and optimizer types follow from their entries", () => {
  const convnet: EncoderPreset<"convnet"> = encoderPreset("convnet", { poolGrid: 2 });
  assert.deepEqual(convnet, { arch: "convnet", ...encoders.convnet.defaults, poolGrid: 2 });
  assert.deepEqual(encoderPreset("resnet50", { stem: "imagenet" }), {
    arch: "resnet50",
    stem: "imagenet",
    width: 1,
  });
  // @ts-expect-error: a conv net has no stem
  const wrongField: EncoderPreset = { ...convnet, stem: "small" };
  // @ts-expect-error: adamw's config has no eta
  const wrongOptimizer: OptimizerPreset<"adamw"> = { ...optimizerPreset("adamw"), eta: 1 };
  assert.throws(() => encoderOf(wrongField), /encoder\.stem: unexpected field/);
  assert.throws(
    () => optimizerOf(wrongOptimizer, schedules.constant(1e-3)),
    /optimizer\.eta: unexpected field/,
  );
});

Deno.test("registries: encoders build their layers, optimizers their transforms and rates", async () => {
  for (
    const preset of [
      encoderPreset("resnet18", { width: 0.125 }),
      encoderPreset("convnet", { channels: [4, 8], strides: [1, 2] }),
    ]
  ) {
    const layer = encoderOf(preset);
    const { params, state } = layer.init(random.key(0), [8, 8, 1]);
    const x = tf.zeros([2, 8, 8, 1]) as tf.Tensor4D;
    const { y } = layer.apply(params, state, x, { training: false });
    assert.equal(y.rank, 2, preset.arch);
    tree.dispose([params, state, x, y]);
  }
  const lars = optimizerPreset("lars", { baseLearningRate: 0.4, weightDecay: 0.1, eta: 0.02 });
  assert.equal(peakLearningRate(lars, 512), 0.8);
  const adamw = optimizerPreset("adamw", { learningRate: 3e-3, weightDecay: 0.1 });
  assert.equal(peakLearningRate(adamw, 512), 3e-3);

  // One update of each registered optimizer against its formula at step 1: weight decay (and
  // LARS's trust ratio) on the matrix `w`, not on the bias `b`.
  const w = [1, -2, 0.5, 3];
  const g = [0.1, 0.3, -0.2, 0.05];
  const gb = [-0.2, 0.4];
  const lr = 0.01;
  const norm = (xs: number[]) => Math.hypot(...xs);
  const decayed = g.map((x, i) => x + 0.1 * w[i]);
  const trust = 0.02 * norm(w) / norm(decayed);
  const expected = {
    // LARS: momentum trace starts at 0, so step 1 is -lr * trust * (g + wd * w).
    lars: { w: decayed.map((x) => -lr * trust * x), b: gb.map((x) => -lr * x) },
    // AdamW: Adam's bias-corrected first step is g / |g| (eps 1e-8), then + wd * w.
    adamw: {
      w: g.map((x, i) => -lr * (x / (Math.abs(x) + 1e-8) + 0.1 * w[i])),
      b: gb.map((x) => -lr * x / (Math.abs(x) + 1e-8)),
    },
  };
  for (const preset of [lars, adamw]) {
    const params = { w: tf.tensor2d(w, [2, 2]), b: tf.tensor1d([0.5, 1]) };
    const grads = { w: tf.tensor2d(g, [2, 2]), b: tf.tensor1d(gb) };
    const opt = optimizerOf(preset, schedules.constant(lr));
    const state = opt.init(params);
    const { updates, state: next } = opt.update(grads, state, params);
    const want = {
      w: tf.tensor2d(expected[preset.kind].w, [2, 2]),
      b: tf.tensor1d(expected[preset.kind].b),
    };
    assert.ok(
      await tree.allClose(updates, want, { rtol: 1e-5, atol: 1e-7 }),
      `${preset.kind}: ${JSON.stringify(await (updates as { w: tf.Tensor }).w.array())}`,
    );
    tree.dispose([params, grads, state, updates, next, want]);
  }
});

/** The config.json of a default run of 2026-11-28, written by the code of the time
 * (format byol-run/1). */
const OLD_RUN_CONFIG = "tests/fixtures/config_byol-run-1.json";

async function oldRunConfig(): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(new URL(`../${OLD_RUN_CONFIG}`, import.meta.url)));
}

Deno.test("checkConfig: a byol-run/1 config.json of an earlier run loads as byol-run/3", async () => {
  const json = await oldRunConfig();
  assert.equal(json.format, "byol-run/1");
  const config: RunConfig = checkConfig(json, OLD_RUN_CONFIG);
  // Upgraded as that run behaved: checkpoints at epoch ends only, stop on a non-finite loss.
  assert.deepEqual(config, {
    ...json,
    format: "byol-run/3",
    checkpointEvery: { unit: "steps", every: json.stepsPerEpoch },
    onNonfinite: "stop",
    backend: { ...json.backend as object, threads: null },
    initFrom: null,
    provenance: null,
  });
  assert.equal(config.preset.encoder.arch, "convnet");
  // Its model builds (the run's preset, not today's), e.g. for deno task eval.
  const model = modelOf(config);
  assert.equal(typeof model.step, "function");
});

Deno.test("checkConfig: every problem at once, each with its path and what is expected", async () => {
  const json = await oldRunConfig();
  const preset = json.preset as Record<string, unknown>;
  const broken = {
    ...json,
    epochs: "4",
    extra: true,
    dataset: { ...json.dataset as object, name: "imagenet" },
    preset: {
      ...preset,
      encoder: { ...preset.encoder as object, poolGrid: 0 },
      optimizer: { kind: "sgd", learningRate: 0.1 },
    },
  };
  let message = "";
  try {
    checkConfig(broken, "runs/a/config.json");
  } catch (err) {
    message = (err as Error).message;
  }
  const expected = [
    /^runs\/a\/config\.json: 5 problems:/,
    /^ {2}epochs: expected an integer >= 1, got "4"$/m,
    /^ {2}extra: unexpected field/m,
    new RegExp(
      `^ {2}dataset\\.name: expected one of ${
        Object.keys(datasets).map((n) => `"${n}"`).join(", ")
      }, got "imagenet"$`,
      "m",
    ),
    /^ {2}preset\.encoder\.poolGrid: expected an integer >= 1, got 0$/m,
    new RegExp(
      `^ {2}preset\\.optimizer\\.kind: expected one of ${
        Object.keys(optimizers).join(", ")
      }, got "sgd"$`,
      "m",
    ),
  ];
  for (const re of expected) assert.match(message, re);
  assert.throws(
    () => checkConfig({ ...json, format: "byol-run/0" }, "c.json"),
    /c\.json: format is "byol-run\/0", expected "byol-run\/3"/,
  );
});

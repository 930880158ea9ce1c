// A run's config.json checked in full (ranges, registries, rules across fields) and compared
// with the config its checkpoint stores. Pure and fast: no training, one subprocess.
import assert from "node:assert/strict";
import { join } from "node:path";
import { either } from "fp-ts";
import { data, random } from "../mod.ts";
import { fashionMnist, presetSchema, schema } from "../models/byol/mod.ts";
import {
  checkConfig,
  checkConfigUnchanged,
  checkRunData,
  configChanges,
  resolveConfig,
  type ResolveOptions,
  RESUME_MAY_CHANGE,
  type RunConfig,
} from "../models/byol/train/config.ts";
import { DATASET_NAMES } from "../models/byol/train/datasets.ts";

const shapes = {
  name: "shapes" as const,
  why: "asked for",
  train: data.shapes(random.key(1), { count: 512 }),
  test: data.shapes(random.key(2), { count: 128 }),
};

const resolveOptions: ResolveOptions = {
  requested: "shapes",
  limit: 512,
  data: shapes,
  preset: fashionMnist,
  customEncoder: false,
  epochs: 3,
  seed: 7,
  evalEvery: 1,
  logEvery: 1,
  keepCheckpoints: 3,
  backend: { name: "cpu", reason: "asked for", requested: "cpu" },
  now: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
};

/** A fresh run's config as its config.json holds it: 512 images, batch 64, 3 epochs. */
const RUN: RunConfig = resolveConfig(resolveOptions);

/** Parsed JSON, edited freely by the tests. */
// deno-lint-ignore no-explicit-any
type Loose = Record<string, any>;

/** `RUN`'s JSON with `edit` applied to a deep copy. */
function edited(edit: (json: Loose) => void): Loose {
  const json = structuredClone(RUN) as Loose;
  edit(json);
  return json;
}

/** The problems checkConfig reports, one per line (none: ""). */
function problemsOf(json: unknown): string[] {
  try {
    checkConfig(json, "runs/a/config.json");
    return [];
  } catch (err) {
    const [head, ...lines] = (err as Error).message.split("\n");
    if (lines.length === 0) return [head.replace(/^runs\/a\/config\.json: /, "")];
    assert.match(head, new RegExp(`^runs/a/config\\.json: ${lines.length} problems:$`));
    return lines.map((l) => l.replace(/^ {2}/, ""));
  }
}

Deno.test("config: a new run's config passes and reads back unchanged", () => {
  assert.equal(RUN.stepsPerEpoch, 8);
  assert.equal(RUN.totalSteps, 24);
  assert.deepEqual(checkConfig(JSON.parse(JSON.stringify(RUN)), "config.json"), RUN);
});

Deno.test("config: keepCheckpoints 0 is refused, in config.json and for a new run", () => {
  assert.deepEqual(problemsOf(edited((c) => c.keepCheckpoints = 0)), [
    "keepCheckpoints: expected an integer >= 1, got 0",
  ]);
  assert.throws(
    () => resolveConfig({ ...resolveOptions, keepCheckpoints: 0 }),
    /^Error: the run's settings: keepCheckpoints: expected an integer >= 1, got 0$/,
  );
  assert.throws(
    () => resolveConfig({ ...resolveOptions, learningRate: Number.NaN, keepCheckpoints: -1 }),
    /the run's settings: 2 problems:\n {2}learningRate: expected a number > 0, got null\n {2}keepCheckpoints: expected an integer >= 1, got -1/,
  );
});

Deno.test("config: every out-of-range field at once, each with its path, value and range", () => {
  const found = problemsOf(edited((c) => {
    c.createdAt = "yesterday";
    c.dataset.imageShape = [28, 28, 2];
    c.dataset.test.count = 0;
    c.learningRate = 0;
    c.seed = 2 ** 53;
    c.evalEvery = -1;
    c.logEvery = 0;
    c.checkpointEvery = { unit: "steps", every: 2.5 };
    c.onNonfinite = "ignore";
    c.backend.name = "auto";
    c.preset.tauBase = 1.5;
    c.preset.inputShape = [28, 28];
    c.preset.views[0].crop.scale = [0, 1];
    c.preset.views[1].crop.scale = [0.9, 0.3];
    c.preset.views[0].colorJitter.hue = 0.7;
    c.preset.views[1].blur.probability = 2;
    c.preset.views[1].flipProbability = -0.5;
  }));
  const expected = [
    'createdAt: expected an ISO 8601 time, got "yesterday"',
    "dataset.test.count: expected an integer >= 1 (the accuracies are measured on it), got 0",
    "dataset.imageShape[2]: expected one of 1, 3, got 2",
    "preset.inputShape: expected [an integer >= 1, an integer >= 1, an integer >= 1], got [28,28]",
    "preset.tauBase: expected a number in [0, 1], got 1.5",
    "preset.views[0].crop.scale[0]: expected a number in (0, 1], got 0",
    "preset.views[0].colorJitter.hue: expected a number in [0, 0.5], got 0.7",
    "preset.views[1].crop.scale: expected [low, high] with low <= high, got [0.9,0.3]",
    "preset.views[1].flipProbability: expected a number in [0, 1], got -0.5",
    "preset.views[1].blur.probability: expected a number in [0, 1], got 2",
    "learningRate: expected a number > 0, got 0",
    "seed: expected an integer >= 0, got 9007199254740992",
    "evalEvery: expected an integer >= 0, got -1",
    "logEvery: expected an integer >= 1, got 0",
    "checkpointEvery.every: expected an integer >= 1, got 2.5",
    'onNonfinite: expected one of "stop", "skip", got "ignore"',
    'backend.name: expected one of "webgpu", "wasm", "cpu", got "auto"',
  ];
  assert.deepEqual(found, expected);
  // Minutes need not be whole.
  assert.deepEqual(
    problemsOf(edited((c) => c.checkpointEvery = { unit: "minutes", every: 2.5 })),
    [],
  );
});

Deno.test("config: rules across fields, every broken one at once", () => {
  const found = problemsOf(edited((c) => {
    c.dataset.requested = "mnist";
    c.dataset.limit = 256;
    c.stepsPerEpoch = 9;
    c.totalSteps = 40;
  }));
  assert.deepEqual(found, [
    'dataset.name: expected "mnist" (dataset.requested is "mnist"), got "shapes"',
    "dataset.train.count: expected at most dataset.limit (256), got 512",
    "stepsPerEpoch: expected 8 (dataset.train.count 512 / batchSize 64, whole batches), got 9",
    "totalSteps: expected 27 (stepsPerEpoch 9 x epochs 3), got 40",
  ]);
  assert.deepEqual(problemsOf(edited((c) => c.batchSize = 1024)), [
    "batchSize: expected at most dataset.train.count (512), got 1024",
  ]);
  // auto resolves to its first choice or its fallback (shapes), nothing else.
  assert.deepEqual(problemsOf(edited((c) => c.dataset.requested = "auto")), []);
  assert.deepEqual(
    problemsOf(edited((c) => {
      c.dataset.requested = "auto";
      c.dataset.name = "mnist";
    })),
    ['dataset.name: expected "fashion-mnist" or "shapes" (dataset.requested is "auto"), got "mnist"'],
  );
  assert.deepEqual(problemsOf(edited((c) => c.dataset.train.count = 100)), [
    "dataset.train.count: expected an integer >= 200 (the kNN evaluation's largest k), got 100",
  ]);
});

Deno.test("config: a rule whose fields are invalid is skipped; its fields' problems stand", () => {
  // Without the skip, epochs "4" would also break totalSteps = stepsPerEpoch x epochs.
  assert.deepEqual(problemsOf(edited((c) => c.epochs = "4")), [
    'epochs: expected an integer >= 1, got "4"',
  ]);
  assert.deepEqual(problemsOf(edited((c) => delete c.dataset.train)), [
    "dataset.train: expected an object with source, count, got nothing",
  ]);
  assert.deepEqual(problemsOf([]), ["expected a JSON object"]);
});

Deno.test("config: an unknown dataset name is a clean error listing the registered names", () => {
  const names = DATASET_NAMES.map((n) => `"${n}"`).join(", ");
  assert.equal(names, '"fashion-mnist", "mnist", "cifar10", "shapes"');
  assert.deepEqual(problemsOf(edited((c) => c.dataset.name = "imagenet")), [
    `dataset.name: expected one of ${names}, got "imagenet"`,
  ]);
  // Names of Object.prototype are not datasets either.
  assert.equal(problemsOf(edited((c) => c.dataset.name = "constructor")).length, 1);
});

Deno.test("config: presetSchema checks the views the augmentations draw", () => {
  const checked = presetSchema.validate(
    { ...fashionMnist, views: [{ ...fashionMnist.views[0], crop: { scale: [0.5, 1] } }, {}] },
    "preset",
  );
  assert.ok(either.isLeft(checked));
  assert.equal(
    checked.left[0],
    "preset.views[0].crop.ratio: expected [low, high], each a number > 0, low <= high, got nothing",
  );
  assert.equal(checked.left.length, 7, checked.left.join("\n"));
  // An optional crop size is checked when given and left out when not.
  const sized = {
    ...fashionMnist.views[0],
    crop: { ...fashionMnist.views[0].crop, size: { height: 0, width: 8 } },
  };
  const withSize = presetSchema.validate({ ...fashionMnist, views: [sized, sized] }, "preset");
  assert.ok(either.isLeft(withSize));
  assert.deepEqual(withSize.left, [
    "preset.views[0].crop.size.height: expected an integer >= 1, got 0",
    "preset.views[1].crop.size.height: expected an integer >= 1, got 0",
  ]);
  const plain = presetSchema.validate(fashionMnist, "preset");
  assert.ok(either.isRight(plain));
  assert.equal(Object.hasOwn(plain.right.views[0].crop, "size"), false);
});

Deno.test("config: withRules runs a rule only when the fields it reads are valid", () => {
  const bounds = schema.withRules(
    schema.struct({ min: schema.integer(0), max: schema.integer(0), step: schema.integer(1) }),
    [{
      reads: ["min", "max"],
      check: (
        { min, max },
      ) => (min <= max ? [] : [`max: expected at least min (${min}), got ${max}`]),
    }],
  );
  assert.deepEqual(
    bounds.validate({ min: 3, max: 1, step: 0 }, "b"),
    either.left([
      "b.step: expected an integer >= 1, got 0",
      "b.max: expected at least min (3), got 1",
    ]),
  );
  assert.deepEqual(
    bounds.validate({ min: "3", max: 1, step: 1 }, "b"),
    either.left([
      'b.min: expected an integer >= 0, got "3"',
    ]),
  );
  assert.deepEqual(
    bounds.validate({ min: 1, max: 3, step: 1 }, "b"),
    either.right({ min: 1, max: 3, step: 1 }),
  );
});

Deno.test("configChanges: epochs 3 -> 5 is a change of the run, with the schedule it moves", () => {
  const five = checkConfig(
    edited((c) => {
      c.epochs = 5;
      c.totalSteps = 40;
    }),
    "config.json",
  );
  assert.deepEqual(configChanges(RUN, five), [
    "epochs: 3 in the checkpoint, 5 in config.json",
    "totalSteps: 24 in the checkpoint, 40 in config.json",
  ]);
});

Deno.test("configChanges: every run-changing field, by path, with both values", () => {
  const other = checkConfig(
    edited((c) => {
      c.seed = 8;
      c.learningRate = 1e-3;
      c.encoder = "custom";
      c.dataset.classNames = ["a", "b"];
      c.preset.optimizer.weightDecay = 0;
      c.preset.views[1].blur.probability = 0.5;
      c.preset.encoder.channels = [8, 16];
      c.preset.encoder.strides = [1, 2];
    }),
    "config.json",
  );
  assert.deepEqual(configChanges(RUN, other, ["A", "B"]), [
    `dataset.classNames: ${
      JSON.stringify(RUN.dataset.classNames).slice(0, 57)
    }... in A, ["a","b"] in B`,
    "preset.encoder.channels: [32,64,64,128,128] in A, [8,16] in B",
    "preset.encoder.strides: [1,2,1,2,1] in A, [1,2] in B",
    "preset.optimizer.weightDecay: 0.0001 in A, 0 in B",
    "preset.views[1].blur.probability: 0 in A, 0.5 in B",
    'encoder: "preset" in A, "custom" in B',
    "learningRate: 0.002 in A, 0.001 in B",
    "seed: 7 in A, 8 in B",
  ]);
  // Another encoder architecture: its fields differ in name too.
  const resnet = checkConfig(
    edited((c) => c.preset.encoder = { arch: "resnet18", stem: "small", width: 0.25 }),
    "config.json",
  );
  assert.deepEqual(configChanges(RUN, resnet, ["A", "B"]), [
    'preset.encoder.arch: "convnet" in A, "resnet18" in B',
    "preset.encoder.channels: [32,64,64,128,128] in A, nothing in B",
    "preset.encoder.strides: [1,2,1,2,1] in A, nothing in B",
    "preset.encoder.poolGrid: 2 in A, nothing in B",
    'preset.encoder.stem: nothing in A, "small" in B',
    "preset.encoder.width: nothing in A, 0.25 in B",
  ]);
});

Deno.test("configChanges: what a resumed run may change is not a change", () => {
  const allowed = checkConfig(
    edited((c) => {
      c.createdAt = "2027-01-01T00:00:00.000Z";
      c.dataset.requested = "auto";
      c.dataset.why = "auto: fashion-mnist could not be loaded, so shapes";
      c.dataset.dir = "/mnt/data";
      c.dataset.train.source = "elsewhere (train)";
      c.dataset.test.source = "elsewhere (test)";
      c.evalEvery = 0;
      c.logEvery = 10;
      c.keepCheckpoints = 1;
      c.checkpointEvery = { unit: "steps", every: 2 };
      c.onNonfinite = "skip";
      c.backend = { requested: "wasm", name: "wasm", reason: "asked for", threads: 2 };
      c.provenance = {
        command: { main: "file:///x/train.ts", args: ["--resume", "runs/a"] },
        gitCommit: null,
        versions: { deno: "2.9.6", tfjs: "4.22.0", package: null },
      };
    }),
    "config.json",
  );
  assert.deepEqual(configChanges(RUN, allowed), []);
  assert.deepEqual(
    [...RESUME_MAY_CHANGE].sort(),
    [
      "backend",
      "checkpointEvery",
      "createdAt",
      "dataset.dir",
      "dataset.requested",
      "dataset.test.source",
      "dataset.train.source",
      "dataset.why",
      "evalEvery",
      "format",
      "keepCheckpoints",
      "logEvery",
      "onNonfinite",
      "provenance",
    ],
  );
});

Deno.test("checkConfigUnchanged: one message listing every field, and what may change", () => {
  const file = "runs/a/config.json";
  const checkpoint = "runs/a/step-000008.safetensors";
  checkConfigUnchanged({ stored: RUN, checkpoint, edited: { ...RUN, keepCheckpoints: 1 }, file });
  const edit = { ...RUN, epochs: 5, totalSteps: 40, batchSize: 32, stepsPerEpoch: 16 };
  assert.throws(
    () => checkConfigUnchanged({ stored: RUN, checkpoint, edited: edit, file }),
    (err: Error) => {
      assert.equal(
        err.message,
        "runs/a/config.json: 4 fields differ from the config stored in the run's checkpoint " +
          "runs/a/step-000008.safetensors, which would change the run:\n" +
          "  epochs: 3 in the checkpoint, 5 in config.json\n" +
          "  batchSize: 64 in the checkpoint, 32 in config.json\n" +
          "  stepsPerEpoch: 8 in the checkpoint, 16 in config.json\n" +
          "  totalSteps: 24 in the checkpoint, 40 in config.json\n" +
          "Restore the checkpoint's values, or start a new run for other settings (a resumed " +
          "run may change only createdAt, dataset.requested, dataset.why, dataset.dir, " +
          "dataset.train.source, dataset.test.source, evalEvery, logEvery, keepCheckpoints, " +
          "checkpointEvery, onNonfinite, backend, provenance).",
      );
      return true;
    },
  );
  assert.throws(
    () => checkConfigUnchanged({ stored: RUN, checkpoint, edited: { ...RUN, seed: 1 }, file }),
    /^Error: runs\/a\/config\.json: 1 field differs from .*:\n {2}seed: 7 in the checkpoint, 1 in config\.json\n/,
  );
});

Deno.test("checkRunData: the data loaded again must be the run's: counts, shape, classes", () => {
  checkRunData(RUN, shapes, "runs/a");
  const other = {
    ...shapes,
    train: data.shapes(random.key(1), { count: 600, height: 32, width: 32 }),
    test: { ...shapes.test, shape: [100, 28, 28, 1] as const },
  };
  assert.throws(
    () => checkRunData(RUN, other, "runs/a"),
    (err: Error) => {
      const [head, ...lines] = err.message.split("\n");
      assert.match(
        head,
        /^runs\/a: shapes\(600x32x32x1\) is not the shapes data the run trained on/,
      );
      assert.deepEqual(lines, [
        "  dataset.train.count: expected 512 (the run's), got 600",
        "  dataset.test.count: expected 128 (the run's), got 100",
        "  dataset.imageShape: expected [28,28,1] (the run's), got [32,32,1]",
      ]);
      return true;
    },
  );
  const renamed = { ...shapes, train: { ...shapes.train, classNames: ["a", "b"] } };
  assert.throws(
    () => checkRunData(RUN, renamed, "runs/a"),
    /\n {2}dataset\.classNames: expected \[.*\(the run's\), got \["a","b"\]$/,
  );
});

Deno.test("train --resume: an edited config.json is refused with every problem, no stack trace", async () => {
  const dir = await Deno.makeTempDir({ prefix: "config_test_" });
  try {
    const json = edited((c) => {
      c.dataset.name = "imagenet";
      c.keepCheckpoints = 0;
      c.totalSteps = 40;
    });
    await Deno.writeTextFile(join(dir, "config.json"), JSON.stringify(json, null, 2));
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "examples/train.ts", "--resume", dir, "--backend", "cpu"],
      cwd: new URL("..", import.meta.url),
      stdout: "null",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(stderr);
    assert.notEqual(code, 0);
    assert.match(text, new RegExp(`${join(dir, "config.json")}: 3 problems:`));
    assert.match(text, /^ {2}dataset\.name: expected one of "fashion-mnist", .*, got "imagenet"$/m);
    assert.match(text, /^ {2}keepCheckpoints: expected an integer >= 1, got 0$/m);
    assert.match(text, /^ {2}totalSteps: expected 24 \(stepsPerEpoch 8 x epochs 3\), got 40$/m);
    assert.doesNotMatch(text, /Cannot read properties|\n\s+at /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

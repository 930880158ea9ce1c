// `--config FILE.jsonc`, `--set path=value` and `--print-config`: the round trip, the order in
// which settings override each other, one message with every problem of a malformed config, and
// what `--resume` may change. Pure and fast, with files given in memory; one subprocess.
import assert from "node:assert/strict";
import { join } from "node:path";
import { either } from "fp-ts";
import { data, random } from "../mod.ts";
import { fashionMnist } from "../models/byol/mod.ts";
import {
  type Command,
  formatSettings,
  parseTrainArgs,
  readConfig,
  type RunConfig,
  type RunSettings,
  settingsOf,
  type TrainOptions,
} from "../models/byol/train/mod.ts";
import { resolveConfig } from "../models/byol/train/config.ts";
import { applyResumeSettings } from "../models/byol/train/session.ts";

/** `parseTrainArgs` reading `files` (by path) instead of the disk. */
function parse(args: string[], files: Record<string, string> = {}) {
  return parseTrainArgs(args, {
    readTextFile: (path) => {
      if (Object.hasOwn(files, path)) return files[path];
      throw new Deno.errors.NotFound(path);
    },
  });
}

function command(args: string[], files: Record<string, string> = {}): Command {
  const parsed = parse(args, files);
  assert.ok(either.isRight(parsed), `rejected: ${either.isLeft(parsed) && parsed.left.join("\n")}`);
  return parsed.right;
}

function printed(args: string[], files: Record<string, string> = {}): string {
  const c = command([...args, "--print-config"], files);
  assert.equal(c.kind, "help");
  return (c as Extract<Command, { kind: "help" }>).text;
}

const settings = (args: string[], files: Record<string, string> = {}): RunSettings =>
  JSON.parse(printed(args, files));

function options(args: string[], files: Record<string, string> = {}): TrainOptions {
  const c = command(args, files);
  assert.equal(c.kind, "train");
  return (c as Extract<Command, { kind: "train" }>).options;
}

/** The problems of a command line, as the one message the CLI prints lists them. */
function problems(args: string[], files: Record<string, string> = {}): readonly string[] {
  const parsed = parse(args, files);
  assert.ok(either.isLeft(parsed), `accepted: ${args.join(" ")}`);
  return parsed.left;
}

/** Asserts that `found` is exactly one problem per pattern, in any order. */
function assertProblems(found: readonly string[], expected: readonly RegExp[]): void {
  const text = found.join("\n");
  assert.equal(
    found.length,
    expected.length,
    `expected ${expected.length} problems, got:\n${text}`,
  );
  for (const re of expected) assert.ok(found.some((p) => re.test(p)), `${re} not in:\n${text}`);
}

const shapes = {
  name: "shapes" as const,
  why: "asked for",
  train: data.shapes(random.key(1), { count: 512 }),
  test: data.shapes(random.key(2), { count: 128 }),
};

/** A run's config.json as a new run records it, from the options the command line gave. */
function runConfigOf(o: TrainOptions): RunConfig {
  return resolveConfig({
    requested: o.dataset,
    dir: o.data,
    limit: o.limit,
    data: shapes,
    preset: o.customPreset ?? fashionMnist,
    customEncoder: false,
    epochs: o.epochs,
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    seed: o.seed,
    evalEvery: o.evalEvery,
    logEvery: o.logEvery ?? 1,
    keepCheckpoints: o.keepCheckpoints ?? 3,
    checkpointEvery: o.checkpointEvery,
    onNonfinite: o.onNonfinite,
    backend: { name: "wasm", reason: "asked for", requested: o.backend, threads: 2 },
    provenance: {
      command: { main: "file:///x/examples/train.ts", args: [] },
      gitCommit: "0123456789abcdef0123456789abcdef01234567",
      versions: { deno: "2.9.6", tfjs: "4.22.0", package: "0.1.0" },
    },
    now: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
  });
}

const SETS = [
  "--set",
  "preset.optimizer.weightDecay=1e-5",
  "--set",
  "preset.views.0.crop.scale=[0.2,1]",
  "--set",
  "epochs=3",
  "--set",
  "logEvery=5",
];

Deno.test("--print-config > x.jsonc, then --config x.jsonc --print-config: the same bytes", () => {
  const first = printed(["--dataset", "shapes", "--limit", "512", "--seed", "4", ...SETS]);
  const again = printed(["--config", "x.jsonc"], { "x.jsonc": first });
  assert.equal(again, first);
  const s: RunSettings = JSON.parse(first);
  assert.equal(s.preset.optimizer.kind === "adamw" && s.preset.optimizer.weightDecay, 1e-5);
  assert.deepEqual(s.preset.views[0].crop.scale, [0.2, 1]);
  assert.deepEqual(s.preset.views[1].crop.scale, [0.3, 1]);
  assert.equal(s.epochs, 3);
  assert.equal(s.learningRate, 2e-3);
  // Comments and trailing commas are JSONC.
  const commented = first.replace("{", "{ // my run\n").replace(/\n}$/, ",\n}");
  assert.equal(printed(["--config", "c.jsonc"], { "c.jsonc": commented }), first);
});

Deno.test("--config x.jsonc: the run's config.json has every setting of x.jsonc", () => {
  const text = printed(["--dataset", "shapes", "--limit", "512", ...SETS]);
  const run = runConfigOf(options(["--config", "x.jsonc"], { "x.jsonc": text }));
  assert.deepEqual(settingsOf(run), JSON.parse(text));
  assert.equal(run.totalSteps, 3 * 8);
  // And a run's own config.json is a config: what it recorded is ignored, its settings kept.
  const again = printed(["--config", "runs/a/config.json"], {
    "runs/a/config.json": JSON.stringify(run, null, 2),
  });
  assert.equal(again, formatSettings(settingsOf(run)));
  assert.equal(again, text);
});

Deno.test("--config of older runs' config.json (byol-run/1 and /2) starts runs with their settings", async () => {
  const v1 = JSON.parse(await Deno.readTextFile("tests/fixtures/config_byol-run-1.json"));
  assert.equal(v1.format, "byol-run/1");
  const s = settings(["--config", "v1.json"], { "v1.json": JSON.stringify(v1) });
  assert.equal(s.format, "byol-run/3");
  assert.deepEqual(s.preset, v1.preset);
  assert.equal(s.initFrom, null);
  // As that run behaved: checkpoints at epoch ends, stop on a non-finite loss.
  assert.deepEqual(s.checkpointEvery, { unit: "steps", every: v1.stepsPerEpoch });
  assert.equal(s.onNonfinite, "stop");
  const v2 = {
    ...v1,
    format: "byol-run/2",
    checkpointEvery: { unit: "minutes", every: 5 },
    onNonfinite: "skip",
  };
  const s2 = settings(["--config", "v2.json"], { "v2.json": JSON.stringify(v2) });
  assert.deepEqual([s2.checkpointEvery.unit, s2.onNonfinite, s2.initFrom], [
    "minutes",
    "skip",
    null,
  ]);
});

Deno.test("settings override in order: defaults, --config, flags, --set (left to right)", () => {
  const file = printed(["--dataset", "shapes", "--epochs", "2", "--seed", "9"]);
  const files = { "x.jsonc": file };
  assert.equal(settings(["--config", "x.jsonc"], files).epochs, 2);
  assert.equal(settings(["--config", "x.jsonc", "--epochs", "3"], files).epochs, 3);
  assert.equal(
    settings(["--config", "x.jsonc", "--epochs", "3", "--set", "epochs=5"], files).epochs,
    5,
  );
  assert.equal(settings(["--set", "epochs=5", "--set", "epochs=6"]).epochs, 6);
  // The file's other settings stay.
  assert.equal(settings(["--config", "x.jsonc", "--epochs", "3"], files).seed, 9);
  // Without a config, --dataset picks the preset; with one, --preset replaces its preset, with
  // the preset's epochs, batch size and learning rate unless flags give them.
  assert.equal(settings(["--dataset", "cifar10"]).preset.name, "cifar10");
  assert.equal(
    settings(["--config", "x.jsonc", "--dataset", "cifar10"], files).preset.name,
    "fashion-mnist",
  );
  const swapped = settings(["--config", "x.jsonc", "--preset", "cifar10", "--epochs", "7"], files);
  assert.deepEqual([swapped.preset.name, swapped.epochs, swapped.batchSize], ["cifar10", 7, 256]);
  assert.equal(swapped.learningRate, 1.0);
  // A value that is not JSON is a string; null resets the learning rate to the optimizer's.
  assert.equal(settings(["--set", "dataset.requested=shapes"]).dataset.requested, "shapes");
  assert.equal(
    settings(["--set", "batchSize=128", "--set", "learningRate=null"]).learningRate,
    2e-3,
  );
  assert.equal(settings(["--lr", "0.01", "--set", "learningRate=0.02"]).learningRate, 0.02);
  // What the command line did not set is left to the preset, so a preset given in code rules.
  const plain = options(["--dataset", "shapes"]);
  assert.deepEqual([plain.customPreset, plain.epochs, plain.learningRate], [
    undefined,
    undefined,
    undefined,
  ]);
  assert.equal(options(["--set", "epochs=2"]).epochs, 2);
  assert.equal(options(["--set", "preset.tauBase=0.9"]).customPreset?.tauBase, 0.9);
});

/** A valid config file to break, one line per field so problems have distinct lines. */
const GOOD = printed(["--dataset", "shapes", "--limit", "512"]);

const MALFORMED: readonly { name: string; args: string[]; file?: string; expected: RegExp[] }[] = [
  {
    name: "bad JSONC syntax",
    args: [],
    file: '{\n  "epochs": 3\n  "seed": 1,\n  "batchSize" 64\n}',
    expected: [/^x\.jsonc:3:3: comma expected$/, /^x\.jsonc:4:15: colon expected$/],
  },
  {
    name: "unknown keys, each with the closest valid one",
    args: [],
    file: GOOD.replace('"seed"', '"seeed"').replace('"weightDecay"', '"weightDecy"'),
    expected: [
      /^x\.jsonc:\d+:\d+: seeed: unexpected field \(did you mean seed\?\)/,
      /^x\.jsonc:\d+:\d+: preset\.optimizer\.weightDecy: unexpected field \(did you mean weightDecay\?\)/,
    ],
  },
  {
    name: "wrong types",
    args: [],
    file: GOOD.replace('"epochs": 4,\n  "batchSize"', '"epochs": "4",\n  "batchSize"')
      .replace('"batchSize": 64,\n  "learningRate"', '"batchSize": 1.5,\n  "learningRate"')
      .replace('"poolGrid": 2', '"poolGrid": true'),
    expected: [
      /^x\.jsonc:\d+:\d+: epochs: expected an integer >= 1, got "4"$/,
      /^x\.jsonc:\d+:\d+: batchSize: expected an integer >= 1, got 1\.5$/,
      /^x\.jsonc:\d+:\d+: preset\.encoder\.poolGrid: expected an integer >= 1, got true$/,
    ],
  },
  {
    name: "out-of-range values",
    args: [],
    file: GOOD.replace('"keepCheckpoints": 3', '"keepCheckpoints": 0')
      .replace('"tauBase": 0.99', '"tauBase": 1.5'),
    expected: [
      /^x\.jsonc:\d+:\d+: keepCheckpoints: expected an integer >= 1, got 0$/,
      /^x\.jsonc:\d+:\d+: preset\.tauBase: expected a number in \[0, 1\], got 1\.5$/,
    ],
  },
  {
    name: "rules across fields",
    args: ["--batch-size", "1024"],
    file: GOOD.replace(/"scale": \[\n\s*0\.3,\n\s*1\n\s*\]/, '"scale": [0.9, 0.5]'),
    expected: [
      /^x\.jsonc:6:5: dataset\.limit: expected at least batchSize \(1024\), got 512: it leaves no whole batch/,
      /^x\.jsonc:\d+:\d+: preset\.views\[0\]\.crop\.scale: expected \[low, high\] with low <= high, got \[0\.9,0\.5\]$/,
    ],
  },
  {
    name: "bad --set paths",
    args: [
      "--set",
      "preset.optimzer.kind=sgd",
      "--set",
      "preset.views.5.crop.scale=[0.2,1]",
      "--set",
      "epochs",
    ],
    expected: [
      /^preset\.optimzer: preset has no field optimzer \(did you mean optimizer\?\) .*\(--set preset\.optimzer\.kind=sgd\)$/,
      /^preset\.views\[5\]: preset\.views is a list of 2 items: expected an index from 0 to 1 \(--set /,
      /^--set "epochs": expected path\.to\.field=value/,
    ],
  },
  {
    name: "bad --set values",
    args: ["--set", "epochs=-1", "--set", "onNonfinite=skp", "--set", "preset.optimizer.kind=adam"],
    expected: [
      /^epochs: expected an integer >= 1, got -1 \(--set epochs=-1\)$/,
      /^onNonfinite: expected one of "stop", "skip", got "skp" \(did you mean "skip"\?\) \(--set onNonfinite=skp\)$/,
      /^preset\.optimizer\.kind: expected one of .*, got "adam" \(did you mean adamw\?\) \(--set /,
    ],
  },
  {
    name: "an unknown format tag",
    args: [],
    file: GOOD.replace('"byol-run/3"', '"byol-run/9"'),
    expected: [
      /^x\.jsonc: format: expected one of "byol-run\/1", "byol-run\/2", "byol-run\/3", got "byol-run\/9"$/,
    ],
  },
  {
    name: "not an object",
    args: [],
    file: "[1, 2] // a list",
    expected: [
      /^x\.jsonc: expected a JSON object \(a run's config\.json, or what --print-config prints\), got \[1,2\]$/,
    ],
  },
  {
    name: "wrong values of a tagged member and a missing config file",
    args: ["--set", "preset.encoder.arch=convnet2", "--set", "checkpointEvery.unit=hours"],
    expected: [
      /^preset\.encoder\.arch: expected one of .*, got "convnet2" \(did you mean convnet\?\) \(--set /,
      /^checkpointEvery\.unit: expected one of steps, minutes, got "hours" \(--set /,
    ],
  },
];

Deno.test("10 malformed configs: each one message listing all its problems, with where from", () => {
  assert.equal(MALFORMED.length, 10);
  for (const c of MALFORMED) {
    const files: Record<string, string> = c.file === undefined ? {} : { "x.jsonc": c.file };
    const args = c.file === undefined ? c.args : ["--config", "x.jsonc", ...c.args];
    const found = problems(args, files);
    try {
      assertProblems(found, c.expected);
    } catch (err) {
      throw new Error(`${c.name}: ${(err as Error).message}`);
    }
  }
  assertProblems(problems(["--config", "missing.jsonc"]), [
    /^--config missing\.jsonc: no such file$/,
  ]);
});

Deno.test("--config of a run that trained a custom encoder is refused", () => {
  const run = runConfigOf(options(["--dataset", "shapes"]));
  assertProblems(
    problems(["--config", "c.json"], { "c.json": JSON.stringify({ ...run, encoder: "custom" }) }),
    [/^c\.json: encoder: this run trained a custom encoder given in code/],
  );
});

Deno.test("--resume refuses --set/--config that change the run, naming each; takes the others", async () => {
  const run = runConfigOf(options(["--dataset", "shapes", "--limit", "512", "--epochs", "3"]));
  const files = { [join("runs/a", "config.json")]: JSON.stringify(run, null, 2) };
  const [refusal, ...rest] = problems(
    [
      "--resume",
      "runs/a",
      "--set",
      "epochs=5",
      "--set",
      "keepCheckpoints=5",
      "--set",
      "preset.tauBase=0.9",
    ],
    files,
  );
  assert.deepEqual(rest, []);
  assert.match(refusal, /^--resume runs\/a: 3 changes would alter what the run computes:/);
  assert.match(
    refusal,
    /preset\.tauBase: 0\.99 in the run's config\.json, 0\.9 in the command line \(--set preset\.tauBase=0\.9\)/,
  );
  assert.match(
    refusal,
    /epochs: 3 in the run's config\.json, 5 in the command line \(--set epochs=5\)/,
  );
  assert.match(refusal, /totalSteps: 24 in the run's config\.json, 40 in the command line/);
  assert.match(
    refusal,
    /A resumed run may change only dataset\.requested, dataset\.dir, evalEvery, logEvery, keepCheckpoints, checkpointEvery, onNonfinite, backend;/,
  );
  // A --config with other settings is refused the same way.
  const other = printed(["--dataset", "shapes", "--limit", "512", "--epochs", "3", "--seed", "1"]);
  assert.match(
    problems(["--resume", "runs/a", "--config", "o.jsonc"], { ...files, "o.jsonc": other })[0],
    /1 change would alter .*\n\s+seed: 0 in the run's config\.json, 1 in the command line/,
  );
  // Allowed changes are taken, and written to config.json with the previous one kept.
  const o = options(
    [
      "--resume",
      "runs/a",
      "--set",
      "keepCheckpoints=5",
      "--set",
      "evalEvery=2",
      "--backend",
      "cpu",
    ],
    files,
  );
  assert.deepEqual([o.resume, o.backend], ["runs/a", "cpu"]);
  assert.deepEqual(
    [o.resumeSettings?.keepCheckpoints, o.resumeSettings?.evalEvery, o.resumeSettings?.epochs],
    [5, 2, 3],
  );
  // A data folder or backend asked for in the config is used from now on.
  const moved = options(
    ["--resume", "runs/a", "--set", "dataset.dir=/mnt/d", "--set", "backend.requested=cpu"],
    files,
  );
  assert.deepEqual([moved.data, moved.backend], ["/mnt/d", "cpu"]);
  assert.deepEqual([options(["--resume", "runs/a"], files).backend, o.data], ["auto", undefined]);
  const dir = await Deno.makeTempDir();
  try {
    const before = JSON.stringify(run, null, 2) + "\n";
    await Deno.writeTextFile(join(dir, "config.json"), before);
    const said: string[] = [];
    const edited = await applyResumeSettings({
      dir,
      config: await readConfig(dir),
      settings: o.resumeSettings!,
      say: (t) => said.push(t),
    });
    assert.equal(await Deno.readTextFile(join(dir, "config.json.prev")), before);
    assert.deepEqual(await readConfig(dir), edited);
    assert.deepEqual({ ...edited, keepCheckpoints: 3, evalEvery: 1 }, run);
    assert.match(said.join("\n"), /evalEvery 1 -> 2, keepCheckpoints 3 -> 5 \(the previous file/);
    await assert.rejects(
      applyResumeSettings({
        dir,
        config: edited,
        settings: { ...o.resumeSettings!, seed: 1 },
        say: () => {},
      }),
      /--set\/--config would change the run:\n {2}seed: 0 in .*, 1 in --set\/--config/,
    );
    // Refused: nothing was written.
    assert.deepEqual(await readConfig(dir), edited);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno run examples/train.ts --print-config, then --config of it: the same bytes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const run = async (args: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "examples/train.ts", ...args],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      return new TextDecoder().decode(out.stdout);
    };
    const first = await run(["--print-config", "--dataset", "shapes", ...SETS]);
    await Deno.writeTextFile(join(dir, "x.jsonc"), first);
    assert.equal(await run(["--config", join(dir, "x.jsonc"), "--print-config"]), first);
    assert.equal(first, printed(["--dataset", "shapes", ...SETS]) + "\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

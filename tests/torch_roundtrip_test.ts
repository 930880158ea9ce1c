// PyTorch and this package, both ways: a trained tiny run exported (`deno task export`) and
// loaded by models/torch/ with strict=True gives model.encode's features; networks made in
// PyTorch, saved with models/torch/save.py and imported with initFromFile give PyTorch's
// features here; and every checkpoint the trainer wrote reads the same in Python (json + struct
// + numpy) as in Deno. One Python run (tests/torch_roundtrip.py) does the PyTorch side.
import assert from "node:assert/strict";
import { join } from "node:path";
import { advance, data, io, type Leaf, random, tf, type Tree, tree } from "../mod.ts";
import { listCheckpoints, loadCheckpoint, readFileLimited, useDenoBackend } from "../deno.ts";
import {
  byol,
  type ByolPreset,
  type ByolState,
  type EncoderPreset,
  encoderPreset,
  fromPreset,
} from "../models/byol/mod.ts";
import { tinyPreset } from "./fixtures/tiny_train.ts";
import { exportTensors } from "../models/byol/train/export.ts";
import {
  exportWeights,
  initFromFile,
  loadTrainState,
  modelOf,
  runTraining,
} from "../models/byol/train/mod.ts";

/** The first Python that imports torch ($PYTHON, python3, Debian's /usr/bin/python3), or null. */
async function torchPython(): Promise<string | null> {
  const candidates = [Deno.env.get("PYTHON"), "python3", "/usr/bin/python3"];
  for (const python of candidates.filter((p): p is string => !!p)) {
    try {
      const { success } = await new Deno.Command(python, {
        args: ["-c", "import torch"],
        stdout: "null",
        stderr: "null",
      }).output();
      if (success) return python;
    } catch {
      // not installed
    }
  }
  return null;
}

const python = await torchPython();
if (python === null) {
  console.log(
    "torch_roundtrip_test: skipped: `import torch` fails in $PYTHON, python3 and /usr/bin/python3 " +
      "(install Debian's python3-torch)",
  );
}

await useDenoBackend("wasm");

const tinyConvNet: ByolPreset = {
  ...tinyPreset,
  name: "tiny-convnet",
  // A stride-2 conv on 28 px (tfjs pads it bottom/right only) and a 2x2 pooled grid (HWC order).
  encoder: encoderPreset("convnet", { channels: [4, 8], strides: [2, 1], poolGrid: 2 }),
  batchSize: 64,
  epochs: 1,
};

/** Networks made in PyTorch: `projector: null` saves the encoder alone. */
const MADE: Record<string, { encoder: EncoderPreset; projector: ByolPreset["projector"] | null }> =
  {
    convnet: { encoder: tinyConvNet.encoder, projector: tinyConvNet.projector },
    resnet18: {
      encoder: encoderPreset("resnet18", { stem: "small", width: 0.25 }),
      projector: null,
    },
    resnet50: {
      encoder: encoderPreset("resnet50", { stem: "imagenet", width: 0.125 }),
      projector: null,
    },
  };

const silent = { progress: () => {}, info: () => {}, result: () => {} };

/** Asserts `max |actual - expected| <= 1e-4 max |expected|` and equal shapes; returns the ratio. */
function assertRelClose(actual: tf.Tensor, expected: io.StoredTensor, what: string): number {
  assert.deepEqual(actual.shape, [...expected.shape], `${what}: shape`);
  const a = actual.dataSync();
  const b = new Float32Array(expected.data.slice().buffer);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  assert.ok(scale > 0, `${what}: PyTorch's outputs are all zero`);
  assert.ok(diff <= 1e-4 * scale, `${what}: max difference ${diff}, ${diff / scale} relative`);
  return diff / scale;
}

function tensorsByPath(trees: Tree<Leaf>): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  tree.mapWithPath((path, leaf) => {
    if (leaf instanceof tf.Tensor) out.set(path, leaf);
    return null;
  }, trees);
  return out;
}

function assertSameTensors(a: Tree<Leaf>, b: Tree<Leaf>, what: string): void {
  const x = tensorsByPath(a);
  const y = tensorsByPath(b);
  assert.deepEqual([...x.keys()], [...y.keys()], `${what}: paths`);
  for (const [path, t] of x) {
    assert.deepEqual(t.dataSync(), y.get(path)!.dataSync(), `${what}: ${path}`);
  }
}

Deno.test({
  name:
    "PyTorch round trip: export -> models/torch, PyTorch -> initFromFile, checkpoints in Python",
  ignore: python === null,
  fn: async (t) => {
    const dir = await Deno.makeTempDir({ prefix: "torch_roundtrip_test_" });
    const before = tf.memory().numTensors;
    try {
      const run = await runTraining({
        dataset: "shapes",
        backend: "wasm",
        seed: 1,
        out: join(dir, "runs"),
        evalEvery: 0,
        limit: 256,
        customPreset: tinyConvNet,
        checkpointEvery: { unit: "steps", every: 1 },
        keepCheckpoints: 10,
        output: silent,
      });
      await Deno.mkdir(join(dir, "export"));
      for (const part of ["encoder", "online"] as const) {
        await exportWeights({
          run: run.dir,
          part,
          out: join(dir, "export", `${part}.safetensors`),
        });
      }
      const set = data.shapes(random.key(7), { count: 16 });
      const images = tf.tidy(() => tf.div(tf.tensor4d(set.images, [...set.shape], "int32"), 255));
      const stored = await io.storedFromTensor(images, "images");
      await Deno.writeFile(
        join(dir, "images.safetensors"),
        io.encodeSafetensors(new Map([["images", stored]])),
      );
      await Deno.writeTextFile(join(dir, "made.json"), JSON.stringify(MADE));
      const checkpoints = (await listCheckpoints(run.dir)).map((c) => c.path);
      await Deno.writeTextFile(join(dir, "checkpoints.json"), JSON.stringify(checkpoints));

      const py = await new Deno.Command(python!, {
        args: [join(import.meta.dirname!, "torch_roundtrip.py"), dir],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(py.stderr);
      assert.ok(py.success, `tests/torch_roundtrip.py failed:\n${stderr}`);
      const features = io.decodeSafetensors(
        await readFileLimited(join(dir, "torch_features.safetensors")),
      ).tensors;
      const torch = (name: string) => {
        const f = features.get(name);
        assert.ok(f, `PyTorch gave no output "${name}"`);
        return f;
      };
      const config = run.config;
      const model = modelOf(config);

      await t.step(
        "a run exported and loaded in PyTorch (strict) gives model.encode's features",
        async () => {
          const { state } = await loadTrainState(checkpoints.at(-1)!);
          const encoded = model.encode(state, images);
          const projected = model.online.apply(state.online, state.bnState.online, images).y;
          const rel = [
            assertRelClose(encoded, torch("encoder"), "encoder"),
            assertRelClose(projected, torch("online"), "online"),
          ];
          console.log(`  exported: max relative difference ${Math.max(...rel).toExponential(2)}`);
          tree.dispose([state, encoded, projected]);
        },
      );

      await t.step("networks made in PyTorch, imported, give PyTorch's features here", async () => {
        for (const [name, spec] of Object.entries(MADE)) {
          const preset = {
            ...tinyConvNet,
            encoder: spec.encoder,
            projector: spec.projector ?? tinyConvNet.projector,
          };
          const made = byol(fromPreset(preset, { stepsPerEpoch: 1 }));
          const fresh = made.init(random.key(0), [28, 28, 1]);
          const file = join(dir, "made", `${name}.safetensors`);
          const state = advance(fresh, await initFromFile(file, fresh, { ...config, preset }));
          const encoded = made.encode(state, images);
          const rel = [
            assertRelClose(encoded, torch(`made/${name}${spec.projector ? "/encoder" : ""}`), name),
          ];
          const part = spec.projector ? "online" : "encoder";
          if (spec.projector) {
            const y = made.online.apply(state.online, state.bnState.online, images).y;
            rel.push(assertRelClose(y, torch(`made/${name}`), `${name} online`));
            y.dispose();
          }
          console.log(`  ${name}: max relative difference ${Math.max(...rel).toExponential(2)}`);
          // The target took the same weights; exported again, they are PyTorch's, bit for bit.
          assertSameTensors(state.online, state.target!, `${name} target`);
          assertSameTensors(state.bnState.online, state.bnState.target!, `${name} target state`);
          const saved = io.decodeSafetensors(await readFileLimited(file)).tensors;
          const again = await exportTensors(state, { part, format: "torch" });
          assert.deepEqual([...again.keys()].sort(), [...saved.keys()].sort());
          for (const [key, value] of again) {
            if (key.endsWith("num_batches_tracked")) continue;
            assert.deepEqual(value.data, saved.get(key)!.data, `${name}: ${key} exported again`);
          }
          tree.dispose([state, encoded]);
        }
      });

      await t.step("initFromFile names the file and every wrong tensor", async () => {
        const fresh = model.init(random.key(0), [28, 28, 1]);
        const resnet = join(dir, "made", "resnet18.safetensors");
        await assert.rejects(
          () => initFromFile(resnet, fresh, config),
          (err: Error) => {
            assert.match(err.message, new RegExp(`^${resnet}: not weights of this run's encoder`));
            assert.match(err.message, /holds encoder \{"arch":"resnet18"/);
            assert.match(err.message, /missing layer0\.conv\.weight \[4, 1, 3, 3\]/);
            assert.match(err.message, /missing layer1\.bn\.num_batches_tracked \[\]/);
            assert.match(err.message, /unexpected stem\.conv\.weight \[16, 1, 3, 3\]/);
            return true;
          },
        );
        const other = encoderPreset("convnet", { channels: [4, 8], strides: [1, 1], poolGrid: 2 });
        await assert.rejects(
          () =>
            initFromFile(join(dir, "export", "encoder.safetensors"), fresh, {
              ...config,
              preset: { ...config.preset, encoder: other },
            }),
          /holds encoder .*"strides":\[2,1\].* the run's is .*"strides":\[1,1\]/,
        );
        tree.dispose(fresh);
      });

      await t.step("a native export, and a run's checkpoint, import back exactly", async () => {
        const { state } = await loadTrainState(checkpoints.at(-1)!);
        const native = join(dir, "native.safetensors");
        const tensors = await exportTensors(state, { part: "encoder", format: "native" });
        await Deno.writeFile(native, io.encodeSafetensors(tensors));
        for (const file of [native, checkpoints.at(-1)!]) {
          const fresh = model.init(random.key(0), [28, 28, 1]);
          const next = advance(fresh, await initFromFile(file, fresh, config));
          const online = file === native
            ? (state.online as ByolState["online"]).encoder
            : state.online;
          assertSameTensors(file === native ? next.online.encoder : next.online, online, file);
          tree.dispose(next);
        }
        tree.dispose(state);
      });

      await t.step("every checkpoint the trainer wrote reads the same in Python", async () => {
        const read: Record<
          string,
          Record<string, { dtype: string; shape: number[]; values: number[] }>
        > = JSON.parse(await Deno.readTextFile(join(dir, "read.json")));
        assert.ok(
          checkpoints.length >= 4,
          `expected a checkpoint per step, got ${checkpoints.length}`,
        );
        for (const file of checkpoints) {
          const { trees } = await loadCheckpoint(file);
          const loaded = tensorsByPath(trees);
          const python = read[file];
          assert.deepEqual([...loaded.keys()].sort(), Object.keys(python).sort(), file);
          for (const [name, tensor] of loaded) {
            const p = python[name];
            assert.equal(
              p.dtype,
              tensor.dtype === "float32" ? "float32" : "int32",
              `${file}: ${name}`,
            );
            assert.deepEqual(p.shape, tensor.shape, `${file}: ${name}`);
            assert.deepEqual(p.values, [...tensor.dataSync()], `${file}: ${name}`);
          }
          tree.dispose(trees);
        }
      });
      images.dispose();
      assert.equal(tf.memory().numTensors, before, "tensors leaked");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("deno task export: --help, usage errors (exit 2) and failures (exit 1) without a stack trace", async () => {
  const run = async (...args: string[]) => {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", join(import.meta.dirname!, "..", "examples", "export.ts"), ...args],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder();
    return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
  };
  const help = await run("--help");
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: deno task export <run folder \| checkpoint file>/);
  const bad = await run("--part", "head", "--format", "onnx", "--nope");
  assert.equal(bad.code, 2, bad.stderr);
  for (
    const problem of [
      /--part "head": expected one of encoder, online, target/,
      /--format "onnx": expected one of torch, native/,
      /unknown flag --nope/,
      /expected one run folder or checkpoint file, got 0/,
      /Run deno task export --help/,
    ]
  ) assert.match(bad.stderr, problem);
  const missing = await run("runs/no-such-run");
  assert.equal(missing.code, 1, missing.stderr);
  assert.match(missing.stderr, /runs\/no-such-run not found: expected a run folder/);
  for (const r of [bad, missing]) assert.doesNotMatch(r.stderr, /\n\s+at /, "a stack trace");
});

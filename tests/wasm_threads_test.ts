import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { useBackend } from "../lib/backend.ts";
import { MAX_WASM_THREADS, wasmThreadsStatus } from "../lib/kernels/wasm_threads.ts";

// Captured before any test initialises the wasm backend, which hooks both while it starts.
const originalWorker = globalThis.Worker;
const originalInstantiate = WebAssembly.instantiate;

const cores = navigator.hardwareConcurrency;
const config = fileURLToPath(new URL("../deno.json", import.meta.url));
const wasmThreads = new URL("../lib/kernels/wasm_threads.ts", import.meta.url).href;
const backend = new URL("../lib/backend.ts", import.meta.url).href;

/** Runs `source` as a module in a fresh Deno process with the repository's config and returns
 * what it printed; fails if it does not exit by itself within a minute. */
async function runScript(source: string): Promise<string> {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(file, source);
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", config, file],
      signal: AbortSignal.timeout(60_000),
    }).output();
    const text = new TextDecoder();
    assert.equal(code, 0, `script failed:\n${text.decode(stderr)}`);
    return text.decode(stdout);
  } finally {
    await Deno.remove(file);
  }
}

function relativeError(actual: Float32Array, expected: Float32Array): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < expected.length; i++) {
    diff += (actual[i] - expected[i]) ** 2;
    norm += expected[i] ** 2;
  }
  return Math.sqrt(diff / norm);
}

/** conv2d (stride 2, same) followed by a matMul, and its gradients wrt both inputs. */
function convMatMulWithGrads(x: tf.Tensor4D, filter: tf.Tensor4D): tf.Tensor[] {
  return tf.tidy(() => {
    const f = (a: tf.Tensor, b: tf.Tensor) => {
      const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, "same");
      const flat = y.reshape([y.shape[0], -1]);
      return tf.matMul(flat, flat, false, true).square().sum();
    };
    const { value, grads } = tf.valueAndGrads(f)([x, filter]);
    return [value, ...grads];
  });
}

Deno.test("useBackend('wasm') runs the threaded build with one thread per core", async () => {
  const info = await useBackend("wasm");
  const status = wasmThreadsStatus();
  assert.ok(status, "the wasm backend is initialised");
  if (cores >= 2) {
    assert.deepEqual(status, { threads: Math.min(cores, MAX_WASM_THREADS), fallback: null });
    assert.deepEqual(info, { name: "wasm", reason: "asked for" });
  } else {
    assert.equal(status.threads, 1);
    assert.match(info.reason, /single-threaded wasm: /);
  }
});

Deno.test("starting the wasm threads leaves globalThis.Worker and WebAssembly as they were", async () => {
  await useBackend("wasm");
  assert.equal(globalThis.Worker, originalWorker);
  assert.equal(WebAssembly.instantiate, originalInstantiate);
});

Deno.test("threaded wasm agrees with cpu on conv2d, matMul and their gradients, leak-free", async () => {
  const xData = Float32Array.from({ length: 8 * 15 * 15 * 6 }, (_, i) => Math.sin(i * 0.37));
  const wData = Float32Array.from({ length: 3 * 3 * 6 * 16 }, (_, i) => Math.cos(i * 0.11) / 8);
  const results: Record<string, Float32Array[]> = {};
  for (const name of ["cpu", "wasm"] as const) {
    await useBackend(name);
    const x = tf.tensor4d(xData, [8, 15, 15, 6]);
    const w = tf.tensor4d(wData, [3, 3, 6, 16]);
    const before = tf.memory().numTensors;
    for (let round = 0; round < 2; round++) {
      const outputs = convMatMulWithGrads(x, w);
      results[name] = outputs.map((t) => t.dataSync() as Float32Array);
      tf.dispose(outputs);
      assert.equal(tf.memory().numTensors, before, `${name}: tensors leaked in round ${round}`);
    }
    tf.dispose([x, w]);
  }
  ["value", "dx", "dfilter"].forEach((what, i) => {
    const error = relativeError(results.wasm[i], results.cpu[i]);
    assert.ok(error < 1e-5, `${what}: relative L2 error ${error}`);
  });
});

Deno.test("wasm falls back to the single-threaded build when pthreads do not start in time", async () => {
  const out = await runScript(`
    import * as tf from "@tensorflow/tfjs";
    import { registerThreadedWasm, wasmThreadsStatus } from "${wasmThreads}";
    registerThreadedWasm({ threads: 2, timeoutMs: 1 });
    tf.env().set("PROD", true);
    if (!(await tf.setBackend("wasm"))) throw new Error("wasm did not start");
    tf.square(tf.tensor1d([1, 2, 3])).dataSync();
    console.log(JSON.stringify(wasmThreadsStatus()));
  `);
  assert.deepEqual(JSON.parse(out), {
    threads: 1,
    fallback: "the threaded build did not start (its pthread workers did not start within 1 ms)",
  });
});

Deno.test("useBackend reports why wasm runs single-threaded", async () => {
  const out = await runScript(`
    Reflect.deleteProperty(globalThis, "SharedArrayBuffer");
    const { useBackend } = await import("${backend}");
    console.log(JSON.stringify(await useBackend("wasm")));
  `);
  assert.deepEqual(JSON.parse(out), {
    name: "wasm",
    reason: "asked for; single-threaded wasm: no SharedArrayBuffer",
  });
});

import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { useBackend } from "../mod.ts";
import { MAX_WASM_THREADS, useDenoBackend, wasmThreadsStatus } from "../deno.ts";

// Captured before any test initialises the wasm backend, which hooks both while it starts.
const originalWorker = globalThis.Worker;
const originalInstantiate = WebAssembly.instantiate;

const cores = navigator.hardwareConcurrency;
const config = fileURLToPath(new URL("../deno.json", import.meta.url));
const wasmThreads = new URL("../lib/tfjs_internals/wasm_threads.ts", import.meta.url).href;
const denoEntry = new URL("../deno.ts", import.meta.url).href;
const coreEntry = new URL("../mod.ts", import.meta.url).href;

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

Deno.test("useDenoBackend('wasm') runs the threaded build with one thread per core", async () => {
  const info = await useDenoBackend("wasm");
  const status = wasmThreadsStatus();
  assert.ok(status, "the wasm backend is initialised");
  const threads = Math.min(cores, MAX_WASM_THREADS);
  if (cores >= 2) {
    assert.deepEqual(status, { threads, fallback: null });
    assert.deepEqual(info, { name: "wasm", reason: `asked for; ${threads} wasm threads` });
  } else {
    assert.equal(status.threads, 1);
    assert.match(info.reason, /single-threaded: /);
  }
});

Deno.test("starting the wasm threads leaves globalThis.Worker and WebAssembly as they were", async () => {
  await useDenoBackend("wasm");
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
    import { installWasmThreads, wasmThreadsStatus } from "${wasmThreads}";
    await installWasmThreads({ threads: 2, timeoutMs: 1 });
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

Deno.test("useDenoBackend reports why wasm runs single-threaded", async () => {
  const out = await runScript(`
    Reflect.deleteProperty(globalThis, "SharedArrayBuffer");
    const { useDenoBackend } = await import("${denoEntry}");
    console.log(JSON.stringify(await useDenoBackend("wasm")));
  `);
  assert.deepEqual(JSON.parse(out), {
    name: "wasm",
    reason: "asked for; 1 wasm thread (single-threaded: no SharedArrayBuffer)",
  });
});

Deno.test("importing the core starts no threads and installs no kernels", async () => {
  const out = await runScript(`
    import * as tf from "@tensorflow/tfjs";
    await import("${coreEntry}");
    console.log(JSON.stringify({
      conv2dFilterGrad: tf.getKernel("Conv2DBackpropFilter", "wasm") !== undefined,
      prod: tf.env().getBool("PROD"),
    }));
  `);
  assert.deepEqual(JSON.parse(out), { conv2dFilterGrad: false, prod: false });
});

Deno.test("importing the entry points loads no backend: tensors work at once, on cpu", async () => {
  // Were tfjs's wasm or WebGPU package loaded at import, tfjs would start that backend for the
  // first tensor, asynchronously, and tf.ones would throw "... has not yet been initialized".
  const out = await runScript(`
    import * as tf from "@tensorflow/tfjs";
    await import("${coreEntry}");
    await import("${denoEntry}");
    await import("${new URL("../models/byol/mod.ts", import.meta.url).href}");
    const registered = ["wasm", "webgpu"].filter((name) => tf.findBackendFactory(name) !== null);
    const sum = tf.ones([2, 2]).sum().dataSync()[0];
    console.log(JSON.stringify({ registered, sum, backend: tf.getBackend() }));
  `);
  assert.deepEqual(JSON.parse(out), { registered: [], sum: 4, backend: "cpu" });
});

Deno.test("installWasmThreads after the wasm backend started says so", async () => {
  const out = await runScript(`
    import { useBackend } from "${coreEntry}";
    import { installWasmThreads } from "${denoEntry}";
    await useBackend("wasm");
    try { await installWasmThreads(); } catch (e) { console.log(JSON.stringify(e.message)); }
  `);
  assert.match(JSON.parse(out), /already initialised single-threaded; call it before useBackend/);
});

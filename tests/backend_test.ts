import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { type BackendChoice, gpuAdapter, useBackend } from "../lib/backend.ts";
import { builtinWasmKernel, installWasmKernels } from "../lib/kernels/register.ts";

/** Runs `body` with `console.error` and `console.warn` captured, returning what they printed. */
async function captureConsole(body: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const { error, warn } = console;
  console.error = (...args: unknown[]) => lines.push(args.join(" "));
  console.warn = console.error;
  try {
    await body();
  } finally {
    console.error = error;
    console.warn = warn;
  }
  return lines;
}

/** Runs `body` with `navigator.gpu` replaced by one whose only adapter is described as given. */
async function withFakeAdapter(description: string, body: () => Promise<void>): Promise<void> {
  const gpu = {
    requestAdapter: () => Promise.resolve({ info: { description, vendor: "", device: "" } }),
  };
  Object.defineProperty(navigator, "gpu", { value: gpu, configurable: true });
  try {
    await body();
  } finally {
    delete (navigator as unknown as Record<string, unknown>).gpu;
  }
}

// First, so that no earlier test has logged these choices yet.
Deno.test("useBackend logs each choice once", async () => {
  const lines = await captureConsole(async () => {
    for (let i = 0; i < 2; i++) {
      await useBackend("cpu");
      await useBackend("wasm");
    }
  });
  assert.deepEqual(lines, [
    "backend: cpu (asked for)",
    "backend: wasm (asked for; 1 wasm thread)",
  ]);
});

Deno.test("useBackend activates an explicitly chosen cpu or wasm backend", async () => {
  for (const name of ["cpu", "wasm"] as const) {
    const reason = name === "wasm" ? "asked for; 1 wasm thread" : "asked for";
    assert.deepEqual(await useBackend(name), { name, reason });
    assert.equal(tf.getBackend(), name);
  }
});

Deno.test("useBackend('webgpu') activates WebGPU, or says why it cannot", async () => {
  if (await gpuAdapter()) {
    assert.equal((await useBackend("webgpu")).name, "webgpu");
    assert.equal(tf.getBackend(), "webgpu");
  } else {
    await assert.rejects(useBackend("webgpu"), /"webgpu" was asked for but .* no WebGPU adapter/);
  }
  await useBackend("cpu");
});

Deno.test("useBackend rejects an unknown backend name, listing the valid ones", async () => {
  await assert.rejects(
    useBackend("tpu" as BackendChoice),
    /unknown backend "tpu"; expected one of auto, webgpu, wasm, cpu/,
  );
});

Deno.test("gpuAdapter reports software adapters (lavapipe, SwiftShader) as software", async () => {
  for (const description of ["llvmpipe (LLVM 15.0.6, 256 bits)", "SwiftShader Device"]) {
    await withFakeAdapter(description, async () => {
      assert.equal((await gpuAdapter())?.software, true, description);
    });
  }
  await withFakeAdapter("NVIDIA GeForce RTX 4090", async () => {
    assert.equal((await gpuAdapter())?.software, false);
  });
});

Deno.test("useBackend('auto') picks wasm when the only adapter is a software one", async () => {
  await withFakeAdapter("llvmpipe (LLVM 15.0.6, 256 bits)", async () => {
    const info = await useBackend("auto");
    assert.equal(info.name, "wasm");
    assert.match(info.reason, /only WebGPU adapter is a software one \(llvmpipe/);
    assert.equal(tf.getBackend(), "wasm");
  });
});

Deno.test("useBackend('auto') matches this runtime's adapter", async () => {
  const adapter = await gpuAdapter();
  const info = await useBackend("auto");
  assert.equal(info.name, adapter && !adapter.software ? "webgpu" : "wasm", info.reason);
  await useBackend("cpu");
});

Deno.test("wasm has the gradient kernels; registering them again is a silent no-op", async () => {
  await useBackend("wasm");
  const ours = tf.getKernel(tf.Conv2DBackpropFilter, "wasm");
  const lines = await captureConsole(() => installWasmKernels());
  assert.deepEqual(lines, []);
  assert.equal(tf.getKernel(tf.Conv2DBackpropFilter, "wasm"), ours);
  assert.ok(builtinWasmKernel(tf.Conv2DBackpropInput), "the builtin Conv2DBackpropInput is kept");
  const grad = tf.tidy(() => {
    const x = tf.ones([1, 4, 4, 2]) as tf.Tensor4D;
    const w = tf.ones([3, 3, 2, 1]);
    return tf.grad((w) => tf.sum(tf.conv2d(x, w as tf.Tensor4D, 1, "valid")))(w);
  });
  // Each filter tap sees a 2x2 window of ones in each of the 2 input channels.
  assert.deepEqual(Array.from(await grad.data()), new Array(18).fill(4));
  grad.dispose();
});

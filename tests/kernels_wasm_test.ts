// This project's wasm kernel module: the committed build matches its AssemblyScript sources, it
// runs on tfjs's own memory across both wasm threads, and its fused batch norm agrees with the
// tfjs ops (on cpu) that define it, in values and gradients, with and without the ReLU.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useDenoBackend } from "../deno.ts";
import { buildKernelModule, kernelModuleSource } from "../lib/kernels/build_wasm.ts";
import { KERNELS_WASM } from "../lib/kernels/kernels_wasm.ts";
import { kernelModuleOf } from "../lib/kernels/module.ts";
import { BATCH_NORM_TRAIN, batchNormTraining } from "../lib/nn/batch_norm_train.ts";
import { heapPointer } from "../lib/tfjs_internals/wasm_kernel_module.ts";
import { asWasmHeapBackend, heapView } from "../lib/tfjs_internals/wasm_heap.ts";

const decode = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

Deno.test("the committed kernel modules are the build of lib/kernels/assembly/ (deno task kernels)", async () => {
  const source = await Deno.readTextFile(
    new URL("../lib/kernels/kernels_wasm.ts", import.meta.url),
  );
  assert.ok(
    source === kernelModuleSource(await buildKernelModule()),
    "lib/kernels/kernels_wasm.ts is stale: run deno task kernels",
  );
});

Deno.test("the kernel module imports only memory and exports only functions", () => {
  const module = new WebAssembly.Module(decode(KERNELS_WASM));
  assert.deepEqual(WebAssembly.Module.imports(module), [
    { module: "env", name: "memory", kind: "memory" },
  ]);
  assert.ok(WebAssembly.Module.exports(module).every((e) => e.kind === "function"));
});

Deno.test("tfjs's single-threaded build (plain memory) gets the kernels too", async () => {
  // A fresh process: useBackend without the Deno entry point's threads.
  const script = `
    import * as tf from "@tensorflow/tfjs";
    import { useBackend } from "${new URL("../mod.ts", import.meta.url).href}";
    await useBackend("wasm");
    const x = tf.ones([2, 6, 6, 3]);
    const y = tf.conv2d(x, tf.ones([3, 3, 3, 4]), 1, "valid");
    console.log(JSON.stringify({
      shared: tf.backend().wasm.wasmMemory !== undefined,
      fused: tf.getKernel("${BATCH_NORM_TRAIN}", "wasm") !== undefined,
      y: [...new Set(y.dataSync())],
    }));
  `;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", script],
    cwd: new URL("..", import.meta.url),
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(stdout)), {
    shared: false,
    fused: true,
    y: [27],
  });
});

const threaded = navigator.hardwareConcurrency >= 2;
await useDenoBackend("wasm", { threads: 2 });
const backend = asWasmHeapBackend(tf.backend())!;
const kernels = kernelModuleOf(backend);

Deno.test({
  name: "kernels run on both wasm threads, each part on its share, on tfjs's tensors in place",
  ignore: !threaded,
  fn() {
    assert.equal(kernels.threads, 2);
    const n = 100_003; // odd: the last part ends in a scalar tail
    const a = tf.range(0, n, 1, "float32");
    const b = tf.fill([n], 2);
    const p = (t: tf.Tensor) => heapPointer(backend, t);
    for (const parts of [1, 2]) {
      const out = tf.zeros([n]);
      kernels.run("axpby", [p(a), p(b), p(out), n, 0.5, 3], parts);
      const values = out.dataSync();
      assert.equal(values[0], 6);
      assert.equal(values[n - 1], (n - 1) * 0.5 + 6);
      assert.ok(values.every((v, i) => v === i * 0.5 + 6), `parts ${parts}`);
      out.dispose();
    }
    tf.dispose([a, b]);
  },
});

Deno.test({
  name: "a kernel that traps on a worker's part throws, and the pool keeps working",
  ignore: !threaded,
  fn() {
    const out = tf.zeros([8]);
    const p = heapPointer(backend, out);
    // 16 elements read from the memory's last 32 bytes: part 0 reads those 8 and writes `out`,
    // part 1's reads fall past the end and trap before it writes anything.
    const end = heapView(backend, out).buffer.byteLength;
    assert.throws(
      () => kernels.run("axpby", [end - 32, end - 32, p, 16, 0, 1], 2),
      /part 1 of axpby trapped/,
    );
    const ones = tf.ones([8]);
    kernels.run("axpby", [heapPointer(backend, ones), p, p, 8, 2, 1], 2);
    assert.deepEqual([...out.dataSync()], Array(8).fill(2));
    tf.dispose([out, ones]);
  },
});

Deno.test({
  name: "20,000 back-to-back calls on both threads run each part exactly once",
  ignore: !threaded,
  fn() {
    const n = 1024;
    const sum = tf.zeros([n]);
    const ones = tf.ones([n]);
    const [s, o] = [sum, ones].map((t) => heapPointer(backend, t));
    const calls = 20_000;
    for (let i = 0; i < calls; i++) kernels.run("axpby", [s, o, s, n, 1, 1], 2);
    assert.ok(sum.dataSync().every((v) => v === calls), "some part ran twice or not at all");
    tf.dispose([sum, ones]);
  },
});

Deno.test("the kernel module reports an unknown kernel and too many arguments", () => {
  assert.throws(() => kernels.run("nope", []), /no kernel "nope"; it has .*axpby/);
  assert.throws(() => kernels.run("axpby", Array(30).fill(0)), /30 arguments, at most 24/);
});

/** `compute`'s results on wasm, then on cpu; wasm is active again after. */
async function onWasmThenCpu<T>(compute: () => T): Promise<[onWasm: T, onCpu: T]> {
  const onWasm = compute();
  await tf.setBackend("cpu");
  try {
    return [onWasm, compute()];
  } finally {
    await tf.setBackend("wasm");
  }
}

/** The largest `|got - want|` and the largest `|want|`. */
function largestError(got: Float32Array, want: Float32Array): { worst: number; scale: number } {
  let worst = 0;
  let scale = 0;
  want.forEach((w, i) => {
    worst = Math.max(worst, Math.abs(got[i] - w));
    scale = Math.max(scale, Math.abs(w));
  });
  return { worst, scale };
}

/** Values and gradients of a fused batch norm (relu or not) on the active backend. */
function batchNormResults(shape: number[], relu: boolean): Float32Array[] {
  const channels = shape[shape.length - 1];
  return tf.tidy(() => {
    const x = tf.add(tf.mul(tf.randomNormal(shape, 0, 1, "float32", 1), 0.5), 3);
    const scale = tf.randomNormal([channels], 1, 0.2, "float32", 2);
    const offset = tf.randomNormal([channels], 0, 0.2, "float32", 3);
    const weights = tf.randomNormal(shape, 0, 1, "float32", 4);
    const f = (x: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => {
      const r = batchNormTraining(x, s as tf.Tensor1D, o as tf.Tensor1D, { eps: 1e-5, relu });
      tf.dispose([r.mean, r.variance]); // kept by the op, for the caller
      return tf.sum(tf.mul(r.y, weights));
    };
    const stats = batchNormTraining(x, scale as tf.Tensor1D, offset as tf.Tensor1D, {
      eps: 1e-5,
      relu,
    });
    const { y } = stats;
    const grads = tf.grads(f)([x, scale, offset]);
    const values = [y, stats.mean, stats.variance, ...grads].map((t) =>
      t.dataSync() as Float32Array
    );
    tf.dispose([stats.mean, stats.variance]);
    return values;
  });
}

for (
  const [shape, relu] of [[[64, 14, 14, 32], true], [[8, 9, 9, 3], false], [[7, 5], true]] as const
) {
  Deno.test(`fused batch norm ${relu ? "+ relu " : ""}on wasm [${shape}] agrees with the tfjs ops on cpu`, async () => {
    assert.ok(tf.getKernel(BATCH_NORM_TRAIN, "wasm"), "the fused kernel is registered on wasm");
    const [got, want] = await onWasmThenCpu(() => batchNormResults([...shape], relu));
    const names = ["y", "mean", "variance", "dx", "dScale", "dOffset"];
    want.forEach((w, k) => {
      const { worst, scale } = largestError(got[k], w);
      // float32 sums of up to 6,272 terms per channel, accumulated in another order
      assert.ok(worst <= 1e-4 * scale + 1e-6, `${names[k]}: off by ${worst} (scale ${scale})`);
    });
  });
}

Deno.test("fused batch norm frees its scratch: tensors and wasm bytes stay flat over steps", () => {
  const step = () => batchNormResults([16, 8, 8, 16], true);
  step();
  const tensors = tf.memory().numTensors;
  const bytes = tf.memory().numBytes;
  for (let i = 0; i < 5; i++) step();
  assert.equal(tf.memory().numTensors, tensors);
  assert.equal(tf.memory().numBytes, bytes);
});

/** A convolution's output and both gradients (of `sum(y * weights)`) on the active backend. */
function convResults(
  [batch, size, inC, outC, kernel, stride, pad]: readonly [
    number,
    number,
    number,
    number,
    number,
    1 | 2,
    "same" | "valid",
  ],
): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.randomNormal([batch, size, size, inC], 0, 1, "float32", 5) as tf.Tensor4D;
    const w = tf.randomNormal([kernel, kernel, inC, outC], 0, 0.2, "float32", 6) as tf.Tensor4D;
    const y = tf.conv2d(x, w, stride, pad);
    const weights = tf.randomNormal(y.shape, 0, 1, "float32", 7);
    const grads = tf.grads((x: tf.Tensor, w: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad), weights))
    )([x, w]);
    return [y, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

// The default preset's layers (a 1-channel input; stride 2; 128 channels), and odd ones: a 5x5
// filter, 'valid' padding, channel counts that are not multiples of the 6x8 register tiles.
const CONVS = [
  [4, 28, 1, 32, 3, 1, "same"],
  [4, 28, 32, 64, 3, 2, "same"],
  [4, 7, 128, 128, 3, 1, "same"],
  [3, 11, 5, 17, 5, 2, "valid"],
  [2, 9, 13, 9, 3, 1, "valid"],
] as const;

for (const conv of CONVS) {
  Deno.test(`wasm conv kernels (2 threads) agree with cpu: [${conv}]`, async () => {
    const [got, want] = await onWasmThenCpu(() => convResults(conv));
    ["y", "dx", "dw"].forEach((name, k) => {
      const { worst, scale } = largestError(got[k], want[k]);
      // float32 sums of up to 12,544 products, in another order
      assert.ok(worst <= 1e-5 * scale, `${name}: off by ${worst} (scale ${scale})`);
    });
  });
}

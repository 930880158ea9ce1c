import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { builtinWasmKernel } from "../lib/kernels/register.ts";
import * as random from "../lib/random.ts";
import { relativeL2, type TestBackend, valuesOn, webgpuAvailable } from "./helpers/backends.ts";

const TOLERANCE = 1e-4;
const hasWebgpu = await webgpuAvailable();

/** A function of some inputs whose value and gradients are compared across backends. */
interface GradCase {
  readonly name: string;
  readonly shapes: readonly (readonly number[])[];
  readonly f: (...inputs: tf.Tensor[]) => tf.Tensor;
}

const root = random.key(20240611);

/** Seeded integers in `[min, max]`, one per call, from the named stream. */
function draws(stream: number): (min: number, max: number) => number {
  let k = random.foldIn(root, stream);
  return (min, max) => {
    const [next, sub] = random.split(k);
    k = next;
    return random.randintArray(sub, 1, min, max + 1)[0];
  };
}

/** The case's forward value and input gradients for a fixed random cotangent, on `backend`. */
function valueAndGrads(backend: TestBackend, c: GradCase, seed: number): Promise<Float32Array[]> {
  const k = random.foldIn(root, seed);
  return valuesOn(backend, () => {
    const [kInputs, kCotangent] = random.split(k);
    const inputs = c.shapes.map((shape, i) => {
      const size = shape.reduce((a, b) => a * b, 1);
      return tf.tensor(random.normalArray(random.foldIn(kInputs, i), size), shape as number[]);
    });
    const y = c.f(...inputs);
    const cotangent = tf.tensor(random.normalArray(kCotangent, y.size), y.shape);
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(c.f(...xs), cotangent)))(inputs);
    return [y, ...grads];
  });
}

async function assertAgrees(backend: TestBackend, cases: readonly GradCase[]): Promise<void> {
  for (const [seed, c] of cases.entries()) {
    const expected = await valueAndGrads("cpu", c, seed);
    const actual = await valueAndGrads(backend, c, seed);
    expected.forEach((want, i) => {
      const error = relativeL2(actual[i], want);
      const what = i === 0 ? "value" : `gradient ${i - 1}`;
      assert.ok(
        error <= TOLERANCE,
        `${c.name}: ${what} on ${backend} differs from cpu by ${error.toExponential(2)} (rel L2)`,
      );
    });
  }
}

type Pad = "same" | "valid";
const PADS: readonly Pad[] = ["same", "valid"];

function convCases(): GradCase[] {
  const draw = draws(1);
  const cases: GradCase[] = [];
  for (const k of [1, 3, 5, 7]) {
    for (const stride of [1, 2]) {
      for (const pad of PADS) {
        const [n, h, w] = [draw(1, 3), draw(k, k + 6), draw(k, k + 6)];
        const [cin, cout] = [draw(1, 5), draw(1, 5)];
        cases.push({
          name: `conv2d ${k}x${k} stride ${stride} ${pad}, x [${n},${h},${w},${cin}] -> ${cout}`,
          shapes: [[n, h, w, cin], [k, k, cin, cout]],
          f: (x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, stride, pad),
        });
      }
    }
  }
  cases.push({
    name: "fused conv2d 3x3 stride 2 same + bias, relu, x [2,7,8,3] -> 4",
    shapes: [[2, 7, 8, 3], [3, 3, 3, 4], [4]],
    f: (x, f, bias) =>
      tf.fused.conv2d({
        x: x as tf.Tensor4D,
        filter: f as tf.Tensor4D,
        strides: 2,
        pad: "same",
        bias,
        activation: "relu",
      }),
  }, {
    name: "conv2d 3x2 strides [2,1] explicit pads, x [2,9,8,3] -> 4",
    shapes: [[2, 9, 8, 3], [3, 2, 3, 4]],
    f: (x, f) =>
      tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, [2, 1], [[0, 0], [2, 0], [1, 1], [0, 0]]),
  });
  return cases;
}

function depthwiseCases(): GradCase[] {
  const draw = draws(2);
  const cases: GradCase[] = [];
  for (const k of [1, 3, 5]) {
    for (const stride of [1, 2]) {
      for (const pad of PADS) {
        const [n, h, w, c, m] = [
          draw(1, 3),
          draw(k, k + 6),
          draw(k, k + 6),
          draw(1, 4),
          draw(1, 2),
        ];
        cases.push({
          name: `depthwiseConv2d ${k}x${k} stride ${stride} ${pad}, x [${n},${h},${w},${c}] x${m}`,
          shapes: [[n, h, w, c], [k, k, c, m]],
          f: (x, f) => tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, stride, pad),
        });
      }
    }
  }
  return cases;
}

function matMulCases(): GradCase[] {
  const draw = draws(3);
  const cases: GradCase[] = [];
  for (const batch of [[], [3]]) {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        const [m, k, n] = [draw(1, 9), draw(1, 9), draw(1, 9)];
        cases.push({
          name: `matMul [${batch}] ${m}x${k} @ ${k}x${n} transposeA ${transposeA} B ${transposeB}`,
          shapes: [
            [...batch, ...(transposeA ? [k, m] : [m, k])],
            [...batch, ...(transposeB ? [n, k] : [k, n])],
          ],
          f: (a, b) => tf.matMul(a, b, transposeA, transposeB),
        });
      }
    }
  }
  cases.push({
    name: "fused matMul 5x7 @ (6x7)^T + bias, relu",
    shapes: [[5, 7], [6, 7], [6]],
    f: (a, b, bias) =>
      tf.fused.matMul({
        a: a as tf.Tensor2D,
        b: b as tf.Tensor2D,
        transposeB: true,
        bias,
        activation: "relu",
      }),
  });
  return cases;
}

function normalizationCases(): GradCase[] {
  const draw = draws(4);
  const [n, h, w, c] = [draw(2, 4), draw(1, 5), draw(1, 5), draw(1, 6)];
  return [{
    name: `batch norm (tf.moments + tf.batchNorm) x [${n},${h},${w},${c}], scale, offset`,
    shapes: [[n, h, w, c], [c], [c]],
    f: (x, scale, offset) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.batchNorm(x, mean, variance, offset, scale, 1e-3);
    },
  }, {
    name: `relu x [${n},${h},${w},${c}]`,
    shapes: [[n, h, w, c]],
    f: (x) => tf.relu(x),
  }];
}

function poolCases(): GradCase[] {
  const draw = draws(5);
  const cases: GradCase[] = [];
  for (const [size, stride] of [[2, 2], [3, 2], [3, 1]]) {
    for (const pad of PADS) {
      const [n, h, w, c] = [draw(1, 3), draw(size, size + 6), draw(size, size + 6), draw(1, 4)];
      const x = [n, h, w, c];
      cases.push({
        name: `maxPool ${size}x${size} stride ${stride} ${pad}, x [${x}]`,
        shapes: [x],
        f: (t) => tf.maxPool(t as tf.Tensor4D, size, stride, pad),
      }, {
        // ReLU zeros make all-zero windows and ties: the gradient must go to the first maximum.
        name: `maxPool of relu ${size}x${size} stride ${stride} ${pad}, x [${x}]`,
        shapes: [x],
        f: (t) => tf.maxPool(tf.relu(t) as tf.Tensor4D, size, stride, pad),
      }, {
        name: `avgPool ${size}x${size} stride ${stride} ${pad}, x [${x}]`,
        shapes: [x],
        f: (t) => tf.avgPool(t as tf.Tensor4D, size, stride, pad),
      });
    }
  }
  return cases;
}

function tileAndReductionCases(): GradCase[] {
  const draw = draws(7);
  const [n, h, w, c] = [draw(2, 4), draw(2, 5), draw(2, 5), draw(2, 6)];
  const x = [n, h, w, c];
  const cases: GradCase[] = [
    [1, h, 1, 1],
    [n, 1, 1, 1],
    [2, 1, 3, 1],
    [1, 2, 2, 2],
  ].map((reps) => ({
    name: `tile [1,1,1,${c}] and [${n},${h},1,${c}] by [${reps}]`,
    shapes: [[1, 1, 1, c], [n, h, 1, c]],
    f: (a, b) => tf.add(tf.sum(tf.tile(a, reps)), tf.sum(tf.tile(b, reps))),
  }));
  for (const axis of [[0, 1, 2], [1, 2], [0], [1], [-2, -3], [3], [0, 1, 2, 3]]) {
    for (const keepDims of [false, true]) {
      cases.push({
        name: `sum and mean of [${x}] over [${axis}] keepDims ${keepDims}`,
        shapes: [x],
        f: (t) =>
          tf.concat(
            [tf.sum(t, axis, keepDims), tf.mean(t, axis, keepDims)].map((r) => tf.reshape(r, [-1])),
          ),
      });
    }
  }
  return cases;
}

/**
 * tfjs-backend-webgpu 4.22's AddN binds every input as a storage buffer of one shader, past
 * WebGPU's default 8 per stage from 8 inputs on (it summed only the first 7); lib/kernels/webgpu.ts
 * sums groups of 7. 8 is the first count past the limit, 12 needs two groups, 50 three levels.
 */
function addNCases(): GradCase[] {
  const draw = draws(8);
  const shape = [draw(1, 3), draw(2, 5)];
  return [2, 7, 8, 12, 50].map((n) => ({
    name: `addN of ${n} tensors [${shape}], squared and scaled by 1..${n}`,
    shapes: new Array(n).fill(shape),
    f: (...xs) => tf.addN(xs.map((x, i) => tf.mul(tf.square(x), i + 1))),
  }));
}

const FAMILIES: readonly [string, () => GradCase[]][] = [
  ["addN of many tensors", addNCases],
  ["tile, sum and mean", tileAndReductionCases],
  ["conv2d input and filter", convCases],
  ["depthwise conv2d", depthwiseCases],
  ["matMul with transposes", matMulCases],
  ["batch norm and relu", normalizationCases],
  ["maxPool and avgPool", poolCases],
];

for (const backend of ["wasm", "webgpu"] as const) {
  for (const [family, cases] of FAMILIES) {
    Deno.test({
      name: `grad agreement ${backend} vs cpu: ${family}`,
      ignore: backend === "webgpu" && !hasWebgpu,
      fn: () => assertAgrees(backend, cases()),
    });
  }
}

Deno.test("wasm Conv2DBackpropInput matches the wasm backend's own kernel", async () => {
  const builtin = builtinWasmKernel(tf.Conv2DBackpropInput);
  assert.ok(builtin, "installWasmKernels replaced no Conv2DBackpropInput");
  const draw = draws(6);
  for (const [k, stride, pad] of [[3, 1, "same"], [3, 2, "same"], [1, 2, "valid"]] as const) {
    const [n, h, w, cin, cout] = [2, draw(k, 11), draw(k, 11), draw(1, 4), draw(1, 4)];
    const inputShape: [number, number, number, number] = [n, h, w, cin];
    const attrs = { strides: stride, pad, dataFormat: "NHWC", inputShape };
    const [ours, theirs] = await valuesOn("wasm", () => {
      const filter = tf.tensor4d(random.normalArray(root, k * k * cin * cout), [k, k, cin, cout]);
      const dy = tf.randomNormal(
        tf.conv2d(tf.zeros(inputShape) as tf.Tensor4D, filter, stride, pad).shape,
        0,
        1,
        "float32",
        7,
      );
      const inputs = { dy, filter };
      const info = builtin.kernelFunc({ inputs, attrs, backend: tf.backend() }) as tf.TensorInfo;
      return [
        tf.engine().runKernel(tf.Conv2DBackpropInput, inputs, attrs) as tf.Tensor,
        tf.engine().makeTensorFromTensorInfo(info),
      ];
    });
    const error = relativeL2(ours, theirs);
    assert.ok(error <= 1e-6, `${k}x${k} stride ${stride} ${pad}, x [${inputShape}]: ${error}`);
  }
});

Deno.test("wasm kernels reject what they do not support, saying what was expected", async () => {
  await valuesOn("wasm", () => {
    const x = tf.zeros([1, 5, 5, 2]);
    const dy = tf.zeros([1, 5, 5, 3]);
    const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) => () =>
      tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap);
    const base = { strides: 1, pad: "same", filterShape: [3, 3, 2, 3] };
    assert.throws(
      run(tf.Conv2DBackpropFilter, { x, dy }, { ...base, dataFormat: "NCHW" }),
      /Conv2DBackpropFilter: only NHWC is supported on wasm, got dataFormat NCHW/,
    );
    assert.throws(
      run(tf.Conv2DBackpropFilter, { x, dy: tf.zeros([1, 4, 5, 3]) }, base),
      /conv2dFilterGrad: dy has shape \[1,4,5,3\] but .* gives \[1,5,5,3\]/,
    );
    assert.throws(
      run(tf.DepthwiseConv2dNativeBackpropInput, { dy: tf.zeros([1, 5, 5, 2]), filter: x }, {
        strides: 1,
        pad: "same",
        dilations: 2,
        inputShape: [1, 5, 5, 2],
      }),
      /DepthwiseConv2dNativeBackpropInput: only dilation 1 is supported, got dilations 2/,
    );
    return [];
  });
});

/** Tensor count, bytes and wasm buffers now. */
function usage(): { tensors: number; bytes: number; buffers: number } {
  const { numTensors, numBytes } = tf.memory();
  return { tensors: numTensors, bytes: numBytes, buffers: tf.engine().backend.numDataIds() };
}

Deno.test("wasm gradients leak no tensors, bytes or backend buffers over repeated calls", async () => {
  await valuesOn("wasm", () => {
    const k = random.key(3);
    const x = tf.tensor4d(random.normalArray(k, 2 * 9 * 9 * 3), [2, 9, 9, 3]);
    const w = tf.tensor4d(random.normalArray(k, 3 * 3 * 3 * 4), [3, 3, 3, 4]);
    const d = tf.tensor4d(random.normalArray(k, 3 * 3 * 4 * 2), [3, 3, 4, 2]);
    const m = tf.tensor2d(random.normalArray(k, 72 * 6), [72, 6]);
    // Every kernel lib/kernels replaces: conv and depthwise gradients, MaxPoolGrad, batch norm's
    // Tile, Sum and Mean, and matMul with a transposed operand.
    const loss = (x: tf.Tensor, w: tf.Tensor, d: tf.Tensor, m: tf.Tensor) => {
      const h = tf.relu(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, "same"));
      const { mean, variance } = tf.moments(h, [0, 1, 2]);
      const normalized = tf.batchNorm(h, mean, variance, tf.zeros([4]), tf.ones([4]), 1e-3);
      const g = tf.depthwiseConv2d(
        tf.maxPool(normalized as tf.Tensor4D, 3, 1, "same"),
        d as tf.Tensor4D,
        1,
        "valid",
      );
      const flat = tf.reshape(g, [2, -1]);
      return tf.sum(tf.matMul(tf.matMul(flat, m, false, false), m, false, true));
    };
    const step = () => tf.dispose(tf.grads(loss)([x, w, d, m]));
    step();
    const before = usage();
    for (let i = 0; i < 5; i++) step();
    assert.deepEqual(usage(), before);
    return [];
  });
});

Deno.test("wasm kernels called with bare TensorInfos keep their inputs alive", async () => {
  await valuesOn("wasm", () => {
    const x = tf.ones([1, 4, 4, 2]);
    const dy = tf.ones([1, 4, 4, 3]);
    const bare = (t: tf.Tensor): tf.TensorInfo => ({
      dataId: t.dataId,
      shape: t.shape,
      dtype: t.dtype,
    });
    const before = usage();
    const calls: [string, tf.NamedTensorInfoMap, tf.NamedAttrMap][] = [
      [tf.Conv2DBackpropFilter, { x: bare(x), dy: bare(dy) }, {
        strides: 1,
        pad: "same",
        dataFormat: "NHWC",
        filterShape: [3, 3, 2, 3],
      }],
      [tf.Tile, { x: bare(x) }, { reps: [2, 1, 1, 1] }],
      [tf.BatchMatMul, { a: bare(x), b: bare(x) }, { transposeA: false, transposeB: true }],
    ];
    for (const [name, inputs, attrs] of calls) {
      const kernel = tf.getKernel(name, "wasm");
      assert.ok(kernel, name);
      // Kernels composed of ops return tensors; the builtins they fall back to, bare outputs.
      const out = kernel.kernelFunc({ inputs, attrs, backend: tf.backend() }) as tf.TensorInfo;
      (out instanceof tf.Tensor ? out : tf.engine().makeTensorFromTensorInfo(out)).dispose();
    }
    assert.deepEqual(usage(), before);
    assert.deepEqual(Array.from(x.dataSync()), new Array(32).fill(1));
    return [];
  });
});

// Gradients of every nn layer against central finite differences on the cpu backend, and
// agreement of the wasm and webgpu backends with cpu on the same layers' outputs and gradients.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { advance } from "../lib/advance.ts";
import { type BackendName, gpuAdapter, useBackend } from "../lib/backend.ts";
import * as nn from "../lib/nn/mod.ts";
import * as random from "../lib/random.ts";
import * as tree from "../lib/tree.ts";

interface Case {
  readonly name: string;
  readonly layer: nn.Layer;
  /** Per-example input shape. */
  readonly inputShape: readonly number[];
  readonly batch: number;
  readonly training?: boolean;
  /**
   * Inputs as a shuffled grid spaced 0.05 apart with no value within 0.025 of zero, so that a
   * finite-difference step never crosses a relu kink or reorders a max-pool window.
   */
  readonly spread?: boolean;
  /** `false` for cases too large for float32 finite differences: only backend agreement. */
  readonly finiteDifferences?: false;
}

// Small enough that the O(eps^2) error of central differences stays under the tolerance on the
// strongly curved normalisation cases, large enough that float32 rounding does too.
const EPS = 3e-3;
const RTOL = 1e-2;
/** Largest number of coordinates checked by finite differences per tensor. */
const SAMPLES = 40;

const conv = (filters: number, kernel: number, stride = 1, bias = true) =>
  nn.conv2d({ filters, kernel, stride, bias });

const CASES: readonly Case[] = [
  { name: "linear", layer: nn.linear({ units: 3 }), inputShape: [4], batch: 3 },
  {
    name: "linear without bias",
    layer: nn.linear({ units: 2, bias: false }),
    inputShape: [5],
    batch: 2,
  },
  {
    name: "conv2d stride 2 same",
    layer: nn.conv2d({ filters: 3, kernel: 3, stride: 2, padding: "same" }),
    inputShape: [5, 5, 2],
    batch: 2,
  },
  {
    name: "conv2d stride 2 valid, 3x2 kernel, no bias",
    layer: nn.conv2d({ filters: 2, kernel: [3, 2], stride: 2, padding: "valid", bias: false }),
    inputShape: [6, 5, 2],
    batch: 2,
  },
  {
    name: "batchNorm training 4-D",
    layer: nn.batchNorm(),
    inputShape: [3, 3, 2],
    batch: 2,
    training: true,
  },
  {
    name: "batchNorm training 2-D",
    layer: nn.batchNorm(),
    inputShape: [3],
    batch: 5,
    training: true,
  },
  { name: "batchNorm evaluation", layer: nn.batchNorm(), inputShape: [3], batch: 3 },
  {
    // sequential runs batchNorm then relu as one fused layer (on wasm, the kernel module's).
    name: "batchNorm + relu training 4-D, 5 channels (fused)",
    layer: nn.sequential({ bn: nn.batchNorm(), relu: nn.relu }),
    inputShape: [3, 3, 5],
    batch: 3,
    training: true,
    spread: true,
  },
  {
    // Above the kernels' threading threshold (32,768 elements): both wasm threads take a part.
    name: "batchNorm + relu training, 49,152 elements (fused, threaded on wasm)",
    layer: nn.sequential({ bn: nn.batchNorm(), relu: nn.relu }),
    inputShape: [16, 16, 12],
    batch: 16,
    training: true,
    spread: true,
    finiteDifferences: false,
  },
  {
    name: "batchNorm + relu evaluation (fused)",
    layer: nn.sequential({ bn: nn.batchNorm(), relu: nn.relu }),
    inputShape: [2, 2, 3],
    batch: 2,
  },
  { name: "layerNorm 2-D", layer: nn.layerNorm(), inputShape: [6], batch: 3 },
  { name: "layerNorm 4-D", layer: nn.layerNorm(), inputShape: [2, 2, 3], batch: 2 },
  { name: "relu", layer: nn.relu, inputShape: [2, 5], batch: 3, spread: true },
  { name: "gelu", layer: nn.gelu, inputShape: [8], batch: 3 },
  {
    name: "maxPool2d 2x2 valid",
    layer: nn.maxPool2d({ window: 2 }),
    inputShape: [4, 5, 2],
    batch: 2,
    spread: true,
  },
  {
    name: "maxPool2d 3x3 stride 2 same",
    layer: nn.maxPool2d({ window: 3, stride: 2, padding: "same" }),
    inputShape: [5, 5, 2],
    batch: 2,
    spread: true,
  },
  {
    name: "avgPool2d 2x2 same",
    layer: nn.avgPool2d({ window: 2, padding: "same" }),
    inputShape: [5, 5, 2],
    batch: 2,
  },
  {
    name: "adaptiveAvgPool2d 7x5 to 2x3 (overlapping cells)",
    layer: nn.adaptiveAvgPool2d({ size: [2, 3] }),
    inputShape: [7, 5, 2],
    batch: 2,
  },
  { name: "globalAvgPool", layer: nn.globalAvgPool, inputShape: [3, 3, 2], batch: 2 },
  { name: "flatten", layer: nn.flatten, inputShape: [2, 3, 2], batch: 2 },
  {
    name: "dropout training",
    layer: nn.dropout({ rate: 0.5 }),
    inputShape: [8],
    batch: 3,
    training: true,
  },
  {
    name: "residual with projection shortcut, training",
    layer: nn.residual({
      main: nn.sequential({
        conv1: conv(3, 3, 2, false),
        bn1: nn.batchNorm(),
        act: nn.gelu,
        conv2: conv(3, 3),
      }),
      shortcut: nn.sequential({ conv: conv(3, 1, 2, false), bn: nn.batchNorm() }),
      activation: nn.gelu,
    }),
    inputShape: [4, 4, 2],
    batch: 2,
    training: true,
  },
  {
    name: "residual with identity shortcut",
    layer: nn.residual({
      main: nn.sequential({
        fc1: nn.linear({ units: 4 }),
        act: nn.gelu,
        fc2: nn.linear({ units: 3 }),
      }),
    }),
    inputShape: [3],
    batch: 2,
  },
  {
    name: "sequential",
    layer: nn.sequential({
      conv: nn.conv2d({ filters: 3, kernel: 2, padding: "valid" }),
      norm: nn.layerNorm(),
      act: nn.gelu,
      pool: nn.avgPool2d({ window: 2 }),
      flat: nn.flatten,
      drop: nn.dropout({ rate: 0.25 }),
      fc: nn.linear({ units: 2 }),
    }),
    inputShape: [5, 5, 2],
    batch: 2,
    training: true,
  },
];

/** A fixed input batch for a case; the same numbers on every backend. */
function makeInput(c: Case): tf.Tensor {
  const shape = [c.batch, ...c.inputShape];
  if (!c.spread) return random.normal(random.key(2), shape);
  const n = shape.reduce((a, b) => a * b, 1);
  const order = random.permutationArray(random.key(2), n);
  const values = Float32Array.from(order, (k) => (k - Math.floor(n / 2) + 0.5) * 0.05);
  return tf.tensor(values, shape);
}

interface Problem {
  readonly def: tree.TreeDef;
  /** The input followed by the parameter leaves: everything the loss is differentiated by. */
  readonly tensors: tf.Tensor[];
  /** Names of `tensors` for messages: `x`, then parameter paths such as `main/conv1/w`. */
  readonly names: string[];
  readonly state: tree.Tree;
  readonly weights: tf.Tensor;
  dispose(): void;
}

/** Initialises a case and draws its input and the fixed loss weights on the current backend. */
function setUp(c: Case): Problem {
  const { params, state, outputShape } = c.layer.init(random.key(1), c.inputShape);
  const [leaves, def] = tree.flatten(params);
  const x = makeInput(c);
  const weights = random.normal(random.key(3), [c.batch, ...outputShape]);
  return {
    def,
    tensors: [x, ...(leaves as tf.Tensor[])],
    names: ["x", ...tree.paths(params)],
    state,
    weights,
    dispose: () => tree.dispose(x, params, state, weights),
  };
}

/** The case's output; the new state (running statistics) is not needed, so what it adds is freed. */
function forward(c: Case, p: Problem, tensors: readonly tf.Tensor[]): tf.Tensor {
  const params = tree.unflatten(p.def, tensors.slice(1));
  const { y, state } = c.layer.apply(params, p.state, tensors[0], {
    training: c.training ?? false,
    key: random.key(4),
    path: c.name,
  });
  advance(state, p.state);
  return y;
}

/** The scalar loss `sum(y * weights)`, summed in float64 on the host. */
function hostLoss(c: Case, p: Problem, tensors: readonly tf.Tensor[], w: Float32Array): number {
  const y = forward(c, p, tensors);
  const values = y.dataSync();
  y.dispose();
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * w[i];
  return sum;
}

/** Gradients of `sum(y * weights)` with respect to the input and every parameter leaf. */
function analyticGrads(c: Case, p: Problem): tf.Tensor[] {
  const loss = (...tensors: tf.Tensor[]) =>
    tf.tidy(() => tf.sum(tf.mul(forward(c, p, tensors), p.weights)));
  return tf.grads(loss)(p.tensors);
}

/** Checks `got` against `want` elementwise: `|got - want| <= rtol * max(|want|, floor)`. */
function assertClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  { rtol, floor, what }: { rtol: number; floor: number; what: string },
): void {
  assert.equal(got.length, want.length, `${what}: lengths differ`);
  for (let i = 0; i < want.length; i++) {
    const tol = rtol * Math.max(Math.abs(want[i]), floor);
    assert.ok(
      Math.abs(got[i] - want[i]) <= tol,
      `${what}[${i}]: got ${got[i]}, expected ${want[i]} (tolerance ${tol.toExponential(2)})`,
    );
  }
}

function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m;
}

for (const c of CASES.filter((c) => c.finiteDifferences !== false)) {
  Deno.test(`gradient of ${c.name} matches finite differences (cpu)`, async () => {
    await useBackend("cpu");
    const before = tf.memory().numTensors;
    const p = setUp(c);
    const w = p.weights.dataSync() as Float32Array;
    const grads = analyticGrads(c, p);
    p.tensors.forEach((t, ti) => {
      const analytic = grads[ti].dataSync();
      const base = t.dataSync().slice() as Float32Array;
      const picks = base.length <= SAMPLES
        ? base.map((_, i) => i)
        : random.permutationArray(random.key(5 + ti), base.length).slice(0, SAMPLES);
      const numeric: number[] = [];
      const expected: number[] = [];
      for (const i of picks) {
        const at = (delta: number) => {
          const shifted = base.slice();
          shifted[i] += delta;
          const moved = tf.tensor(shifted, t.shape);
          const tensors = p.tensors.map((u, j) => (j === ti ? moved : u));
          const value = hostLoss(c, p, tensors, w);
          moved.dispose();
          return value;
        };
        numeric.push((at(EPS) - at(-EPS)) / (2 * EPS));
        expected.push(analytic[i]);
      }
      const what = `d/d ${p.names[ti]}`;
      assertClose(numeric, expected, { rtol: RTOL, floor: 0.1 * maxAbs(analytic), what });
    });
    tree.dispose(grads);
    p.dispose();
    assert.equal(tf.memory().numTensors, before, "tensors leaked");
  });
}

interface Evaluation {
  readonly y: Float32Array;
  readonly grads: Float32Array[];
  /** `x`, then the parameter paths, naming `grads`. */
  readonly names: string[];
}

async function evaluate(backend: BackendName, c: Case): Promise<Evaluation> {
  await useBackend(backend);
  const p = setUp(c);
  const y = forward(c, p, p.tensors);
  const grads = analyticGrads(c, p);
  const result = {
    names: p.names,
    y: (await y.data()) as Float32Array,
    grads: await Promise.all(grads.map(async (g) => (await g.data()) as Float32Array)),
  };
  tree.dispose(y, grads);
  p.dispose();
  return result;
}

const adapter = await gpuAdapter();
if (!adapter) console.log("webgpu agreement tests skipped: no WebGPU adapter");

for (const backend of ["wasm", "webgpu"] as const) {
  for (const c of CASES) {
    Deno.test({
      name: `${backend} agrees with cpu on ${c.name}: output and gradients`,
      ignore: backend === "webgpu" && !adapter,
      async fn() {
        const want = await evaluate("cpu", c);
        const got = await evaluate(backend, c);
        const tolerance = (values: Float32Array, what: string) => ({
          rtol: 1e-3,
          floor: 0.01 * maxAbs(values),
          what: `${backend} ${what}`,
        });
        assertClose(got.y, want.y, tolerance(want.y, "y"));
        want.grads.forEach((g, i) =>
          assertClose(got.grads[i], g, tolerance(g, `d/d ${want.names[i]}`))
        );
      },
    });
  }
}

/**
 * The whole BYOL training step (two views; online network and predictor forward and backward;
 * target forward; AdamW; the target's EMA) on tfjs's webgpu backend against wasm, from the same
 * key, parameters and batch, at small shapes so that it runs in seconds on lavapipe. Skipped, with
 * the reason printed, where the runtime has no WebGPU adapter.
 *
 * @module
 */
import assert from "node:assert/strict";
import { advance, random, tf, tree, useBackend } from "../mod.ts";
import { ensureRuntimeDir } from "../deno.ts";
import { byol, type ByolPreset, fashionMnist, fromPreset } from "../models/byol/mod.ts";
import { relativeL2, webgpuAvailable } from "./helpers/backends.ts";

ensureRuntimeDir("webgpu"); // Deno's WebGPU prints an error without XDG_RUNTIME_DIR
const hasWebgpu = await webgpuAvailable();

/**
 * The default preset's recipe (its views, heads with batch norm, AdamW, tau) at a small size. No
 * warm-up: the first step's learning rate would otherwise be 0, and the step would leave the
 * parameters as they were on both backends.
 */
const TINY: ByolPreset = {
  ...fashionMnist,
  encoder: { arch: "convnet", channels: [8, 16, 16], strides: [1, 2, 1], poolGrid: 2 },
  inputShape: [12, 12, 1],
  projector: { hidden: 32, out: 16 },
  predictor: { hidden: 32, out: 16 },
  warmupEpochs: 0,
};
const BATCH = 8;
const STEPS = 3;
const LEARNING_RATE = 2e-3;

/**
 * Relative errors allowed between the backends: on each step's loss, and (L2) on each parameter
 * tensor after the steps. The backends sum in different orders (XNNPACK's and tfjs's WGSL
 * convolutions and matrix products, batch norm's reductions), about 1e-7 relative per op in
 * float32, and Adam's first steps, close to `lr * sign(gradient)`, pass on any sign that rounding
 * flips. Measured on lavapipe over 3 steps: losses within 4e-6; parameters within 3e-5 (batch-norm
 * offsets, which start at 0 and have moved only a few learning rates), every weight within 1e-6.
 * Each bound leaves a factor of about 30 above that; a wrong kernel gave errors of 2e-2 to 6e-2
 * on the losses and up to order 10 on the parameters (tfjs's webgpu AddN over 8 or more tensors,
 * which exceeds WebGPU's default 8 storage buffers per shader stage, 2026-12-02).
 */
const LOSS_TOLERANCE = 1e-4;
const PARAM_TOLERANCE = 1e-3;

/**
 * Biases whose gradient is exactly 0: a linear layer's followed by batch norm, which removes any
 * constant shift (the heads' hidden layers, and the projector's output, which the predictor's
 * first linear layer and batch norm take in). Rounding leaves a gradient of about 1e-9 of
 * either sign, and Adam, which divides by the gradient's magnitude, turns it into a step of up
 * to `lr (1 - b1) / sqrt(1 - b2)`, 3.2 learning rates (Kingma & Ba 2015, section 2.1), in either
 * direction. Both backends are right; they are only checked to stay within that bound.
 */
const NO_GRADIENT = /^(online|target)\/projector\/(fc\d+|out)\/b$|^predictor\/fc\d+\/b$/;
const NO_GRADIENT_BOUND = 2 * 3.2 * LEARNING_RATE * STEPS;

/** What {@link train} saw: each step's loss and tensor count, and the parameters at the end. */
interface Trained {
  readonly losses: number[];
  readonly tensorsAfterStep: number[];
  readonly params: Map<string, Float32Array>;
}

/** `STEPS` BYOL steps of {@link TINY} on `backend`; frees everything it made. */
async function train(backend: "wasm" | "webgpu"): Promise<Trained> {
  await useBackend(backend);
  const model = byol(
    fromPreset(TINY, { stepsPerEpoch: 10, batchSize: BATCH, learningRate: LEARNING_RATE }),
  );
  const images = random.uniform(random.key(1), [BATCH, ...TINY.inputShape]);
  let state = model.init(random.key(0), TINY.inputShape);
  const losses: number[] = [];
  const tensorsAfterStep: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const { state: next, metrics } = model.step(state, images, random.foldIn(random.key(2), i));
    state = advance(state, next);
    losses.push((await metrics.loss.data())[0]);
    tree.dispose(metrics);
    tensorsAfterStep.push(tf.memory().numTensors);
  }
  const compared = { online: state.online, predictor: state.predictor, target: state.target };
  const values = await Promise.all(
    tree.leaves(compared).map(async (t) => Float32Array.from(await (t as tf.Tensor).data())),
  );
  const params = new Map(tree.paths(compared).map((path, i) => [path, values[i]]));
  tree.dispose(state, images);
  return { losses, tensorsAfterStep, params };
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

Deno.test({
  name: "BYOL step on webgpu agrees with wasm: losses, online, predictor and target parameters",
  ignore: !hasWebgpu,
  fn: async () => {
    const want = await train("wasm");
    const got = await train("webgpu");

    const failures: string[] = [];
    got.losses.forEach((loss, i) => {
      const error = Math.abs(loss - want.losses[i]) / Math.abs(want.losses[i]);
      if (!(error <= LOSS_TOLERANCE)) {
        failures.push(
          `step ${i + 1} loss: ${loss} on webgpu, ${want.losses[i]} on wasm, relative error ` +
            `${error.toExponential(2)} > ${LOSS_TOLERANCE}`,
        );
      }
    });
    assert.deepEqual([...got.params.keys()], [...want.params.keys()]);
    let worst = { error: 0, path: "" };
    for (const [path, expected] of want.params) {
      const actual = got.params.get(path)!;
      if (NO_GRADIENT.test(path)) {
        const error = maxAbsDifference(actual, expected);
        if (!(error <= NO_GRADIENT_BOUND)) {
          failures.push(
            `${path}: max |difference| ${error.toExponential(2)} > ${NO_GRADIENT_BOUND}`,
          );
        }
      } else {
        const error = relativeL2(actual, expected);
        if (error > worst.error) worst = { error, path };
        if (!(error <= PARAM_TOLERANCE)) {
          failures.push(
            `${path}: relative L2 error ${error.toExponential(2)} > ${PARAM_TOLERANCE}`,
          );
        }
      }
    }
    const lossErrors = got.losses.map((l, i) => Math.abs(l - want.losses[i]) / want.losses[i]);
    console.log(
      `largest relative errors: loss ${Math.max(...lossErrors).toExponential(2)}, ` +
        `parameters ${worst.error.toExponential(2)} (${worst.path})`,
    );
    assert.deepEqual(
      failures,
      [],
      `webgpu differs from wasm over ${STEPS} steps:\n  ${failures.join("\n  ")}`,
    );
  },
});

Deno.test({
  name: "BYOL step on webgpu leaves the tensor count unchanged from step to step",
  ignore: !hasWebgpu,
  fn: async () => {
    const { tensorsAfterStep } = await train("webgpu");
    assert.deepEqual(
      tensorsAfterStep,
      tensorsAfterStep.map(() => tensorsAfterStep[0]),
      `live tensors after each of ${STEPS} steps on webgpu: ${tensorsAfterStep.join(", ")}`,
    );
  },
});

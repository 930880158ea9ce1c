import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { runSteps } from "../lib/steps.ts";
import * as tree from "../lib/tree.ts";

await tf.setBackend("cpu");

type State = { readonly w: tf.Tensor; readonly frozen: tf.Tensor; readonly step: number };

// w <- w - 0.5 * input; `frozen` is shared by every state; metrics: a tensor and a number.
const step = (s: State, input: number) => ({
  state: { w: tf.sub(s.w, 0.5 * input), frozen: s.frozen, step: s.step + 1 },
  metrics: { loss: tf.tidy(() => tf.sum(tf.square(s.w))), step: s.step },
});

const initial = (): State => ({ w: tf.tensor1d([4, -2]), frozen: tf.ones([3]), step: 0 });

Deno.test("runSteps threads the state over the inputs, frees old states and every metric", async () => {
  const baseline = tf.memory().numTensors;
  const start = initial();
  const seen: { loss: number; step: number; index: number; tensors: number }[] = [];
  const final = await runSteps({
    state: start,
    step,
    inputs: [1, 2, 3],
    onStep: async ({ metrics, index, state }) => {
      await new Promise((resolve) => setTimeout(resolve, 1)); // the loop awaits the callback
      assert.equal(state.step, index + 1);
      const loss = (await metrics.loss.data())[0];
      seen.push({ loss, step: metrics.step, index, tensors: tf.memory().numTensors });
    },
  });
  assert.deepEqual(await final.w.data(), new Float32Array([1, -5])); // 4 - 3, -2 - 3
  assert.equal(final.step, 3);
  assert.equal(final.frozen, start.frozen, "a shared tensor survives");
  assert.ok(start.w.isDisposed, "the first state's own tensor is freed");
  // The losses of w = [4, -2], [3.5, -2.5], [2.5, -3.5], with the step and index.
  const expected = [[20, 0, 0], [18.5, 1, 1], [18.5, 2, 2]];
  assert.deepEqual(seen.map((s) => [s.loss, s.step, s.index]), expected);
  // During each callback: w, frozen, and the metric's scalar.
  assert.deepEqual(seen.map((s) => s.tensors - baseline), [3, 3, 3]);
  tree.dispose(final);
  assert.equal(tf.memory().numTensors, baseline);
});

Deno.test("runSteps stops after `steps` steps, and without inputs passes undefined", async () => {
  const inputs: unknown[] = [];
  const final = await runSteps({
    state: initial(),
    step: (s: State, input: undefined, index) => {
      inputs.push(input);
      return step(s, index);
    },
    steps: 4,
  });
  assert.equal(final.step, 4);
  assert.deepEqual(inputs, [undefined, undefined, undefined, undefined]);
  assert.deepEqual(await final.w.data(), new Float32Array([1, -5])); // 0 + 1 + 2 + 3
  tree.dispose(final);

  let taken = 0;
  async function* batches() {
    for (let i = 0; i < 10; i++) {
      taken++;
      yield 1;
    }
  }
  const fromAsync = await runSteps({ state: initial(), step, inputs: batches(), steps: 2 });
  assert.equal(fromAsync.step, 2);
  assert.equal(taken, 2, "no input is drawn past the last step");
  tree.dispose(fromAsync);
});

Deno.test("runSteps stops after the step during which the signal was aborted", async () => {
  const controller = new AbortController();
  const final = await runSteps({
    state: initial(),
    step,
    inputs: [1, 1, 1, 1, 1],
    signal: controller.signal,
    onStep: ({ index }) => {
      if (index === 1) controller.abort();
    },
  });
  assert.equal(final.step, 2);
  tree.dispose(final);
});

Deno.test("runSteps: a failing callback still frees its metrics; bad options are named", async () => {
  const baseline = tf.memory().numTensors;
  let latest: State | null = null;
  await assert.rejects(
    runSteps({
      state: initial(),
      step,
      inputs: [1, 1, 1],
      onStep: ({ state, index }) => {
        latest = state;
        if (index === 1) throw new Error("disk full");
      },
    }),
    { message: "disk full" },
  );
  assert.equal(latest!.step, 2);
  tree.dispose(latest!);
  assert.equal(tf.memory().numTensors, baseline, "only the latest state was left, now freed");

  await assert.rejects(runSteps({ state: null, step: () => ({ state: null, metrics: null }) }), {
    message: "runSteps: give `inputs`, `steps` or both, else the loop never ends",
  });
  await assert.rejects(
    runSteps({ state: null, step: () => ({ state: null, metrics: null }), steps: 1.5 }),
    {
      message: "runSteps: steps must be a non-negative integer, got 1.5",
    },
  );
});

Deno.test("runSteps: choose rejects a step (keeping the old state) or ends the loop, leaking nothing", async () => {
  const baseline = tf.memory().numTensors;
  // Inputs of 2 are "bad": the step is skipped, keeping w but counting the step.
  const final = await runSteps({
    state: initial(),
    step,
    inputs: [1, 2, 1],
    choose: ({ previous, next, index }) =>
      index === 1 ? { ...previous, step: previous.step + 1 } : next,
  });
  assert.deepEqual(await final.w.data(), new Float32Array([3, -3])); // 4 - 0.5 - 0.5
  assert.equal(final.step, 3);
  tree.dispose(final);
  assert.equal(tf.memory().numTensors, baseline, "the rejected state was freed");

  let latest: State | null = null;
  await assert.rejects(
    runSteps({
      state: initial(),
      step,
      inputs: [1, 2, 1],
      onStep: ({ state }) => {
        latest = state;
      },
      choose: ({ next, index }) => {
        if (index === 1) throw new Error("loss is NaN");
        return next;
      },
    }),
    { message: "loss is NaN" },
  );
  assert.equal(latest!.step, 1, "the state before the failed step is the latest");
  assert.deepEqual(await latest!.w.data(), new Float32Array([3.5, -2.5]));
  tree.dispose(latest!);
  assert.equal(tf.memory().numTensors, baseline, "the failed step's state and metrics were freed");
});

import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useBackend } from "../lib/backend.ts";
import * as tree from "../lib/tree.ts";
import { linear } from "../lib/schedules.ts";
import {
  adam,
  adamw,
  addDecayedWeights,
  applyUpdates,
  chain,
  clipByGlobalNorm,
  excludeBiasAndNorm,
  lars,
  masked,
  momentum,
  scale,
  scaleByAdam,
  scaleByLearningRate,
  scaleByTrustRatio,
  sgd,
  trace,
} from "../lib/optim/mod.ts";
import type { GradientTransformation, Updates } from "../lib/optim/mod.ts";
import type { Leaf, Tree } from "../lib/tree.ts";

await useBackend("cpu");
tf.env().set("PROD", true);

type Arrays = Record<string, number[]>;

const W0 = [0.5, -1, 2, 1.5];
const B0 = [0.1, -0.2];
/** The gradients at step t: fixed directions growing with t, so moments and traces matter. */
const gradAt = (t: number): Arrays => ({
  w: [0.1, -0.2, 0.3, 0.4].map((g) => g * (1 + t)),
  b: [-0.5, 0.25].map((g) => g * (2 - t)),
});

function toTensors(a: Arrays): Record<string, tf.Tensor> {
  return { w: tf.tensor(a.w, [2, 2]), b: tf.tensor(a.b) };
}

async function toArrays(t: Tree): Promise<Arrays> {
  const out: Arrays = {};
  const paths = tree.paths(t);
  for (const [i, leaf] of (tree.leaves(t) as tf.Tensor[]).entries()) {
    out[paths[i]] = Array.from(await leaf.data());
  }
  return out;
}

function assertClose(actual: number[], expected: number[], what: string, tol = 1e-5) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) => {
    assert.ok(
      Math.abs(a - expected[i]) <= tol * (1 + Math.abs(expected[i])),
      `${what}[${i}]: got ${a}, expected ${expected[i]} (all: ${actual} vs ${expected})`,
    );
  });
}

/** Runs `steps` optimizer steps from (W0, B0) with `gradAt`, freeing everything it replaces. */
async function run<S extends Tree<Leaf>>(
  opt: GradientTransformation<S>,
  steps: number,
): Promise<Arrays> {
  let params: Updates = toTensors({ w: W0, b: B0 });
  let state = opt.init(params);
  for (let t = 0; t < steps; t++) {
    const grads = toTensors(gradAt(t));
    const { updates, state: nextState } = opt.update(grads, state, params);
    const nextParams: Updates = applyUpdates(params, updates);
    tree.dispose(params, grads, updates, state);
    params = nextParams;
    state = nextState;
  }
  const out = await toArrays(params);
  tree.dispose(params, state);
  return out;
}

const norm = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0));

Deno.test("sgd with a schedule: p -= lr(t) * g", async () => {
  const lr = linear({ init: 0.1, end: 0.05, steps: 2 });
  const got = await run(sgd({ learningRate: lr }), 3);
  for (const k of ["w", "b"]) {
    const p = k === "w" ? [...W0] : [...B0];
    for (let t = 0; t < 3; t++) gradAt(t)[k].forEach((g, i) => (p[i] -= lr(t) * g));
    assertClose(got[k], p, `sgd ${k}`);
  }
});

for (const nesterov of [false, true]) {
  Deno.test(`momentum (nesterov: ${nesterov}) over 3 steps`, async () => {
    const got = await run(momentum({ learningRate: 0.1, momentum: 0.9, nesterov }), 3);
    for (const k of ["w", "b"]) {
      const p = k === "w" ? [...W0] : [...B0];
      const buf = p.map(() => 0);
      for (let t = 0; t < 3; t++) {
        gradAt(t)[k].forEach((g, i) => {
          buf[i] = g + 0.9 * buf[i];
          p[i] -= 0.1 * (nesterov ? g + 0.9 * buf[i] : buf[i]);
        });
      }
      assertClose(got[k], p, `momentum ${k}`);
    }
  });
}

/** Adam by hand; `decay(p)` is AdamW's decoupled weight decay term for a parameter. */
function adamByHand(p: number[], key: string, lr: number, decay: (p: number) => number) {
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  for (let t = 0; t < 3; t++) {
    gradAt(t)[key].forEach((g, i) => {
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      const mHat = m[i] / (1 - b1 ** (t + 1));
      const vHat = v[i] / (1 - b2 ** (t + 1));
      p[i] -= lr * (mHat / (Math.sqrt(vHat) + eps) + decay(p[i]));
    });
  }
  return p;
}

Deno.test("adam over 3 steps matches the update rule by hand", async () => {
  const got = await run(adam({ learningRate: 0.01 }), 3);
  assertClose(got.w, adamByHand([...W0], "w", 0.01, () => 0), "adam w");
  assertClose(got.b, adamByHand([...B0], "b", 0.01, () => 0), "adam b");
});

Deno.test("adamw decays only the masked-in parameters", async () => {
  const got = await run(
    adamw({ learningRate: 0.01, weightDecay: 0.1, mask: excludeBiasAndNorm }),
    3,
  );
  assertClose(got.w, adamByHand([...W0], "w", 0.01, (p) => 0.1 * p), "adamw w");
  assertClose(got.b, adamByHand([...B0], "b", 0.01, () => 0), "adamw b (not decayed)");
});

/** LARS as Optax composes it: decay, trust ratio (masked), -lr, then momentum. */
function larsByHand(p: number[], key: string, masked: boolean) {
  const [lr, mom, wd, eta] = [0.5, 0.9, 0.01, 0.001];
  const buf = p.map(() => 0);
  for (let t = 0; t < 3; t++) {
    let u = gradAt(t)[key].map((g, i) => g + (masked ? wd * p[i] : 0));
    if (masked) {
      const ratio = (eta * norm(p)) / norm(u);
      u = u.map((x) => x * ratio);
    }
    u.forEach((x, i) => {
      buf[i] = -lr * x + mom * buf[i];
      p[i] += buf[i];
    });
  }
  return p;
}

Deno.test("lars: masked-out leaves get neither the trust ratio nor weight decay", async () => {
  const opt = lars({
    learningRate: 0.5,
    momentum: 0.9,
    weightDecay: 0.01,
    eta: 0.001,
    mask: excludeBiasAndNorm,
  });
  const got = await run(opt, 3);
  assertClose(got.w, larsByHand([...W0], "w", true), "lars w");
  assertClose(got.b, larsByHand([...B0], "b", false), "lars b (plain momentum SGD)");
  const unmasked = await run(
    lars({ learningRate: 0.5, momentum: 0.9, weightDecay: 0.01, eta: 0.001 }),
    3,
  );
  assertClose(unmasked.b, larsByHand([...B0], "b", true), "lars b without a mask");
});

Deno.test("scaleByTrustRatio is 1 when the parameter or the update norm is 0", async () => {
  const params = { zero: tf.zeros([2]), p: tf.tensor([3, 4]), q: tf.tensor([1, 0]) };
  const grads = { zero: tf.tensor([1, 2]), p: tf.tensor([0.6, 0.8]), q: tf.zeros([2]) };
  const opt = scaleByTrustRatio({ eta: 0.5 });
  const { updates } = opt.update(grads, opt.init(params), params);
  const got = await toArrays(updates);
  assert.deepEqual(got.zero, [1, 2]);
  assertClose(got.p, [0.6 * 2.5, 0.8 * 2.5], "ratio 0.5 * 5 / 1");
  assert.deepEqual(got.q, [0, 0]);
  tree.dispose(params, grads, updates);
});

Deno.test("chain equals applying its parts one after another", async () => {
  const parts = () => [clipByGlobalNorm(0.5), scaleByAdam({ b1: 0.8 }), scale(0.5)] as const;
  const chained = chain(...parts());
  const separate = parts();
  const params = toTensors({ w: W0, b: B0 });
  let chainState = chained.init(params);
  let states: Tree<Leaf>[] = separate.map((t) => t.init(params));
  for (let t = 0; t < 3; t++) {
    const grads = toTensors(gradAt(t));
    const viaChain = chained.update(grads, chainState, params);
    let current: Updates = grads;
    const nextStates = separate.map((part, i) => {
      const r = (part as GradientTransformation<Tree<Leaf>>).update(current, states[i], params);
      if (current !== grads) tree.dispose(current);
      current = r.updates;
      return r.state;
    });
    assert.ok(await tree.allClose(viaChain.updates, current), `step ${t}: updates`);
    assert.ok(await tree.allClose(viaChain.state, nextStates), `step ${t}: states`);
    tree.dispose(grads, current, viaChain.updates, chainState, states);
    chainState = viaChain.state;
    states = nextStates;
  }
  tree.dispose(params, chainState, states);
});

Deno.test("chain disposes its intermediates and never the caller's gradients", () => {
  const opt = chain(scale(2), clipByGlobalNorm(1), scale(-1));
  const params = toTensors({ w: W0, b: B0 });
  const grads = toTensors(gradAt(0));
  const state = opt.init(params);
  const before = tf.memory().numTensors;
  const { updates } = opt.update(grads, state, params);
  assert.equal(tf.memory().numTensors, before + 2, "only the two output tensors remain");
  assert.ok(!grads.w.isDisposed && !grads.b.isDisposed);
  tree.dispose(params, grads, updates);
});

Deno.test("null gradients pass through every transform and leave frozen params as they are", async () => {
  const params = { w: tf.tensor([1, 2, 3, 4], [2, 2]), frozen: tf.tensor([[5, 6], [7, 8]]) };
  const grads = { w: tf.tensor([0.1, 0.2, 0.3, 0.4], [2, 2]), frozen: null };
  const before = tf.memory().numTensors;
  const opts: GradientTransformation<Tree<Leaf>>[] = [
    sgd({ learningRate: 0.1 }),
    momentum({ learningRate: 0.1 }),
    adam({ learningRate: 0.1 }),
    adamw({ learningRate: 0.1, weightDecay: 0.1 }),
    lars({ learningRate: 0.1, weightDecay: 0.1 }),
    chain(clipByGlobalNorm(0.1), masked(scale(2), { w: true, frozen: false })),
  ];
  for (const opt of opts) {
    let state = opt.init(params);
    for (let t = 0; t < 2; t++) {
      const { updates, state: next } = opt.update(grads, state, params);
      assert.equal((updates as Record<string, Updates>).frozen, null);
      const applied = applyUpdates(params, updates);
      assert.notEqual(applied.frozen, params.frozen, "a clone, so it can be disposed alone");
      assert.deepEqual(await applied.frozen.data(), await params.frozen.data());
      tree.dispose(updates, state, applied);
      state = next;
    }
    tree.dispose(state);
  }
  assert.equal(tf.memory().numTensors, before);
  tree.dispose(params, grads);
});

Deno.test("masked applies the inner transform only where the mask selects", async () => {
  const params = { enc: { w: tf.ones([2, 2]), b: tf.ones([2]) }, head: [tf.ones([3])] };
  const grads = {
    enc: { w: tf.tensor([1, 2, 3, 4], [2, 2]), b: tf.tensor([5, 6]) },
    head: [tf.tensor([7, 8, 9])],
  };
  const cases = [
    { mask: { enc: { w: true, b: false }, head: [false] }, doubled: ["enc/w"] },
    { mask: { enc: true, head: false }, doubled: ["enc/w", "enc/b"] },
    { mask: (path: string) => path.startsWith("head"), doubled: ["head/0"] },
    { mask: excludeBiasAndNorm, doubled: ["enc/w"] },
  ];
  const original = await toArrays(grads);
  for (const { mask, doubled } of cases) {
    const opt = masked(trace({ decay: 0.5 }), mask);
    const state = opt.init(params);
    assert.deepEqual(tree.paths(state), doubled.map((p) => `trace/${p}`));
    const first = opt.update(grads, state, params);
    const second = opt.update(grads, first.state, params);
    const got = await toArrays(second.updates);
    for (const [path, values] of Object.entries(original)) {
      const factor = doubled.includes(path) ? 1.5 : 1;
      assert.deepEqual(got[path], values.map((x) => x * factor), `${path} with ${doubled}`);
    }
    tree.dispose(state, first.updates, first.state, second.updates, second.state);
  }
  tree.dispose(params, grads);
});

Deno.test("masked with frozen parameters: a mask tree or function written for all params", async () => {
  const params = { enc: { w: tf.ones([2, 2]), b: tf.ones([2]) }, head: { w: tf.ones([2, 1]) } };
  const grads = { enc: null, head: { w: tf.tensor([[4], [6]]) } };
  const seen: string[] = [];
  const byParam = (path: string, p: tf.Tensor) => {
    seen.push(`${path}:${p === params.head.w ? "param" : "other"}`);
    return true;
  };
  for (const mask of [{ enc: { w: true, b: false }, head: true }, byParam]) {
    const opt = masked(addDecayedWeights({ weightDecay: 0.5 }), mask);
    const { updates, state } = opt.update(grads, opt.init(params), params);
    assert.equal((updates as { enc: unknown }).enc, null);
    assertClose(Array.from(await (updates as typeof grads).head.w.data()), [4.5, 6.5], "head/w");
    tree.dispose(updates, state);
  }
  assert.ok(seen.includes("head/w:param"), "the mask function sees the parameter's tensor");
  tree.dispose(params, grads);
});

Deno.test("clipByGlobalNorm rescales to maxNorm only when the global norm exceeds it", async () => {
  const grads = { a: tf.tensor([3, 0]), b: [tf.tensor([[0, 4]])], frozen: null };
  const opt = clipByGlobalNorm(2);
  const clipped = opt.update(grads, opt.init(grads)).updates;
  const got = await toArrays(clipped);
  assertClose(got.a, [1.2, 0], "a * 2/5");
  assertClose(got["b/0"], [0, 1.6], "b * 2/5");
  const loose = clipByGlobalNorm(5.5);
  const { updates } = loose.update(grads, loose.init(grads));
  assert.deepEqual(await toArrays(updates), { a: [3, 0], "b/0": [0, 4] });
  assert.notEqual((updates as Record<string, Updates>).a, grads.a);
  tree.dispose(grads, clipped, updates);
});

Deno.test("scaleByLearningRate reads its schedule at the step count in its state", async () => {
  const opt = scaleByLearningRate((step) => 10 ** step);
  const grads = tf.tensor([1]);
  let state = opt.init(grads);
  const seen: number[] = [];
  for (let t = 0; t < 3; t++) {
    const { updates, state: next } = opt.update(grads, state);
    seen.push((await (updates as tf.Tensor).data())[0]);
    tree.dispose(updates);
    state = next;
  }
  assert.deepEqual(seen, [-1, -10, -100]);
  assert.deepEqual(state, { count: 3 });
  grads.dispose();
});

Deno.test("excludeBiasAndNorm excludes rank <= 1 leaves and bias/norm names", () => {
  const m = tf.zeros([2, 2]);
  const v = tf.zeros([2]);
  assert.equal(excludeBiasAndNorm("enc/conv1/w", m), true);
  assert.equal(excludeBiasAndNorm("enc/conv1/b", v), false);
  assert.equal(excludeBiasAndNorm("enc/bn1/scale", v), false);
  assert.equal(excludeBiasAndNorm("enc/ln/offset", v), false);
  assert.equal(excludeBiasAndNorm("enc/odd/bias", m), false);
  assert.equal(excludeBiasAndNorm("w", tf.scalar(1)), false);
  tree.dispose([m, v]);
});

Deno.test("bad input gets errors that say what was wrong", () => {
  const params = toTensors({ w: W0, b: B0 });
  assert.throws(() => adam({ learningRate: 0.1, b1: 1 }), {
    message: "scaleByAdam: b1 must be a number in [0, 1), got 1",
  });
  assert.throws(() => sgd({ learningRate: -1 }), { message: /learningRate must be .* got -1/ });
  assert.throws(() => clipByGlobalNorm(0), { message: /maxNorm must be a finite number > 0/ });
  assert.throws(() => lars({ learningRate: 0.1, momentum: 1.5 }), {
    message: "lars: momentum must be a number in [0, 1), got 1.5",
  });
  const opt = adamw({ learningRate: 0.1 });
  const state = opt.init(params);
  const wrong = { w: tf.zeros([2, 2]), b: tf.zeros([3]) };
  assert.throws(() => opt.update(wrong, state, params), {
    message: 'scaleByAdam: updates and mu differ at "b": updates has Tensor[3] float32, ' +
      "mu has Tensor[2] float32; expected the same shape",
  });
  assert.throws(() => opt.update(params, state), {
    message: "addDecayedWeights: update needs the current params, got none",
  });
  assert.throws(() => opt.update(params, [state[0]] as never, params), {
    message: /chain: the state must be an array of 3 part states/,
  });
  assert.throws(() => masked(scale(1), { w: true }).init(params), {
    message: 'masked: params and mask differ at "b": params has Tensor[2] float32, mask has ' +
      "nothing; expected the same structure",
  });
  assert.throws(() => masked(scale(1), { w: 1 as never, b: true }).init(params), {
    message: 'masked: mask has number 1 at "w"; expected a boolean',
  });
  assert.throws(
    () => masked(scale(1), (path) => (path === "w" ? 1 : false) as never).init(params),
    {
      message: 'masked: mask returned number 1 at "w"; expected a boolean',
    },
  );
  assert.throws(() => applyUpdates(params, { w: params.w }), {
    message: 'applyUpdates: updates and params differ at "b": updates has nothing, params has ' +
      "Tensor[2] float32; expected the same structure",
  });
  assert.throws(() => sgd({ learningRate: 1 }).update({ w: undefined } as never, [{ count: 0 }]), {
    message:
      'scaleByLearningRate: updates has a non-tree value at "w": got undefined; expected a ' +
      "tensor, boolean, number, null, plain object or array",
  });
  const intUpdates = { w: tf.zeros([2, 2]), b: tf.zeros([2], "int32") };
  assert.throws(() => opt.update(intUpdates, state, params), {
    message: 'scaleByAdam: updates and mu differ at "b": updates has Tensor[2] int32, ' +
      "mu has Tensor[2] float32; expected the same dtype",
  });
  tree.dispose(intUpdates);
  tree.dispose(params, wrong, state);
});

Deno.test("200 steps of adam with manual disposal leak no tensors", async () => {
  const opt = adam({ learningRate: 1e-3 });
  let params: Updates = { layers: [toTensors({ w: W0, b: B0 }), toTensors({ w: W0, b: B0 })] };
  let state = opt.init(params);
  const grads = { layers: [toTensors(gradAt(0)), toTensors(gradAt(1))] };
  const before = tf.memory().numTensors;
  for (let t = 0; t < 200; t++) {
    const { updates, state: next } = opt.update(grads, state, params);
    const applied: Updates = applyUpdates(params, updates);
    tree.dispose(params, updates, state);
    params = applied;
    state = next;
  }
  assert.equal(tf.memory().numTensors, before);
  assert.equal(state[1].count, 200);
  assert.ok((await toArrays(params))["layers/0/w"].every(Number.isFinite));
  tree.dispose(params, state, grads);
});

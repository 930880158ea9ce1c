import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import {
  advance,
  ema,
  nn,
  optim,
  random,
  runSteps,
  tree,
  useBackend,
  valueAndGrad,
} from "../mod.ts";
import {
  applyOptimizer,
  byol,
  byolLoss,
  type ByolOptions,
  drawViews,
  fromPreset,
  lossAndGrads,
  paper,
  regressionLoss,
  targetProjections,
  updateTarget,
} from "../models/byol/mod.ts";

await useBackend("cpu");

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-4) =>
  assert.ok(
    Array.from(a).every((v, i) => Math.abs(v - b[i]) <= tol * (1 + Math.abs(b[i]))),
    `${a} vs ${b}`,
  );

// Deterministic "augmentation": the images and their half-bright copy.
const fixedViews = (_key: random.Key, x: tf.Tensor) => [tf.clone(x), tf.mul(x, 0.5)] as const;

const tinyEncoder = () =>
  nn.sequential({
    flat: nn.flatten,
    bn: nn.batchNorm(),
    fc: nn.linear({ units: 8 }),
    act: nn.relu,
  });
type TinyEncoder = ReturnType<typeof tinyEncoder>;
type TinyOptions = ByolOptions<nn.ParamsOf<TinyEncoder>, nn.StateOf<TinyEncoder>>;

function tinyOptions(overrides: Partial<Omit<TinyOptions, "encoder">> = {}): TinyOptions {
  return {
    encoder: tinyEncoder(),
    projector: { hidden: 16, out: 4 },
    predictor: { hidden: 16, out: 4 },
    optimizer: (learningRate) => optim.adam({ learningRate }),
    learningRate: 1e-2,
    totalSteps: 100,
    views: fixedViews,
    ...overrides,
  };
}

const images = random.uniform(random.key(9), [8, 4, 4, 1]);

Deno.test("regressionLoss is 2 - 2 cos, and its gradient matches the formula", async () => {
  const p = tf.tensor2d([[1, 0], [1, 1]]);
  const z = tf.tensor2d([[0, 1], [2, 2]]);
  close(await regressionLoss(p, z).data(), [(2 + 0) / 2]);
  // d/dp (2 - 2 p.z / (|p||z|)) = -2 / (|p||z|) (z - (p.z / |p|^2) p), averaged over 2 rows.
  const { grads } = valueAndGrad((q: { p: tf.Tensor }) => regressionLoss(q.p, z))({ p });
  const expectRow0 = [0, -1]; // |p|=1,|z|=1,p.z=0: -2 (z) / 2
  const expectRow1 = [0, 0]; // parallel: no gradient
  close(await grads.p!.data(), [...expectRow0, ...expectRow1], 1e-5);
  assert.throws(() => regressionLoss(p, tf.ones([2, 3])), {
    message: /expected two \[batch, dim\] tensors of one shape/,
  });
  tf.dispose([p, z, grads.p!]);
});

Deno.test("ema with tau = 0 copies the online tree and tau = 1 keeps the target", async () => {
  const target = { w: tf.tensor([1, 2]) };
  const online = { w: tf.tensor([5, 7]) };
  const copied = ema(target, online, 0);
  const kept = ema(target, online, 1);
  close(await copied.w.data(), [5, 7]);
  close(await kept.w.data(), [1, 2]);
  tree.dispose(target, online, copied, kept);
});

Deno.test("the target gets no gradient: with tau = 1 it stays put while the online network moves", async () => {
  const model = byol(tinyOptions({ tauBase: 1 }));
  const state = model.init(random.key(0), [4, 4, 1]);
  const { state: next, metrics } = model.step(state, images, random.key(1));
  assert.ok(await tree.allClose(next.target, state.target, { rtol: 0, atol: 0 }));
  assert.ok(!(await tree.allClose(next.online, state.online)));
  assert.ok(Number.isFinite((await metrics.loss.data())[0]));
  assert.equal(metrics.tau, 1);
  tree.dispose(advance(state, next), metrics);
});

Deno.test("batch norm runs per view: running statistics follow the momentum rule twice", async () => {
  const model = byol(tinyOptions());
  const state = model.init(random.key(0), [4, 4, 1]);
  const { state: next, metrics } = model.step(state, images, random.key(1));
  // The encoder's batch norm sees the flattened pixels; default momentum 0.9, start mean 0.
  const m1 = tf.mean(tf.reshape(images, [8, 16]), 0);
  const m2 = tf.mul(m1, 0.5);
  const expected = tf.add(tf.mul(tf.mul(m1, 0.1), 0.9), tf.mul(m2, 0.1));
  for (const bn of [next.bnState.online, next.bnState.target!]) {
    close(await bn.encoder.bn.mean.data(), await expected.data(), 1e-5);
  }
  tf.dispose([m1, m2, expected]);
  tree.dispose(advance(state, next), metrics);
});

Deno.test("SimSiam mode (momentum: false) has no target and trains", async () => {
  const model = byol(tinyOptions({ momentum: false }));
  const initial = model.init(random.key(0), [4, 4, 1]);
  assert.equal(initial.target, null);
  const losses: number[] = [];
  const state = await runSteps({
    state: initial,
    step: (s) => model.step(s, images, random.key(2)),
    steps: 5,
    onStep: async ({ metrics }) => void losses.push((await metrics.loss.data())[0]),
  });
  assert.ok(losses.every(Number.isFinite));
  assert.equal(state.step, 5);
  assert.equal(state.target, null);
  tree.dispose(state);
});

Deno.test("loss falls on a fixed batch and the tensor count stays flat", async () => {
  const model = byol(tinyOptions({ totalSteps: 60 }));
  const losses: number[] = [];
  const counts: number[] = [];
  const state = await runSteps({
    state: model.init(random.key(3), [4, 4, 1]),
    step: (s) => model.step(s, images, random.key(4)),
    steps: 50,
    onStep: async ({ metrics }) => {
      losses.push((await metrics.loss.data())[0]);
      counts.push(tf.memory().numTensors);
    },
  });
  assert.deepEqual(counts.slice(1), counts.slice(1).map(() => counts[1]));
  const first = (losses[0] + losses[1]) / 2;
  const last = (losses[48] + losses[49]) / 2;
  assert.ok(last < first * 0.8, `loss did not fall: ${first} -> ${last}`);
  tree.dispose(state);
});

// Views that use their key, so that drawing them with the wrong key would show.
const noisyViews = (key: random.Key, x: tf.Tensor) => {
  const [k1, k2] = random.split(key);
  return [
    tf.tidy(() => tf.add(x, random.normal(k1, x.shape, { stddev: 0.1 }))),
    tf.tidy(() => tf.mul(x, random.uniform(k2, x.shape, { minval: 0.5, maxval: 1 }))),
  ] as const;
};

for (const momentum of [true, false]) {
  Deno.test(`step (momentum: ${momentum}) is the composition of the exported phases`, async () => {
    const options = tinyOptions({
      views: noisyViews,
      momentum,
      learningRate: (k) => 1e-2 / (k + 1),
    });
    const model = byol(options);
    const key = random.key(5);
    // Two steps first, so that the optimizer state, target and step are not the initial ones.
    const state = await runSteps({
      state: model.init(random.key(0), [4, 4, 1]),
      step: (s) => model.step(s, images, key),
      steps: 2,
    });
    const before = tf.memory().numTensors;

    // Optax-style: the step against the same step written out by hand from the phases.
    const trainable = { online: state.online, predictor: state.predictor };
    const views = drawViews(options.views, key, state.step, images);
    const targets = targetProjections(model, state.target, state.bnState.target, views);
    const { value, grads, aux } = lossAndGrads(model, trainable, views, state.bnState, targets);
    const { params, optState, gradNorm } = applyOptimizer(
      model.optimizer,
      trainable,
      grads,
      state.optState,
    );
    const { target, tau } = updateTarget(state.target, params.online, state.step, {
      tauBase: 0.996,
      totalSteps: options.totalSteps,
    });
    const byHand = {
      state: {
        online: params.online,
        predictor: params.predictor,
        target,
        bnState: {
          online: aux.state.online,
          predictor: aux.state.predictor,
          target: targets?.state ?? null,
        },
        optState,
        step: 3,
      },
      metrics: { loss: value, gradNorm, collapse: aux.collapse, tau, learningRate: 1e-2 / 3 },
    };
    // The loss alone gives the value its gradient came with, and frees its intermediates.
    const count = tf.memory().numTensors;
    const alone = byolLoss(model, trainable, views, state.bnState, targets);
    assert.equal(tf.memory().numTensors, count + 1 + tree.leaves(alone.aux).length);
    assert.ok(await tree.allClose(alone, { value, aux }, { rtol: 0, atol: 0 }));
    tree.dispose(alone, views, grads, targets?.projections ?? null);
    assert.equal(momentum, targets !== null);

    const stepped = model.step(state, images, key);
    assert.ok(await tree.allClose(stepped, byHand, { rtol: 1e-6, atol: 1e-7 }));
    assert.deepEqual(tree.paths(stepped), tree.paths(byHand));
    assert.equal(stepped.metrics.tau, tau);
    assert.ok(momentum ? tau > 0.996 && tau < 1 : tau === 0, `tau ${tau}`);
    // Each phase freed its intermediates: only the two results' own tensors are new.
    const shared = new Set(tree.leaves(state));
    const fresh = (t: tree.Tree<tree.Leaf>) =>
      tree.leaves(t).filter((x) => x instanceof tf.Tensor && !shared.has(x)).length;
    assert.equal(tf.memory().numTensors, before + fresh(byHand) + fresh(stepped));
    tree.dispose(
      advance(state, stepped.state),
      stepped.metrics,
      advance(state, byHand.state),
      byHand.metrics,
    );
  });
}

Deno.test("invalid options are reported together", () => {
  assert.throws(
    () => byol(tinyOptions({ totalSteps: 0, predictor: { hidden: 16, out: 5 }, tauBase: 2 })),
    {
      message: "byol: invalid options:\n  totalSteps must be a positive integer, got 0\n" +
        "  predictor.out (5) must equal projector.out (4)\n  tauBase must be in [0, 1], got 2",
    },
  );
});

Deno.test("the paper preset's LARS and weight-decay mask excludes exactly biases and batch-norm parameters", () => {
  const options = fromPreset(paper, { stepsPerEpoch: 10 });
  const model = byol(options);
  const state = model.init(random.key(0), [64, 64, 3]);
  const trainable = { online: state.online, predictor: state.predictor };
  const all: string[] = [];
  const excluded: string[] = [];
  tree.mapWithPath((path, leaf) => {
    all.push(path);
    if (!optim.excludeBiasAndNorm(path, leaf as tf.Tensor)) excluded.push(path);
    return null;
  }, trainable);
  const isBiasOrNorm = (path: string) => /\/(b|scale|offset)$/.test(path);
  assert.deepEqual(excluded, all.filter(isBiasOrNorm));
  const included = all.filter((p) => !excluded.includes(p));
  assert.ok(excluded.length > 100, `only ${excluded.length} excluded`);
  assert.ok(
    included.every((p) => /\/w$/.test(p)),
    "every included leaf is a weight matrix or kernel",
  );
  assert.ok(
    excluded.includes("online/encoder/stem/bn/scale") && excluded.includes("predictor/out/b"),
  );
  assert.ok(
    included.includes("online/encoder/stem/conv/w") && included.includes("online/projector/fc0/w"),
  );
  tree.dispose(state);
});

import assert from "node:assert/strict";
import { data, optim, random, tf, tree, useBackend } from "../mod.ts";
import { byol, type ByolState } from "../models/byol/mod.ts";
import { HEALTH, judgeHealth, measureHealth } from "../models/byol/health.ts";
import { tinyEncoder } from "./fixtures/tiny_byol.ts";

await useBackend("wasm");

const DIM = 16;

const model = (momentum = true) =>
  byol({
    encoder: tinyEncoder,
    projector: { hidden: 32, out: DIM },
    predictor: { hidden: 32, out: DIM },
    optimizer: (learningRate) => optim.adam({ learningRate }),
    learningRate: 1e-2,
    totalSteps: 10,
    momentum,
    views: (key, images) => data.byolViews(key, images as tf.Tensor4D, data.SMALL_IMAGE_VIEWS),
  });

const images = data.shapes(random.key(1), { count: 300, height: 16, width: 16 });

/** `state` with the projector's output layer zeroed: every image projects to the same point. */
function collapsedCopy(state: ByolState): ByolState {
  const projector = state.online.projector;
  const zeroed = { w: tf.zerosLike(projector.out.w), b: tf.zerosLike(projector.out.b) };
  return { ...state, online: { ...state.online, projector: { ...projector, out: zeroed } } };
}

Deno.test("health: a random-init network is spread (relativeStd far above the threshold), a collapsed one is flagged", async () => {
  const m = model();
  const state = m.init(random.key(0), [16, 16, 1]);
  const before = tf.memory().numTensors;
  const healthy = await measureHealth(m, state, images);
  assert.equal(tf.memory().numTensors, before, "measureHealth frees every tensor it makes");
  assert.equal(healthy.images, 300);
  assert.equal(healthy.dim, DIM);
  assert.ok(Math.abs(healthy.relativeStd - healthy.projectionStd * Math.sqrt(DIM)) < 1e-6);
  assert.ok(healthy.relativeStd > 0.3 && healthy.relativeStd <= 1.01, `${healthy.relativeStd}`);
  assert.equal(healthy.collapsed, false);
  // The target starts as a copy of the online network: the gap is the predictor's alone.
  assert.ok(healthy.cosineGap > 0 && healthy.cosineGap < 2, `${healthy.cosineGap}`);

  const collapsed = collapsedCopy(state);
  const sick = await measureHealth(m, collapsed, images);
  assert.ok(sick.projectionStd < 1e-4, `${sick.projectionStd}`);
  assert.equal(sick.collapsed, true);
  tree.dispose(collapsed.online.projector.out);
  tree.dispose(state);
});

Deno.test("health: SimSiam regresses the online projections; a stop throws; judgeHealth's threshold", async () => {
  const m = model(false);
  const state = m.init(random.key(0), [16, 16, 1]);
  const before = tf.memory().numTensors;
  const health = await measureHealth(m, state, images);
  assert.equal(health.collapsed, false);
  assert.ok(health.cosineGap > 0 && health.cosineGap < 2, `${health.cosineGap}`);
  const stop = new AbortController();
  stop.abort(new Error("stopped"));
  await assert.rejects(measureHealth(m, state, images, { signal: stop.signal }), /stopped/);
  assert.equal(tf.memory().numTensors, before);
  tree.dispose(state);
  const at = (relativeStd: number) =>
    judgeHealth({ images: 1, dim: 64, projectionStd: relativeStd / 8, cosineGap: 0 });
  assert.equal(at(HEALTH.collapsedBelow * 0.99).collapsed, true);
  assert.equal(at(HEALTH.collapsedBelow * 1.01).collapsed, false);
  assert.ok(Math.abs(at(0.5).relativeStd - 0.5) < 1e-12);
});

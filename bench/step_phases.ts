/**
 * Where the BYOL step's time goes: the exported phases of `models/byol/phases.ts` timed one by
 * one on the wasm backend (whose ops run synchronously, so wall time is the phase's compute):
 * the two augmented views, the target network's forward passes, the loss alone (the online
 * network and predictor forward), the loss with its gradient (forward and backward), the
 * optimizer, and the target's EMA; and the whole step, to compare with their sum.
 *
 * Run: `deno run -A bench/step_phases.ts`
 *
 * @module
 */
import { advance, type Leaf, random, tf, type Tree, tree } from "../mod.ts";
import { useDenoBackend } from "../deno.ts";
import {
  applyOptimizer,
  byol,
  byolLoss,
  drawViews,
  fashionMnist,
  fromPreset,
  lossAndGrads,
  targetProjections,
  updateTarget,
} from "../models/byol/mod.ts";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timed<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const out = fn();
  return [out, performance.now() - t0];
}

/** Phase timings in ms (median of `repeats`) for the fashion-mnist preset at `batchSize` (its own). */
export async function run(
  batchSize = fashionMnist.batchSize,
  repeats = 5,
): Promise<Record<string, unknown>> {
  await useDenoBackend("wasm");
  const tensorsBefore = tf.memory().numTensors;
  const options = fromPreset(fashionMnist, { stepsPerEpoch: 1000, batchSize });
  const model = byol(options);
  const state = model.init(random.key(0), fashionMnist.inputShape);
  const images = random.uniform(random.key(1), [batchSize, ...fashionMnist.inputShape]);
  const trainable = { online: state.online, predictor: state.predictor };
  const decay = { tauBase: options.tauBase ?? 0.996, totalSteps: options.totalSteps };
  const phases: Record<string, number[]> = {
    views: [],
    targetForward: [],
    onlineForward: [],
    onlineForwardBackward: [],
    optimizer: [],
    ema: [],
    step: [],
  };
  for (let r = 0; r < repeats + 1; r++) {
    const record = (name: string, ms: number) => r > 0 && phases[name].push(ms);
    const key = random.key(r);
    const [views, tViews] = timed(() => drawViews(options.views, key, state.step, images));
    record("views", tViews);
    const [targets, tTarget] = timed(() =>
      targetProjections(model, state.target, state.bnState.target, views)
    );
    record("targetForward", tTarget);
    const [loss, tOnline] = timed(() => byolLoss(model, trainable, views, state.bnState, targets));
    record("onlineForward", tOnline);
    const [{ value, grads, aux }, tGrad] = timed(() =>
      lossAndGrads(model, trainable, views, state.bnState, targets)
    );
    record("onlineForwardBackward", tGrad);
    const [update, tOpt] = timed(() =>
      applyOptimizer(model.optimizer, trainable, grads, state.optState)
    );
    record("optimizer", tOpt);
    const [next, tEma] = timed(() => updateTarget(state.target, update.params.online, 0, decay));
    record("ema", tEma);
    const [stepped, tStep] = timed(() => model.step(state, images, key));
    record("step", tStep);
    const dropped: Tree<Leaf>[] = [views, targets, loss, value, grads, aux, update, next.target];
    advance(stepped.state, state); // frees what the step made, keeps the state
    tree.dispose(...dropped, stepped.metrics);
  }
  tree.dispose(state, images);
  const tensorsLeft = tf.memory().numTensors - tensorsBefore;
  const ms = Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, median(v)]));
  console.log(`phase | ms (batch ${batchSize}, median of ${repeats})`);
  for (const [k, v] of Object.entries(ms)) console.log(`${k} | ${v.toFixed(1)}`);
  if (tensorsLeft !== 0) console.log(`warning: ${tensorsLeft} tensors left behind`);
  return { batchSize, repeats, ms, tensorsLeft };
}

if (import.meta.main) {
  console.log(JSON.stringify(await run(), null, 2));
}

/**
 * Where the BYOL step's time goes: its phases timed one by one on the wasm backend (whose ops run
 * synchronously, so wall time is the phase's compute). Phases: the two augmented views, the
 * target network's forward passes, the online forward passes alone, the online forward and
 * backward passes (`valueAndGrad`), the optimizer, and the target's EMA.
 *
 * Run: `deno run -A bench/step_phases.ts`
 *
 * @module
 */
import {
  ema,
  type Leaf,
  optim,
  random,
  tf,
  type Tree,
  tree,
  useBackend,
  valueAndGrad,
} from "../mod.ts";
import { byol, fashionMnist, fromPreset, regressionLoss } from "../models/byol/mod.ts";

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
  await useBackend("wasm");
  const options = fromPreset(fashionMnist, { stepsPerEpoch: 1000, batchSize });
  const model = byol(options);
  const state = model.init(random.key(0), fashionMnist.inputShape);
  const images = random.uniform(random.key(1), [batchSize, ...fashionMnist.inputShape]);
  const optimizer = options.optimizer(() => 1e-3);
  const train = { training: true };
  const phases: Record<string, number[]> = {
    views: [],
    targetForward: [],
    onlineForward: [],
    onlineForwardBackward: [],
    optimizer: [],
    ema: [],
  };
  const trainable = { online: state.online, predictor: state.predictor };
  const loss = (
    p: typeof trainable,
    v1: tf.Tensor,
    v2: tf.Tensor,
    z1: tf.Tensor,
    z2: tf.Tensor,
  ) => {
    const o1 = model.online.apply(p.online, state.bnState.online, v1, train);
    const o2 = model.online.apply(p.online, o1.state, v2, train);
    const q1 = model.predictor.apply(p.predictor, state.bnState.predictor, o1.y, train);
    const q2 = model.predictor.apply(p.predictor, q1.state, o2.y, train);
    return tf.add(regressionLoss(q1.y, z2), regressionLoss(q2.y, z1));
  };
  const lossAndGrads = valueAndGrad(loss);
  for (let r = 0; r < repeats + 1; r++) {
    const record = (name: string, ms: number) => r > 0 && phases[name].push(ms);
    const [[v1, v2], tViews] = timed(() => options.views(random.key(r), images));
    record("views", tViews);
    const [targets, tTarget] = timed(() =>
      [v1, v2].map((v) => model.online.apply(state.target, state.bnState.target, v, train))
    );
    record("targetForward", tTarget);
    const [online, tOnline] = timed(() =>
      [v1, v2].map((v) => model.online.apply(state.online, state.bnState.online, v, train))
    );
    record("onlineForward", tOnline);
    const [{ value, grads }, tGrad] = timed(() =>
      lossAndGrads(trainable, v1, v2, targets[0].y, targets[1].y)
    );
    record("onlineForwardBackward", tGrad);
    const [update, tOpt] = timed(() => {
      const u = optimizer.update(grads, state.optState, trainable);
      return { ...u, params: optim.applyUpdates(trainable, u.updates) };
    });
    record("optimizer", tOpt);
    const [target, tEma] = timed(() => ema(state.target, update.params.online as Tree, 0.99));
    record("ema", tEma);
    const dropped: Tree<Leaf>[] = [
      v1,
      v2,
      value,
      grads,
      update.updates,
      update.state,
      update.params,
      target,
    ];
    for (const out of [...targets, ...online]) dropped.push(out.y, out.state);
    tree.dispose(...dropped);
  }
  tree.dispose(state, images);
  const ms = Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, median(v)]));
  console.log(`phase | ms (batch ${batchSize}, median of ${repeats})`);
  for (const [k, v] of Object.entries(ms)) console.log(`${k} | ${v.toFixed(1)}`);
  return { batchSize, repeats, ms };
}

if (import.meta.main) {
  console.log(JSON.stringify(await run(), null, 2));
}

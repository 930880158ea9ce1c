// Fits y = sin(3x) with a small MLP and Adam, using only the core entry point. Run: deno run -A examples/regression.ts
import { nn, optim, random, runSteps, tf, tree, useBackend, valueAndGrad } from "@byol/tfjs";

await useBackend("auto");
const [kData, kInit] = random.split(random.key(0));
const x = random.uniform(kData, [256, 1], { minval: -1, maxval: 1 });
const y = tf.sin(tf.mul(x, 3));

const net = nn.sequential({
  fc1: nn.linear({ units: 32 }),
  act: nn.gelu,
  fc2: nn.linear({ units: 1 }),
});
const init = net.init(kInit, [1]);
const opt = optim.adam({ learningRate: 1e-2 });
type Params = typeof init.params;

const lossAndGrads = valueAndGrad((p: Params) =>
  tf.losses.meanSquaredError(y, net.apply(p, init.state, x).y)
);
const step = ({ params, optState }: { params: Params; optState: optim.StateOf<typeof opt> }) => {
  const { value, grads } = lossAndGrads(params);
  const { updates, state } = opt.update(grads, optState, params);
  const next = optim.applyUpdates(params, updates);
  tree.dispose(grads, updates);
  return { state: { params: next, optState: state }, metrics: { loss: value } };
};
const final = await runSteps({
  state: { params: init.params, optState: opt.init(init.params) },
  step,
  steps: 501,
  onStep: async ({ metrics, index }) => {
    if (index % 100 === 0) {
      console.log(`step ${index}: loss ${(await metrics.loss.data())[0].toFixed(4)}`);
    }
  },
});
tree.dispose(final, x, y);

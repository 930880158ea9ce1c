// Fits y = sin(3x) with a small MLP and Adam, using only mod.ts. Run: deno run -A examples/regression.ts
import { advance, nn, optim, random, tf, tree, useBackend, valueAndGrad } from "../mod.ts";

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
let params = init.params;
const opt = optim.adam({ learningRate: 1e-2 });
let optState = opt.init(params);

const loss = valueAndGrad((p: typeof params) =>
  tf.losses.meanSquaredError(y, net.apply(p, init.state, x).y)
);
for (let step = 0; step <= 500; step++) {
  const { value, grads } = loss(params);
  const { updates, state } = opt.update(grads, optState, params);
  params = advance(params, optim.applyUpdates(params, updates));
  optState = advance(optState, state);
  if (step % 100 === 0) console.log(`step ${step}: loss ${(await value.data())[0].toFixed(4)}`);
  tree.dispose(value, grads, updates);
}

// SimSiam (Chen & He 2021): BYOL without the momentum target network. Each view's prediction
// regresses the other view's online projection with its gradient stopped. A few steps on the
// built-in shapes dataset. Run: deno run -A examples/simsiam.ts
import { advance, data, random, tf, tree, useBackend } from "../mod.ts";
import { byol, fashionMnist, fromPreset } from "../models/byol/mod.ts";
import { ensureRuntimeDir } from "../models/byol/train/mod.ts";

ensureRuntimeDir("auto"); // Deno's WebGPU needs XDG_RUNTIME_DIR to look for an adapter
await useBackend("auto");
const train = data.shapes(random.key(0), { count: 512 });
const batching = { batchSize: 64, dropRemainder: true };
const stepsPerEpoch = data.batchesPerEpoch(train.shape[0], batching);
const model = byol({
  ...fromPreset(fashionMnist, { stepsPerEpoch, epochs: 1, batchSize: 64 }),
  momentum: false,
});
let state = model.init(random.key(1), [28, 28, 1]);
console.log(`target network: ${state.target === null ? "none (SimSiam)" : "EMA"}`);
for await (const { images, labels } of data.epochBatches(random.key(2), train, batching)) {
  const { state: next, metrics } = model.step(state, images, random.key(3));
  state = advance(state, next);
  const [loss, collapse] = await Promise.all([metrics.loss.data(), metrics.collapse.data()]);
  // Without a target network, collapse is the failure mode to watch: the std of the normalised
  // projections drops to 0 when every image maps to the same point (1/sqrt(dim) when healthy).
  console.log(
    `step ${state.step}: loss ${loss[0].toFixed(4)}, projection std ${collapse[0].toFixed(4)}`,
  );
  tf.dispose([images, labels, metrics.loss, metrics.gradNorm, metrics.collapse]);
}
tree.dispose(state);

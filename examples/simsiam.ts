// SimSiam (Chen & He 2021): BYOL without the momentum target network. Each view's prediction
// regresses the other view's online projection with its gradient stopped. A few steps on the
// built-in shapes dataset. Run: deno run -A examples/simsiam.ts
import { data, random, runSteps, tf, tree } from "@byol/tfjs";
import { byol, fashionMnist, fromPreset } from "@byol/tfjs/byol";
import { useDenoBackend } from "@byol/tfjs/deno";

await useDenoBackend("auto");
const train = data.shapes(random.key(0), { count: 512 });
const batching = { batchSize: 64, dropRemainder: true };
const stepsPerEpoch = data.batchesPerEpoch(train.shape[0], batching);
const model = byol({
  ...fromPreset(fashionMnist, { stepsPerEpoch, epochs: 1, batchSize: 64 }),
  momentum: false,
});
const initial = model.init(random.key(1), [28, 28, 1]);
console.log(`target network: ${initial.target === null ? "none (SimSiam)" : "EMA"}`);
const state = await runSteps({
  state: initial,
  step: (s, { images, labels }: data.Batch) => {
    try {
      return model.step(s, images, random.key(3));
    } finally {
      tf.dispose([images, labels]);
    }
  },
  inputs: data.epochBatches(random.key(2), train, batching),
  onStep: async ({ state, metrics }) => {
    const [loss, collapse] = await Promise.all([metrics.loss.data(), metrics.collapse.data()]);
    // Without a target network, collapse is the failure mode to watch: the std of the normalised
    // projections drops to 0 when every image maps to the same point (1/sqrt(dim) when healthy).
    console.log(
      `step ${state.step}: loss ${loss[0].toFixed(4)}, projection std ${collapse[0].toFixed(4)}`,
    );
  },
});
tree.dispose(state);

// Plugs a small conv net of your own into BYOL and trains it for a few steps on the built-in
// shapes dataset. Run: deno run -A examples/custom_encoder.ts
import { data, nn, random, runSteps, tf, tree } from "@byol/tfjs";
import { byol, fashionMnist, fromPreset } from "@byol/tfjs/byol";
import { useDenoBackend } from "@byol/tfjs/deno";

await useDenoBackend("auto");
// Any layer mapping [batch, h, w, c] images to [batch, features] can be BYOL's encoder.
const encoder = nn.sequential({
  conv1: nn.conv2d({ filters: 16, kernel: 3, stride: 2, bias: false }),
  bn1: nn.batchNorm(),
  act1: nn.relu,
  conv2: nn.conv2d({ filters: 32, kernel: 3, stride: 2, bias: false }),
  bn2: nn.batchNorm(),
  act2: nn.relu,
  pool: nn.globalAvgPool,
});
const train = data.shapes(random.key(0), { count: 512 });
const batching = { batchSize: 64, dropRemainder: true };
const epochs = 2;
const stepsPerEpoch = data.batchesPerEpoch(train.shape[0], batching);
// The fashion-mnist recipe (AdamW, warm-up + cosine, its views), our encoder, small heads.
const recipe = fromPreset(fashionMnist, { stepsPerEpoch, epochs, learningRate: 3e-3 });
const heads = { projector: { hidden: 128, out: 32 }, predictor: { hidden: 128, out: 32 } };
const model = byol({ ...recipe, ...heads, encoder });
let state = model.init(random.key(1), [28, 28, 1]);
for (let epoch = 0; epoch < epochs; epoch++) {
  const order = random.foldIn(random.key(2), epoch);
  state = await runSteps({
    state,
    step: (s, { images, labels }: data.Batch) => {
      try {
        return model.step(s, images, random.key(3));
      } finally {
        tf.dispose([images, labels]);
      }
    },
    inputs: data.epochBatches(order, train, batching),
    onStep: async ({ state, metrics }) => {
      const loss = (await metrics.loss.data())[0];
      console.log(`step ${state.step}: loss ${loss.toFixed(4)}, tau ${metrics.tau.toFixed(4)}`);
    },
  });
}
// The state's types follow the encoder's: its first conv's kernel, typed without a cast.
console.log(`conv1 kernel: [${state.online.encoder.conv1.w.shape}]`);
tree.dispose(state);

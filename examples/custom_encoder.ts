// Plugs a small conv net of your own into BYOL and trains it for a few steps on the built-in
// shapes dataset. Run: deno run -A examples/custom_encoder.ts
import { advance, data, nn, random, tf, tree, useBackend } from "../mod.ts";
import { byol, fashionMnist, fromPreset } from "../models/byol/mod.ts";
import { ensureRuntimeDir } from "../models/byol/train/mod.ts";

ensureRuntimeDir("auto"); // Deno's WebGPU needs XDG_RUNTIME_DIR to look for an adapter
await useBackend("auto");
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
  for await (const { images, labels } of data.epochBatches(order, train, batching)) {
    const { state: next, metrics } = model.step(state, images, random.key(3));
    state = advance(state, next);
    const loss = (await metrics.loss.data())[0];
    console.log(`step ${state.step}: loss ${loss.toFixed(4)}, tau ${metrics.tau.toFixed(4)}`);
    tf.dispose([images, labels, metrics.loss, metrics.gradNorm, metrics.collapse]);
  }
}
tree.dispose(state);

import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { gpuAdapter, useBackend } from "../lib/backend.ts";
import * as random from "../lib/random.ts";
import { BYOL_VIEWS, byolViews } from "../lib/data/augment.ts";

const adapter = await gpuAdapter();
if (!adapter) console.log("skipped: no WebGPU adapter (data augmentations on WebGPU)");

/** Both BYOL views of a fixed batch, read back to the host. */
async function views(): Promise<Float32Array[]> {
  const x = random.uniform(random.key(0), [8, 32, 32, 3]) as tf.Tensor4D;
  const [v1, v2] = byolViews(random.key(3), x, BYOL_VIEWS);
  const out = [await v1.data() as Float32Array, await v2.data() as Float32Array];
  tf.dispose([x, v1, v2]);
  return out;
}

Deno.test({
  name: "BYOL views on WebGPU agree with the wasm backend",
  ignore: !adapter,
  async fn() {
    await useBackend("wasm");
    const expected = await views();
    await useBackend("webgpu");
    const before = tf.memory().numTensors;
    const actual = await views();
    assert.equal(tf.memory().numTensors, before);
    let worst = 0;
    expected.forEach((e, v) =>
      e.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - actual[v][i]))))
    );
    assert.ok(worst < 1e-4, `largest difference ${worst}`);
  },
});

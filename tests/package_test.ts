// The package as a research project in another folder uses it (README, "Using it from your own
// project"): a deno.json that imports `jsr:@byol/tfjs` and links it to this folder, then a few
// BYOL steps through the `@byol/tfjs`, `@byol/tfjs/byol` and `@byol/tfjs/deno` entry points.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const { name, version } = JSON.parse(await Deno.readTextFile(join(root, "deno.json")));

/** The consumer's deno.json, as the README gives it (with this folder as the linked copy). */
const CONFIG = { imports: { [name]: `jsr:${name}@^${version}` }, links: [root] };

const MAIN = `
import { data, nn, optim, random, runSteps, tf, tree } from "@byol/tfjs";
import { byol } from "@byol/tfjs/byol";
import { useDenoBackend } from "@byol/tfjs/deno";

await useDenoBackend("cpu");
const model = byol({
  encoder: nn.sequential({ flat: nn.flatten, fc: nn.linear({ units: 8 }), act: nn.relu }),
  projector: { hidden: 16, out: 4 },
  predictor: { hidden: 16, out: 4 },
  optimizer: (learningRate) => optim.adam({ learningRate }),
  learningRate: 1e-2,
  totalSteps: 3,
  views: (key, images) => data.byolViews(key, images as tf.Tensor4D, data.SMALL_IMAGE_VIEWS),
});
const set = data.shapes(random.key(0), { count: 8, height: 8, width: 8 });
const images = tf.tidy(() => tf.div(tf.tensor4d(set.images, [...set.shape], "int32"), 255));
const before = tf.memory().numTensors;
const losses: number[] = [];
const state = await runSteps({
  state: model.init(random.key(1), [8, 8, 1]),
  step: (s) => model.step(s, images, random.key(2)),
  steps: 3,
  onStep: async ({ metrics }) => {
    losses.push((await metrics.loss.data())[0]);
  },
});
tree.dispose(state);
console.log(JSON.stringify({ losses, leaked: tf.memory().numTensors - before }));
`;

Deno.test("a project in another folder links the package and trains BYOL through its exports", async () => {
  const dir = await Deno.makeTempDir({ prefix: "byol-consumer-" });
  try {
    await Deno.writeTextFile(join(dir, "deno.json"), JSON.stringify(CONFIG, null, 2));
    await Deno.writeTextFile(join(dir, "main.ts"), MAIN);
    // This package's lock, so the npm packages resolve as here without asking the registry.
    await Deno.copyFile(join(root, "deno.lock"), join(dir, "deno.lock"));
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "main.ts"],
      cwd: dir,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder();
    assert.equal(code, 0, text.decode(stderr));
    const { losses, leaked } = JSON.parse(text.decode(stdout));
    assert.equal(losses.length, 3);
    assert.ok(losses.every(Number.isFinite), `finite losses: ${losses}`);
    assert.equal(leaked, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

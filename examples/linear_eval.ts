// Loads a BYOL checkpoint and evaluates its frozen online encoder step by step: features of the
// run's train and test images, a weighted kNN classifier and a linear probe.
// Run: deno run -A examples/linear_eval.ts [run folder | checkpoint file]
// Without an argument it takes the newest run folder under runs/ that has a checkpoint, and when
// there is none it first trains a quick one on the built-in shapes dataset.
import { join } from "node:path";
import { type Encoder, evaluation, random, tree } from "@byol/tfjs";
import { latestCheckpoint, useDenoBackend } from "@byol/tfjs/deno";
import {
  loadRunData,
  loadTrainState,
  modelOf,
  resolveCheckpoint,
  runTraining,
} from "@byol/tfjs/train";

async function newestRun(parent: string): Promise<string | null> {
  const runs: { dir: string; time: number }[] = [];
  try {
    for await (const entry of Deno.readDir(parent)) {
      const dir = join(parent, entry.name);
      const latest = entry.isDirectory ? await latestCheckpoint(dir) : null;
      if (latest) runs.push({ dir, time: (await Deno.stat(latest.path)).mtime?.getTime() ?? 0 });
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return runs.sort((a, b) => b.time - a.time)[0]?.dir ?? null;
}

await useDenoBackend("auto");
let path = Deno.args[0] ?? await newestRun("runs");
if (path === null) {
  console.log("no run under runs/ yet: training a quick one on shapes first");
  const quick = { dataset: "shapes", limit: 512, epochs: 1, batchSize: 64 } as const;
  path = (await runTraining({ ...quick, backend: "auto", seed: 0, out: "runs", evalEvery: 0 })).dir;
}

// The checkpoint and the config it was trained with, then the model and its saved state.
const { checkpoint, config } = await resolveCheckpoint(path);
const model = modelOf(config);
const { state } = await loadTrainState(checkpoint);
const ds = config.dataset;
const { train, test } = await loadRunData({
  dataset: ds.name,
  dir: ds.dir ?? undefined,
  limit: ds.limit ?? undefined,
  say: console.error,
});
console.log(`${checkpoint}: step ${state.step}, ${ds.name}, ${train.shape[0]} train images`);

// Frozen features of un-augmented images, then the two protocols.
const encode: Encoder = (images) => model.encode(state, images);
const trainFeatures = await evaluation.extractFeatures(encode, train);
const testFeatures = await evaluation.extractFeatures(encode, test);
tree.dispose(state);
for (const { k, accuracy } of await evaluation.weightedKnn(trainFeatures, testFeatures)) {
  console.log(`kNN (k = ${k}, T = 0.1): ${(100 * accuracy).toFixed(2)}%`);
}
const probe = await evaluation.linearProbe(trainFeatures, testFeatures, { key: random.key(0) });
console.log(
  `linear probe on ${trainFeatures.dim}-d features: test ${
    (100 * probe.testAccuracy).toFixed(2)
  }%` +
    `, train ${(100 * probe.trainAccuracy).toFixed(2)}%`,
);

/**
 * A pure-functional ML framework for Deno on TensorFlow.js, with BYOL as its reference model.
 *
 * Parameters are explicit trees of tensors, layers are pairs of pure functions, randomness flows
 * through splittable keys, and optimizers are composable `{ init, update }` transforms.
 *
 * @example
 * ```ts
 * import { random, tree, useBackend } from "./mod.ts";
 * import * as tf from "@tensorflow/tfjs";
 *
 * await useBackend("auto");
 * const [k1, k2] = random.split(random.key(0));
 * const params = { w: random.normal(k1, [3, 2]), b: tf.zeros([2]) };
 * const target = tree.zerosLike(params);
 * const next = tree.map((t, o) => tf.add(tf.mul(t, 0.99), tf.mul(o, 0.01)), target, params);
 * ```
 *
 * @module
 */

/**
 * TensorFlow.js itself (`@tensorflow/tfjs`), for the tensor operations inside layers and losses.
 *
 * @example
 * ```ts
 * const x = tf.ones([2, 3]);
 * const y = tf.relu(tf.sub(x, 0.5));
 * tf.dispose([x, y]);
 * ```
 */
export * as tf from "@tensorflow/tfjs";

/**
 * Parameter trees: nested objects/arrays of tensors. `map`, `mapWithPath`, `leaves`, `flatten`,
 * `unflatten`, `partition`, `combine`, `dispose`, `zerosLike`, `allClose`.
 *
 * @example
 * ```ts
 * const grads = { encoder: { w: tf.ones([2, 2]), b: tf.zeros([2]) } };
 * const halved = tree.map((g) => tf.mul(g, 0.5), grads);
 * const [weights, biases] = tree.partition(grads, (path) => !path.endsWith("/b"));
 * ```
 */
export * as tree from "./lib/tree.ts";
export type { Leaf, MapLeaves, Tree, TreeDef } from "./lib/tree.ts";

/**
 * Explicit random keys (Threefry-2x32): `key`, `split`, `foldIn`, and draws `uniform`, `normal`,
 * `bernoulli`, `randint`, `permutation`.
 *
 * @example
 * ```ts
 * const [kInit, kDropout] = random.split(random.key(42));
 * const w = random.normal(kInit, [784, 128], { stddev: 0.05 });
 * ```
 */
export * as random from "./lib/random.ts";
export type { Key } from "./lib/random.ts";

/**
 * Selects the tfjs backend: `auto` (WebGPU on a hardware GPU, else wasm), `webgpu`, `wasm`, `cpu`.
 *
 * @example
 * ```ts
 * const { name, reason } = await useBackend("auto");
 * console.log(name, reason);
 * ```
 */
export { gpuAdapter, useBackend } from "./lib/backend.ts";
export type { BackendChoice, BackendInfo, BackendName } from "./lib/backend.ts";

/**
 * Layers as pairs of pure functions over explicit trees: `init(key, inputShape)` and
 * `apply(params, state, x, { training, key })`. `linear`, `conv2d`, `batchNorm`, `layerNorm`,
 * `relu`, `gelu`, `maxPool2d`, `avgPool2d`, `globalAvgPool`, `flatten`, `dropout`, and the
 * combinators `sequential` and `residual`.
 *
 * @example
 * ```ts
 * const net = nn.sequential({
 *   conv: nn.conv2d({ filters: 8, kernel: 3, bias: false }),
 *   bn: nn.batchNorm(),
 *   act: nn.relu,
 *   pool: nn.globalAvgPool,
 *   fc: nn.linear({ units: 10 }),
 * });
 * const { params, state } = net.init(random.key(0), [28, 28, 1]);
 * const { y, state: nextState } = net.apply(params, state, images, { training: true });
 * ```
 */
export * as nn from "./lib/nn/mod.ts";
export type {
  ApplyOptions,
  Initializer,
  Layer,
  ParamsOf,
  Shape,
  StatelessLayer,
  StateOf,
} from "./lib/nn/mod.ts";

/**
 * Data pipeline: loaders returning uint8 NHWC datasets (IDX / (Fashion-)MNIST with directory
 * lookup and SHA-256-verified download, CIFAR-10 binary, PNG/JPEG class folders, synthetic
 * `shapes`), key-driven epoch batches uploaded once with prefetch, and BYOL's augmentations on
 * the device (`byolViews`, `BYOL_VIEWS`, `SMALL_IMAGE_VIEWS`, `randomResizedCrop`, `colorJitter`,
 * `gaussianBlur`, `solarize`, `normalize`, ...).
 *
 * @example
 * ```ts
 * const train = await data.loadFashionMnist({ split: "train" });
 * for await (const { images, labels } of data.epochBatches(key, train, { batchSize: 256 })) {
 *   const [v1, v2] = data.byolViews(random.foldIn(key, step), images, data.SMALL_IMAGE_VIEWS);
 *   // ... train on v1, v2 ...
 *   tf.dispose([images, labels, v1, v2]);
 * }
 * ```
 */
export * as data from "./lib/data/mod.ts";
export type { Batch, ImageDataset, ViewPreset } from "./lib/data/mod.ts";

/**
 * Gradients over parameter trees: `valueAndGrad(f, { hasAux, frozen })` returns
 * `(params, ...args) => { value, grads, aux }`; `stopGradient(tree)` blocks gradients (target
 * branches, SimSiam).
 *
 * @example
 * ```ts
 * const loss = (p: { w: tf.Tensor }, x: tf.Tensor, y: tf.Tensor) =>
 *   tf.mean(tf.square(tf.sub(tf.matMul(x, p.w), y)));
 * const { value, grads } = valueAndGrad(loss)(params, x, y);
 * ```
 */
export { stopGradient, valueAndGrad } from "./lib/autodiff.ts";
export type { Grads, ValueAndGrad, ValueAndGradOptions } from "./lib/autodiff.ts";

/**
 * The training loop's one disposal: `advance(old, next)` frees every tensor of the old state that
 * the new state does not hold, and returns the new state.
 *
 * @example
 * ```ts
 * const out = step(state, batch, key);
 * state = advance(state, out.state);
 * ```
 */
export { advance } from "./lib/advance.ts";

/**
 * Optax-style optimizers: pure `{ init, update }` gradient transformations over parameter trees
 * (`scale`, `scaleByLearningRate`, `scaleByAdam`, `trace`, `addDecayedWeights`,
 * `scaleByTrustRatio`, `clipByGlobalNorm`, `masked`, `chain`), the optimizers `sgd`, `momentum`,
 * `adam`, `adamw`, `lars`, the mask `excludeBiasAndNorm`, and `applyUpdates`.
 *
 * @example
 * ```ts
 * const opt = optim.lars({ learningRate: 0.2, weightDecay: 1.5e-6, mask: optim.excludeBiasAndNorm });
 * const state = opt.init(params);
 * const { updates, state: nextState } = opt.update(grads, state, params);
 * const nextParams = optim.applyUpdates(params, updates);
 * tree.dispose(params, grads, updates, state);
 * ```
 */
export * as optim from "./lib/optim/mod.ts";
export type { GradientTransformation, LearningRate, Mask, Updates } from "./lib/optim/mod.ts";

/**
 * Schedules as plain `(step) => number` functions: `constant`, `linear`, `cosineDecay`,
 * `warmupCosine`, `join`.
 *
 * @example
 * ```ts
 * const lr = schedules.warmupCosine({ peak: 0.2, warmupSteps: 10, totalSteps: 1000 });
 * const opt = optim.sgd({ learningRate: lr });
 * ```
 */
export * as schedules from "./lib/schedules.ts";
export type { Schedule } from "./lib/schedules.ts";

/**
 * BYOL's target update: `ema(target, online, tau)` is `tau * target + (1 - tau) * online` leaf by
 * leaf, and `cosineTau(base, step, total)` is the paper's schedule from `base` at step 0 to 1 at
 * `total`.
 *
 * @example
 * ```ts
 * const next = ema(target, online, cosineTau(0.996, step, totalSteps));
 * tree.dispose(target);
 * ```
 */
export { cosineTau, ema } from "./lib/ema.ts";

/**
 * Evaluation of frozen representations: `extractFeatures`, `pixelFeatures`, the weighted kNN
 * classifier `weightedKnn`, the `linearProbe` on standardised features, and `evaluate` for both.
 *
 * @example
 * ```ts
 * const encode = (x: tf.Tensor4D) => encoder.apply(params, state, x, { training: false }).y;
 * const { knn, linear } = await evaluation.evaluate({ encode, train, test, key: random.key(0) });
 * console.log(`kNN@20 ${knn.k20}, kNN@200 ${knn.k200}, linear ${linear?.testAccuracy}`);
 * ```
 */
export * as evaluation from "./lib/eval/mod.ts";
export type {
  Encoder,
  EvaluateResult,
  FeatureSet,
  KnnScore,
  LinearProbeResult,
} from "./lib/eval/mod.ts";

/**
 * Checkpoints in the safetensors format (tensor names are tree paths; structure and non-tensor
 * leaves in the metadata): `saveCheckpoint`, `loadCheckpoint`, `latestCheckpoint`,
 * `checkpointName`, `encodeSafetensors`, `decodeSafetensors`, ...
 *
 * @example
 * ```ts
 * await io.saveCheckpoint(`runs/a/${io.checkpointName(step)}`, { trees: { online }, metadata: { step } });
 * const { trees } = await io.loadCheckpoint((await io.latestCheckpoint("runs/a"))!.path);
 * ```
 */
export * as io from "./lib/io/mod.ts";

/**
 * SVG pictures of a run: `trainingCurves`, `lineChart`, `scatterPlot`, and `pca2`.
 *
 * @example
 * ```ts
 * const svg = plot.scatterPlot({ title: "PCA", points: await plot.pca2(features), labels, classNames });
 * ```
 */
export * as plot from "./lib/plot/mod.ts";

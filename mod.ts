/**
 * A pure-functional ML framework for Deno on TensorFlow.js, with BYOL as its reference model.
 *
 * Parameters are explicit trees of tensors, layers are pairs of pure functions, randomness flows
 * through splittable keys, and optimizers are composable `{ init, update }` transforms.
 *
 * @example
 * ```ts
 * import { random, tf, tree, useBackend } from "@byol/tfjs";
 *
 * await useBackend("auto");
 * const params = { w: random.normal(random.key(0), [3, 2]), b: tf.zeros([2]) };
 * const target = tree.zerosLike(params);
 * const next = tree.map(
 *   (t, o) => tf.tidy(() => tf.add(tf.mul(t, 0.99), tf.mul(o, 0.01))),
 *   target,
 *   params,
 * );
 * tree.dispose(params, target, next);
 * ```
 *
 * @module
 */

// `tf` is TensorFlow.js itself, the one instance this framework's tensors belong to (a second
// copy of tfjs would be a second engine whose tensors do not mix), with the tfjs types the API
// names (`tf.Tensor4D`, ...). It is the module as a typed value plus a namespace of type aliases
// rather than `export * as tf from "@tensorflow/tfjs"`, which would make `deno doc --lint`
// document tfjs's own ~1,000 undocumented symbols as this package's: see lib/tf.ts.
export { tf } from "./lib/tf.ts";

/**
 * Parameter trees: nested objects/arrays of tensors. `map`, `mapWithPath`, `leaves`, `flatten`,
 * `unflatten`, `partition`, `combine`, `dispose`, `zerosLike`, `allClose`.
 *
 * @example
 * ```ts
 * import { tf, tree } from "@byol/tfjs";
 *
 * const grads = { encoder: { w: tf.ones([2, 2]), b: tf.zeros([2]) } };
 * const halved = tree.map((g) => tf.mul(g, 0.5), grads);
 * console.log(tree.leaves(halved).length); // 2
 * tree.dispose(grads, halved);
 * ```
 */
export * as tree from "./lib/tree.ts";
export type { Filter, Leaf, LeafOf, MapLeaves, Tree, TreeDef, WideLeaf } from "./lib/tree.ts";

/**
 * Explicit random keys (Threefry-2x32): `key`, `split`, `foldIn`, and draws `uniform`, `normal`,
 * `bernoulli`, `randint`, `permutation`.
 *
 * @example
 * ```ts
 * import { random, tf } from "@byol/tfjs";
 *
 * const [kInit, kNoise] = random.split(random.key(42));
 * const w = random.normal(kInit, [784, 128], { stddev: 0.05 });
 * const keep = random.bernoulli(kNoise, 0.9, [128]);
 * tf.dispose([w, keep]);
 * ```
 */
export * as random from "./lib/random.ts";
export type { Key } from "./lib/random.ts";

/**
 * Selects the tfjs backend: `auto` (WebGPU on a hardware GPU, else wasm), `webgpu`, `wasm`, `cpu`,
 * loading the chosen backend's tfjs package, for wasm with this framework's kernels
 * (`installWasmKernels`). Importing this module loads no backend: until `useBackend` is called,
 * tfjs runs on its default (`cpu` under Deno). Deno programs use `useDenoBackend` from `deno.ts`,
 * which also starts tfjs's multi-threaded wasm build.
 *
 * @example
 * ```ts
 * import { useBackend } from "@byol/tfjs";
 *
 * const { name, reason } = await useBackend("auto");
 * console.log(name, reason);
 * ```
 */
export { BACKEND_CHOICES, gpuAdapter, useBackend } from "./lib/backend.ts";
export type { AdapterInfo, BackendChoice, BackendInfo, BackendName } from "./lib/backend.ts";
export { builtinWasmKernel, installWasmKernels } from "./lib/kernels/register.ts";

/**
 * Layers as pairs of pure functions over explicit trees: `init(key, inputShape)` and
 * `apply(params, state, x, { training, key })`. `linear`, `conv2d`, `batchNorm`, `layerNorm`,
 * `relu`, `gelu`, `maxPool2d`, `avgPool2d`, `globalAvgPool`, `flatten`, `dropout`, and the
 * combinators `sequential` and `residual`.
 *
 * @example
 * ```ts
 * import { nn, random, tf, tree } from "@byol/tfjs";
 *
 * const net = nn.sequential({
 *   conv: nn.conv2d({ filters: 8, kernel: 3, bias: false }),
 *   bn: nn.batchNorm(),
 *   act: nn.relu,
 *   pool: nn.globalAvgPool,
 *   fc: nn.linear({ units: 10 }),
 * });
 * const { params, state } = net.init(random.key(0), [28, 28, 1]);
 * const images = tf.zeros([4, 28, 28, 1]);
 * const { y, state: nextState } = net.apply(params, state, images, { training: true });
 * console.log(y.shape); // [4, 10]
 * tree.dispose(params, state, nextState, images, y);
 * ```
 */
export * as nn from "./lib/nn/mod.ts";
export type {
  Applied,
  ApplyOptions,
  BatchNormParams,
  BatchNormState,
  Conv2dParams,
  Fans,
  Initialized,
  Initializer,
  InitOptions,
  Layer,
  LinearParams,
  ParamsOf,
  Shape,
  StatelessLayer,
  StateOf,
} from "./lib/nn/mod.ts";

/**
 * Data pipeline: uint8 NHWC datasets parsed from bytes in memory (IDX, CIFAR-10 binary,
 * PNG/JPEG) or drawn (`shapes`), key-driven epoch batches uploaded once with prefetch, and BYOL's
 * augmentations on the device (`byolViews`, `BYOL_VIEWS`, `SMALL_IMAGE_VIEWS`,
 * `randomResizedCrop`, `colorJitter`, `gaussianBlur`, `solarize`, `normalize`, ...). The file
 * and network loaders (`loadFashionMnist`, ...) are in `deno.ts`.
 *
 * @example
 * ```ts
 * import { data, random, tf } from "@byol/tfjs";
 *
 * const key = random.key(0);
 * const train = data.shapes(key, { count: 512 });
 * let step = 0;
 * for await (const { images, labels } of data.epochBatches(key, train, { batchSize: 256 })) {
 *   const [v1, v2] = data.byolViews(random.foldIn(key, step++), images, data.SMALL_IMAGE_VIEWS);
 *   // ... train on v1, v2 ...
 *   tf.dispose([images, labels, v1, v2]);
 * }
 * ```
 */
export * as data from "./lib/data/mod.ts";
export type {
  Batch,
  ColorJitterOptions,
  IdxArray,
  IdxDatasetSpec,
  IdxFileSpec,
  ImageDataset,
  NHWC,
  Range,
  Split,
  ViewPreset,
} from "./lib/data/mod.ts";

/**
 * Gradients over parameter trees: `valueAndGrad(f, { hasAux, frozen })` returns
 * `(params, ...args) => { value, grads, aux }`; `stopGradient(tree)` blocks gradients (target
 * branches, SimSiam).
 *
 * @example
 * ```ts
 * import { random, tf, tree, valueAndGrad } from "@byol/tfjs";
 *
 * const loss = (p: { w: tf.Tensor }, x: tf.Tensor, y: tf.Tensor) =>
 *   tf.mean(tf.square(tf.sub(tf.matMul(x, p.w), y)));
 * const [kw, kx] = random.split(random.key(0));
 * const params = { w: random.normal(kw, [3, 1]) };
 * const x = random.normal(kx, [8, 3]);
 * const y = tf.zeros([8, 1]);
 * const { value, grads } = valueAndGrad(loss)(params, x, y);
 * tree.dispose(params, x, y, value, grads);
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
 * import { advance, tf, tree } from "@byol/tfjs";
 *
 * let state = { w: tf.ones([3]), step: 0 };
 * for (let i = 0; i < 3; i++) {
 *   state = advance(state, { w: tf.mul(state.w, 0.5), step: state.step + 1 });
 * }
 * tree.dispose(state);
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
 * import { optim, tf, tree } from "@byol/tfjs";
 *
 * const params = { fc: { w: tf.ones([3, 2]), b: tf.zeros([2]) } };
 * const grads = tree.map((p) => tf.onesLike(p), params);
 * const opt = optim.lars({
 *   learningRate: 0.2,
 *   weightDecay: 1.5e-6,
 *   mask: optim.excludeBiasAndNorm,
 * });
 * const state = opt.init(params);
 * const { updates, state: nextState } = opt.update(grads, state, params);
 * const nextParams = optim.applyUpdates(params, updates);
 * tree.dispose(params, grads, state, updates, nextState, nextParams);
 * ```
 */
export * as optim from "./lib/optim/mod.ts";
export type {
  GradientTransformation,
  LearningRate,
  Mask,
  UpdateResult,
  Updates,
} from "./lib/optim/mod.ts";

/**
 * Schedules as plain `(step) => number` functions: `constant`, `linear`, `cosineDecay`,
 * `warmupCosine`, `join`.
 *
 * @example
 * ```ts
 * import { optim, schedules } from "@byol/tfjs";
 *
 * const lr = schedules.warmupCosine({ peak: 0.2, warmupSteps: 10, totalSteps: 1000 });
 * const opt = optim.sgd({ learningRate: lr });
 * console.log(lr(0), lr(10), lr(1000)); // 0 0.2 0
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
 * import { cosineTau, ema, tf, tree } from "@byol/tfjs";
 *
 * const online = { w: tf.ones([2]) };
 * const target = { w: tf.zeros([2]) };
 * const next = ema(target, online, cosineTau(0.996, 100, 1000));
 * tree.dispose(online, target, next);
 * ```
 */
export { cosineTau, ema } from "./lib/ema.ts";

/**
 * The one step loop: `runSteps({ state, step, inputs, steps, onStep, signal })` runs a pure step
 * over inputs, frees each old state with `advance`, shows each step's metrics to `onStep`, then
 * disposes them, and returns the last state.
 *
 * @example
 * ```ts
 * import { random, runSteps, tf, tree } from "@byol/tfjs";
 *
 * // Ten steps shrinking w, each reporting |w|^2; the loop frees old states and the metrics.
 * const final = await runSteps({
 *   state: { w: random.normal(random.key(0), [3]) },
 *   step: ({ w }) => ({ state: { w: tf.mul(w, 0.8) }, metrics: { loss: tf.dot(w, w) } }),
 *   steps: 10,
 *   onStep: async ({ metrics, index }) => console.log(index, await metrics.loss.data()),
 * });
 * tree.dispose(final);
 * ```
 */
export { runSteps } from "./lib/steps.ts";
export type { RunStepsOptions, StepChoice, StepOutput, StepReport } from "./lib/steps.ts";

/**
 * Evaluation of frozen representations: `extractFeatures`, `pixelFeatures`, the weighted kNN
 * classifier `weightedKnn`, the `linearProbe` on standardised features, and `evaluate` for both.
 *
 * @example
 * ```ts
 * import { data, evaluation, nn, random, tf, tree } from "@byol/tfjs";
 *
 * const [kTrain, kTest, kInit] = random.split(random.key(0), 3);
 * const train = data.shapes(kTrain, { count: 256 });
 * const test = data.shapes(kTest, { count: 64 });
 * const encoder = nn.sequential({ flat: nn.flatten, fc: nn.linear({ units: 16 }) });
 * const { params, state } = encoder.init(kInit, [28, 28, 1]);
 * const encode = (x: tf.Tensor4D) => encoder.apply(params, state, x, { training: false }).y;
 * const { knn } = await evaluation.evaluate({ encode, train, test, probe: false });
 * console.log(`kNN@20 ${knn.k20}`);
 * tree.dispose(params, state);
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
 * Checkpoints in the safetensors format as bytes (tensor names are tree paths; structure and
 * non-tensor leaves in the metadata): `encodeCheckpoint`, `decodeCheckpoint`, `checkpointName`,
 * `encodeSafetensors`, `decodeSafetensors`, ... Their files (`saveCheckpoint`, ...) are in
 * `deno.ts`. `DecodeLimits` (`DEFAULT_DECODE_LIMITS`, `decodeLimits`) are the limits every reader
 * of this package (images, gzip, IDX, CIFAR-10, safetensors, checkpoints, downloads) checks a
 * file's claims against before allocating; each reader takes `limits` to raise them.
 *
 * @example
 * ```ts
 * import { io, tf, tree } from "@byol/tfjs";
 *
 * const online = { w: tf.ones([2, 2]) };
 * const parts = await io.encodeCheckpoint({ trees: { online }, metadata: { step: 10 } });
 * const bytes = Uint8Array.from(parts.flatMap((part) => [...part]));
 * const { trees, metadata } = io.decodeCheckpoint(bytes);
 * console.log(io.checkpointName(10), metadata.step);
 * tree.dispose(online, trees);
 * ```
 */
export * as io from "./lib/io/mod.ts";
export type { Checkpoint, DecodeLimits } from "./lib/io/mod.ts";

/**
 * SVG pictures of a run: `trainingCurves`, `lineChart`, `scatterPlot`, and `pca2`.
 *
 * @example
 * ```ts
 * import { plot, random } from "@byol/tfjs";
 *
 * const features = random.normalArray(random.key(0), 100 * 8); // 100 rows of 8 features
 * const points = await plot.pca2(features, { columns: 8 });
 * const labels = Array.from({ length: 100 }, (_, i) => i % 2);
 * const svg = plot.scatterPlot({ title: "PCA", points, labels, classNames: ["even", "odd"] });
 * ```
 */
export * as plot from "./lib/plot/mod.ts";
export type { Embedding, EmbeddingMethod } from "./lib/plot/mod.ts";

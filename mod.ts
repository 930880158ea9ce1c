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

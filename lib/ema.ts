/**
 * Exponential moving averages of parameter trees, as BYOL's target network update.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import * as tree from "./tree.ts";
import type { Tree } from "./tree.ts";

function requireUnit(fn: string, name: string, value: number): void {
  if (!(typeof value === "number" && value >= 0 && value <= 1)) {
    throw new RangeError(`${fn}: ${name} must be a number in [0, 1], got ${value}`);
  }
}

/**
 * The moving average `tau * target + (1 - tau) * online`, leaf by leaf, as a new tree of the
 * structure of `target` (`null` places stay `null`). `tau = 0` copies `online`, `tau = 1` keeps
 * `target`. Throws, naming the path, when the two trees differ in structure. Consumes nothing: the
 * caller disposes the old target when it is no longer needed.
 *
 * @example
 * ```ts
 * const next = ema(target, online, 0.99);
 * tree.dispose(target);
 * target = next;
 * ```
 */
export function ema<T extends Tree>(target: T, online: T, tau: number): T {
  requireUnit("ema", "tau", tau);
  requireSameShapes(target, online);
  const mixed: unknown = tree.map(
    (t, o) => tf.tidy(() => tf.add(tf.mul(t, tau), tf.mul(o as tf.Tensor, 1 - tau))),
    target,
    online,
  );
  return mixed as T;
}

function requireSameShapes(target: Tree, online: Tree): void {
  tree.map(() => null, target, online);
  const onlineLeaves = tree.leaves(online) as tf.Tensor[];
  const paths = tree.paths(target);
  (tree.leaves(target) as tf.Tensor[]).forEach((t, i) => {
    const o = onlineLeaves[i];
    if (!tf.util.arraysEqual(t.shape, o.shape)) {
      throw new Error(
        `ema: target and online differ at "${paths[i]}": target has ${tree.describe(t)}, ` +
          `online has ${tree.describe(o)}`,
      );
    }
  });
}

/**
 * BYOL's target decay at step `step` of `total`: `1 - (1 - base) * (cos(pi * step / total) + 1) / 2`,
 * going from `base` at step 0 to 1 at step `total`.
 *
 * @example
 * ```ts
 * cosineTau(0.996, 0, 1000); // 0.996
 * cosineTau(0.996, 1000, 1000); // 1
 * ```
 */
export function cosineTau(base: number, step: number, total: number): number {
  requireUnit("cosineTau", "base", base);
  if (!Number.isInteger(total) || total < 1) {
    throw new RangeError(`cosineTau: total must be an integer >= 1, got ${total}`);
  }
  if (!(step >= 0 && step <= total)) {
    throw new RangeError(`cosineTau: step must be in [0, total = ${total}], got ${step}`);
  }
  return 1 - ((1 - base) * (Math.cos((Math.PI * step) / total) + 1)) / 2;
}

/**
 * Exponential moving averages of parameter trees, as BYOL's target network update.
 *
 * @module
 */
import { tf } from "./tf.ts";
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
 * `target`. Throws, naming the first differing path, when the two trees differ in structure, dtype
 * or shape. Consumes nothing: the caller disposes the old target when it is no longer needed.
 *
 * @example
 * ```ts
 * import { ema, tf, tree } from "@byol/tfjs";
 *
 * const online = { w: tf.ones([2]) };
 * let target = { w: tf.zeros([2]) };
 * const next = ema(target, online, 0.99); // w: 0.01
 * tree.dispose(target);
 * target = next;
 * tree.dispose(online, target);
 * ```
 */
export function ema<T extends Tree>(target: T, online: T, tau: number): T {
  requireUnit("ema", "tau", tau);
  const [first] = tree.diff(target, online, { op: "ema", names: ["target", "online"] });
  if (first) throw new Error(`ema: ${first.message}`);
  const mixed: unknown = tree.map(
    (t, o) => tf.tidy(() => tf.add(tf.mul(t, tau), tf.mul(o, 1 - tau))),
    target,
    online,
  );
  return mixed as T;
}

/**
 * BYOL's target decay at step `step` of `total`: `1 - (1 - base) * (cos(pi * step / total) + 1) / 2`,
 * going from `base` at step 0 to 1 at step `total`.
 *
 * @example
 * ```ts
 * import { cosineTau } from "@byol/tfjs";
 *
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

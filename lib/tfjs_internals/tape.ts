/**
 * Reverse-mode gradients on tfjs's tape that free what the backward pass no longer needs.
 *
 * tfjs's `Engine.gradients` keeps every node's saved forward tensors and every intermediate
 * gradient alive until the whole backward pass ends. Here each node's saved tensors are freed
 * right after its gradient is taken, and each gradient as soon as the node that produced its
 * tensor has consumed it, which bounds the peak by the live frontier of the backward pass rather
 * than by the whole graph. Results are the same kernels in the same order, so bitwise equal.
 *
 * This drives the runtime internals of tfjs-core 4.22's engine (`scopedRun`, `startTape`,
 * `endTape`, `state.activeTape`, `state.gradientDepth`), behind `version.ts`'s gate; for
 * higher-order gradients {@link gradients} calls `tf.engine().gradients`.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { requireSupportedTfjs } from "./version.ts";

/** A node of tfjs-core 4.22's tape (`TapeNode` in its src/tape.ts). */
interface TapeNode {
  readonly kernelName: string;
  readonly inputs: Readonly<Record<string, tf.Tensor>>;
  readonly outputs: readonly tf.Tensor[];
  readonly gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  readonly saved?: readonly tf.Tensor[];
}

/** The parts of tfjs-core 4.22's `Engine` used here; most are private in its typings. */
interface TapeEngine {
  readonly state: { activeTape: TapeNode[] | null; gradientDepth: number };
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(name: string, f: () => T): T;
}

/** tfjs's engine seen through {@link TapeEngine}, checked by the version gate at each use. */
function tapeEngine(): TapeEngine {
  requireSupportedTfjs("valueAndGrad (lib/tfjs_internals/tape.ts)");
  return tf.engine() as unknown as TapeEngine;
}

/** A tape node on a path from `xs` to `y`, with only its inputs that depend on `xs`. */
interface PathNode {
  readonly node: TapeNode;
  readonly inputs: readonly (readonly [string, tf.Tensor])[];
}

/** The nodes of `tape` on a path from `xs` to `y`, in tape order (tfjs's getFilteredNodesXToY). */
function pathFromXsToY(
  tape: readonly TapeNode[],
  xs: readonly tf.Tensor[],
  y: tf.Tensor,
): PathNode[] {
  const fromXs = new Set(xs.map((x) => x.id));
  const isFromXs = tape.map((node) => {
    if (!Object.values(node.inputs).some((t) => fromXs.has(t.id))) return false;
    for (const out of node.outputs) fromXs.add(out.id);
    return true;
  });
  const toY = new Set([y.id]);
  const leadsToY: boolean[] = [];
  for (let i = tape.length - 1; i >= 0; i--) {
    const inputs = Object.values(tape[i].inputs);
    leadsToY[i] = inputs.length > 0 && tape[i].outputs.some((out) => toY.has(out.id));
    if (leadsToY[i]) { for (const t of inputs) toY.add(t.id); }
  }
  return tape.flatMap((node, i) =>
    isFromXs[i] && leadsToY[i]
      ? [{ node, inputs: Object.entries(node.inputs).filter(([, t]) => fromXs.has(t.id)) }]
      : []
  );
}

/**
 * Accumulated gradients by tensor id, counting how many entries hold each gradient tensor so that
 * one returned by a gradient function for several inputs (or passed through unchanged) is freed
 * only when no entry holds it any more.
 */
class GradientMap {
  private readonly byId = new Map<number, tf.Tensor>();
  private readonly holders = new Map<tf.Tensor, number>();

  get(id: number): tf.Tensor | undefined {
    return this.byId.get(id);
  }

  set(id: number, grad: tf.Tensor): void {
    this.holders.set(grad, (this.holders.get(grad) ?? 0) + 1);
    this.release(id);
    this.byId.set(id, grad);
  }

  /** Drops the entry of `id`; its tensor is freed by {@link disposeUnheld}. */
  release(id: number): void {
    const grad = this.byId.get(id);
    if (grad === undefined) return;
    this.byId.delete(id);
    this.holders.set(grad, this.holders.get(grad)! - 1);
  }

  disposeUnheld(candidates: Iterable<tf.Tensor>): void {
    for (const t of candidates) {
      if ((this.holders.get(t) ?? 0) === 0) {
        this.holders.delete(t);
        t.dispose();
      }
    }
  }
}

/** The gradient of each input on the path of `node` given `dys`, checked as tfjs checks them. */
function nodeGradients({ node, inputs }: PathNode, dys: (tf.Tensor | null)[]): tf.Tensor[] {
  if (node.gradient === undefined) {
    throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
  }
  const thunks = node.gradient(dys);
  return inputs.map(([name, x]) => {
    if (!(name in thunks)) {
      throw new Error(
        `Cannot backprop through input ${name} of ${node.kernelName}. ` +
          `Available gradients found: ${Object.keys(thunks)}.`,
      );
    }
    const dx = tf.tidy(thunks[name]);
    if (dx.dtype !== "float32") {
      throw new Error(
        `Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have ` +
          `'float32' dtype, but has '${dx.dtype}'`,
      );
    }
    if (!tf.util.arraysEqual(dx.shape, x.shape)) {
      throw new Error(
        `Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has ` +
          `shape '${dx.shape}', which does not match the shape of the input '${x.shape}'`,
      );
    }
    return dx;
  });
}

/** Disposes the tensors `nodes` saved for their gradients, except those in `spared`. */
function disposeSaved(
  nodes: readonly TapeNode[],
  spared: ReadonlySet<tf.Tensor> = new Set(),
): void {
  for (const node of nodes) {
    for (const t of node.saved ?? []) if (!spared.has(t)) t.dispose();
  }
}

function backpropagate(
  path: readonly PathNode[],
  xs: readonly tf.Tensor[],
  y: tf.Tensor,
): (tf.Tensor | undefined)[] {
  const xIds = new Set(xs.map((x) => x.id));
  const grads = new GradientMap();
  grads.set(y.id, tf.ones(y.shape));
  for (let i = path.length - 1; i >= 0; i--) {
    const { node, inputs } = path[i];
    const dys = node.outputs.map((out) => grads.get(out.id) ?? null);
    // The node's own tidy frees what its gradient function computes besides the dxs (zeros for
    // outputs off the path included).
    const dxs = tf.tidy(() => nodeGradients(path[i], dys));
    const consumed: tf.Tensor[] = [...dxs];
    for (const out of node.outputs) {
      const dy = grads.get(out.id);
      if (dy === undefined || xIds.has(out.id)) continue;
      grads.release(out.id);
      consumed.push(dy);
    }
    inputs.forEach(([, x], k) => {
      const sum = grads.get(x.id);
      grads.set(x.id, sum === undefined ? dxs[k] : tf.add(sum, dxs[k]));
      if (sum !== undefined) consumed.push(sum);
    });
    // A custom gradient may hand back a saved tensor as a gradient: it then lives on in `grads`.
    disposeSaved([node], new Set(dxs));
    grads.disposeUnheld(consumed);
  }
  return xs.map((x) => grads.get(x.id));
}

/**
 * The value of `f()` (which must return a tensor) and its gradient with respect to each of `xs`,
 * `undefined` where `f` does not depend on it: `tf.engine().gradients(f, xs, undefined, true)`
 * with a lower peak memory. The tape `f` records is released even when `f` or the backward pass
 * throws.
 *
 * Consumes nothing; the value and gradients are new tensors owned by the caller.
 */
export function gradients(
  f: () => tf.Tensor,
  xs: readonly tf.Tensor[],
): { readonly value: tf.Tensor; readonly grads: (tf.Tensor | undefined)[] } {
  const engine = tapeEngine();
  // Higher-order gradients (a gradient inside a gradient) need the tape tfjs keeps whole.
  if (engine.state.gradientDepth > 0) {
    return tf.engine().gradients(f, [...xs], undefined, true);
  }
  const releaseTape = (spared?: ReadonlySet<tf.Tensor>) => {
    disposeSaved(engine.state.activeTape ?? [], spared);
    engine.state.activeTape = null;
  };
  let y: tf.Tensor;
  try {
    y = engine.scopedRun(() => engine.startTape(), () => engine.endTape(), () => {
      const out = engine.tidy("forward", f);
      if (!(out instanceof tf.Tensor)) throw new TypeError("gradients: f must return a tensor");
      return out;
    });
  } catch (error) {
    releaseTape();
    throw error;
  }
  let grads: (tf.Tensor | undefined)[] = [];
  try {
    const tape = engine.state.activeTape ?? [];
    const path = pathFromXsToY(tape, xs, y);
    const onPath = new Set(path.map(({ node }) => node));
    disposeSaved(tape.filter((node) => !onPath.has(node)));
    grads = engine.tidy("backward", () => backpropagate(path, xs, y));
    return { value: y, grads };
  } catch (error) {
    y.dispose();
    throw error;
  } finally {
    releaseTape(new Set(grads.filter((g) => g !== undefined)));
  }
}

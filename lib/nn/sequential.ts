/**
 * Chaining named layers: the output of each child is the input of the next.
 *
 * @module
 */
import * as random from "../random.ts";
import type { Tree } from "../tree.ts";
import { childPath, tidyApplied } from "./helpers.ts";
import type { Layer, ParamsOf, StateOf } from "./layer.ts";

/** Named child layers, applied in the object's key order. */
export type Children = { readonly [name: string]: Layer };

/** Parameters of a {@link sequential}: each child's parameters under its name. */
export type SequentialParams<C extends Children> = { readonly [K in keyof C]: ParamsOf<C[K]> };

/** State of a {@link sequential}: each child's state under its name. */
export type SequentialState<C extends Children> = { readonly [K in keyof C]: StateOf<C[K]> };

/** Child names with a `/` would make parameter paths ambiguous; integer-like names reorder. */
function checkNames(names: readonly string[]): void {
  if (names.length === 0) throw new Error("sequential: needs at least one child layer");
  const bad = names.find((n) => n === "" || n.includes("/"));
  if (bad !== undefined) {
    throw new Error(`sequential: child names must be non-empty and without "/", got "${bad}"`);
  }
  // JavaScript orders integer-like keys first, which would silently change the layer order.
  const integerLike = names.filter((n) => /^(0|[1-9]\d*)$/.test(n));
  if (integerLike.length > 0 && integerLike.length < names.length) {
    throw new Error(
      `sequential: child names mix integer-like ("${integerLike[0]}") and other names, which ` +
        `JavaScript reorders; name them all alike (e.g. "block0", "block1")`,
    );
  }
}

/**
 * Chains named layers in order: `sequential({ conv: conv2d(...), bn: batchNorm(), act: relu })`.
 * Parameters and state are objects with one entry per child (`params.conv.w`), so parameter
 * paths read `encoder/stem/conv/w`. `init` gives child `i` the key `foldIn(key, i)`, and `apply`
 * likewise splits its key; each child's apply gets the path `path/name` for its errors.
 * `apply` consumes nothing; intermediate outputs are freed as soon as the next child has run.
 * Where a child offers a fused layer for itself and the stateless child after it
 * (`Layer.fuseNext`, as batch norm does for `relu`), `apply` runs that pair as the fused layer.
 *
 * @example
 * ```ts
 * import { nn, random, tree } from "@byol/tfjs";
 *
 * const net = nn.sequential({ flat: nn.flatten, fc: nn.linear({ units: 10 }) });
 * const { params, state } = net.init(random.key(0), [28, 28, 1]); // params.fc.w: [784, 10]
 * const images = random.uniform(random.key(1), [4, 28, 28, 1]);
 * const { y } = net.apply(params, state, images); // [4, 10]
 * tree.dispose(params, state, images, y);
 * ```
 */
export function sequential<C extends Children>(
  children: C,
): Layer<SequentialParams<C>, SequentialState<C>> {
  const names = Object.keys(children);
  checkNames(names);
  // Each child fused with the stateless child after it, where it offers that.
  const fusedWithNext = names.map((name, i) =>
    i + 1 < names.length ? children[name].fuseNext?.(children[names[i + 1]]) : undefined
  );
  return {
    init(key, inputShape, { path } = {}) {
      let shape = inputShape;
      const params: Record<string, Tree> = {};
      const state: Record<string, Tree> = {};
      names.forEach((name, i) => {
        const child = children[name].init(random.foldIn(key, i), shape, {
          path: childPath(path, name),
        });
        params[name] = child.params;
        state[name] = child.state;
        shape = child.outputShape;
      });
      return {
        params: params as SequentialParams<C>,
        state: state as SequentialState<C>,
        outputShape: shape,
      };
    },
    apply(params, state, x, { training = false, key, path } = {}) {
      return tidyApplied(() => {
        let h = x;
        const next: Record<string, Tree> = {};
        names.forEach((name, i) => {
          if (name in next) return;
          const fused = fusedWithNext[i];
          if (fused !== undefined) next[names[i + 1]] = null;
          const out = (fused ?? children[name]).apply(
            (params as Record<string, Tree>)[name],
            (state as Record<string, Tree>)[name],
            h,
            { training, key: key && random.foldIn(key, i), path: childPath(path, name) },
          );
          if (h !== x) h.dispose();
          h = out.y;
          next[name] = out.state;
        });
        return { y: h, state: next as SequentialState<C> };
      });
    },
  };
}

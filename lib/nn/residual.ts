/**
 * Residual connections: `y = activation(main(x) + shortcut(x))`, as in ResNet blocks.
 *
 * @module
 */
import { tf } from "../tf.ts";
import * as random from "../random.ts";
import { childPath, formatShape, tidyApplied, where } from "./helpers.ts";
import type { Layer, ParamsOf, StatelessLayer, StateOf } from "./layer.ts";

/** Options for {@link residual}. */
export interface ResidualOptions<M extends Layer, S extends Layer> {
  /** The residual branch `f`. */
  readonly main: M;
  /** The shortcut branch (default: the identity), e.g. a 1x1 conv + batch-norm projection. */
  readonly shortcut?: S;
  /** A parameter-free layer applied after the sum (e.g. `relu` in ResNet blocks). */
  readonly activation?: StatelessLayer;
}

/** Parameters of a {@link residual}: the branches' parameters (`null` for the identity). */
export type ResidualParams<M extends Layer, S extends Layer> = {
  readonly main: ParamsOf<M>;
  readonly shortcut: ParamsOf<S>;
};

/** State of a {@link residual}: the branches' state (`null` for the identity). */
export type ResidualState<M extends Layer, S extends Layer> = {
  readonly main: StateOf<M>;
  readonly shortcut: StateOf<S>;
};

/**
 * A residual connection `y = activation(main(x) + shortcut(x))`. The shortcut defaults to the
 * identity; both branches must give the same shape (checked at `init` and `apply`, naming the
 * path). Children are initialised and applied with `foldIn(key, 0)` (main) and `foldIn(key, 1)`
 * (shortcut), under the paths `path/main` and `path/shortcut`. `apply` consumes nothing.
 *
 * @example
 * ```ts
 * import { nn, random, tree } from "@byol/tfjs";
 *
 * // A ResNet basic block on 16 channels: the identity shortcut fits, as the shape is kept.
 * const block = nn.residual({
 *   main: nn.sequential({
 *     conv1: nn.conv2d({ filters: 16, kernel: 3, bias: false }),
 *     bn1: nn.batchNorm(),
 *     act: nn.relu,
 *     conv2: nn.conv2d({ filters: 16, kernel: 3, bias: false }),
 *     bn2: nn.batchNorm(),
 *   }),
 *   activation: nn.relu,
 * });
 * const { params, state } = block.init(random.key(0), [8, 8, 16]);
 * const x = random.normal(random.key(1), [2, 8, 8, 16]);
 * const { y, state: next } = block.apply(params, state, x, { training: true });
 * console.log(y.shape, params.main.conv1.w.shape); // [2, 8, 8, 16] [3, 3, 16, 16]
 * tree.dispose(params, state, x, y, next);
 * ```
 */
export function residual<M extends Layer, S extends Layer = StatelessLayer>(
  { main, shortcut, activation }: ResidualOptions<M, S>,
): Layer<ResidualParams<M, S>, ResidualState<M, S>> {
  const mismatch = (path: string | undefined, a: readonly number[], b: readonly number[]) =>
    new Error(
      `${where("residual", path)}: the main branch gives ${formatShape(a)} but the shortcut ` +
        `gives ${formatShape(b)}; they must match (use a projection shortcut, e.g. a 1x1 conv ` +
        `with the block's stride and batch norm)`,
    );
  return {
    init(key, inputShape, { path } = {}) {
      const m = main.init(random.foldIn(key, 0), inputShape, { path: childPath(path, "main") });
      const s = shortcut
        ? shortcut.init(random.foldIn(key, 1), inputShape, { path: childPath(path, "shortcut") })
        : { params: null, state: null, outputShape: inputShape };
      if (!tf.util.arraysEqual([...m.outputShape], [...s.outputShape])) {
        throw mismatch(path, m.outputShape, s.outputShape);
      }
      return {
        params: { main: m.params, shortcut: s.params } as ResidualParams<M, S>,
        state: { main: m.state, shortcut: s.state } as ResidualState<M, S>,
        outputShape: m.outputShape,
      };
    },
    apply(params, state, x, { training = false, key, path } = {}) {
      return tidyApplied(() => {
        const m = main.apply(params.main, state.main, x, {
          training,
          key: key && random.foldIn(key, 0),
          path: childPath(path, "main"),
        });
        const s = shortcut
          ? shortcut.apply(params.shortcut, state.shortcut, x, {
            training,
            key: key && random.foldIn(key, 1),
            path: childPath(path, "shortcut"),
          })
          : { y: x, state: null };
        if (!tf.util.arraysEqual(m.y.shape, s.y.shape)) throw mismatch(path, m.y.shape, s.y.shape);
        const sum = tf.add(m.y, s.y);
        const y = activation
          ? activation.apply(null, null, sum, { training, path: childPath(path, "activation") }).y
          : sum;
        return { y, state: { main: m.state, shortcut: s.state } as ResidualState<M, S> };
      });
    },
  };
}

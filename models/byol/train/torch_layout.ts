/**
 * The names and layouts of a network's weights in PyTorch and in this package, one rule for
 * every tree: a leaf's PyTorch name is its tree path with `.` for `/` and the last key renamed
 * (`w` → `weight`, `b` → `bias`, batch norm's `scale`/`offset` → `weight`/`bias` and
 * `mean`/`variance` → `running_mean`/`running_var`, plus a `num_batches_tracked` per batch
 * norm); conv kernels go from HWIO to OIHW and linear weights from `[in, out]` to `[out, in]`.
 * So `layer0/conv/w` `[3, 3, 1, 32]` is PyTorch's `layer0.conv.weight` `[32, 1, 3, 3]`, and the
 * module files in `models/torch/` name their submodules as the trees do. Pure.
 *
 * @module
 */
import { type Leaf, tf, type Tree, tree } from "../../../mod.ts";

/** How a tensor's PyTorch layout follows from this package's. */
export type TorchLayout =
  /** A conv kernel: HWIO here, OIHW in PyTorch. */
  | "oihw"
  /** A linear weight: `[in, out]` here, `[out, in]` in PyTorch. */
  | "transposed"
  /** The same layout (biases, batch-norm vectors). */
  | "same"
  /** A batch norm's `num_batches_tracked`: an int64 scalar PyTorch has and this package lacks. */
  | "count";

/** One tensor of a network in both namings. */
export interface TorchSlot {
  /** Which tree holds it: the parameters or the batch-norm state (`null` for a `count`). */
  readonly tree: "params" | "state" | null;
  /** Its path in that tree (`""` for a `count`). */
  readonly path: string;
  /** Its PyTorch name. */
  readonly torch: string;
  /** How its PyTorch layout follows from this package's. */
  readonly layout: TorchLayout;
  /** Its shape in PyTorch. */
  readonly torchShape: readonly number[];
  /** The tensor (`null` for a `count`). */
  readonly tensor: tf.Tensor | null;
}

const RENAMED: Readonly<Record<string, string>> = {
  b: "bias",
  scale: "weight",
  offset: "bias",
  mean: "running_mean",
  variance: "running_var",
};

function slot(kind: "params" | "state", path: string, t: tf.Tensor): TorchSlot {
  const keys = path.split("/");
  const last = keys.pop()!;
  const name = (leaf: string) => [...keys, leaf].join(".");
  if (last === "w" && t.rank === 4) {
    const [h, w, i, o] = t.shape;
    return {
      tree: kind,
      path,
      torch: name("weight"),
      layout: "oihw",
      torchShape: [o, i, h, w],
      tensor: t,
    };
  }
  if (last === "w" && t.rank === 2) {
    const [i, o] = t.shape;
    return {
      tree: kind,
      path,
      torch: name("weight"),
      layout: "transposed",
      torchShape: [o, i],
      tensor: t,
    };
  }
  const renamed = RENAMED[last];
  if (renamed === undefined || (kind === "state") !== (last === "mean" || last === "variance")) {
    throw new Error(
      `no PyTorch name for ${kind === "params" ? "parameter" : "state"} "${path}" ` +
        `(known leaves: conv or linear "w", "b", batch norm's "scale", "offset", "mean", "variance")`,
    );
  }
  return { tree: kind, path, torch: name(renamed), layout: "same", torchShape: t.shape, tensor: t };
}

function collect(kind: "params" | "state", t: Tree<Leaf>): TorchSlot[] {
  const out: TorchSlot[] = [];
  tree.mapWithPath((path, leaf) => {
    if (!(leaf instanceof tf.Tensor)) throw new Error(`"${path}" is not a tensor`);
    out.push(slot(kind, path, leaf));
    if (kind === "state" && path.endsWith("/mean")) {
      const torch = `${path.slice(0, -"/mean".length).replaceAll("/", ".")}.num_batches_tracked`;
      out.push({ tree: null, path: "", torch, layout: "count", torchShape: [], tensor: null });
    }
    return null;
  }, t);
  return out;
}

/**
 * Every tensor of a network (its parameter and batch-norm state trees) with its PyTorch name,
 * layout and shape: the parameters, then the state. Throws naming a leaf with no PyTorch
 * counterpart. Consumes nothing.
 *
 * @example
 * ```ts
 * import { random, tree } from "@byol/tfjs";
 * import { convNet } from "@byol/tfjs/models";
 * import { torchSlots } from "./torch_layout.ts";
 *
 * const { params, state } = convNet({ channels: [4] }).init(random.key(0), [8, 8, 1]);
 * torchSlots(params, state).map((s) => `${s.torch} [${s.torchShape}]`);
 * // ["layer0.conv.weight [4,1,3,3]", "layer0.bn.weight [4]", "layer0.bn.bias [4]",
 * //  "layer0.bn.running_mean [4]", "layer0.bn.num_batches_tracked []", "layer0.bn.running_var [4]"]
 * tree.dispose([params, state]);
 * ```
 */
export function torchSlots(params: Tree<Leaf>, state: Tree<Leaf>): TorchSlot[] {
  return [...collect("params", params), ...collect("state", state)];
}

/**
 * A tensor in PyTorch's layout (see {@link TorchLayout}); `count` has no tensor here. Consumes
 * nothing; the result is a new tensor.
 *
 * @example
 * ```ts
 * import { tf } from "@byol/tfjs";
 * import { toTorchLayout } from "./torch_layout.ts";
 *
 * const w = tf.zeros([3, 3, 1, 8]);
 * const torch = toTorchLayout(w, "oihw"); // [8, 1, 3, 3]
 * tf.dispose([w, torch]);
 * ```
 */
export function toTorchLayout(t: tf.Tensor, layout: Exclude<TorchLayout, "count">): tf.Tensor {
  if (layout === "oihw") return tf.transpose(t, [3, 2, 0, 1]);
  return layout === "transposed" ? tf.transpose(t) : tf.clone(t);
}

/**
 * A tensor in PyTorch's layout brought back to this package's (the inverse of
 * {@link toTorchLayout}). Consumes nothing; the result is a new tensor.
 *
 * @example
 * ```ts
 * import { tf } from "@byol/tfjs";
 * import { fromTorchLayout } from "./torch_layout.ts";
 *
 * const w = tf.zeros([8, 1, 3, 3]);
 * const hwio = fromTorchLayout(w, "oihw"); // [3, 3, 1, 8]
 * tf.dispose([w, hwio]);
 * ```
 */
export function fromTorchLayout(t: tf.Tensor, layout: Exclude<TorchLayout, "count">): tf.Tensor {
  if (layout === "oihw") return tf.transpose(t, [2, 3, 1, 0]);
  return layout === "transposed" ? tf.transpose(t) : tf.clone(t);
}

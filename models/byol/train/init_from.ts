/**
 * `--init-from FILE`: a BYOL state whose online encoder (and projector, when the file has one)
 * and target take the weights of a file: `deno task export`'s in either format, or one saved
 * from PyTorch with the module files in `models/torch/` (their `save.py`, or `safetensors`'
 * `save_file(module.state_dict(), ...)`). Needs Deno.
 *
 * @module
 */
import { io, type Leaf, type tf, type Tree, tree } from "../../../mod.ts";
import { readFileLimited } from "../../../deno.ts";
import type { ByolState } from "../mod.ts";
import type { RunConfig } from "./config.ts";
import { EXPORT_METADATA_KEY, partTrees } from "./export.ts";
import { fromTorchLayout, type TorchSlot, torchSlots } from "./torch_layout.ts";

const FLOAT_DTYPES: readonly io.SafetensorsDtype[] = ["F32", "F64", "F16", "BF16"];
const INT_DTYPES: readonly io.SafetensorsDtype[] = ["I64", "I32", "U8", "I8", "I16", "U16", "U32"];

/** How a file names its tensors: which layout, and whether it holds the projector. */
interface FileLayout {
  readonly format: "torch" | "native";
  readonly withProjector: boolean;
  /** For `native`: the tree the file's tensors are under (`online` or `target`). */
  readonly root: "online" | "target";
}

function layoutOf(names: readonly string[]): FileLayout {
  if (names.some((n) => n.includes("/"))) {
    const root = names.some((n) => n.startsWith("online/")) ? "online" : "target";
    const withProjector = names.some((n) => n.startsWith(`${root}/projector/`));
    return { format: "native", withProjector, root };
  }
  const withProjector = names.some((n) => n.startsWith("encoder.") || n.startsWith("projector."));
  return { format: "torch", withProjector, root: "online" };
}

/** The name a slot has in a file of `layout`. */
function fileName(s: TorchSlot, layout: FileLayout): string {
  if (layout.format === "torch") return s.torch;
  const path = layout.withProjector ? s.path : `encoder/${s.path}`;
  return s.tree === "params" ? `${layout.root}/${path}` : `bnState/${layout.root}/${path}`;
}

const sortedJson = (x: unknown): string =>
  JSON.stringify(
    x,
    (_, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
        : v,
  );

/** The file's recorded encoder, when it records one that differs from the run's. */
function encoderMismatch(
  metadata: Readonly<Record<string, string>>,
  config: RunConfig,
): string | null {
  if (config.encoder !== "preset" || metadata[EXPORT_METADATA_KEY] === undefined) return null;
  let recorded: unknown;
  try {
    recorded = (JSON.parse(metadata[EXPORT_METADATA_KEY]) as { encoder?: unknown }).encoder;
  } catch {
    return `metadata "${EXPORT_METADATA_KEY}" is not valid JSON`;
  }
  if (recorded === undefined || sortedJson(recorded) === sortedJson(config.preset.encoder)) {
    return null;
  }
  return `it holds encoder ${sortedJson(recorded)}, the run's is ${
    sortedJson(config.preset.encoder)
  }`;
}

/** Replaces the leaves of `like` at the slots' paths with `made`'s tensors. */
function rebuilt(like: Tree<Leaf>, made: ReadonlyMap<string, tf.Tensor>): Tree<Leaf> {
  return tree.mapWithPath((path) => made.get(path)!, like);
}

/**
 * A new state for `config`'s model whose online encoder, and projector when the file holds one
 * (`deno task export --part online` or PyTorch's `Online` module), take the tensors of the
 * safetensors file at `path`, and whose target network takes copies of them. The file may name
 * its tensors as PyTorch does (`layer0.conv.weight`, OIHW kernels, `[out, in]` linear weights,
 * `running_mean`, `running_var`, `num_batches_tracked`, whose value is not used), or as this
 * package's checkpoints do (`online/encoder/layer0/conv/w`, `bnState/online/...`), or be a
 * run's checkpoint itself (its online network is taken); float tensors of any width are read as
 * float32. The predictor, optimizer state and step are
 * `state`'s. Throws naming the file and every missing, unexpected or mis-shaped tensor (and an
 * encoder config in the file's metadata that is not the run's). Consumes nothing: the result
 * shares the tensors it does not replace with `state`, so free `state` with `advance(state,
 * next)`.
 *
 * @example
 * ```ts
 * import { advance, random, tree } from "@byol/tfjs";
 * import { initFromFile, modelOf, readConfig } from "@byol/tfjs/train";
 *
 * const config = await readConfig("runs/a");
 * const fresh = modelOf(config).init(random.key(config.seed), config.dataset.imageShape);
 * const state = advance(fresh, await initFromFile("encoder.safetensors", fresh, config));
 * tree.dispose(state);
 * ```
 */
export async function initFromFile(
  path: string,
  state: ByolState,
  config: RunConfig,
): Promise<ByolState> {
  const { tensors, metadata } = io.decodeSafetensors(await readFileLimited(path), { name: path });
  // A run's checkpoint (its tree structure in the metadata): its online network is the weights.
  const names = [...tensors.keys()].filter((n) =>
    metadata.tree === undefined || n.startsWith("online/") || n.startsWith("bnState/online/")
  );
  const layout = layoutOf(names);
  const part = partTrees(state, layout.withProjector ? "online" : "encoder");
  const slots = torchSlots(part.params, part.state);
  const problems: string[] = [];
  const mismatch = encoderMismatch(metadata, config);
  if (mismatch) problems.push(mismatch);
  const expected = new Map<string, TorchSlot>();
  for (const s of slots) {
    if (layout.format === "native" && s.layout === "count") continue;
    expected.set(fileName(s, layout), s);
  }
  for (const [name, s] of expected) {
    const t = tensors.get(name);
    const shape = layout.format === "torch" ? s.torchShape : s.tensor!.shape;
    if (!t) {
      problems.push(`missing ${name} [${shape.join(", ")}]`);
    } else if (!(s.layout === "count" ? INT_DTYPES : FLOAT_DTYPES).includes(t.dtype)) {
      const kinds = s.layout === "count" ? "an integer" : "a float";
      problems.push(`${name}: expected ${kinds} dtype, got ${t.dtype}`);
    } else if (t.shape.join(",") !== shape.join(",")) {
      problems.push(`${name}: expected shape [${shape.join(", ")}], got [${t.shape.join(", ")}]`);
    }
  }
  const unexpected = names.filter((n) => !expected.has(n));
  problems.push(...unexpected.map((n) => `unexpected ${n} [${tensors.get(n)!.shape.join(", ")}]`));
  if (problems.length > 0) {
    const what = layout.withProjector ? "online network (encoder + projector)" : "encoder";
    throw new Error(
      `${path}: not weights of this run's ${what} (${layout.format} names):\n  ` +
        problems.join("\n  "),
    );
  }
  const made = { params: new Map<string, tf.Tensor>(), state: new Map<string, tf.Tensor>() };
  for (const [name, s] of expected) {
    if (s.layout === "count") continue;
    const loaded = io.tensorFromStored(tensors.get(name)!, name);
    const value = layout.format === "torch" ? fromTorchLayout(loaded, s.layout) : loaded;
    if (value !== loaded) loaded.dispose();
    made[s.tree!].set(s.path, value);
  }
  const params = rebuilt(part.params, made.params);
  const bn = rebuilt(part.state, made.state);
  const online = layout.withProjector ? params : { ...state.online, encoder: params };
  const onlineBn = layout.withProjector ? bn : { ...state.bnState.online, encoder: bn };
  // The target takes copies of what the online network took, and keeps the rest.
  const copy = (from: Tree<Leaf>, kept: Tree<Leaf>) =>
    layout.withProjector
      ? tree.clone(from)
      : { ...(kept as object), encoder: tree.clone((from as Record<string, Tree<Leaf>>).encoder) };
  return {
    ...state,
    online: online as ByolState["online"],
    target: state.target === null ? null : copy(online, state.target) as ByolState["online"],
    bnState: {
      ...state.bnState,
      online: onlineBn as ByolState["bnState"]["online"],
      target: state.bnState.target === null
        ? null
        : copy(onlineBn, state.bnState.target) as ByolState["bnState"]["online"],
    },
  };
}

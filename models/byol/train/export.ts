/**
 * `deno task export`: a run's encoder (or online or target network) as a safetensors file with
 * PyTorch's names, layouts and buffers (`torch_layout.ts`), which the module files in
 * `models/torch/` load with `load_state_dict(strict=True)`, or with this package's own names
 * (`native`: the checkpoint's tree paths and layouts). The metadata key `byol` records what the
 * Python side needs to build the network (`encoder`: the preset's `{ arch, ...config }`,
 * `inputShape`, `projector`) and where the weights came from. Needs Deno.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { either } from "fp-ts";
import { io, type Leaf, type tf, type Tree, tree } from "../../../mod.ts";
import { useDenoBackend, writeFileAtomic } from "../../../deno.ts";
import type { ByolState } from "../mod.ts";
import { loadTrainState } from "./checkpoints.ts";
import type { RunConfig } from "./config.ts";
import { resolveCheckpoint } from "./eval_run.ts";
import { flagLines, oneOf, parseFlags, path } from "./flags.ts";
import { usageErrors } from "./usage_errors.ts";
import type { FlagSpec } from "./options.ts";
import { torchSlots, toTorchLayout } from "./torch_layout.ts";

/** What can be exported: the encoder, encoder + projector (`online`), or the target network. */
export const EXPORT_PARTS = ["encoder", "online", "target"] as const;

/** A part {@link EXPORT_PARTS} names. */
export type ExportPart = typeof EXPORT_PARTS[number];

/** PyTorch's names and layouts, or this package's (a checkpoint's tree paths). */
export const EXPORT_FORMATS = ["torch", "native"] as const;

/** A format {@link EXPORT_FORMATS} names. */
export type ExportFormat = typeof EXPORT_FORMATS[number];

/** The metadata key of an exported file's description ({@link ExportInfo}, as JSON). */
export const EXPORT_METADATA_KEY = "byol";

/** What an exported file's metadata says about it, under {@link EXPORT_METADATA_KEY}. */
export interface ExportInfo {
  /** The names and layouts of the tensors. */
  readonly format: ExportFormat;
  /** Which network the file holds. */
  readonly part: ExportPart;
  /** The preset's encoder, `{ arch, ...config }`, or `{ arch: "custom" }` for one given in code. */
  readonly encoder: Readonly<Record<string, unknown>>;
  /** The images the network takes, `[height, width, channels]`. */
  readonly inputShape: readonly number[];
  /** The projector's sizes, for the `online` and `target` parts. */
  readonly projector?: { readonly hidden: number; readonly out: number };
  /** The training step of the weights. */
  readonly step: number;
  /** The checkpoint they came from. */
  readonly checkpoint: string;
}

/** The trees of a part and where a checkpoint keeps them. */
export interface PartTrees {
  /** The parameters. */
  readonly params: Tree<Leaf>;
  /** The batch-norm statistics. */
  readonly state: Tree<Leaf>;
  /** The parameters' path in a checkpoint; the state's is under `bnState/`. */
  readonly root: string;
}

/**
 * The parameter and batch-norm state trees of `part` of a BYOL state (shared, not copied).
 * Throws for `target` in a run without a target network (SimSiam).
 *
 * @example
 * ```ts
 * import { random, tree } from "@byol/tfjs";
 * import { modelOf, readConfig } from "@byol/tfjs/train";
 * import { partTrees } from "./export.ts";
 *
 * const config = await readConfig("runs/a");
 * const state = modelOf(config).init(random.key(0), config.dataset.imageShape);
 * const { root } = partTrees(state, "encoder"); // "online/encoder"
 * tree.dispose(state);
 * ```
 */
export function partTrees(state: ByolState, part: ExportPart): PartTrees {
  if (part === "encoder") {
    const encoder = (state.online as Record<string, Tree<Leaf>>).encoder;
    const bn = (state.bnState.online as Record<string, Tree<Leaf>>).encoder;
    return { params: encoder, state: bn, root: "online/encoder" };
  }
  if (part === "online") {
    return { params: state.online, state: state.bnState.online, root: "online" };
  }
  if (state.target === null || state.bnState.target === null) {
    throw new Error("this run has no target network (SimSiam): export encoder or online");
  }
  return { params: state.target, state: state.bnState.target, root: "target" };
}

/** `t`'s bytes; consumes `t`. */
async function stored(t: tf.Tensor, name: string): Promise<io.StoredTensor> {
  try {
    return await io.storedFromTensor(t, name);
  } finally {
    t.dispose();
  }
}

/**
 * The tensors of `part` of `state` as an exported file holds them: PyTorch's names, layouts and
 * `num_batches_tracked` (int64, the state's step) with `torch`, or the checkpoint's own names
 * (`online/encoder/layer0/conv/w`, `bnState/online/encoder/layer0/bn/mean`) with `native`.
 * Consumes nothing.
 *
 * @example
 * ```ts
 * import { random, tree } from "@byol/tfjs";
 * import { modelOf, readConfig } from "@byol/tfjs/train";
 * import { exportTensors } from "./export.ts";
 *
 * const config = await readConfig("runs/a");
 * const state = modelOf(config).init(random.key(0), config.dataset.imageShape);
 * const tensors = await exportTensors(state, { part: "encoder", format: "torch" });
 * console.log([...tensors.keys()]); // ["layer0.conv.weight", "layer0.bn.weight", ...]
 * tree.dispose(state);
 * ```
 */
export async function exportTensors(
  state: ByolState,
  { part, format }: { part: ExportPart; format: ExportFormat },
): Promise<Map<string, io.StoredTensor>> {
  const trees = partTrees(state, part);
  const out = new Map<string, io.StoredTensor>();
  for (const s of torchSlots(trees.params, trees.state)) {
    if (format === "native") {
      if (s.tensor === null) continue;
      const name = s.tree === "params"
        ? `${trees.root}/${s.path}`
        : `bnState/${trees.root}/${s.path}`;
      out.set(name, await io.storedFromTensor(s.tensor, name));
    } else if (s.layout === "count") {
      const data = new Uint8Array(new BigInt64Array([BigInt(state.step)]).buffer);
      out.set(s.torch, { dtype: "I64", shape: [], data });
    } else {
      out.set(s.torch, await stored(toTorchLayout(s.tensor!, s.layout), s.torch));
    }
  }
  return out;
}

/** What {@link exportWeights} writes. */
export interface ExportOptions {
  /** A run folder (its latest checkpoint) or a checkpoint file. */
  readonly run: string;
  /** The part (default `encoder`). */
  readonly part?: ExportPart;
  /** The format (default `torch`). */
  readonly format?: ExportFormat;
  /** The file to write (default `<part>-<format>-step-NNNNNN.safetensors` beside the checkpoint). */
  readonly out?: string;
}

function describeExport(
  config: RunConfig,
  { part, format, step, checkpoint }: Omit<ExportInfo, "encoder" | "inputShape" | "projector">,
): ExportInfo {
  return {
    format,
    part,
    encoder: config.encoder === "preset" ? { ...config.preset.encoder } : { arch: "custom" },
    inputShape: [...config.dataset.imageShape],
    ...(part === "encoder" ? {} : { projector: { ...config.preset.projector } }),
    step,
    checkpoint,
  };
}

/**
 * Writes `part` of a run's latest checkpoint (or of the checkpoint file given) in `format` to
 * `out`, atomically, refusing to replace an existing file, and returns the path written.
 * Frees every tensor it makes.
 *
 * @example
 * ```ts
 * import { exportWeights } from "@byol/tfjs/train";
 *
 * const file = await exportWeights({ run: "runs/a", part: "encoder", format: "torch" });
 * console.log(`wrote ${file}`);
 * ```
 */
export async function exportWeights(
  { run, part = "encoder", format = "torch", out }: ExportOptions,
): Promise<string> {
  const { checkpoint, config } = await resolveCheckpoint(run);
  const { state } = await loadTrainState(checkpoint);
  try {
    const tensors = await exportTensors(state, { part, format });
    const info = describeExport(config, { format, part, step: state.step, checkpoint });
    const step = String(state.step).padStart(6, "0");
    const file = out ?? join(dirname(checkpoint), `${part}-${format}-step-${step}.safetensors`);
    const metadata = { [EXPORT_METADATA_KEY]: JSON.stringify(info) };
    try {
      await writeFileAtomic(file, io.encodeSafetensorsParts(tensors, metadata));
    } catch (err) {
      if (err instanceof Deno.errors.AlreadyExists) {
        throw new Error(`${file} already exists: remove it or give another --out`);
      }
      throw err;
    }
    return file;
  } finally {
    tree.dispose(state);
  }
}

const EXPORT_FLAGS: readonly FlagSpec[] = [
  {
    name: "part",
    value: EXPORT_PARTS.join("|"),
    default: "encoder",
    help: "encoder (what a fine-tuning starts from), online (encoder + projector) or target",
  },
  {
    name: "format",
    value: EXPORT_FORMATS.join("|"),
    default: "torch",
    help: "torch: PyTorch's names and layouts (models/torch/); native: this package's",
  },
  {
    name: "out",
    value: "FILE",
    default: "<part>-<format>-step-NNNNNN.safetensors beside the checkpoint",
    help: "the file to write, under runs/ or /tmp as the task allows (an existing one is kept)",
  },
  { name: "help", default: "", help: "print this text and exit" },
];

/**
 * The usage text of `deno task export`.
 *
 * @example
 * ```ts
 * import { EXPORT_USAGE } from "@byol/tfjs/train";
 *
 * console.log(EXPORT_USAGE);
 * ```
 */
export const EXPORT_USAGE: string = [
  "Usage: deno task export <run folder | checkpoint file> [flags]",
  "",
  "Writes the encoder (or --part) of a run's latest checkpoint, or of the checkpoint given, as a",
  "safetensors file with PyTorch's names and layouts: OIHW conv kernels, [out, in] linear",
  "weights, batch norm's weight, bias, running_mean, running_var and num_batches_tracked. Load it",
  "in PyTorch with models/torch/load.py (it builds the network from the file's metadata):",
  "",
  "  PYTHONPATH=models/torch python3 -c 'import load; print(load.load(\"FILE\"))'",
  "",
  "and give such a file back to deno task train or eval with --init-from FILE.",
  "",
  "Flags:",
  ...flagLines(EXPORT_FLAGS),
  "",
  "Examples:",
  "  deno task export runs/fashion-mnist-20250101-120000",
  "  deno task export runs/fashion-mnist-20250101-120000 --part online --out runs/online.safetensors",
].join("\n");

/**
 * Runs `deno task export` with `args` and returns the exit code: 0 when written (or `--help`),
 * 2 for a usage error (every problem listed on stderr), 1 when the export fails (its message on
 * stderr, without a stack trace).
 *
 * @example
 * ```ts
 * import { exportMain } from "@byol/tfjs/train";
 *
 * Deno.exit(await exportMain(Deno.args));
 * ```
 */
export async function exportMain(args: readonly string[]): Promise<number> {
  const { values, positionals, check, help } = parseFlags(args, EXPORT_FLAGS, {
    positionals: true,
  });
  if (help) {
    console.log(EXPORT_USAGE);
    return 0;
  }
  const part = oneOf("part", EXPORT_PARTS)(values.part as string | undefined);
  const format = oneOf("format", EXPORT_FORMATS)(values.format as string | undefined);
  const out = path("out")(values.out as string | undefined);
  const problems = [check, part, format, out].flatMap((v) => either.isLeft(v) ? v.left : []);
  if (positionals.length !== 1) {
    problems.push(
      `expected one run folder or checkpoint file, got ${positionals.length}` +
        (positionals.length > 0 ? `: ${positionals.join(" ")}` : ""),
    );
  }
  if (problems.length > 0) return usageErrors("deno task export", problems);
  try {
    await useDenoBackend("cpu");
    const file = await exportWeights({
      run: positionals[0],
      part: either.isRight(part) ? part.right : undefined,
      format: either.isRight(format) ? format.right : undefined,
      out: either.isRight(out) ? out.right : undefined,
    });
    console.log(`wrote ${file}`);
    return 0;
  } catch (err) {
    console.error(`deno task export: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

/**
 * The text `deno task train --help` prints: every flag with its value, default and meaning, what
 * a run writes, and examples.
 *
 * @module
 */
import { FLAGS } from "./options.ts";

/**
 * The usage text of `deno task train`.
 *
 * @example
 * ```ts
 * console.log(usage());
 * ```
 */
export function usage(): string {
  const lines = FLAGS.flatMap((f) => [
    `  --${f.name}${f.value === undefined ? "" : ` ${f.value}`}` +
    (f.default === "" ? "" : `    (default: ${f.default})`),
    `      ${f.help}`,
  ]);
  return [
    "Usage: deno task train [flags]",
    "",
    "Trains BYOL (Grill et al. 2020) self-supervised, evaluates its encoder with a kNN classifier",
    "and a linear probe against a random-encoder and a raw-pixel baseline, and writes everything",
    "into a run folder <out>/<dataset>-<preset>-<YYYYMMDD-HHMMSS>/:",
    "  config.json      the resolved settings (seed, preset, data source, backend and why)",
    "  metrics.jsonl    one JSON record per logged step, evaluation and resume",
    "  step-NNNNNN.safetensors  checkpoints at each epoch's end and on Ctrl-C (the last 3 kept)",
    "  results.json, curves.svg, features.svg   the final evaluation and pictures",
    "",
    "Flags:",
    ...lines,
    "",
    "Progress goes to stderr (one line redrawn in place on a terminal, else a line every 10 s",
    "and at each epoch's end); the final table goes to stdout. Ctrl-C saves a checkpoint first.",
    "",
    "--resume continues at the latest checkpoint's step with its optimizer state and random key;",
    "the epoch holding that step restarts from its first batch and runs to its usual end (as",
    "checkpoints fall on epoch ends, this only matters after Ctrl-C).",
    "",
    "Examples:",
    "  deno task train                                  # Fashion-MNIST (or shapes): ~35 min on 2 cores",
    "  deno task train --limit 2048 --epochs 1          # a quick look: ~30 s on 2 cores",
    "  deno task train --dataset shapes --epochs 3 --eval-every 0",
    "  deno task train --dataset cifar10 --data data/cifar-10-batches-bin --backend webgpu",
    "  deno task train --resume runs/fashion-mnist-20250101-120000",
    "  deno task eval runs/fashion-mnist-20250101-120000",
  ].join("\n");
}

/**
 * The text `deno task train --help` prints: every flag with its value, default and meaning, the
 * registered datasets, presets, encoders and optimizers, what a run writes, and examples.
 *
 * @module
 */
import { encoders, optimizers, presets } from "../mod.ts";
import { RESUME_MAY_SET } from "./config_file.ts";
import { AUTO, datasets } from "./datasets.ts";
import { flagLines } from "./flags.ts";
import { HEALTH } from "../health.ts";
import { FLAGS } from "./options.ts";

const WIDTH = 100;

/** `text` broken at spaces into lines of at most `width` characters (longer words stay whole). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
}

/** Named entries: each name padded to one column, then its paragraphs, wrapped beside it. */
function table(rows: readonly (readonly [string, ...string[]])[]): string[] {
  const width = Math.max(...rows.map(([name]) => name.length)) + 2;
  return rows.flatMap(([name, ...paragraphs]) =>
    paragraphs.flatMap((p) => wrap(p, WIDTH - 2 - width)).map((line, i) =>
      `  ${(i === 0 ? name : "").padEnd(width)}${line}`
    )
  );
}

const number = (x: number) => x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential() : String(x);

const fields = (config: object) =>
  Object.entries(config).map(([k, v]) =>
    `${k} ${Array.isArray(v) ? v.join(",") : typeof v === "number" ? number(v) : v}`
  ).join(", ");

/**
 * The usage text of `deno task train`.
 *
 * @example
 * ```ts
 * import { usage } from "@byol/tfjs/train";
 *
 * console.log(usage());
 * ```
 */
export function usage(): string {
  return [
    "Usage: deno task train [flags]",
    "",
    "Trains BYOL (Grill et al. 2020) self-supervised, evaluates its encoder with a kNN classifier",
    "and a linear probe against a random-encoder and a raw-pixel baseline, and writes everything",
    "into a run folder <out>/<dataset>-<preset>-<YYYYMMDD-HHMMSS>/:",
    "  config.json      the resolved settings (seed, preset, data source, backend and why)",
    "  metrics.jsonl    one JSON record per logged step, evaluation (with health signals) and resume",
    "  step-NNNNNN.safetensors  checkpoints at each epoch's end, every --checkpoint-every and",
    "                   when stopped (the last 3 kept)",
    "  results.json, curves.svg, features.svg   the final evaluation and pictures",
    "",
    "Flags:",
    ...flagLines(FLAGS),
    "",
    "Datasets (--dataset; --data DIR holds the files named):",
    ...table([
      ["auto", `${AUTO.first} when found or downloadable, else ${AUTO.fallback} (with a note)`],
      ...Object.entries(datasets).map(([name, d]): [string, string, string] => [
        name,
        d.help,
        `preset ${d.preset}; ${d.files === null ? "no files" : `--data: ${d.files}`}`,
      ]),
    ]),
    "",
    "Presets (--preset; --epochs, --batch-size and --lr override theirs):",
    ...table(
      Object.entries(presets).map(([name, p]) => [
        name,
        p.description,
        `${p.encoder.arch} encoder, ${p.optimizer.kind} optimizer, batch ${p.batchSize}, ` +
        `${p.epochs} epochs, ${p.inputShape.join("x")} images`,
      ]),
    ),
    "",
    "Encoders of the presets (config.json: preset.encoder = { arch, ...fields }):",
    ...table(
      Object.entries(encoders).map(([arch, e]) => [
        arch,
        e.help,
        `fields (defaults): ${fields(e.defaults)}`,
      ]),
    ),
    "",
    "Optimizers of the presets (config.json: preset.optimizer = { kind, ...fields }):",
    ...table(
      Object.entries(optimizers).map(([kind, o]) => [
        kind,
        o.help,
        `fields (defaults): ${fields(o.defaults)}`,
      ]),
    ),
    "",
    "Progress goes to stderr (one line redrawn in place on a terminal, else a line every 10 s",
    "and at each epoch's end); the final table goes to stdout.",
    "",
    ...wrap(
      "Health signals, at each evaluation and in the final table, on the first " +
        `${HEALTH.images} test images un-augmented: the projection spread (mean over dimensions ` +
        "of the std of the l2-normalised online projections, times sqrt(d): about 1 when " +
        "spread, 0 when collapsed) and the online-target cosine gap (1 - mean cosine of the " +
        "online predictions and the target projections). The progress line shows the spread " +
        `of each logged step's batch; below ${HEALTH.collapsedBelow} the run is marked COLLAPSED ` +
        "there, in the evaluation lines, the final table and results.json.",
      WIDTH,
    ),
    "",
    ...wrap(
      "--seeds N trains the same settings N times, with seeds --seed to --seed+N-1, one after " +
        "another, each in its own run folder in --out, then prints every metric (trained, " +
        "random-init and raw pixels; health) as mean ± sample std over the runs and writes it " +
        "with each run's results to <out>/<dataset>-<preset>-seeds-<time>/quality.json " +
        "(rewritten after each run). A stop (Ctrl-C) checkpoints the run in progress (resume it " +
        "with --resume) and summarises the runs that finished, saying so. --seeds cannot be " +
        "combined with --resume.",
      WIDTH,
    ),
    "",
    "SIGINT (Ctrl-C) or SIGTERM stops the run at the next safe point (after the current step, once",
    "a checkpoint being written is written, or abandoning an evaluation) with a checkpoint, and",
    "exits with 130 or 143; a second signal quits at once. A NaN or infinite loss or gradient norm",
    "stops the run with exit 1 (the checkpoints on disk stay good), unless --on-nonfinite skip.",
    "",
    "Configuring a run: its settings are resolved in this order, each step overriding the last:",
    "  1. the defaults of --dataset and --preset, or --config FILE.jsonc: a whole config (JSON with",
    "     comments), e.g. a run's config.json (what it recorded when the run started, such as",
    "     createdAt, the data found, the steps, the backend used and provenance, is ignored) or",
    "     what --print-config printed;",
    "  2. the flags (--dataset, --data, --limit, --preset, --epochs, --batch-size, --lr, --seed, ...);",
    "     with --config, --preset replaces the preset with its epochs, batch size and learning rate;",
    "  3. each --set PATH=VALUE, left to right: any field of the config, the preset's included, e.g.",
    "     --set preset.optimizer.weightDecay=1e-5 --set preset.views.0.crop.scale=[0.2,1]",
    "     --set epochs=3 (VALUE is JSON when it parses, else a string; learningRate null is the",
    "     optimizer's peak for the batch size).",
    "--print-config prints the result and exits: --config of what it prints gives the same config,",
    "byte for byte, and the same run. Every problem is listed at once, with its path, what is",
    "expected, the closest valid name of a misspelt one, and the flag, --set or file:line:column",
    "it came from. config.json also records the command line, git commit, Deno, tfjs and package",
    "versions, the backend and its threads.",
    ...wrap(
      `With --resume, --set and --config may change only ${RESUME_MAY_SET.join(", ")}; a ` +
        "change to anything else is refused, naming each field. config.json is then rewritten " +
        "(atomically; the previous one is kept as config.json.prev).",
      WIDTH,
    ),
    "",
    "--resume continues at the newest checkpoint that loads (a damaged newer one is named in a",
    "warning) with its optimizer state and random key, skipping the batches its epoch already",
    "trained on: a run stopped or killed at any step ends bit for bit as if uninterrupted. It cuts",
    "metrics.jsonl back to that step, removes temporary files of interrupted writes, and finishes",
    "a run stopped after its last step (final evaluation and pictures). A run folder is locked",
    "against a second process while one writes into it.",
    "",
    "Examples:",
    "  deno task train                                  # Fashion-MNIST (or shapes): ~35 min on 2 cores",
    "  deno task train --limit 2048 --epochs 1          # a quick look: ~50 s on 2 cores",
    "  deno task train --dataset shapes --epochs 3 --eval-every 0",
    "  deno task train --limit 2048 --epochs 1 --seeds 3   # mean ± std over seeds 0, 1, 2",
    "  deno task train --dataset cifar10 --data data/cifar-10-batches-bin --backend webgpu",
    "  deno task train --resume runs/fashion-mnist-20250101-120000",
    "  deno task train --print-config --set preset.tauBase=0.996 > my.jsonc   # then edit it",
    "  deno task train --config my.jsonc --set seed=1",
    "  deno task train --resume runs/fashion-mnist-20250101-120000 --set keepCheckpoints=5",
    "  deno task eval runs/fashion-mnist-20250101-120000",
  ].join("\n");
}

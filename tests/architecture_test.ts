// The layering of ARCHITECTURE.md, checked on this package and, so that each rule can fail, on a
// small package with one breach of each rule and look-alikes that are not breaches.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkLayout, type Rule, RULES, type Violation } from "./helpers/layout.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

/** The package of ARCHITECTURE.md's picture in miniature: each `// breach` breaks one rule. */
const FIXTURE: Record<string, string> = {
  "deno.json": JSON.stringify({
    name: "@fixture/layout",
    exports: {
      ".": "./mod.ts",
      "./deno": "./deno.ts",
      "./byol": "./models/byol/mod.ts",
      "./train": "./models/byol/train.ts",
    },
  }),
  "mod.ts": [
    `export * from "./lib/tree.ts";`,
    `export * from "./lib/nn/layer.ts";`,
    `export * from "./lib/backend.ts";`,
    `export * from "./lib/strings.ts";`,
  ].join("\n"),
  "deno.ts": `export * from "./lib/deno/files.ts";`,
  // Look-alikes: Deno and node: in comments and strings, tfjs internals named in a string.
  "lib/tree.ts": [
    `// Deno.env.get("HOME") and import "node:fs" in a comment are no use of either.`,
    `/** Not \`tf.engine()\` either. */`,
    `export const tree = { engine: "tf.engine()" };`,
  ].join("\n"),
  "lib/strings.ts": [
    'export const BOOT = `import * as fs from "node:fs"; Deno.exit(); x.HEAPF32`;',
  ].join("\n"),
  "lib/nn/layer.ts": [
    `import { readIdx } from "../data/idx.ts"; // breach: numeric-core-has-no-io`,
    `export const layer = readIdx;`,
  ].join("\n"),
  "lib/data/idx.ts": `export const readIdx = 1;`,
  "lib/backend.ts": [
    `import { cpus } from "node:os"; // breach: browser-safe-entry-points`,
    `import { threads } from "./tfjs_internals/wasm_threads.ts"; // breach: browser-safe-entry-points`,
    `export const count = () => cpus().length + threads;`,
    'export const home = () => `${Deno.env.get("HOME")}`; // breach: browser-safe-entry-points',
  ].join("\n"),
  "lib/tfjs_internals/wasm_threads.ts": [
    `export const BOOT = 'import "node:worker_threads";';`,
    `export const threads = (globalThis as { Deno?: unknown }).Deno ? 2 : 1;`,
  ].join("\n"),
  "lib/tfjs_internals/tape.ts": [
    `export const tape = (tf: { engine(): { startTape(): void } }) => tf.engine().startTape();`,
  ].join("\n"),
  "lib/deno/files.ts": [
    `import { readFileSync } from "node:fs";`,
    `export const read = (p: string) => Deno.readTextFileSync(p) + readFileSync(p);`,
  ].join("\n"),
  "lib/eval.ts": [
    `import type { Mlp } from "../models/mlp.ts"; // breach: lib-imports-only-lib`,
    `export type Probe = Mlp;`,
  ].join("\n"),
  "lib/plot.ts": [
    `import { tree } from "../mod.ts"; // breach: lib-imports-only-lib`,
    `export const plot = tree;`,
  ].join("\n"),
  "lib/kernels.ts": [
    `export const heap = (m: { HEAPF32: Float32Array }) => m.HEAPF32; // breach: tfjs-internals`,
  ].join("\n"),
  "models/mlp.ts": [
    `import { tree } from "../mod.ts";`,
    `import { readIdx } from "../lib/data/idx.ts"; // breach: models-use-entry-points`,
    `import { read } from "../deno.ts"; // breach: browser-safe-entry-points, via ./byol`,
    `export type Mlp = typeof tree;`,
    `export const mlp = [readIdx, read];`,
  ].join("\n"),
  "models/byol/mod.ts": [
    `import { mlp } from "../mlp.ts";`,
    `export const byol = [mlp];`,
    `export const tensors = (tf: { engine(): { state: number } }) =>`,
    `  tf.engine().state; // breach: tfjs-internals-in-one-folder`,
  ].join("\n"),
  "models/byol/train.ts": [
    `import { byol } from "./mod.ts";`,
    `import { read } from "../../deno.ts";`,
    `export const train = [byol, read];`,
  ].join("\n"),
  "examples/train.ts": [
    `import { join } from "node:path";`,
    `import { tree } from "../mod.ts";`,
    `import { byol } from "../models/byol/mod.ts";`,
    `import { train } from "../models/byol/train.ts";`,
    `import { mlp } from "../models/mlp.ts"; // breach: examples-use-entry-points`,
    `console.log(join("a", "b"), tree, byol, train, mlp);`,
  ].join("\n"),
};

/** What the checker must find in {@link FIXTURE}: file and offence of each breach, by rule. */
const PLANTED: Record<Rule, readonly (readonly [string, string])[]> = {
  "lib-imports-only-lib": [["lib/eval.ts", "models/mlp.ts"], ["lib/plot.ts", "mod.ts"]],
  "numeric-core-has-no-io": [["lib/nn/layer.ts", "lib/data/idx.ts"]],
  "browser-safe-entry-points": [
    ["lib/backend.ts", "node:os"],
    ["lib/backend.ts", "lib/tfjs_internals/wasm_threads.ts"],
    ["lib/backend.ts", "Deno@4"],
    ["models/mlp.ts", "deno.ts"],
  ],
  "models-use-entry-points": [["models/mlp.ts", "lib/data/idx.ts"]],
  "examples-use-entry-points": [["examples/train.ts", "models/mlp.ts"]],
  "tfjs-internals-in-one-folder": [
    ["lib/kernels.ts", "HEAPF32@1"],
    ["models/byol/mod.ts", "engine()@4"],
  ],
};

async function fixtureViolations(): Promise<Violation[]> {
  const dir = await Deno.makeTempDir({ prefix: "byol-layout-fixture-" });
  try {
    for (const [path, text] of Object.entries(FIXTURE)) {
      await Deno.mkdir(join(dir, path, ".."), { recursive: true });
      await Deno.writeTextFile(join(dir, path), text + "\n");
    }
    return await checkLayout(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const [inPackage, inFixture] = await Promise.all([checkLayout(root), fixtureViolations()]);
const sorted = (pairs: (readonly [string, string])[]) => pairs.map((p) => p.join(" ")).sort();

for (const rule of RULES) {
  Deno.test(`ARCHITECTURE.md#${rule}: this package keeps it`, () => {
    const found = inPackage.filter((v) => v.rule === rule).map((v) => v.message);
    assert.deepEqual(found, [], `breaks ARCHITECTURE.md#${rule}:\n  ${found.join("\n  ")}`);
  });

  Deno.test(`ARCHITECTURE.md#${rule}: the check finds each planted breach and nothing else`, () => {
    const found = inFixture.filter((v) => v.rule === rule).map((v) => [v.file, v.offence] as const);
    assert.deepEqual(sorted(found), sorted([...PLANTED[rule]]));
  });
}

Deno.test("ARCHITECTURE.md has a section for each rule the tests cite", async () => {
  const text = await Deno.readTextFile(join(root, "ARCHITECTURE.md"));
  const anchors = [...text.matchAll(/<a id="([a-z-]+)"><\/a>/g)].map((m) => m[1]);
  assert.deepEqual(anchors, [...RULES]);
});

Deno.test("a breach names the file, the import and how a browser entry point reaches it", () => {
  const messages = inFixture.map((v) => v.message);
  for (
    const message of [
      "lib/backend.ts imports lib/tfjs_internals/wasm_threads.ts: Deno-only, where a browser may " +
      "load it (mod.ts -> lib/backend.ts)",
      "models/mlp.ts imports deno.ts: Deno-only, where a browser may load it " +
      "(models/byol/mod.ts -> models/mlp.ts)",
      "lib/eval.ts imports the types of models/mlp.ts: lib/ is below the entry points and models/",
    ]
  ) {
    assert.ok(messages.includes(message), `${message}\nnot among\n${messages.join("\n")}`);
  }
});

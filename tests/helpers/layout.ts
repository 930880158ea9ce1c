/**
 * Test helper: checks a package folder against the layering of ARCHITECTURE.md. Imports come
 * from Deno's own module graph (`deno info --json`), so text that merely looks like an import
 * (the pthread bootstrap in `lib/tfjs_internals/wasm_threads.ts`) is not one; `Deno` and tfjs's
 * private internals are found in each file's syntax tree (`Deno.lint.runPlugin`), so comments and
 * strings do not count.
 *
 * @module
 */
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";

/** A rule of ARCHITECTURE.md; each is the anchor of its section there. */
export type Rule =
  | "lib-imports-only-lib"
  | "numeric-core-has-no-io"
  | "browser-safe-entry-points"
  | "models-use-entry-points"
  | "examples-use-entry-points"
  | "tfjs-internals-in-one-folder";

/** Every rule, in the order of ARCHITECTURE.md. */
export const RULES: readonly Rule[] = [
  "lib-imports-only-lib",
  "numeric-core-has-no-io",
  "browser-safe-entry-points",
  "models-use-entry-points",
  "examples-use-entry-points",
  "tfjs-internals-in-one-folder",
];

/** One breach of a rule: the offending file (relative to the package root) and what it does. */
export interface Violation {
  readonly rule: Rule;
  readonly file: string;
  /** An import (a path relative to the root, or a `node:`/`npm:` specifier), or a use `NAME@LINE`. */
  readonly offence: string;
  /** The whole story, e.g. the import chain from `mod.ts`. */
  readonly message: string;
}

/** One import of a local module. */
interface Import {
  /** A path relative to the root for local modules, else the resolved specifier. */
  readonly target: string;
  readonly typeOnly: boolean;
}

/** Folders and files the layering speaks about, relative to the package root. */
const SOURCE_DIRS = ["lib", "models", "examples"];
const NUMERIC_CORE = (f: string) =>
  f.startsWith("lib/nn/") || f.startsWith("lib/optim/") || f === "lib/tree.ts" ||
  f === "lib/random.ts";
/** Data, io, Deno and backend modules: what the numeric core must not reach. */
const NOT_NUMERIC = (t: string) =>
  t.startsWith("lib/data/") || t.startsWith("lib/io/") || t.startsWith("lib/deno/") ||
  t === "lib/backend.ts" || t.startsWith("lib/kernels/") ||
  t.startsWith("lib/tfjs_internals/wasm_") || t.startsWith("node:") ||
  /^npm:\/?@tensorflow\/tfjs-backend-/.test(t);
/** The entry points that a browser may load: the core, the models and BYOL. */
const BROWSER_ENTRIES = ["mod.ts", "models/mod.ts", "models/byol/mod.ts"];
const DENO_ONLY = (f: string) =>
  f === "deno.ts" || f.startsWith("lib/deno/") || f === "lib/tfjs_internals/wasm_threads.ts";
const INTERNALS_DIR = "lib/tfjs_internals/";
/** Members of tfjs's engine, registry and wasm backend that carry no compatibility promise. */
const PRIVATE_MEMBERS = new Set([
  "registry",
  "registryFactory",
  "backendInstance",
  "makeTensorFromTensorInfo",
  "scopedRun",
  "startTape",
  "endTape",
  "activeTape",
  "gradientDepth",
  "dataIdMap",
  "makeOutput",
  "typedArrayFromHeap",
  "_malloc",
  "_free",
  "_tfengine",
  "HEAP8",
  "HEAPU8",
  "HEAP16",
  "HEAPU16",
  "HEAP32",
  "HEAPU32",
  "HEAPF32",
  "HEAPF64",
]);

/** AssemblyScript sources, compiled into a wasm module (`deno task kernels`): not TypeScript
 * that the package imports. */
const ASSEMBLYSCRIPT_DIRS = ["lib/kernels/assembly"];

async function sourceFiles(root: string, dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (path: string) => {
    for await (const entry of Deno.readDir(join(root, path))) {
      const child = `${path}/${entry.name}`;
      if (entry.isDirectory) {
        if (!ASSEMBLYSCRIPT_DIRS.includes(child)) await walk(child);
      } else if (/\.(ts|tsx|js|mjs)$/.test(entry.name)) out.push(child);
    }
  };
  await walk(dir).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  return out;
}

/** The local import graph of `files` (and of everything they reach), by `deno info --json`. */
async function importGraph(root: string, files: string[]): Promise<Map<string, Import[]>> {
  const tmp = await Deno.makeTempDir({ prefix: "byol-layout-" });
  try {
    const entry = join(tmp, "all.ts");
    const lines = files.map((f) => `import ${JSON.stringify(pathToFileURL(join(root, f)).href)};`);
    await Deno.writeTextFile(entry, lines.join("\n"));
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "info",
        "--json",
        "--no-npm",
        "--no-remote",
        "--no-lock",
        "--config",
        join(root, "deno.json"),
        entry,
      ],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder();
    if (code !== 0) throw new Error(`deno info failed:\n${text.decode(stderr)}`);
    const info = JSON.parse(text.decode(stdout)) as DenoInfo;
    const rootUrl = pathToFileURL(join(root, "/")).href;
    const local = (specifier: string) =>
      specifier.startsWith(rootUrl) ? specifier.slice(rootUrl.length) : null;
    const graph = new Map<string, Import[]>();
    for (const module of info.modules) {
      const file = local(module.specifier);
      if (file === null) continue;
      if (module.error) throw new Error(`layout: ${file}: ${module.error}`);
      const imports: Import[] = [];
      for (const dep of module.dependencies ?? []) {
        for (const [resolved, typeOnly] of [[dep.code, false], [dep.type, true]] as const) {
          if (!resolved) continue;
          if (resolved.error) throw new Error(`layout: ${file}: ${resolved.error}`);
          imports.push({ target: local(resolved.specifier) ?? resolved.specifier, typeOnly });
        }
      }
      graph.set(file, imports);
    }
    return graph;
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

interface DenoInfo {
  modules: {
    specifier: string;
    error?: string;
    dependencies?: { code?: Resolved; type?: Resolved }[];
  }[];
}
interface Resolved {
  specifier: string;
  error?: string;
}

/** Each use of `Deno` and of tfjs's private internals in a file's code, with its line. */
interface Uses {
  readonly deno: string[];
  readonly internals: string[];
}

const finder: Deno.lint.Plugin = {
  name: "layout",
  rules: {
    uses: {
      create(context) {
        const internal = (node: Deno.lint.Node, name: string) =>
          context.report({ node, message: `internals:${name}` });
        return {
          Identifier(node) {
            if (node.name === "Deno") context.report({ node, message: "deno:Deno" });
            if (node.name === "_tfengine") internal(node, node.name);
          },
          CallExpression(node) {
            const callee = node.callee;
            const name = callee.type === "Identifier"
              ? callee.name
              : callee.type === "MemberExpression" && callee.property.type === "Identifier"
              ? callee.property.name
              : null;
            if (name === "engine") internal(node, "engine()");
          },
          MemberExpression(node) {
            const p = node.property;
            const name = p.type === "Identifier" ? p.name : p.type === "Literal" ? p.value : null;
            if (typeof name === "string" && name !== "_tfengine" && PRIVATE_MEMBERS.has(name)) {
              internal(node, name);
            }
          },
        };
      },
    },
  },
};

async function findUses(root: string, file: string): Promise<Uses> {
  const source = await Deno.readTextFile(join(root, file));
  const lineOf = (offset: number) => source.slice(0, offset).split("\n").length;
  const uses: Uses = { deno: [], internals: [] };
  for (const d of Deno.lint.runPlugin(finder, file, source)) {
    const [kind, name] = d.message.split(":");
    uses[kind as keyof Uses].push(`${name}@${lineOf(d.range[0])}`);
  }
  return uses;
}

/**
 * The shortest import chain from one of `starts` to each local file they reach; the walk does not
 * go on past a file for which `stop` holds.
 */
function chainsFrom(
  graph: Map<string, Import[]>,
  starts: string[],
  stop: (file: string) => boolean = () => false,
): Map<string, string[]> {
  const chain = new Map(starts.map((s) => [s, [s]]));
  const queue = [...starts];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const { target } of graph.get(file) ?? []) {
      if (chain.has(target) || !graph.has(target)) continue;
      chain.set(target, [...chain.get(file)!, target]);
      if (!stop(target)) queue.push(target);
    }
  }
  return chain;
}

/** The package's entry points: the files its `deno.json` exports. */
export async function entryPoints(root: string): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(join(root, "deno.json")));
  const exports: Record<string, string> = typeof config.exports === "string"
    ? { ".": config.exports }
    : config.exports ?? {};
  return Object.values(exports).map((p) => relative(root, join(root, p)));
}

/** Every breach of the layering of ARCHITECTURE.md in the package at `root`. */
export async function checkLayout(root: string): Promise<Violation[]> {
  const entries = await entryPoints(root);
  const files = [
    ...new Set([
      ...entries,
      ...(await Promise.all(SOURCE_DIRS.map((d) => sourceFiles(root, d)))).flat(),
    ]),
  ];
  const graph = await importGraph(root, files);
  const unseen = files.filter((f) => !graph.has(f));
  if (unseen.length > 0) throw new Error(`layout: deno info did not list ${unseen.join(", ")}`);
  const out: Violation[] = [];
  const importing = (rule: Rule, file: string, { target, typeOnly }: Import, why: string) =>
    out.push({
      rule,
      file,
      offence: target,
      message: `${file} imports ${typeOnly ? "the types of " : ""}${target}: ${why}`,
    });

  for (const [file, imports] of graph) {
    const isLocal = (i: Import) => graph.has(i.target);
    if (file.startsWith("lib/")) {
      for (const i of imports.filter((i) => isLocal(i) && !i.target.startsWith("lib/"))) {
        importing("lib-imports-only-lib", file, i, "lib/ is below the entry points and models/");
      }
    }
    if (file.startsWith("models/")) {
      const allowed = (t: string) => t === "mod.ts" || t === "deno.ts" || t.startsWith("models/");
      for (const i of imports.filter((i) => isLocal(i) && !allowed(i.target))) {
        importing(
          "models-use-entry-points",
          file,
          i,
          "models/ uses the package as a user does, through mod.ts and deno.ts",
        );
      }
    }
    if (file.startsWith("examples/")) {
      for (const i of imports.filter((i) => isLocal(i) && !entries.includes(i.target))) {
        importing(
          "examples-use-entry-points",
          file,
          i,
          `examples import only the entry points (${entries.join(", ")})`,
        );
      }
    }
  }

  const numeric = chainsFrom(graph, [...graph.keys()].filter(NUMERIC_CORE), NOT_NUMERIC);
  for (const [file, chain] of numeric) {
    if (NOT_NUMERIC(file)) continue;
    for (const i of graph.get(file)!.filter((i) => NOT_NUMERIC(i.target))) {
      const via = chain.length > 1 ? ` (reached by ${chain.join(" -> ")})` : "";
      importing(
        "numeric-core-has-no-io",
        file,
        i,
        `the numeric core (lib/nn, lib/optim, lib/tree.ts, lib/random.ts) reaches no data, io, ` +
          `Deno or backend module${via}`,
      );
    }
  }

  const uses = new Map<string, Promise<Uses>>();
  const usesOf = (file: string) => {
    if (!uses.has(file)) uses.set(file, findUses(root, file));
    return uses.get(file)!;
  };
  const browser = chainsFrom(graph, BROWSER_ENTRIES.filter((f) => graph.has(f)), DENO_ONLY);
  for (const [file, chain] of browser) {
    if (DENO_ONLY(file)) continue;
    const via = chain.join(" -> ");
    for (const i of graph.get(file)!.filter((i) => DENO_ONLY(i.target))) {
      importing(
        "browser-safe-entry-points",
        file,
        i,
        `Deno-only, where a browser may load it (${via})`,
      );
    }
    for (const i of graph.get(file)!.filter((i) => i.target.startsWith("node:"))) {
      importing(
        "browser-safe-entry-points",
        file,
        i,
        `a Node API where a browser may load it (${via})`,
      );
    }
    for (const use of (await usesOf(file)).deno) {
      out.push({
        rule: "browser-safe-entry-points",
        file,
        offence: use,
        message: `${file} uses the Deno API (line ${
          use.split("@")[1]
        }) where a browser may load it (${via})`,
      });
    }
  }

  for (const file of files.filter((f) => !f.startsWith(INTERNALS_DIR))) {
    for (const use of (await usesOf(file)).internals) {
      const [name, line] = use.split("@");
      out.push({
        rule: "tfjs-internals-in-one-folder",
        file,
        offence: use,
        message: `${file}:${line} uses tfjs's private ${name}; only ${INTERNALS_DIR} may`,
      });
    }
  }
  return out;
}

// Every code block in the JSDoc of the package's modules is a self-contained program: it
// type-checks on its own, with only the imports it writes. (`deno check --doc`, run by
// `deno task check`, also type-checks them, but it first imports every export of the documented
// module into each block, so a block that forgets an import passes there.) Blocks import the
// package by name, as a user does (`@byol/tfjs`, `@byol/tfjs/deno`, ...), or, for what no entry
// point exports, the documented module by a path relative to it. A block marked `ts ignore` is
// skipped, as `deno check --doc` skips it.
import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** One code block of a JSDoc comment: the module, the line its fence opens on, its code. */
interface Example {
  readonly file: string;
  readonly line: number;
  readonly code: string;
}

/** The ```ts blocks inside the `/** ... *\/` comments of a TypeScript source, in order. */
function examples(file: string, source: string): Example[] {
  const found: Example[] = [];
  for (const comment of source.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const startLine = source.slice(0, comment.index).split("\n").length;
    const lines = comment[0].split("\n").map((l) => l.replace(/^\s*\*(?: |$)/, ""));
    for (let i = 0; i < lines.length; i++) {
      const open = /^```\s*(ts|typescript)\b(.*)$/.exec(lines[i].trim());
      if (!open) continue;
      const start = i;
      const body: string[] = [];
      while (++i < lines.length && !lines[i].trim().startsWith("```")) body.push(lines[i]);
      if (/\bignore\b/.test(open[2])) continue;
      found.push({ file, line: startLine + start, code: body.join("\n") });
    }
  }
  return found;
}

/** The TypeScript modules under `dir` (relative to the root), recursively. */
async function modules(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(join(root, dir))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) out.push(...await modules(path));
    else if (entry.isFile && path.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** The block as a module of its own: relative imports point at the documented module's folder. */
function standalone({ file, code }: Example): string {
  const folder = pathToFileURL(join(root, dirname(file)) + "/");
  return code.replace(
    /((?:from|import)\s*\(?\s*)(["'])(\.{1,2}\/[^"']+)\2/g,
    (_, lead: string, quote: string, path: string) =>
      `${lead}${quote}${new URL(path, folder).href}${quote}`,
  );
}

const files = ["mod.ts", "deno.ts", ...await modules("lib"), ...await modules("models")].sort();
const all: Example[] = [];
for (const file of files) all.push(...examples(file, await Deno.readTextFile(join(root, file))));

/** Type-checks the examples, each as its own module; returns the checker's report. */
async function check(list: readonly Example[]): Promise<{ code: number; report: string }> {
  const dir = await Deno.makeTempDir({ prefix: "doc-examples-" });
  try {
    const names = new Map<string, Example>();
    for (const example of list) {
      const name = `${example.file.replaceAll("/", "__")}__L${example.line}.ts`;
      names.set(name, example);
      await Deno.writeTextFile(join(dir, name), standalone(example));
    }
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--quiet", "--config", join(root, "deno.json"), ...names.keys()],
      cwd: dir,
      env: { NO_COLOR: "1" },
      stdout: "null",
      stderr: "piped",
    }).output();
    let report = new TextDecoder().decode(stderr);
    for (const [name, { file, line }] of names) {
      report = report.replaceAll(pathToFileURL(join(dir, name)).href, `${file}:${line} (example)`)
        .replaceAll(relative(dir, join(dir, name)), `${file}:${line} (example)`);
    }
    return { code, report };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("doc examples: there are some, and every one type-checks on its own", async () => {
  assert.ok(all.length >= 50, `found ${all.length} examples`);
  const { code, report } = await check(all);
  assert.equal(code, 0, report);
});

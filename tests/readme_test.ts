// The README's TypeScript blocks are programs a reader copies: each is type-checked, then run from
// the package root, and must exit 0. A block that is an illustrative fragment opts out with
// `ts ignore` as its info string (Deno's own marker, which `deno check --doc` honours too); such
// marks are meant to stay rare.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const readme = await Deno.readTextFile(join(root, "README.md"));

/** A fenced TypeScript block: where it starts, its info string and its code. */
interface Block {
  readonly line: number;
  readonly info: string;
  readonly code: string;
}

/** The ```ts (or ```typescript) blocks of a Markdown text, in order. */
function typeScriptBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```\s*(ts|typescript)\b(.*)$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    while (++i < lines.length && !lines[i].startsWith("```")) body.push(lines[i]);
    assert.ok(i < lines.length, `README.md:${start + 1}: the block is never closed`);
    blocks.push({ line: start + 1, info: `${open[1]}${open[2]}`.trim(), code: body.join("\n") });
  }
  return blocks;
}

const blocks = typeScriptBlocks(readme);
const skipped = blocks.filter((b) => /\bignore\b/.test(b.info));
const text = new TextDecoder();

Deno.test("README: has TypeScript blocks, and few of them are marked to skip", () => {
  assert.ok(blocks.length >= 3, `found ${blocks.length} ts blocks`);
  assert.ok(
    skipped.length * 3 <= blocks.length,
    `${skipped.length} of ${blocks.length} blocks are marked ignore (lines ` +
      `${skipped.map((b) => b.line).join(", ")}): keep such marks rare`,
  );
});

Deno.test("README: every TypeScript block type-checks", async () => {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--doc-only", "README.md"],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, text.decode(stderr));
});

for (const block of blocks.filter((b) => !skipped.includes(b))) {
  Deno.test(`README: the block at line ${block.line} runs and exits 0`, async () => {
    // In a scratch folder, so that what a block writes (a run folder) lands there.
    const scratch = await Deno.makeTempDir({ prefix: "byol-readme-" });
    try {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--no-check", "--config", join(root, "deno.json"), "-"],
        cwd: scratch,
        env: { NO_COLOR: "1", XDG_RUNTIME_DIR: Deno.env.get("XDG_RUNTIME_DIR") ?? "/tmp" },
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const stdin = child.stdin.getWriter();
      await stdin.write(new TextEncoder().encode(block.code));
      await stdin.close();
      const { code, stdout, stderr } = await child.output();
      assert.equal(
        code,
        0,
        `README.md:${block.line} exited ${code}\n${text.decode(stdout)}\n${text.decode(stderr)}`,
      );
    } finally {
      await Deno.remove(scratch, { recursive: true });
    }
  });
}

Deno.test("README: a block introduced as an example file is that file, word for word", async () => {
  const lines = readme.split("\n");
  const copies = blocks.flatMap((block) => {
    const before = lines.slice(Math.max(0, block.line - 4), block.line - 1).join(" ");
    const named = /this is `(examples\/[\w.]+\.ts)`/.exec(before);
    return named ? [{ block, file: named[1] }] : [];
  });
  assert.ok(copies.length >= 1, "no block says which example file it is");
  for (const { block, file } of copies) {
    const source = await Deno.readTextFile(join(root, file));
    assert.equal(`${block.code}\n`, source, `README.md:${block.line} differs from ${file}`);
  }
});

// `deno task bench` and `deno task augment-preview` answer `--help` with their usage (exit 0) and a
// bad flag with a usage error (exit 2) that names it, without a stack trace. The scripts run as the
// tasks run them.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const text = new TextDecoder();

async function run(script: string, args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

const SCRIPTS = [
  { task: "bench", script: "bench/main.ts", usage: /Usage: deno task bench/ },
  {
    task: "augment-preview",
    script: "examples/augment_preview.ts",
    usage: /Usage: deno task augment-preview/,
  },
];

for (const { task, script, usage } of SCRIPTS) {
  Deno.test(`deno task ${task} --help prints the usage and exits 0`, async () => {
    for (const flag of ["--help", "-h"]) {
      const { code, stdout, stderr } = await run(script, [flag]);
      assert.equal(code, 0, stderr);
      assert.match(stdout, usage);
    }
  });

  Deno.test(`deno task ${task}: an unknown flag exits 2 naming it, no stack trace`, async () => {
    const { code, stdout, stderr } = await run(script, ["--no-such-flag"]);
    assert.equal(code, 2, stdout + stderr);
    assert.match(stderr, /--no-such-flag/);
    assert.match(stderr, new RegExp(`deno task ${task} --help`));
    assert.doesNotMatch(stderr, /\n\s+at /, "a stack trace");
  });
}

Deno.test("deno task bench with an unknown bench name exits 2 listing the benches", async () => {
  const { code, stderr } = await run("bench/main.ts", ["no_such_bench"]);
  assert.equal(code, 2, stderr);
  assert.match(stderr, /unknown bench no_such_bench; expected some of conv_grad, augment/);
});

Deno.test("deno task augment-preview checks its values before loading anything", async () => {
  for (
    const [args, problem] of [
      [["--rows", "0"], /--rows "0": expected a positive integer/],
      [["--dataset", "imagenet"], /--dataset "imagenet": expected one of fashion-mnist/],
      [["--preset", "huge"], /--preset "huge": expected small or paper/],
      [["stray"], /Unexpected argument 'stray'/],
    ] as const
  ) {
    const { code, stderr } = await run("examples/augment_preview.ts", [...args]);
    assert.equal(code, 2, stderr);
    assert.match(stderr, problem);
    assert.doesNotMatch(stderr, /\n\s+at /, "a stack trace");
  }
});

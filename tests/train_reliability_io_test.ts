// The file-level pieces of a reliable run: resuming an epoch at a batch, removing temporary files
// of killed writes, the folder lock, and one reused WebGPU runtime folder instead of one per run.
import assert from "node:assert/strict";
import { join } from "node:path";
import { data, random, tf, useBackend } from "../mod.ts";
import { ensureRuntimeDir, lockFolder, removeTemporaryFiles, writeFileAtomic } from "../deno.ts";

await useBackend("cpu");

Deno.test("epochBatches: start skips the first batches of the same order", async () => {
  const set = data.shapes(random.key(0), { count: 40, height: 8, width: 8 });
  const key = random.key(1);
  const indices = async (start?: number) => {
    const out: number[][] = [];
    for await (const b of data.epochBatches(key, set, { batchSize: 8, start })) {
      out.push(Array.from(b.indices));
      tf.dispose([b.images, b.labels]);
    }
    return out;
  };
  const before = tf.memory().numTensors;
  const all = await indices();
  assert.equal(all.length, 5);
  assert.deepEqual(await indices(3), all.slice(3));
  assert.deepEqual(await indices(5), []);
  assert.equal(tf.memory().numTensors, before);
  await assert.rejects(indices(6), /start must be an integer in \[0, 5\].*got 6/);
});

Deno.test("removeTemporaryFiles: removes what killed atomic writes left, nothing else", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeFileAtomic(join(dir, "step-000001.safetensors"), [new Uint8Array([1])]);
    const left = join(dir, `.step-000002.safetensors.${crypto.randomUUID()}.tmp`);
    await Deno.writeFile(left, new Uint8Array(10));
    await Deno.writeTextFile(join(dir, ".notes.tmp"), "mine"); // not an atomic write's name
    assert.deepEqual(await removeTemporaryFiles(dir), [left]);
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.deepEqual(names.sort(), [".notes.tmp", "step-000001.safetensors"]);
    assert.deepEqual(await removeTemporaryFiles(join(dir, "missing")), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lockFolder: a second lock is refused at once, naming the folder; released, it is free", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lock = await lockFolder(dir);
    await assert.rejects(lockFolder(dir, { holder: "a training run" }), (err: Error) => {
      assert.match(err.message, new RegExp(`${dir} is in use by a training run`));
      return true;
    });
    // Another process is refused too, and the lock dies with its holder.
    const probe = `const { lockFolder } = await import(${
      JSON.stringify(new URL("../deno.ts", import.meta.url).href)
    }); await lockFolder(${JSON.stringify(dir)});`;
    const other = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--ext=ts", probe],
      cwd: new URL("..", import.meta.url),
      stderr: "piped",
    }).output();
    assert.notEqual(other.code, 0);
    assert.match(new TextDecoder().decode(other.stderr), /is in use by another process/);
    lock.release();
    (await lockFolder(dir)).release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ensureRuntimeDir: one private folder per user, reused by every run", () => {
  const saved = Deno.env.get("XDG_RUNTIME_DIR");
  try {
    Deno.env.delete("XDG_RUNTIME_DIR");
    ensureRuntimeDir("auto");
    const first = Deno.env.get("XDG_RUNTIME_DIR")!;
    assert.match(first, /byol-xdg-[A-Za-z0-9._-]+$/);
    if (Deno.build.os !== "windows") assert.equal(Deno.statSync(first).mode! & 0o777, 0o700);
    Deno.env.delete("XDG_RUNTIME_DIR");
    ensureRuntimeDir("webgpu");
    assert.equal(Deno.env.get("XDG_RUNTIME_DIR"), first);
    Deno.env.delete("XDG_RUNTIME_DIR");
    ensureRuntimeDir("wasm");
    assert.equal(Deno.env.get("XDG_RUNTIME_DIR"), undefined, "wasm needs none");
  } finally {
    if (saved === undefined) Deno.env.delete("XDG_RUNTIME_DIR");
    else Deno.env.set("XDG_RUNTIME_DIR", saved);
  }
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { FASHION_MNIST, type IdxDatasetSpec } from "../lib/data/mod.ts";
import {
  createProgress,
  downloadVerified,
  loadFashionMnist,
  loadIdxDataset,
  type ProgressSink,
  sha256Hex,
} from "../deno.ts";

const tmp = await Deno.makeTempDir({ prefix: "data_download_test_" });
addEventListener("unload", () => Deno.removeSync(tmp, { recursive: true }));

/** Serves `files` by name on 127.0.0.1 (port 0), counting requests; stop it with `shutdown`. */
function serve(files: Map<string, Uint8Array>) {
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const name = new URL(req.url).pathname.slice(1);
    requests.push(name);
    const body = files.get(name);
    return body
      ? new Response(body as Uint8Array<ArrayBuffer>, {
        headers: { "content-length": String(body.length) },
      })
      : new Response("not here", { status: 404, statusText: "Not Found" });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    requests,
    shutdown: () => server.shutdown(),
  };
}

/** A stderr stand-in that records what is written. */
function recorder(terminal: boolean): ProgressSink & { text(): string } {
  const chunks: Uint8Array[] = [];
  return {
    isTerminal: () => terminal,
    writeSync(bytes: Uint8Array) {
      chunks.push(bytes.slice());
      return bytes.length;
    },
    text: () => chunks.map((c) => new TextDecoder().decode(c)).join(""),
  };
}

function idxBytes(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set([0, 0, 8, dims.length]);
  dims.forEach((d, i) => new DataView(out.buffer).setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

const testImages = idxBytes([3, 4, 4], Uint8Array.from({ length: 48 }, (_, i) => i * 5));
const testLabels = idxBytes([3], Uint8Array.from([2, 0, 1]));

async function tinySpec(): Promise<IdxDatasetSpec> {
  return {
    title: "Tiny",
    name: "tiny",
    envVar: "TINY_IDX_DIR_FOR_TESTS",
    systemDirs: [],
    baseUrls: [],
    classNames: ["a", "b", "c"],
    files: {
      train: {
        images: { name: "train-images", sha256: "0".repeat(64) },
        labels: { name: "train-labels", sha256: "0".repeat(64) },
      },
      test: {
        images: { name: "test-images", sha256: await sha256Hex(testImages) },
        labels: { name: "test-labels", sha256: await sha256Hex(testLabels) },
      },
    },
    shapes: { train: [6, 4, 4], test: [3, 4, 4] },
  };
}

Deno.test("download: verified files are fetched once into <dataRoot>/<name>, with progress", async () => {
  const spec = await tinySpec();
  const server = serve(new Map([["test-images", testImages], ["test-labels", testLabels]]));
  const dataRoot = join(tmp, "good");
  const sink = recorder(false);
  try {
    const ds = await loadIdxDataset(spec, {
      split: "test",
      dataRoot,
      baseUrls: [server.url],
      sink,
    });
    assert.deepEqual(ds.shape, [3, 4, 4, 1]);
    assert.deepEqual(ds.labels, Int32Array.from([2, 0, 1]));
    assert.equal(ds.source, `${join(dataRoot, "tiny")} (test)`);
    assert.deepEqual(await Deno.readFile(join(dataRoot, "tiny", "test-images")), testImages);
    assert.deepEqual(server.requests, ["test-images", "test-labels"]);
    assert.equal(
      sink.text(),
      "test-images: 100% of 0.0 MB\ntest-images: done, 0.0 MB\n" +
        "test-labels: 100% of 0.0 MB\ntest-labels: done, 0.0 MB\n",
    );
    const again = await loadIdxDataset(spec, {
      split: "test",
      dataRoot,
      baseUrls: [server.url],
      sink,
    });
    assert.deepEqual(again.images, ds.images);
    assert.equal(server.requests.length, 2, "the second load reads the downloaded files");
    await Deno.remove(join(dataRoot, "tiny", "test-labels"));
    await loadIdxDataset(spec, { split: "test", dataRoot, baseUrls: [server.url], sink });
    assert.deepEqual(
      server.requests.slice(2),
      ["test-labels"],
      "a verified file is not fetched again",
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test("download: a file with the wrong SHA-256 is not kept and every place tried is listed", async () => {
  const spec = await tinySpec();
  const tampered = testImages.slice();
  tampered[20] ^= 1;
  const server = serve(new Map([["test-images", tampered], ["test-labels", testLabels]]));
  const dataRoot = join(tmp, "bad");
  const actual = await sha256Hex(tampered);
  try {
    await assert.rejects(
      loadIdxDataset(spec, {
        split: "test",
        dataRoot,
        baseUrls: [server.url + "nothing/", server.url],
        sink: recorder(false),
      }),
      {
        message: "Tiny (test) could not be loaded. Tried, in order:\n" +
          "  1. $TINY_IDX_DIR_FOR_TESTS: not set\n" +
          `  2. ${join(dataRoot, "tiny")}: directory not found\n` +
          `  3. download into ${join(dataRoot, "tiny")}: ${server.url}nothing/test-images: ` +
          "download failed (HTTP 404 Not Found); " +
          `${server.url}test-images: SHA-256 mismatch (expected ${spec.files.test.images.sha256}, ` +
          `got ${actual}); the download was discarded\n` +
          "Provide test-images and test-labels (gzip or not) in a directory passed as --data DIR " +
          `or $TINY_IDX_DIR_FOR_TESTS, or put them in ${join(dataRoot, "tiny")}, or allow the ` +
          `download from ${server.url}nothing/ or ${server.url}.`,
      },
    );
    const kept = await Array.fromAsync(Deno.readDir(join(dataRoot, "tiny"))).catch(() => []);
    assert.deepEqual(kept, [], "nothing (not a .part file, not a lock) is left behind");
  } finally {
    await server.shutdown();
  }
});

Deno.test("lookup order: an explicit directory alone, else the environment variable, then the data root", async () => {
  const spec = await tinySpec();
  const put = async (dir: string, labels: Uint8Array) => {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeFile(join(dir, "test-images"), testImages);
    await Deno.writeFile(join(dir, "test-labels"), labels);
  };
  const dataRoot = join(tmp, "order");
  await put(join(dataRoot, "tiny"), idxBytes([3], Uint8Array.from([0, 0, 0])));
  const envDir = join(tmp, "env");
  await put(envDir, idxBytes([3], Uint8Array.from([1, 1, 1])));
  const cliDir = join(tmp, "cli");
  await put(cliDir, idxBytes([3], Uint8Array.from([2, 2, 2])));
  const load = (dir?: string) =>
    loadIdxDataset(spec, { split: "test", dir, dataRoot, download: false });
  try {
    Deno.env.set(spec.envVar, envDir);
    assert.deepEqual((await load(cliDir)).labels, Int32Array.from([2, 2, 2]));
    assert.deepEqual((await load()).labels, Int32Array.from([1, 1, 1]));
    Deno.env.delete(spec.envVar);
    assert.deepEqual((await load()).labels, Int32Array.from([0, 0, 0]));
    await Deno.writeFile(join(cliDir, "test-labels"), idxBytes([3], Uint8Array.from([2, 9, 2])));
    await assert.rejects(load(cliDir), {
      message: `Tiny (test) could not be loaded from ${cliDir}: ${join(cliDir, "test-labels")}: ` +
        "label 9 of image 1 is outside [0, 3) for 3 classes",
    }, "an explicit directory that does not load is an error, not a switch to another");
    Deno.env.set(spec.envVar, cliDir);
    const sink = recorder(false);
    const fallback = await loadIdxDataset(spec, { split: "test", dataRoot, download: false, sink });
    assert.equal(fallback.source, `${join(dataRoot, "tiny")} (test)`, "a bad $VAR is skipped");
    assert.equal(
      sink.text(),
      `Tiny: skipping $${spec.envVar}=${cliDir}: ${join(cliDir, "test-labels")}: label 9 of ` +
        "image 1 is outside [0, 3) for 3 classes\n",
    );
    await assert.rejects(
      loadIdxDataset(spec, {
        split: "test",
        dataRoot: join(tmp, "none"),
        download: false,
        sink: recorder(false),
      }),
      {
        message: "Tiny (test) could not be loaded. Tried, in order:\n" +
          `  1. $${spec.envVar}=${cliDir}: ${
            join(cliDir, "test-labels")
          }: label 9 of image 1 is outside ` +
          "[0, 3) for 3 classes\n" +
          `  2. ${join(tmp, "none", "tiny")}: directory not found\n` +
          "  3. download: not attempted (download disabled)\n" +
          "Provide test-images and test-labels (gzip or not) in a directory passed as --data DIR " +
          `or $TINY_IDX_DIR_FOR_TESTS, or put them in ${join(tmp, "none", "tiny")}.`,
      },
    );
  } finally {
    Deno.env.delete(spec.envVar);
  }
});

/** Serves `body` slowly or endlessly: `chunks` chunks of `size` bytes, `delayMs` apart. */
function serveStream(
  { chunks, size, delayMs, length }: {
    chunks: number;
    size: number;
    delayMs: number;
    length?: number;
  },
) {
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    requests++;
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === chunks) return controller.close();
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        sent++;
        controller.enqueue(new Uint8Array(size));
      },
    });
    const headers: Record<string, string> = length === undefined
      ? {}
      : { "content-length": String(length) };
    return new Response(body, { headers });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/file`,
    requests: () => requests,
    shutdown: () => server.shutdown(),
  };
}

Deno.test("download: a stalled server times out and nothing is left behind", async () => {
  const server = serveStream({ chunks: 3, size: 10, delayMs: 2000 });
  const dest = join(tmp, "stalled", "file");
  try {
    await assert.rejects(
      downloadVerified({
        url: server.url,
        dest,
        sha256: "0".repeat(64),
        sink: recorder(false),
        timeoutMs: 300,
      }),
      { message: `${server.url}: download failed (timed out: no data for 300 ms)` },
    );
    assert.deepEqual(await Array.fromAsync(Deno.readDir(join(tmp, "stalled"))), []);
  } finally {
    await server.shutdown();
  }
});

Deno.test("download: a file over maxFileBytes is refused, announced or streamed", async () => {
  const announced = serveStream({ chunks: 4, size: 1000, delayMs: 0, length: 4000 });
  const streamed = serveStream({ chunks: 4, size: 1000, delayMs: 0 });
  const dest = join(tmp, "capped", "file");
  const options = {
    dest,
    sha256: "0".repeat(64),
    sink: recorder(false),
    limits: { maxFileBytes: 2500 },
  };
  try {
    await assert.rejects(downloadVerified({ url: announced.url, ...options }), {
      message: `${announced.url}: the server announces 4000 bytes, over the limit maxFileBytes = ` +
        "2500; if the file is trusted, raise it with the option limits: { maxFileBytes: N }",
    });
    await assert.rejects(downloadVerified({ url: streamed.url, ...options }), {
      message: new RegExp(
        `^${streamed.url}: the download passed 2500 bytes, over the limit maxFileBytes = 2500`,
      ),
    });
    assert.deepEqual(await Array.fromAsync(Deno.readDir(join(tmp, "capped"))), []);
  } finally {
    await announced.shutdown();
    await streamed.shutdown();
  }
});

Deno.test("download: two downloads of one file share it through the lock (one request)", async () => {
  const body = new Uint8Array(3000);
  const sha256 = await sha256Hex(body);
  const server = serveStream({ chunks: 3, size: 1000, delayMs: 50, length: 3000 });
  const dest = join(tmp, "shared", "file");
  const sink = recorder(false);
  try {
    await Promise.all([
      downloadVerified({ url: server.url, dest, sha256, sink }),
      downloadVerified({ url: server.url, dest, sha256, sink }),
    ]);
    assert.equal(server.requests(), 1, "the second waited for the first and reused its file");
    assert.deepEqual(await Deno.readFile(dest), body);
    assert.match(sink.text(), new RegExp(`${dest}: waiting for another download of it`));
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(join(tmp, "shared")))).map((e) => e.name),
      ["file"],
      "no lock and no temporary file is left",
    );
    // A lock left by a process that died (not refreshed) is taken over.
    await Deno.remove(dest);
    await Deno.writeTextFile(`${dest}.lock`, "12345\n");
    const old = new Date(Date.now() - 600_000);
    await Deno.utime(`${dest}.lock`, old, old);
    await downloadVerified({ url: server.url, dest, sha256, sink, timeoutMs: 1000 });
    assert.equal(server.requests(), 2);
  } finally {
    await server.shutdown();
  }
});

Deno.test("progress: plain lines every 10% when stderr is not a terminal", () => {
  const sink = recorder(false);
  const progress = createProgress({ label: "big.gz", total: 20 * 2 ** 20, sink });
  for (let i = 0; i < 8; i++) progress.advance(2.5 * 2 ** 20);
  progress.finish();
  const percents = [" 12%", " 25%", " 37%", " 50%", " 62%", " 75%", " 87%", "100%"];
  assert.equal(
    sink.text(),
    percents.map((p) => `big.gz: ${p} of 20.0 MB\n`).join("") + "big.gz: done, 20.0 MB\n",
  );
});

Deno.test("progress: a terminal gets a bar redrawn in place", () => {
  const sink = recorder(true);
  const progress = createProgress({ label: "file.gz", total: 4 * 2 ** 20, sink });
  progress.advance(2 ** 20);
  progress.advance(3 * 2 ** 20);
  progress.finish();
  assert.equal(
    sink.text(),
    `\rfile.gz [########......................]  25% 1.0 MB/4.0 MB` +
      `\rfile.gz [##############################] 100% 4.0 MB/4.0 MB\n`,
  );
});

/**
 * Debian's files are the published gzip streams with the header's file name and timestamp
 * dropped; putting them back (the originals' timestamps are known) gives the published files.
 */
async function originalGzip(path: string, name: string, mtime: number): Promise<Uint8Array> {
  const debian = await Deno.readFile(path);
  assert.equal(debian[3], 0, "Debian's header has no optional fields");
  const header = new Uint8Array(10 + name.length + 1);
  header.set([0x1f, 0x8b, 8, 8]);
  new DataView(header.buffer).setUint32(4, mtime, true);
  header.set([0, 3], 8);
  header.set(new TextEncoder().encode(name), 10);
  const out = new Uint8Array(header.length + debian.length - 10);
  out.set(header);
  out.set(debian.subarray(10), header.length);
  return out;
}

const debian = "/usr/share/datasets/fashion-mnist";
const hasDebian = await Deno.stat(debian).then(() => true, () => false);
if (!hasDebian) console.log(`skipped: Fashion-MNIST checksums (no ${debian})`);

Deno.test({
  name: "Fashion-MNIST's SHA-256 constants match the published test files (rebuilt from Debian's)",
  ignore: !hasDebian,
  async fn() {
    const files = new Map<string, Uint8Array>();
    for (const base of ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]) {
      files.set(`${base}.gz`, await originalGzip(join(debian, `${base}.gz`), base, 1504176627));
    }
    assert.deepEqual([...files.values()].map((f) => f.length), [4422102, 5148]);
    const server = serve(files);
    Deno.env.delete(FASHION_MNIST.envVar);
    try {
      const test = await loadFashionMnist({
        split: "test",
        dataRoot: join(tmp, "fashion"),
        systemDirs: [],
        baseUrls: [server.url],
        sink: recorder(false),
      });
      assert.deepEqual(test.shape, [10000, 28, 28, 1]);
      assert.deepEqual(server.requests, ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]);
    } finally {
      await server.shutdown();
    }
  },
});

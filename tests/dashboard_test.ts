/// <reference lib="dom" />
// The dashboard (`deno task dashboard`): its server refuses every path outside the runs folder,
// and in headless Chromium its page charts a fixture run with the right number of points,
// follows records appended to metrics.jsonl, overlays two runs, and marks a damaged run's
// problems while showing what it can.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { data, evaluation, random, tf } from "../mod.ts";
import {
  dashboardMain,
  EMBEDDING_FILE,
  saveEmbedding,
  serveDashboard,
} from "../models/byol/train/mod.ts";
import { hasChromium, launchChromium, localPage } from "./helpers/browser.ts";

const FIXTURE = fileURLToPath(new URL("./fixtures/dashboard_run", import.meta.url));
/** The fixture's records: 40 train steps, 4 evaluations and 3 final scores (steps 0 to 3748). */
const TRAIN_RECORDS = 40;
const KNN_STEPS = 5;
const SECRET = "this text lies outside the runs folder";

/** Copies the files of folder `from` into a new folder `to`. */
async function copyFlat(from: string, to: string): Promise<void> {
  await Deno.mkdir(to);
  for await (const entry of Deno.readDir(from)) {
    await Deno.copyFile(join(from, entry.name), join(to, entry.name));
  }
}

/** A runs folder with two copies of the fixture run and a damaged run, beside a secret file. */
async function runsFolder(): Promise<{ root: string; runs: string }> {
  const root = await Deno.makeTempDir({ prefix: "byol-dashboard-" });
  const runs = join(root, "runs");
  await Deno.mkdir(runs);
  await Deno.writeTextFile(join(root, "secret.json"), JSON.stringify({ SECRET }));
  await copyFlat(FIXTURE, join(runs, "run-a"));
  await copyFlat(FIXTURE, join(runs, "run-b"));
  // run-b: another learning rate's run, so the overlay shows two curves.
  const other = (await Deno.readTextFile(join(FIXTURE, "metrics.jsonl"))).trimEnd().split("\n")
    .map((line) => {
      const r = JSON.parse(line);
      if (r.type === "train") Object.assign(r, { loss: 0.8 * r.loss + 0.5, lr: 0.5 * r.lr });
      if (r.knn) r.knn = { k20: r.knn.k20 - 0.02, k200: r.knn.k200 - 0.03 };
      return JSON.stringify(r) + "\n";
    });
  await Deno.writeTextFile(join(runs, "run-b", "metrics.jsonl"), other.join(""));
  const lines = (await Deno.readTextFile(join(FIXTURE, "metrics.jsonl"))).trimEnd().split("\n");
  await Deno.mkdir(join(runs, "damaged"));
  await Deno.writeTextFile(
    join(runs, "damaged", "metrics.jsonl"),
    [...lines.slice(0, 2), '{"type":"train","step":2,"lo', ...lines.slice(3, 6), '{"type":"tr']
      .join("\n"),
  );
  await Deno.symlink(root, join(runs, "escape"));
  await Deno.symlink(join(root, "secret.json"), join(runs, "run-a", "leak.json"));
  return { root, runs };
}

/** A raw HTTP/1.1 GET of `target` exactly as written (fetch would normalise `..` away). */
async function rawGet(port: number, target: string): Promise<{ status: number; body: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(
      new TextEncoder().encode(
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      ),
    );
    const text = await new Response(conn.readable).text();
    return { status: Number(text.split(" ")[1]), body: text };
  } catch (err) {
    conn.close();
    throw err;
  }
}

Deno.test("the dashboard serves nothing outside the runs folder and survives bad paths", async () => {
  const { root, runs } = await runsFolder();
  const stop = new AbortController();
  const { url, finished } = await serveDashboard({ runsDir: runs, port: 0, signal: stop.signal });
  const port = Number(new URL(url).port);
  try {
    const ok = await rawGet(port, "/runs/run-a/config.json");
    assert.equal(ok.status, 200, "a file of a run is served");
    assert.match(ok.body, /fashion-mnist/);
    for (
      const target of [
        "/runs/../secret.json",
        "/runs/run-a/../../secret.json",
        "/runs/%2e%2e/secret.json",
        "/runs/run-a/%2e%2e%2f%2e%2e%2fsecret.json",
        "/runs/..%2fsecret.json/x.json",
        "/runs/escape/secret.json",
        "/runs/run-a/leak.json",
        "/runs/run-a/..%5c..%5csecret.json",
        "/runs/run-a/%00secret.json",
        "/runs/run-a/%zz.json",
        "/api/run/..%2f..%2f/events",
        "/api/run/escape",
        "/runs/run-a/../../../../../../etc/passwd",
        "/../../secret.json",
      ]
    ) {
      const { status, body } = await rawGet(port, target);
      assert.ok(status >= 400 && status < 500, `${target}: status ${status}`);
      assert.ok(!body.includes(SECRET), `${target} leaked the secret`);
    }
    const list = await (await fetch(`${url}api/runs`)).json();
    assert.deepEqual(list.map((r: { name: string }) => r.name), ["run-b", "run-a", "damaged"]);
  } finally {
    stop.abort();
    await finished;
    await Deno.remove(root, { recursive: true });
  }
});

type Dashboard = {
  charts: Record<string, { plot: { data: unknown[][]; series: { label: string }[] } }>;
};

Deno.test({
  name: "the dashboard charts, follows, overlays and marks problems in headless Chromium",
  ignore: !hasChromium,
  async fn() {
    const { root, runs } = await runsFolder();
    const stop = new AbortController();
    const { url, finished } = await serveDashboard({ runsDir: runs, port: 0, signal: stop.signal });
    const origin = url.replace(/\/$/, "");
    const browser = await launchChromium(root);
    try {
      const { page, log } = await localPage(browser, origin);
      await page.setViewport({ width: 1280, height: 1500 });
      const points = (chart: string) =>
        page.evaluate(
          (id) =>
            (globalThis as unknown as { dashboard: Dashboard }).dashboard.charts[id]?.plot
              .data[0].length ?? -1,
          chart,
        );
      const waitPoints = (chart: string, n: number, timeout: number) =>
        page.waitForFunction(
          (id, count) =>
            (globalThis as unknown as { dashboard: Dashboard }).dashboard.charts[id]?.plot
              .data[0].length === count,
          { timeout },
          chart,
          n,
        );

      await page.goto(`${url}#run=run-a`, { waitUntil: "load" });
      await waitPoints("loss", TRAIN_RECORDS, 10_000);
      for (const chart of ["lr", "tau", "gradNorm", "collapse", "imagesPerSecond"]) {
        assert.equal(await points(chart), TRAIN_RECORDS, chart);
      }
      assert.equal(await points("knn"), KNN_STEPS);
      await page.waitForSelector('canvas[data-points="300"]', { timeout: 5000 });
      await page.waitForFunction(
        () =>
          [...document.querySelectorAll("img")].some((img) =>
            img.src.includes("augment_preview.png") && img.naturalWidth > 0
          ),
        { timeout: 5000 },
      );
      const text = await page.evaluate(() => document.body.innerText);
      for (const expected of ["final accuracies", "89.14%", "dataset.name", "fashion-mnist"]) {
        assert.ok(text.includes(expected), `the page shows ${expected}`);
      }
      await page.screenshot({ path: join(root, "dashboard.png"), fullPage: false });

      // A record appended while the page is open is drawn within 2 s.
      const record = {
        type: "train",
        step: TRAIN_RECORDS + 1,
        epoch: 0,
        loss: 3.5,
        tau: 0.99,
        lr: 0.0002,
        gradNorm: 3,
        collapse: 0.07,
        imagesPerSecond: 130,
        time: new Date().toISOString(),
      };
      await Deno.writeTextFile(
        join(runs, "run-a", "metrics.jsonl"),
        JSON.stringify(record) + "\n",
        {
          append: true,
        },
      );
      await waitPoints("loss", TRAIN_RECORDS + 1, 2000);

      // Two runs overlaid: raw and smoothed loss of each on one chart.
      await page.goto(`${url}#run=run-a,run-b`, { waitUntil: "load" });
      await page.reload({ waitUntil: "load" });
      await page.waitForFunction(
        () => {
          const loss = (globalThis as unknown as { dashboard: Dashboard }).dashboard.charts.loss;
          return loss?.plot.series.length === 5;
        },
        { timeout: 10_000 },
      );
      const labels = await page.evaluate(() =>
        (globalThis as unknown as { dashboard: Dashboard }).dashboard.charts.loss.plot.series.map((
          s,
        ) => s.label)
      );
      assert.ok(
        labels.includes("run-a smoothed") && labels.includes("run-b smoothed"),
        `${labels}`,
      );
      await waitPoints("loss", TRAIN_RECORDS + 1, 5000);
      await page.screenshot({ path: join(root, "dashboard-overlay.png") });

      // A damaged run: what parses is drawn, the rest is listed as problems.
      await page.goto(`${url}#run=damaged`, { waitUntil: "load" });
      await page.reload({ waitUntil: "load" });
      await page.waitForFunction(
        () => document.querySelector(".problems")?.textContent?.includes("unfinished line"),
        { timeout: 10_000 },
      );
      const problems = await page.$eval(".problems", (e) => e.textContent ?? "");
      assert.match(problems, /no config\.json/);
      assert.match(problems, /metrics\.jsonl line 3 is not a record/);
      assert.match(problems, /unfinished line \(11 bytes\)/);
      await waitPoints("loss", 4, 5000);

      assert.deepEqual(log.errors, []);
      assert.deepEqual(log.elsewhere, [], "the page asked for nothing but the local server");
      assert.deepEqual(log.consoleErrors, []);
      if (Deno.env.get("KEEP_SCREENSHOTS")) console.log(`screenshots in ${root}`);
    } finally {
      await browser.close();
      stop.abort();
      await finished;
      if (!Deno.env.get("KEEP_SCREENSHOTS")) await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test("saveEmbedding writes the embedding.json the dashboard serves, replacing the last", async () => {
  await tf.setBackend("cpu");
  tf.env().set("PROD", true);
  const root = await Deno.makeTempDir({ prefix: "byol-embedding-" });
  const run = join(root, "run");
  await Deno.mkdir(run);
  const test = data.shapes(random.key(1), { count: 80 });
  const features = evaluation.pixelFeatures(test);
  const classNames = test.classNames;
  const stop = new AbortController();
  const { url, finished } = await serveDashboard({ runsDir: root, port: 0, signal: stop.signal });
  try {
    await saveEmbedding(run, { features, classNames, step: 0, key: random.key(2), method: "pca" });
    const last = await saveEmbedding(run, {
      features,
      classNames,
      step: 5,
      key: random.key(2),
      maxPoints: 50,
    });
    assert.deepEqual([last.step, last.method, last.labels.length], [5, "umap", 50]);
    assert.deepEqual(last.labels, Array.from(test.labels.subarray(0, 50)));
    const served = await (await fetch(`${url}runs/run/${EMBEDDING_FILE}`)).json();
    assert.deepEqual(served, last);
    const names = [...Deno.readDirSync(run)].map((e) => e.name);
    assert.deepEqual(names, [EMBEDDING_FILE], "no temporary file is left");
  } finally {
    stop.abort();
    await finished;
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("deno task dashboard refuses bad arguments and a missing folder with exit code 2", async () => {
  const errors: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => errors.push(args.join(" "));
  try {
    assert.equal(await dashboardMain(["--port", "x"]), 2);
    assert.equal(await dashboardMain(["a", "b"]), 2);
    assert.equal(await dashboardMain(["--colour"]), 2);
    assert.equal(await dashboardMain(["/no/such/runs", "--port", "0"]), 2);
  } finally {
    console.error = original;
  }
  assert.match(errors[0], /--port "x": expected a port, an integer in \[0, 65535\]/);
  assert.match(errors[1], /expected at most one RUNS_DIR, got 2/);
  assert.match(errors[2], /colour/);
  assert.match(errors[3], /\/no\/such\/runs is not a folder/);
});

Deno.test("deno task train --dashboard serves the run's folder while it trains, and stops with it", async () => {
  const out = await Deno.makeTempDir({ prefix: "byol-train-dashboard-" });
  const trainer = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      fileURLToPath(new URL("./fixtures/tiny_train.ts", import.meta.url)),
      ...["--dataset", "shapes", "--limit", "256", "--batch-size", "32", "--epochs", "1"],
      ...["--backend", "wasm", "--out", out, "--dashboard", "0"],
    ],
    env: { NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const lines = trainer.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let said = "";
  let url: string | null = null;
  let listing: string[] = [];
  try {
    while (url === null) {
      const { value, done } = await lines.read();
      if (done) break;
      said += value;
      url = /dashboard of .*: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(said)?.[1] ?? null;
    }
    assert.ok(url, `no dashboard URL in:\n${said}`);
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>BYOL runs<\/title>/);
    // The run folder appears in the list once the run has created it.
    for (let i = 0; i < 100 && listing.length === 0; i++) {
      listing = (await (await fetch(`${url}api/runs`)).json()).map((r: { name: string }) => r.name);
      if (listing.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(listing.length, 1, "the run being trained is listed");
  } finally {
    for (let r = await lines.read(); !r.done; r = await lines.read()) said += r.value;
  }
  const { code } = await trainer.status;
  assert.equal(code, 0, said);
  await assert.rejects(fetch(url!), "the dashboard stops with the run");
  await Deno.remove(out, { recursive: true });
});

// BYOL in a browser tab (`deno task demo`): the page script bundled from the browser-safe entry
// points as the task bundles it, served by `serveDemo`, trains a few steps in headless Chromium
// until its loss has fallen and its kNN readout has a value, without console errors.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serveDemo } from "../models/byol/train/mod.ts";
import { hasChromium, launchChromium, localPage } from "./helpers/browser.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
/** A short run: 16 steps of 16 images, evaluated at steps 0, 8 and 16. */
const QUERY = "?steps=16&batch=16&every=8&train=256&test=120";

interface Demo {
  backend: string | null;
  reason: string;
  losses: number[];
  knn: { step: number; k20: number; k200: number } | null;
  imagesPerSecond: number | null;
  embedding: { method: string; labels: number[] } | null;
  done: boolean;
  error: string | null;
}

Deno.test({
  name: "the demo page trains BYOL in headless Chromium: the loss falls, kNN has a value",
  ignore: !hasChromium,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "byol-demo-" });
    const bundle = join(dir, "app.js");
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--platform=browser",
        "--config",
        `${root}deno.json`,
        "--output",
        bundle,
        `${root}models/byol/demo/app.ts`,
      ],
      env: { NO_COLOR: "1" },
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code !== 0) throw new Error(`deno bundle failed:\n${new TextDecoder().decode(stderr)}`);
    const stop = new AbortController();
    const { url, finished } = await serveDemo({ bundle, port: 0, signal: stop.signal });
    const browser = await launchChromium(dir);
    try {
      const { page, log } = await localPage(browser, url.replace(/\/$/, ""));
      await page.setViewport({ width: 1100, height: 760 });
      await page.goto(`${url}${QUERY}`, { waitUntil: "load" });
      await page.waitForFunction(
        () => {
          const demo = (globalThis as unknown as { demo?: Demo }).demo;
          return demo?.done || demo?.error;
        },
        { timeout: 50_000, polling: 250 },
      );
      const demo = await page.evaluate(() => (globalThis as unknown as { demo: Demo }).demo);
      await page.screenshot({ path: join(dir, "demo.png") });
      assert.equal(demo.error, null);
      assert.equal(demo.losses.length, 16);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const [first, last] = [mean(demo.losses.slice(0, 4)), mean(demo.losses.slice(-4))];
      assert.ok(last < first, `the loss falls: ${first} -> ${last}`);
      assert.equal(demo.knn?.step, 16);
      assert.ok(demo.knn.k20 > 0 && demo.knn.k20 <= 1, `kNN k=20 ${demo.knn.k20}`);
      assert.match(await page.$eval("#knn", (e) => e.textContent ?? ""), /k=20 \d+\.\d%/);
      assert.equal(demo.embedding?.labels.length, 120);
      assert.ok(demo.backend !== null && ["webgpu", "webgl", "wasm"].includes(demo.backend));
      assert.deepEqual(log.errors, []);
      // useBackend announces its choice on console.error (stderr under Deno): not an error.
      assert.deepEqual(log.consoleErrors.filter((m) => !m.startsWith("backend: ")), []);
      assert.deepEqual(log.elsewhere, [], "the page asked for nothing but the local server");
      console.log(
        `demo: ${demo.imagesPerSecond?.toFixed(1)} images/s on ${demo.backend} (${demo.reason}); ` +
          `loss ${first.toFixed(3)} -> ${last.toFixed(3)}, kNN k=20 ${demo.knn.k20}, ` +
          `embedding ${demo.embedding?.method}; screenshot ${join(dir, "demo.png")}`,
      );
    } finally {
      await browser.close();
      stop.abort();
      await finished;
      if (!Deno.env.get("KEEP_SCREENSHOTS")) await Deno.remove(dir, { recursive: true });
    }
  },
});

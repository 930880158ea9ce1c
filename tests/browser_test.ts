// The browser-safe core in a browser: the core and BYOL bundled by `deno bundle`, served from
// 127.0.0.1, run in headless Chromium on tfjs's cpu backend, and compared with the same steps
// run here under Deno.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";
import { useBackend } from "../mod.ts";
import { tinyByolLosses } from "./fixtures/tiny_byol.ts";

const CHROMIUM = "/usr/bin/chromium";
const root = fileURLToPath(new URL("..", import.meta.url));
const hasChromium = await Deno.stat(CHROMIUM).then(() => true, () => false);
if (!hasChromium) console.log(`skipped: no chromium (${CHROMIUM}); CI installs Debian's chromium`);

const PAGE = `<!doctype html><meta charset="utf-8"><title>byol-tfjs</title>
<link rel="icon" href="data:,"><script type="module" src="/bundle.js"></script>`;

/** `tests/fixtures/browser_entry.ts` bundled for the browser, as JavaScript source. */
async function bundle(dir: string): Promise<string> {
  const out = `${dir}/bundle.js`;
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--platform=browser",
      "--config",
      `${root}deno.json`,
      "--output",
      out,
      `${root}tests/fixtures/browser_entry.ts`,
    ],
    env: { NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(`deno bundle failed:\n${new TextDecoder().decode(stderr)}`);
  return await Deno.readTextFile(out);
}

Deno.test({
  name: "the core and BYOL run in headless Chromium, offline, with the losses Deno computes",
  ignore: !hasChromium,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "byol-browser-" });
    const script = await bundle(dir);
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
      const { pathname } = new URL(request.url);
      if (pathname === "/") return new Response(PAGE, { headers: { "content-type": "text/html" } });
      if (pathname === "/bundle.js") {
        return new Response(script, { headers: { "content-type": "text/javascript" } });
      }
      return new Response("not found", { status: 404 });
    });
    const origin = `http://127.0.0.1:${server.addr.port}`;
    const browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--headless",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${dir}/profile`,
      ],
    });
    try {
      const page = await browser.newPage();
      const elsewhere: string[] = [];
      const pageErrors: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(String(error)));
      await page.setRequestInterception(true);
      page.on("request", (request) => {
        const url = request.url();
        if (url.startsWith(`${origin}/`) || url.startsWith("data:")) {
          request.continue();
        } else {
          elsewhere.push(url);
          request.abort();
        }
      });
      await page.goto(`${origin}/`, { waitUntil: "load" });
      const inBrowser = await page.evaluate(() =>
        (globalThis as unknown as { byolRun: Promise<number[]> }).byolRun
      );
      assert.deepEqual(pageErrors, []);
      assert.deepEqual(elsewhere, [], "the page asked for nothing but the local server");

      assert.equal(inBrowser.length, 5);
      assert.ok(inBrowser.every(Number.isFinite), `finite losses: ${inBrowser}`);
      assert.ok(inBrowser.at(-1)! < inBrowser[0], `the loss falls: ${inBrowser}`);
      // The same keys on the same JavaScript kernels (tfjs's cpu backend, float32 arrays, V8's
      // own Math library in both) give the same bits.
      await useBackend("cpu");
      assert.deepEqual(inBrowser, await tinyByolLosses());
    } finally {
      await browser.close();
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

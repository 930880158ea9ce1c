// The browser-safe core in a browser: the core and BYOL bundled by `deno bundle`, served from
// 127.0.0.1, run in headless Chromium on tfjs's cpu backend, and compared with the same steps
// run here under Deno.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { useBackend } from "../mod.ts";
import { tinyByolLosses } from "./fixtures/tiny_byol.ts";
import { hasChromium, launchChromium, localPage } from "./helpers/browser.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

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
    const browser = await launchChromium(dir, ["--disable-gpu"]);
    try {
      const { page, log } = await localPage(browser, origin);
      await page.goto(`${origin}/`, { waitUntil: "load" });
      const inBrowser = await page.evaluate(() =>
        (globalThis as unknown as { byolRun: Promise<number[]> }).byolRun
      );
      assert.deepEqual(log.errors, []);
      assert.deepEqual(log.elsewhere, [], "the page asked for nothing but the local server");

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

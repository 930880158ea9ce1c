/**
 * Test helper: Debian's headless Chromium driven by puppeteer-core, for the tests that render
 * pages and pictures: a browser with its profile in a temporary folder, and pages that may reach
 * only a given origin (and `data:`), recording page errors, console errors and any request
 * elsewhere.
 *
 * @module
 */
import puppeteer, { type Browser, type Page } from "puppeteer-core";

/** Where Debian's chromium package puts the browser (`.ci/run` installs it). */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether Chromium is installed; tests that need it are ignored otherwise. */
export const hasChromium: boolean = await Deno.stat(CHROMIUM).then(() => true, () => false);
if (!hasChromium) console.log(`skipped: no chromium (${CHROMIUM}); CI installs Debian's chromium`);

/** Headless Chromium with its profile under `dir`; `extraArgs` are added to the defaults. */
export function launchChromium(dir: string, extraArgs: readonly string[] = []): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--headless",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${dir}/profile`,
      ...extraArgs,
    ],
  });
}

/** What a page did that a test may assert about. */
export interface PageLog {
  /** Uncaught errors of the page's scripts. */
  readonly errors: string[];
  /** `console.error` messages. */
  readonly consoleErrors: string[];
  /** Requests to anywhere but `origin` and `data:`, refused. */
  readonly elsewhere: string[];
}

/** A new page that may load only from `origin`, logging errors and refused requests. */
export async function localPage(
  browser: Browser,
  origin: string,
): Promise<{ page: Page; log: PageLog }> {
  const page = await browser.newPage();
  const log: PageLog = { errors: [], consoleErrors: [], elsewhere: [] };
  page.on("pageerror", (error) => log.errors.push(String(error)));
  page.on("console", (message) => {
    if (message.type() === "error") log.consoleErrors.push(message.text());
  });
  await page.setRequestInterception(true);
  page.on("request", (request) => {
    const url = request.url();
    if (url.startsWith(`${origin}/`) || url.startsWith("data:")) {
      request.continue();
    } else {
      log.elsewhere.push(url);
      request.abort();
    }
  });
  return { page, log };
}

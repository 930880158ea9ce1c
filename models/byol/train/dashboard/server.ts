/**
 * The dashboard's HTTP server: the page and its chart library (uPlot, served from the npm
 * package, so the page works offline), the list of runs in a folder, each run's config, results
 * and pictures, and server-sent events following its `metrics.jsonl`. It reads only inside the
 * runs folder and answers every bad request with an error status, never a crash. Needs Deno.
 *
 * @module
 */
import { join } from "node:path";
import uplotCss from "uplot/dist/uPlot.min.css" with { type: "text" };
import uplotJs from "uplot/dist/uPlot.iife.min.js" with { type: "text" };
import clientJs from "./client.js" with { type: "text" };
import pageHtml from "./page.html" with { type: "text" };
import { plot } from "../../../../mod.ts";
import { followRun } from "./follow.ts";
import { isSafeSegment, resolveInside } from "./paths.ts";

/**
 * The page's script: the palette and loss smoothing of the SVG pictures (`lib/plot`), as source
 * text ahead of `client.js`, which is served without a build step, so both draw alike.
 */
const pageScript = [
  `const PALETTE = ${JSON.stringify(plot.PALETTE)};`,
  `const smoothingWeight = ${plot.smoothingWeight.toString()};`,
  `const smooth = ${plot.smooth.toString()};`,
  clientJs,
].join("\n");

/** What {@link serveDashboard} needs. */
export interface DashboardOptions {
  /** The folder whose sub-folders are runs (as `deno task train` writes them in `runs/`). */
  readonly runsDir: string;
  /** The port (default 8080; 0 picks a free one). */
  readonly port?: number;
  /** The address to listen on (default 127.0.0.1: this machine only). */
  readonly hostname?: string;
  /** Stops the server and closes every event stream. */
  readonly signal?: AbortSignal;
}

/** A running dashboard. */
export interface Dashboard {
  /** Where to open it, e.g. `http://127.0.0.1:8080/`. */
  readonly url: string;
  /** Settles when the server has stopped. */
  readonly finished: Promise<void>;
}

/** A run as the list shows it. */
interface RunSummary {
  readonly name: string;
  readonly modified: string | null;
  readonly files: string[];
}

const TYPES: Record<string, string> = {
  png: "image/png",
  svg: "image/svg+xml",
  json: "application/json",
  jsonl: "text/plain; charset=utf-8",
};
/** The files of a run folder the dashboard serves. */
const SERVED = /\.(png|svg|json|jsonl)$/;
/** A folder is listed as a run when it holds one of these. */
const RUN_MARKERS = ["config.json", "metrics.jsonl"];

const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
const text = (body: string, type: string) =>
  new Response(body, { headers: { "content-type": type, "cache-control": "no-cache" } });
const refuse = (status: number, message: string) => json({ error: message }, status);

async function runSummary(runsDir: string, name: string): Promise<RunSummary | null> {
  const dir = await resolveInside(runsDir, name);
  if (dir === null) return null;
  const files: string[] = [];
  let modified = 0;
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || !isSafeSegment(entry.name)) continue;
      files.push(entry.name);
      if (RUN_MARKERS.includes(entry.name)) {
        const info = await Deno.stat(join(dir, entry.name)).catch(() => null);
        modified = Math.max(modified, info?.mtime?.getTime() ?? 0);
      }
    }
  } catch (err) {
    if (err instanceof Deno.errors.NotADirectory) return null;
    throw err;
  }
  if (!RUN_MARKERS.some((m) => files.includes(m))) return null;
  return {
    name,
    modified: modified > 0 ? new Date(modified).toISOString() : null,
    files: files.filter((f) => SERVED.test(f)).sort(),
  };
}

async function listRuns(runsDir: string): Promise<RunSummary[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(runsDir)) {
      if ((entry.isDirectory || entry.isSymlink) && isSafeSegment(entry.name)) {
        names.push(entry.name);
      }
    }
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  const runs = await Promise.all(names.map((name) => runSummary(runsDir, name)));
  return runs.filter((r) => r !== null).sort((a, b) => b.name.localeCompare(a.name));
}

/** A JSON file of a run: its value, or why it could not be read. */
async function readJson(
  dir: string,
  name: string,
): Promise<{ value: unknown; problem: string | null }> {
  let content: string;
  try {
    content = await Deno.readTextFile(join(dir, name));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { value: null, problem: `no ${name}` };
    return { value: null, problem: `${name}: ${(err as Error).message}` };
  }
  try {
    const value = JSON.parse(content);
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return { value: null, problem: `${name}: expected a JSON object` };
    }
    return { value, problem: null };
  } catch (err) {
    return { value: null, problem: `${name}: not valid JSON (${(err as Error).message})` };
  }
}

/** Path segments of a request, decoded; `null` when one is not valid percent-encoding. */
function segments(pathname: string): string[] | null {
  try {
    return pathname.split("/").filter((s) => s !== "").map(decodeURIComponent);
  } catch {
    return null;
  }
}

async function route(
  runsDir: string,
  request: Request,
  signal: AbortSignal,
): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return refuse(405, `${request.method} is not supported; the dashboard only reads`);
  }
  const parts = segments(new URL(request.url).pathname);
  if (parts === null) return refuse(400, "the path is not valid percent-encoding");
  const [head, name, file, ...rest] = parts;
  if (parts.length === 0) return text(pageHtml, "text/html; charset=utf-8");
  if (head === "assets" && parts.length === 2) {
    if (name === "uPlot.min.css") return text(uplotCss, "text/css; charset=utf-8");
    if (name === "uPlot.iife.min.js") return text(uplotJs, "text/javascript; charset=utf-8");
    if (name === "dashboard.js") return text(pageScript, "text/javascript; charset=utf-8");
  }
  if (head === "api" && name === "runs" && file === undefined) {
    return json(await listRuns(runsDir));
  }
  if (head === "api" && name === "run" && file !== undefined && rest.length <= 1) {
    const dir = await resolveInside(runsDir, file);
    const summary = dir === null ? null : await runSummary(runsDir, file);
    if (dir === null || summary === null) return refuse(404, `no run named ${file}`);
    if (rest[0] === "events") {
      return new Response(followRun(dir, signal), {
        headers: {
          "content-type": "text/event-stream",
          "cache-control": "no-store",
          "x-accel-buffering": "no",
        },
      });
    }
    if (rest.length > 0) return refuse(404, `no such view of run ${file}: ${rest[0]}`);
    const [config, results] = await Promise.all([
      readJson(dir, "config.json"),
      readJson(dir, "results.json"),
    ]);
    return json({
      ...summary,
      config: config.value,
      results: results.value,
      problems: [config.problem, results.problem].filter((p) =>
        p !== null && p !== "no results.json"
      ),
    });
  }
  if (head === "runs" && name !== undefined && file !== undefined && rest.length === 0) {
    if (!SERVED.test(file)) return refuse(404, `${file} is not a file the dashboard serves`);
    const path = await resolveInside(runsDir, name, file);
    if (path === null) return refuse(404, `no file ${name}/${file} in the runs folder`);
    const body = await Deno.readFile(path);
    return new Response(body, {
      headers: { "content-type": TYPES[file.split(".").at(-1)!], "cache-control": "no-cache" },
    });
  }
  return refuse(404, `nothing at ${new URL(request.url).pathname}`);
}

/**
 * Serves the training dashboard for the runs in `runsDir` and returns its URL once it listens:
 * a page listing the runs (newest first) that charts, live while they train, the loss (raw and
 * smoothed), learning rate, tau, gradient norm, collapse measure, images/s and kNN accuracies of
 * the runs ticked, overlaid; and for each, the final accuracies, the config and results tables,
 * its pictures (the augmentation preview, `curves.svg`, ...) and the embedding picture of
 * `embedding.json` (see `saveEmbedding`). Each run's `metrics.jsonl` is followed by server-sent
 * events from the byte offset reached (see the module doc of `follow.ts`); a malformed or
 * unfinished line, or a missing `config.json`, is shown as a problem of that run. Only files
 * inside `runsDir` are served (names are single path segments, resolved through links and checked
 * to stay inside). Stops when `signal` aborts.
 *
 * @example
 * ```ts
 * import { serveDashboard } from "@byol/tfjs/train";
 *
 * const stop = new AbortController();
 * const { url, finished } = await serveDashboard({
 *   runsDir: await Deno.makeTempDir(), port: 0, signal: stop.signal,
 * });
 * console.log(`dashboard: ${url}`);
 * stop.abort();
 * await finished;
 * ```
 */
export async function serveDashboard(
  { runsDir, port = 8080, hostname = "127.0.0.1", signal }: DashboardOptions,
): Promise<Dashboard> {
  const info = await Deno.stat(runsDir).catch(() => null);
  if (info === null || !info.isDirectory) {
    throw new Error(
      `${runsDir} is not a folder; expected the folder of run folders (default runs/, as ` +
        "deno task train writes them)",
    );
  }
  const stop = new AbortController();
  signal?.addEventListener("abort", () => stop.abort(), { once: true });
  const { promise, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    port,
    hostname,
    signal: stop.signal,
    onListen: resolve,
    onError: (err) => refuse(500, (err as Error).message),
  }, async (request) => {
    try {
      return await route(runsDir, request, stop.signal);
    } catch (err) {
      return refuse(500, (err as Error).message);
    }
  });
  const addr = await promise;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return { url: `http://${host}:${addr.port}/`, finished: server.finished };
}

/**
 * The server of `deno task demo`: the page of BYOL in a browser tab, its script (the bundle of
 * `models/byol/demo/app.ts`, built by `deno bundle --platform=browser`), uPlot's style sheet and
 * tfjs's wasm binaries, all from this package and its npm dependencies, so the page works
 * offline. Needs Deno.
 *
 * @module
 */
import uplotCss from "uplot/dist/uPlot.min.css" with { type: "text" };
import pageHtml from "../../demo/page.html" with { type: "text" };

/** What {@link serveDemo} needs. */
export interface DemoOptions {
  /** The page script: `models/byol/demo/app.ts` bundled for the browser. */
  readonly bundle: string;
  /** The port (default 8090; 0 picks a free one). */
  readonly port?: number;
  /** The address to listen on (default 127.0.0.1: this machine only). */
  readonly hostname?: string;
  /** Stops the server. */
  readonly signal?: AbortSignal;
}

/** A running demo server. */
export interface DemoServer {
  /** Where to open it, e.g. `http://127.0.0.1:8090/`. */
  readonly url: string;
  /** Settles when the server has stopped. */
  readonly finished: Promise<void>;
}

/** tfjs's wasm binaries, which `setWasmPaths("/wasm/")` makes the page fetch from here. */
const WASM_FILES = [
  "tfjs-backend-wasm.wasm",
  "tfjs-backend-wasm-simd.wasm",
  "tfjs-backend-wasm-threaded-simd.wasm",
];

/**
 * Every response makes the page cross-origin isolated, so it may share memory with workers and
 * tfjs's wasm backend runs multi-threaded.
 */
const respond = (body: BodyInit, type: string, status = 200) =>
  new Response(body, {
    status,
    headers: {
      "content-type": type,
      "cache-control": "no-cache",
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
    },
  });

/**
 * Serves the BYOL demo page with the page script `bundle` and returns its URL once it listens.
 * Reads the bundle at once (a missing one is an error naming the command that builds it) and
 * tfjs's wasm binaries when the page asks for them. Stops when `signal` aborts.
 *
 * @example
 * ```ts
 * import { serveDemo } from "@byol/tfjs/train";
 *
 * const bundle = await Deno.makeTempFile({ suffix: ".js" });
 * const stop = new AbortController();
 * const { url, finished } = await serveDemo({ bundle, port: 0, signal: stop.signal });
 * console.log(`demo: ${url}`);
 * stop.abort();
 * await finished;
 * ```
 */
export async function serveDemo(
  { bundle, port = 8090, hostname = "127.0.0.1", signal }: DemoOptions,
): Promise<DemoServer> {
  let script: string;
  try {
    script = await Deno.readTextFile(bundle);
  } catch (err) {
    throw new Error(
      `cannot read the demo's page script ${bundle} (${(err as Error).message}); build it with ` +
        "deno bundle --platform=browser --output " + bundle + " models/byol/demo/app.ts",
    );
  }
  const { promise, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve(
    { port, hostname, signal, onListen: resolve },
    async (request) => {
      const { pathname } = new URL(request.url);
      if (request.method !== "GET" && request.method !== "HEAD") {
        return respond(`${request.method} is not supported`, "text/plain", 405);
      }
      if (pathname === "/") return respond(pageHtml, "text/html; charset=utf-8");
      if (pathname === "/app.js") return respond(script, "text/javascript; charset=utf-8");
      if (pathname === "/assets/uPlot.min.css") return respond(uplotCss, "text/css; charset=utf-8");
      const wasm = WASM_FILES.find((name) => pathname === `/wasm/${name}`);
      if (wasm) {
        try {
          const url = import.meta.resolve(`@tensorflow/tfjs-backend-wasm/dist/${wasm}`);
          return respond(await Deno.readFile(new URL(url)), "application/wasm");
        } catch (err) {
          return respond(`cannot read ${wasm}: ${(err as Error).message}`, "text/plain", 500);
        }
      }
      return respond(`nothing at ${pathname}`, "text/plain", 404);
    },
  );
  const addr = await promise;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return { url: `http://${host}:${addr.port}/`, finished: server.finished };
}

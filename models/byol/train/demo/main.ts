/**
 * `deno task demo [--port N] [--host ADDRESS]`: arguments in, the demo page served until Ctrl-C,
 * exit code out. The task bundles the page script first. Needs Deno.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { serveDemo } from "./server.ts";

/** Where `deno task demo` writes the bundled page script. */
export const DEMO_BUNDLE = "runs/.demo/app.js";

/** The usage text of `deno task demo`. */
export const DEMO_USAGE = `Usage: deno task demo [--port N] [--host ADDRESS] [--bundle FILE]

Serves a page that trains BYOL in the browser that opens it (WebGPU, WebGL or wasm).

  --port N        the port to listen on (default 8090; 0 picks a free one)
  --host ADDRESS  the address to listen on (default 127.0.0.1: this machine only)
  --bundle FILE   the page script, models/byol/demo/app.ts bundled (default ${DEMO_BUNDLE})
  --help          this text

The page takes query parameters: ?steps=300&batch=32&every=50&backend=wasm&embedding=pca
`;

/**
 * Runs `deno task demo` with `args` until SIGINT (Ctrl-C) and returns the exit code: 0 when
 * stopped, 2 for bad arguments or a missing page script (the reason on stderr).
 *
 * @example
 * ```ts ignore
 * import { demoMain } from "@byol/tfjs/train";
 *
 * Deno.exit(await demoMain(Deno.args));
 * ```
 */
export async function demoMain(args: readonly string[]): Promise<number> {
  let values: { port?: string; host?: string; bundle?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        port: { type: "string" },
        host: { type: "string" },
        bundle: { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${DEMO_USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(DEMO_USAGE);
    return 0;
  }
  const port = values.port === undefined ? 8090 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be an integer in [0, 65535], got ${values.port}\n\n${DEMO_USAGE}`);
    return 2;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  try {
    const { url, finished } = await serveDemo({
      bundle: values.bundle ?? DEMO_BUNDLE,
      port,
      hostname: values.host ?? "127.0.0.1",
      signal: stop.signal,
    });
    console.log(`BYOL in your browser: ${url} (Ctrl-C stops the server)`);
    await finished;
    return 0;
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
  }
}

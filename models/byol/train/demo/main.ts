/**
 * `deno task demo [--port N] [--host ADDRESS] [--bundle FILE]`: arguments in, the demo page served
 * until Ctrl-C, exit code out. The task bundles the page script first. Needs Deno.
 *
 * @module
 */
import { pageFlags, servePageMain } from "../serve_page.ts";
import { flagLines, path } from "../flags.ts";
import { FLAG, type FlagSpec } from "../options.ts";
import { serveDemo } from "./server.ts";

/** Where `deno task demo` writes the bundled page script. */
export const DEMO_BUNDLE = "runs/.demo/app.js";

const DEMO_PORT = 8090;

const BUNDLE_FLAG: FlagSpec = {
  name: "bundle",
  value: "FILE",
  default: DEMO_BUNDLE,
  help: "the page script, models/byol/demo/app.ts bundled",
};

const DEMO_FLAGS: readonly FlagSpec[] = [...pageFlags(DEMO_PORT), BUNDLE_FLAG, FLAG.help];

/** The usage text of `deno task demo`. */
export const DEMO_USAGE: string = [
  "Usage: deno task demo [flags]",
  "",
  "Serves a page that trains BYOL in the browser that opens it (WebGPU, WebGL or wasm).",
  "",
  "Flags:",
  ...flagLines(DEMO_FLAGS),
  "",
  "The page takes query parameters: ?steps=300&batch=32&every=50&backend=wasm&embedding=pca",
  "",
].join("\n");

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
export function demoMain(args: readonly string[]): Promise<number> {
  return servePageMain(args, {
    command: "deno task demo",
    usage: DEMO_USAGE,
    flags: DEMO_FLAGS,
    port: DEMO_PORT,
    positionals: false,
    validate: (values) =>
      path(BUNDLE_FLAG.name)(typeof values.bundle === "string" ? values.bundle : undefined),
    serve: async ({ own, port, hostname }, signal) => {
      const { url, finished } = await serveDemo({
        bundle: own ?? DEMO_BUNDLE,
        port,
        hostname,
        signal,
      });
      return { finished, message: `BYOL in your browser: ${url} (Ctrl-C stops the server)` };
    },
  });
}

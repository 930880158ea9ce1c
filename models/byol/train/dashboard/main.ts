/**
 * `deno task dashboard [RUNS_DIR] [--port N] [--host ADDRESS]`: arguments in, the dashboard
 * served until Ctrl-C, exit code out. Needs Deno.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { bad, ok, type Validation } from "../../schema.ts";
import { flagLines } from "../flags.ts";
import { FLAG, type FlagSpec } from "../options.ts";
import { pageFlags, servePageMain } from "../serve_page.ts";
import { serveDashboard } from "./server.ts";

const DASHBOARD_PORT = 8080;

const DASHBOARD_FLAGS: readonly FlagSpec[] = [...pageFlags(DASHBOARD_PORT), FLAG.help];

/** The usage text of `deno task dashboard`. */
export const DASHBOARD_USAGE: string = [
  "Usage: deno task dashboard [RUNS_DIR] [flags]",
  "",
  "Serves a page that charts the runs in RUNS_DIR (default runs), live while they train.",
  "",
  "  RUNS_DIR",
  "      the folder of run folders, as deno task train writes them (default runs),",
  "      or one run folder (its folder is served, with that run shown)",
  "",
  "Flags:",
  ...flagLines(DASHBOARD_FLAGS),
  "",
].join("\n");

/** At most one RUNS_DIR, default `runs`. */
function runsDirOf(positionals: readonly string[]): Validation<string> {
  return positionals.length <= 1
    ? ok(positionals[0] ?? "runs")
    : bad(`expected at most one RUNS_DIR, got ${positionals.length}: ${positionals.join(" ")}`);
}

/**
 * Runs `deno task dashboard` with `args` until SIGINT (Ctrl-C) and returns the exit code: 0 when
 * stopped, 2 for bad arguments or a runs folder that is not there (the reason on stderr).
 *
 * @example
 * ```ts ignore
 * import { dashboardMain } from "@byol/tfjs/train";
 *
 * Deno.exit(await dashboardMain(Deno.args));
 * ```
 */
export function dashboardMain(args: readonly string[]): Promise<number> {
  return servePageMain(args, {
    command: "deno task dashboard",
    usage: DASHBOARD_USAGE,
    flags: DASHBOARD_FLAGS,
    port: DASHBOARD_PORT,
    positionals: true,
    validate: (_, positionals) => runsDirOf(positionals),
    serve: async ({ own, port, hostname }, signal) => {
      // A run folder given as RUNS_DIR: serve its parent, with that run ticked.
      let runsDir = own;
      let hash = "";
      const isFile = (name: string) =>
        Deno.stat(join(runsDir, name)).then((i) => i.isFile, () => false);
      if ((await isFile("config.json")) || (await isFile("metrics.jsonl"))) {
        hash = `#run=${encodeURIComponent(basename(resolve(runsDir)))}`;
        runsDir = dirname(resolve(runsDir));
      }
      const { url, finished } = await serveDashboard({ runsDir, port, hostname, signal });
      return { finished, message: `dashboard: ${url}${hash} (Ctrl-C stops it)` };
    },
  });
}

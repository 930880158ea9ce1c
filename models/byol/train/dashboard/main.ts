/**
 * `deno task dashboard [RUNS_DIR] [--port N] [--host ADDRESS]`: arguments in, the dashboard
 * served until Ctrl-C, exit code out. Needs Deno.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { serveDashboard } from "./server.ts";

/** The usage text of `deno task dashboard`. */
export const DASHBOARD_USAGE = `Usage: deno task dashboard [RUNS_DIR] [--port N] [--host ADDRESS]

Serves a page that charts the runs in RUNS_DIR (default runs), live while they train.

  RUNS_DIR        the folder of run folders, as deno task train writes them (default runs),
                  or one run folder (its folder is served, with that run shown)
  --port N        the port to listen on (default 8080; 0 picks a free one)
  --host ADDRESS  the address to listen on (default 127.0.0.1: this machine only)
  --help          this text
`;

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
export async function dashboardMain(args: readonly string[]): Promise<number> {
  let values: { port?: string; host?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...args],
      options: {
        port: { type: "string" },
        host: { type: "string" },
        help: { type: "boolean" },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${DASHBOARD_USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(DASHBOARD_USAGE);
    return 0;
  }
  const problems: string[] = [];
  if (positionals.length > 1) {
    problems.push(`expected at most one RUNS_DIR, got ${positionals.length}: ${positionals}`);
  }
  const port = values.port === undefined ? 8080 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    problems.push(`--port must be an integer in [0, 65535], got ${values.port}`);
  }
  if (problems.length > 0) {
    console.error(`${problems.join("\n")}\n\n${DASHBOARD_USAGE}`);
    return 2;
  }
  // A run folder given as RUNS_DIR: serve its parent, with that run ticked.
  let runsDir = positionals[0] ?? "runs";
  let hash = "";
  const isFile = (name: string) =>
    Deno.stat(join(runsDir, name)).then((i) => i.isFile, () => false);
  if ((await isFile("config.json")) || (await isFile("metrics.jsonl"))) {
    hash = `#run=${encodeURIComponent(basename(resolve(runsDir)))}`;
    runsDir = dirname(resolve(runsDir));
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  try {
    const { url, finished } = await serveDashboard({
      runsDir,
      port,
      hostname: values.host ?? "127.0.0.1",
      signal: stop.signal,
    });
    console.log(`dashboard: ${url}${hash} (Ctrl-C stops it)`);
    await finished;
    return 0;
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
  }
}

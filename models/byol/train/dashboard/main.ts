/**
 * `deno task dashboard [RUNS_DIR] [--port N] [--host ADDRESS]`: arguments in, the dashboard
 * served until Ctrl-C, exit code out; and {@link servePageMain}, what it shares with
 * `deno task demo` (the flags `--port` and `--host`, usage errors, serving until Ctrl-C). Needs
 * Deno.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { apply, either } from "fp-ts";
import { bad, ok, type Validation, validationApplicative } from "../../schema.ts";
import { flagLines, parseFlags, port } from "../flags.ts";
import { usageErrors } from "../usage_errors.ts";
import { FLAG, type FlagSpec } from "../options.ts";
import { serveDashboard } from "./server.ts";

/**
 * `--port N` (listening on `port` when not given) and `--host ADDRESS`: the flags of a command
 * that serves a page.
 *
 * @example
 * ```ts
 * import { flagLines } from "../flags.ts";
 * import { pageFlags } from "./main.ts";
 *
 * console.log(flagLines(pageFlags(8080)).join("\n"));
 * ```
 */
export function pageFlags(port: number): FlagSpec[] {
  return [
    {
      name: "port",
      value: "N",
      default: String(port),
      help: "the port to listen on (0: any free one)",
    },
    {
      name: "host",
      value: "ADDRESS",
      default: "127.0.0.1",
      help: "the address to listen on (127.0.0.1: this machine only)",
    },
  ];
}

/** A page being served, and the line that says where. */
export interface ServedPage {
  /** Settles when the server has stopped. */
  readonly finished: Promise<void>;
  /** Printed once the page is served, e.g. `dashboard: http://127.0.0.1:8080/`. */
  readonly message: string;
}

/** What a command that serves a page is: see {@link servePageMain}. */
export interface PageCommand<T> {
  /** E.g. `deno task dashboard`, naming the command in usage errors. */
  readonly command: string;
  /** The text `--help` prints. */
  readonly usage: string;
  /** Its flags: {@link pageFlags}, its own, then `FLAG.help`. */
  readonly flags: readonly FlagSpec[];
  /** The port when `--port` is not given. */
  readonly port: number;
  /** Whether it takes positional arguments (they are refused otherwise). */
  readonly positionals: boolean;
  /** Its own flags and positionals validated. */
  readonly validate: (
    values: Readonly<Record<string, string | boolean>>,
    positionals: readonly string[],
  ) => Validation<T>;
  /** Starts serving, until `signal` aborts; errors end the command with exit code 2. */
  readonly serve: (
    options: { readonly own: T; readonly port: number; readonly hostname: string },
    signal: AbortSignal,
  ) => Promise<ServedPage>;
}

/**
 * Runs a command that serves a page with `args`, until SIGINT (Ctrl-C), and returns the exit
 * code: 0 when stopped (or for `--help`), 2 for bad arguments (every problem on stderr, as
 * `deno task train` lists them) or when serving fails (the reason on stderr).
 *
 * @example
 * ```ts ignore
 * import { ok } from "../../schema.ts";
 * import { pageFlags, servePageMain } from "./main.ts";
 *
 * const flags = pageFlags(8000);
 * Deno.exit(
 *   await servePageMain(Deno.args, {
 *     command: "hello",
 *     usage: "Usage: hello [--port N] [--host ADDRESS]",
 *     flags,
 *     port: 8000,
 *     positionals: false,
 *     validate: () => ok(null),
 *     serve: ({ port, hostname }, signal) => {
 *       const server = Deno.serve({ port, hostname, signal }, () => new Response("hello"));
 *       return Promise.resolve({ finished: server.finished, message: `serving on ${port}` });
 *     },
 *   }),
 * );
 * ```
 */
export async function servePageMain<T>(
  args: readonly string[],
  page: PageCommand<T>,
): Promise<number> {
  const { values, positionals, check, help } = parseFlags(args, page.flags, page);
  if (help) {
    console.log(page.usage);
    return 0;
  }
  const parsed = apply.sequenceS(validationApplicative)({
    tokens: check,
    own: page.validate(values, positionals),
    port: port("port")(typeof values.port === "string" ? values.port : undefined),
    hostname: ok(typeof values.host === "string" ? values.host : "127.0.0.1"),
  });
  if (either.isLeft(parsed)) return usageErrors(page.command, parsed.left);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  try {
    const { own, hostname } = parsed.right;
    const listen = { own, hostname, port: parsed.right.port ?? page.port };
    const { finished, message } = await page.serve(listen, stop.signal);
    console.log(message);
    await finished;
    return 0;
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
  }
}

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

/**
 * What the commands that serve a page (`deno task dashboard`, `deno task demo`) share: the flags
 * `--port` and `--host`, usage errors, serving until Ctrl-C. Needs Deno.
 *
 * @module
 */
import { apply, either } from "fp-ts";
import { ok, type Validation, validationApplicative } from "../schema.ts";
import { parseFlags, port } from "./flags.ts";
import type { FlagSpec } from "./options.ts";
import { usageErrors } from "./usage_errors.ts";

/**
 * `--port N` (listening on `port` when not given) and `--host ADDRESS`: the flags of a command
 * that serves a page.
 *
 * @example
 * ```ts
 * import { flagLines } from "./flags.ts";
 * import { pageFlags } from "./serve_page.ts";
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
 * import { ok } from "../schema.ts";
 * import { pageFlags, servePageMain } from "./serve_page.ts";
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

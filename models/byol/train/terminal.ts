/**
 * Where a run's messages go. Progress and notes go to stderr: on a terminal the progress line
 * is redrawn in place; otherwise (a pipe, a log file) it is printed as a plain line at most every
 * 10 seconds and whenever the run forces one (each epoch's end). The final table goes to stdout,
 * so `deno task train > results.txt` keeps just the results. Needs Deno.
 *
 * @module
 */

/** The three kinds of output of a run. */
export interface Output {
  /** The progress line; `force` prints it even when a plain line was printed recently. */
  progress(line: string, force?: boolean): void;
  /** A note that stays (dataset, backend, evaluation results, warnings). */
  info(text: string): void;
  /** The final results. */
  result(text: string): void;
}

/** A writable stream as `Deno.stderr` is one. */
export interface TextSink {
  /** Writes some of `bytes`, returning how many. */
  writeSync(bytes: Uint8Array): number;
  /** Whether it is a terminal (then the progress line is redrawn in place). */
  isTerminal(): boolean;
}

/** Options of {@link terminalOutput}. */
export interface TerminalOutputOptions {
  /** Where progress and notes go (default `Deno.stderr`). */
  readonly stderr?: TextSink;
  /** Where the results go (default `Deno.stdout`). */
  readonly stdout?: TextSink;
  /** Milliseconds between plain progress lines when stderr is not a terminal (default 10 s). */
  readonly interval?: number;
  /** The clock in milliseconds (default `Date.now`). */
  readonly now?: () => number;
}

function writeAll(sink: TextSink, text: string): void {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  while (at < bytes.length) at += sink.writeSync(bytes.subarray(at));
}

/**
 * The output of `deno task train`: progress and notes on stderr, results on stdout (see the
 * module doc for how the progress line behaves with and without a terminal).
 *
 * @example
 * ```ts
 * import { terminalOutput } from "@byol/tfjs/train";
 *
 * const out = terminalOutput();
 * out.progress("step 1/8  ...");
 * out.info("saved step-000008.safetensors");
 * ```
 */
export function terminalOutput(options: TerminalOutputOptions = {}): Output {
  const { stderr = Deno.stderr, stdout = Deno.stdout, interval = 10_000, now = Date.now } = options;
  const tty = stderr.isTerminal();
  let drawn = false;
  let lastPlain = -Infinity;
  // A progress line in place stays on screen as a record when a note follows it.
  const endLine = () => {
    if (drawn) writeAll(stderr, "\n");
    drawn = false;
  };
  return {
    progress(line, force = false) {
      if (tty) {
        writeAll(stderr, `\r\x1b[2K${line}`);
        drawn = true;
      } else if (force || now() - lastPlain >= interval) {
        writeAll(stderr, `${line}\n`);
        lastPlain = now();
      }
    },
    info(text) {
      endLine();
      writeAll(stderr, `${text}\n`);
    },
    result(text) {
      endLine();
      writeAll(stdout, `${text}\n`);
    },
  };
}

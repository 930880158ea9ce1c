/**
 * A download progress bar on stderr: redrawn in place on a terminal, plain periodic lines
 * (every 10%, or every 5 MB when the size is unknown) when stderr is a file or a pipe.
 *
 * @module
 */

/** Where progress is written: `Deno.stderr` or anything shaped like it. */
export interface ProgressSink {
  /** Whether it is a terminal, where the bar is redrawn in place. */
  isTerminal(): boolean;
  /** Writes the bytes, returning how many were written. */
  writeSync(bytes: Uint8Array): number;
}

/** Options for {@link createProgress}. */
export interface ProgressOptions {
  /** What is being transferred, e.g. the file name. */
  readonly label: string;
  /** Total bytes, or null when unknown. */
  readonly total: number | null;
  /** Default `Deno.stderr`. */
  readonly sink?: ProgressSink;
}

/** A running progress report. */
export interface Progress {
  /** Records `bytes` more transferred. */
  advance(bytes: number): void;
  /** Prints the final state and ends the line. */
  finish(): void;
}

const BAR = 30;
const REDRAW_MS = 100;
const UNKNOWN_STEP = 5 * 2 ** 20;

const megabytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/**
 * Starts a progress report for one transfer.
 *
 * @example
 * ```ts
 * import { createProgress } from "@byol/tfjs/deno";
 *
 * const progress = createProgress({ label: "train-images-idx3-ubyte.gz", total: 26421880 });
 * for (let sent = 0; sent < 26421880; sent += 2 ** 20) progress.advance(2 ** 20);
 * progress.finish();
 * ```
 */
export function createProgress({ label, total, sink = Deno.stderr }: ProgressOptions): Progress {
  const encoder = new TextEncoder();
  const write = (text: string) => sink.writeSync(encoder.encode(text));
  const terminal = sink.isTerminal();
  let done = 0;
  let lastDraw = 0;
  let lastStep = 0;
  const describe = () => {
    if (total === null || total <= 0) return `${label}: ${megabytes(done)}`;
    const fraction = Math.min(1, done / total);
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    if (!terminal) return `${label}: ${percent} of ${megabytes(total)}`;
    const filled = Math.round(fraction * BAR);
    const bar = "#".repeat(filled) + ".".repeat(BAR - filled);
    return `${label} [${bar}] ${percent} ${megabytes(done)}/${megabytes(total)}`;
  };
  return {
    advance(bytes: number) {
      done += bytes;
      if (terminal) {
        const now = Date.now();
        if (now - lastDraw >= REDRAW_MS) {
          lastDraw = now;
          write(`\r${describe()}`);
        }
        return;
      }
      const step = total && total > 0
        ? Math.floor((10 * done) / total)
        : Math.floor(done / UNKNOWN_STEP);
      if (step > lastStep) {
        lastStep = step;
        write(`${describe()}\n`);
      }
    },
    finish() {
      write(terminal ? `\r${describe()}\n` : `${label}: done, ${megabytes(done)}\n`);
    },
  };
}

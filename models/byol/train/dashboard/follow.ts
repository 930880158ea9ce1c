/**
 * Following a run folder as it is written, for the dashboard's server-sent events: the records of
 * `metrics.jsonl` read from the byte offset reached so far (never the whole file again), woken by
 * file-system events, with malformed lines and an unfinished last line reported rather than
 * thrown, and a restart from the top when the file is replaced (a resumed run rewrites it).
 * Needs Deno.
 *
 * @module
 */
import { join } from "node:path";

/** What a read of new bytes of `metrics.jsonl` found. */
export interface MetricsChunk {
  /** The file was replaced or truncated: forget its records, these start from its top. */
  readonly reset: boolean;
  /** The records of the complete new lines, parsed. */
  readonly records: unknown[];
  /** The new lines that are not a JSON object: 1-based line number, start of the text, why. */
  readonly problems: { line: number; text: string; message: string }[];
  /** Bytes after the last newline: a record still being written, or cut short. */
  readonly pendingBytes: number;
}

/** The byte offset of `metrics.jsonl` reached, its identity, and lines read. */
interface Cursor {
  offset: number;
  line: number;
  ino: number | null;
}

const decoder = new TextDecoder();
/** At most this many bytes are read at once, so a long run's file streams in pieces. */
const CHUNK_BYTES = 4 << 20;

function parseLines(text: string, first: number): Pick<MetricsChunk, "records" | "problems"> {
  const records: unknown[] = [];
  const problems: MetricsChunk["problems"] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      const value = JSON.parse(line);
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new Error("not a JSON object");
      }
      records.push(value);
    } catch (err) {
      problems.push({ line: first + i, text: line.slice(0, 120), message: (err as Error).message });
    }
  });
  return { records, problems };
}

/**
 * Reads the complete lines of `path` after `cursor`, at most {@link CHUNK_BYTES}, and moves the
 * cursor past them. `null` when there is nothing new.
 */
async function readNew(path: string, cursor: Cursor): Promise<MetricsChunk | null> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  try {
    const info = await file.stat();
    let reset = false;
    if (info.size < cursor.offset || (cursor.ino !== null && info.ino !== cursor.ino)) {
      Object.assign(cursor, { offset: 0, line: 0 });
      reset = true;
    }
    cursor.ino = info.ino;
    const available = Math.min(info.size - cursor.offset, CHUNK_BYTES);
    if (available <= 0) return reset ? { reset, records: [], problems: [], pendingBytes: 0 } : null;
    await file.seek(cursor.offset, Deno.SeekMode.Start);
    const bytes = new Uint8Array(available);
    let filled = 0;
    while (filled < available) {
      const n = await file.read(bytes.subarray(filled));
      if (n === null) break;
      filled += n;
    }
    const end = bytes.subarray(0, filled).lastIndexOf(10);
    const complete = end < 0 ? "" : decoder.decode(bytes.subarray(0, end + 1));
    const parsed = parseLines(complete, cursor.line + 1);
    cursor.offset += end + 1;
    cursor.line += end < 0 ? 0 : complete.split("\n").length - 1;
    const pendingBytes = info.size - cursor.offset > CHUNK_BYTES ? 0 : info.size - cursor.offset;
    return { reset, ...parsed, pendingBytes };
  } finally {
    file.close();
  }
}

/** One server-sent event. */
function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** How often the folder is checked in case a file-system event was missed. */
const FALLBACK_MS = 2000;

/**
 * Server-sent events following run folder `dir` until `signal` aborts or the client leaves:
 * `records` (an array of parsed `metrics.jsonl` records, the existing ones first, in pieces),
 * `problem` (a line that is not a JSON object), `pending` (bytes after the last newline),
 * `reset` (the file was replaced: start over), and `file` (`{ name }`: another file of the
 * folder changed, e.g. `embedding.json`). Each wake-up reads only the bytes after the offset
 * reached; file-system events wake it, with a stat every 2 s in case one is missed.
 */
export function followRun(dir: string, signal: AbortSignal): ReadableStream<Uint8Array> {
  const path = join(dir, "metrics.jsonl");
  const encoder = new TextEncoder();
  const cursor: Cursor = { offset: 0, line: 0, ino: null };
  let watcher: Deno.FsWatcher | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;
  let busy: Promise<void> = Promise.resolve();
  let lastPending = 0;
  let closed = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (name: string, data: unknown) => {
        if (!closed) controller.enqueue(encoder.encode(event(name, data)));
      };
      const stop = () => {
        if (closed) return;
        closed = true;
        clearInterval(timer);
        try {
          watcher?.close();
        } catch { /* already closed */ }
        try {
          controller.close();
        } catch { /* the client has gone */ }
      };
      const pump = () => {
        busy = busy.then(async () => {
          for (;;) {
            if (closed) return;
            const chunk = await readNew(path, cursor);
            if (chunk === null) return;
            if (chunk.reset) send("reset", {});
            if (chunk.records.length > 0) send("records", chunk.records);
            for (const p of chunk.problems) send("problem", p);
            if (chunk.pendingBytes !== lastPending) {
              lastPending = chunk.pendingBytes;
              send("pending", { bytes: chunk.pendingBytes });
            }
            if (chunk.records.length === 0 && chunk.problems.length === 0) return;
          }
        }).catch((err) => send("error", { message: (err as Error).message }));
      };
      signal.addEventListener("abort", stop, { once: true });
      send("hello", { dir: dir.split(/[\\/]/).at(-1) });
      pump();
      try {
        watcher = Deno.watchFs(dir, { recursive: false });
      } catch (err) {
        send("error", { message: `cannot watch the run folder: ${(err as Error).message}` });
      }
      timer = setInterval(pump, FALLBACK_MS);
      (async () => {
        if (!watcher) return;
        try {
          for await (const e of watcher) {
            const names = new Set(e.paths.map((p) => p.split(/[\\/]/).at(-1)!));
            if (names.has("metrics.jsonl")) pump();
            for (const name of names) {
              if (name !== "metrics.jsonl" && !name.startsWith(".")) send("file", { name });
            }
          }
        } catch { /* closed */ }
      })();
    },
    cancel() {
      closed = true;
      clearInterval(timer);
      try {
        watcher?.close();
      } catch { /* already closed */ }
    },
  });
}

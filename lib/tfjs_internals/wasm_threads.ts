/**
 * Running tfjs's multi-threaded wasm build (`tfjs-backend-wasm-threaded-simd.wasm`: emscripten
 * pthreads under XNNPACK's thread pool) in runtimes that look like Node.js to tfjs, such as Deno.
 *
 * tfjs-backend-wasm 4.22 (the release `version.ts` gates on) never picks the threaded build when it sees `process`, and once forced
 * to, its emscripten glue (in Node mode) starts each pthread with `worker_threads.Worker` on a
 * `blob:` URL, which Node-compatible runtimes reject, and its worker script expects CommonJS
 * (`require`, `__filename`, the bundle's own module variables). This module bridges that for the
 * duration of one backend initialisation: it captures the `worker_threads.Worker` class that the
 * glue installs as `globalThis.Worker`, starts each pthread from a small ES-module bootstrap that
 * supplies what the worker script expects, and keeps idle and running pthreads from holding the
 * process open. It uses no runtime-specific API itself, so it also loads in a browser, where tfjs
 * starts its pthreads natively and only the thread count is set here.
 *
 * @module
 */
import { tf } from "../tf.ts";
import type * as TfjsWasm from "@tensorflow/tfjs-backend-wasm";
import { requireSupportedTfjs } from "./version.ts";

/**
 * The most threads used: emscripten preallocates this many pthread workers while the hooks
 * below are installed, and a larger count would make it start more after they are removed.
 *
 * @example
 * ```ts
 * import { installWasmThreads, MAX_WASM_THREADS } from "@byol/tfjs/deno";
 *
 * const threads = Math.min(navigator.hardwareConcurrency, MAX_WASM_THREADS);
 * await installWasmThreads({ threads });
 * ```
 */
export const MAX_WASM_THREADS = 8;

/** Marks the worker script as already evaluated, so the glue's `importScripts` skips it. */
const LOADED_MARKER = "byol-tfjs:threaded-glue-loaded";

/**
 * Runs inside each pthread worker. The glue's worker script (Node mode) evaluates the threaded
 * factory's source, which refers to the free variables of tfjs-backend-wasm's Node bundle
 * (`require$$0` = fs, `require$$1` = path, `require$$3` = perf_hooks, `require$$4` = os,
 * `commonjsGlobal`); they are defined here. Messages wait until both scripts are evaluated, and
 * the getter-only globals the worker script assigns are made writable.
 */
const BOOTSTRAP = `
import * as threads from "node:worker_threads";
import * as fs from "node:fs";
import * as path from "node:path";
import * as perfHooks from "node:perf_hooks";
import * as os from "node:os";
const { parentPort, workerData } = threads;
let deliver = null;
const glueParentPort = {
  on(event, listener) { if (event === "message") deliver = listener; else parentPort.on(event, listener); },
  postMessage: (message, transfer) => parentPort.postMessage(message, transfer),
};
const glueModules = {
  worker_threads: { ...threads, parentPort: glueParentPort },
  fs: { ...fs, readFileSync: (file, encoding) => file === ${
  JSON.stringify(LOADED_MARKER)
} ? "" : fs.readFileSync(file, encoding) },
};
for (const name of ["self", "location", "Worker", "postMessage", "performance"]) {
  Object.defineProperty(globalThis, name, { value: globalThis[name], writable: true, configurable: true });
}
Object.assign(globalThis, {
  global: globalThis, commonjsGlobal: globalThis, __filename: workerData.script,
  require$$0: fs, require$$1: path, require$$3: perfHooks, require$$4: os,
  require(name) {
    const module = glueModules[name.replace(/^node:/, "")];
    if (!module) throw new Error("wasm pthread bootstrap: the worker script asked for unknown module " + name);
    return module;
  },
});
let ready = fetch(workerData.script).then((response) => response.text()).then((source) => { (0, eval)(source); });
parentPort.on("message", (data) => {
  ready = ready.then(async () => {
    if (data && data.cmd === "load" && typeof data.urlOrBlob !== "string") {
      (0, eval)(await data.urlOrBlob.text());
      data.urlOrBlob = ${JSON.stringify(LOADED_MARKER)};
    }
    deliver(data);
  });
});
`;

/** The slice of Node's `worker_threads.Worker` that the bridge uses. */
interface NodeWorkerLike {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  ref(): void;
  terminate(): unknown;
}

type NodeWorkerClass = new (
  script: URL,
  options: { workerData: { script: string } },
) => NodeWorkerLike;

type WorkerConstructor = new (...args: unknown[]) => unknown;

/** How the wasm backend's threads turned out; see {@link wasmThreadsStatus}. */
export interface WasmThreadsStatus {
  /** The number of threads XNNPACK uses. */
  readonly threads: number;
  /** Why the single-threaded SIMD build runs instead of the threaded one, or `null`. */
  readonly fallback: string | null;
}

/** Options of {@link installWasmThreads}. */
export interface ThreadedWasmOptions {
  /** Threads to use (default `navigator.hardwareConcurrency`), at most {@link MAX_WASM_THREADS}. */
  readonly threads?: number;
  /** How long the pthread workers may take to start before falling back (default 30 s). */
  readonly timeoutMs?: number;
}

type BackendFactory = () => tf.KernelBackend | Promise<tf.KernelBackend>;

/** tfjs's wasm backend package: its thread count. */
type WasmPackage = Pick<typeof TfjsWasm, "getThreadsCount" | "setThreadsCount">;

/** The parts of tfjs's engine that say whether a backend is initialised and how it is registered. */
interface EngineRegistry {
  readonly registry: Record<string, unknown>;
  readonly registryFactory: Record<string, { factory: BackendFactory; priority: number }>;
}

/** Marks the wrapped factory, so registering again (even from a second copy of this module) is a
 * no-op. */
const THREADED = Symbol.for("byol-tfjs.threaded-wasm-factory");

let status: WasmThreadsStatus | null = null;

/**
 * Re-registers tfjs's `wasm` backend so that its initialisation, however it is triggered
 * (`tf.setBackend("wasm")`, `useBackend`), starts the threaded SIMD build with `threads` threads,
 * and falls back to the single-threaded SIMD build, recording why (see {@link wasmThreadsStatus}),
 * when threads cannot start. It loads the backend's package (`@tensorflow/tfjs-backend-wasm`,
 * which registers it with tfjs) if nothing has yet. Call it once, before the wasm backend starts;
 * calling it again does nothing. Deno and Node need it for more than one thread; browsers start
 * tfjs's threads natively (with cross-origin isolation) and only take the thread count from it.
 *
 * @example
 * ```ts
 * import { useBackend } from "@byol/tfjs";
 * import { installWasmThreads } from "@byol/tfjs/deno";
 *
 * await installWasmThreads({ threads: 2 });
 * await useBackend("wasm");
 * ```
 */
export async function installWasmThreads(options: ThreadedWasmOptions = {}): Promise<void> {
  // Loaded here rather than imported above, as lib/backend.ts explains: importing the package
  // registers the wasm backend, which tfjs would then start for the first tensor.
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  requireSupportedTfjs("installWasmThreads", { "tfjs-backend-wasm": wasm.version_wasm });
  const engine = tf.engine() as unknown as EngineRegistry;
  const entry = engine.registryFactory.wasm;
  if (!entry || THREADED in entry.factory) return;
  if ("wasm" in engine.registry) {
    throw new Error(
      "installWasmThreads: the wasm backend is already initialised single-threaded; call it " +
        "before useBackend or tf.setBackend",
    );
  }
  const asked = Math.floor(options.threads ?? globalThis.navigator?.hardwareConcurrency ?? 1);
  const threads = Number.isFinite(asked) ? Math.min(MAX_WASM_THREADS, Math.max(1, asked)) : 1;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const original = entry.factory;
  const factory = async (): Promise<tf.KernelBackend> => {
    const why = threads < 2
      ? "one thread wanted (navigator.hardwareConcurrency or the threads option)"
      : unsupportedReason() ?? await tryThreaded(wasm, original, threads, timeoutMs);
    if (typeof why !== "string") {
      const used = wasm.getThreadsCount();
      // A browser without wasm thread support gives tfjs's single-threaded build here.
      status = {
        threads: used,
        fallback: used > 1 ? null : "tfjs started its wasm backend with one thread",
      };
      return why;
    }
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    wasm.setThreadsCount(1);
    const backend = await original();
    status = { threads: wasm.getThreadsCount(), fallback: why };
    return backend;
  };
  Object.defineProperty(factory, THREADED, { value: true });
  tf.removeBackend("wasm");
  tf.registerBackend("wasm", factory, entry.priority);
}

/**
 * How the wasm backend's threads turned out, or `null` before it is initialised.
 *
 * @example
 * ```ts
 * import { installWasmThreads, useDenoBackend, wasmThreadsStatus } from "@byol/tfjs/deno";
 *
 * await installWasmThreads();
 * await useDenoBackend("wasm");
 * console.log(wasmThreadsStatus()); // e.g. { threads: 2, fallback: null }
 * ```
 */
export function wasmThreadsStatus(): WasmThreadsStatus | null {
  return status;
}

/** Why the threaded build cannot run here, or `null` when it can be tried. */
function unsupportedReason(): string | null {
  if (typeof SharedArrayBuffer === "undefined") return "no SharedArrayBuffer";
  if (!nodeLike()) return null;
  if (typeof globalThis.Worker !== "function") return "no Worker class to start pthreads with";
  return null;
}

/** The threaded backend from `original`, or why it could not start (its workers then stopped). */
async function tryThreaded(
  wasm: WasmPackage,
  original: BackendFactory,
  threads: number,
  timeoutMs: number,
): Promise<tf.KernelBackend | string> {
  wasm.setThreadsCount(threads);
  const workers: NodeWorkerLike[] = [];
  let failed: (why: string) => void = () => {};
  const failure = new Promise<string>((resolve) => failed = resolve);
  const hooks = [coreCountHook(threads)];
  if (nodeLike()) {
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
    hooks.push(pthreadWorkerHook(workers, (e) => failed(`a pthread worker failed: ${e.message}`)));
  }
  const timer = setTimeout(
    () => failed(`its pthread workers did not start within ${timeoutMs} ms`),
    timeoutMs,
  );
  let outcome: tf.KernelBackend | string;
  try {
    outcome = await Promise.race([
      Promise.resolve().then(original).catch((e: { message?: string }) =>
        `tfjs could not initialise it: ${e?.message ?? e}`
      ),
      failure,
    ]);
  } finally {
    clearTimeout(timer);
    for (const undo of hooks.reverse()) undo();
  }
  if (typeof outcome === "string") {
    for (const worker of workers) worker.terminate();
    return `the threaded build did not start (${outcome})`;
  }
  return outcome;
}

function nodeLike(): boolean {
  const process = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof process?.versions?.node === "string";
}

/**
 * tfjs caps its thread count at half of `emscripten_num_logical_cores()` (assuming two hardware
 * threads per core), which gives one thread on a 2-vCPU machine; this reports twice the wanted
 * count to the module being instantiated, so the cap is the count asked for.
 */
function coreCountHook(threads: number): () => void {
  type Imports = Record<string, Record<string, unknown>>;
  const withCores = (imports: Imports | undefined): Imports | undefined => {
    const env = imports?.env;
    if (!env || typeof env.emscripten_num_logical_cores !== "function") return imports;
    return { ...imports, env: { ...env, emscripten_num_logical_cores: () => 2 * threads } };
  };
  const wasm = WebAssembly as unknown as Record<
    string,
    (source: unknown, imports?: Imports) => unknown
  >;
  const originals = {
    instantiate: wasm.instantiate,
    instantiateStreaming: wasm.instantiateStreaming,
  };
  for (const [name, original] of Object.entries(originals)) {
    if (typeof original !== "function") continue;
    wasm[name] = (source, imports) => original.call(WebAssembly, source, withCores(imports));
  }
  return () => Object.assign(wasm, originals);
}

/**
 * Replaces `globalThis.Worker` with an accessor: the glue's assignment of Node's
 * `worker_threads.Worker` is captured rather than applied, and `new Worker(script)` with no
 * options (the glue's pthread creation) starts the bootstrap in a Node worker; any other call
 * constructs the runtime's own Worker.
 */
function pthreadWorkerHook(workers: NodeWorkerLike[], fail: (error: Error) => void): () => void {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, "Worker");
  const original = globalThis.Worker as unknown as WorkerConstructor;
  const bootstrap = new URL(`data:text/javascript,${encodeURIComponent(BOOTSTRAP)}`);
  let nodeWorker: NodeWorkerClass | undefined;
  const bridged = function (...args: unknown[]) {
    const [script, options] = args;
    if (!nodeWorker || typeof script !== "string" || options !== undefined) {
      return Reflect.construct(original, args, original);
    }
    const worker = new nodeWorker(bootstrap, { workerData: { script } });
    patchPthreadWorker(worker, fail);
    workers.push(worker);
    return worker;
  } as unknown as WorkerConstructor;
  bridged.prototype = original.prototype;
  Object.defineProperty(globalThis, "Worker", {
    configurable: true,
    enumerable: descriptor?.enumerable ?? false,
    get: () => bridged,
    set: (value: NodeWorkerClass) => nodeWorker = value,
  });
  return () => {
    if (descriptor) Object.defineProperty(globalThis, "Worker", descriptor);
  };
}

/**
 * The glue refs a worker while a pthread runs on it, which would keep the process alive forever
 * (XNNPACK's pool threads never exit), and rethrows worker errors from an event listener, which
 * would crash the process; pthread work is synchronous for the main thread, so neither is needed.
 */
function patchPthreadWorker(worker: NodeWorkerLike, fail: (error: Error) => void): void {
  const on = worker.on.bind(worker);
  worker.ref = () => {};
  worker.on = (event, listener) => {
    if (event !== "error") return on(event, listener);
    return on(event, (error: unknown) => {
      const wrapped = error instanceof Error ? error : new Error(String(error));
      console.error(`wasm pthread worker failed: ${wrapped.message}`);
      fail(wrapped);
    });
  };
}

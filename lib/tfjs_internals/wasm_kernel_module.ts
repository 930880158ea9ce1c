/**
 * This project's wasm kernel module (compiled from `lib/kernels/assembly/`), instantiated on the
 * wasm backend's own memory so that its kernels read and write tfjs tensors in place, and run on
 * every wasm thread at once.
 *
 * tfjs-backend-wasm 4.22's emscripten module exposes its `WebAssembly.Memory` as `wasmMemory`
 * (shared in the threaded build); no public API gives it. The module imports that memory, so its
 * instances (one here, one in each worker of the pool) see tensors where tfjs put them.
 *
 * The contract of a kernel: an export `(part, parts, ...args)` whose arguments are numbers
 * (pointers are byte offsets into the memory). {@link KernelModule.run} calls it once per thread,
 * `part` = 0 on the calling thread and 1..parts-1 on the pool's workers, all at once, and returns
 * when every part has finished; a kernel does only its own share and never writes bytes another
 * part writes. tfjs's own threads are idle while it runs (kernels run one at a time), so the pool
 * has as many threads as tfjs's.
 *
 * @module
 */
import type { tf } from "../tf.ts";
import { requireSupportedTfjs } from "./version.ts";
import { heapOutput, heapView, type WasmHeapBackend } from "./wasm_heap.ts";

/** The most arguments a kernel takes after `(part, parts)`. */
const MAX_ARGS = 24;
// Control block (Int32 slots): generation, parts still running, kernel index, parts, argument
// count, failed part + 1. Arguments follow as float64 from byte 64.
const GENERATION = 0;
const RUNNING = 1;
const KERNEL = 2;
const PARTS = 3;
const ARGC = 4;
const FAILED = 5;
const ARGS_OFFSET = 64;
const STOP = -1;
/** How long a call waits for a worker before it gives up on the pool. */
const STALL_MS = 30_000;

/**
 * Each worker, after its starter's prelude (which defines `listen`, `reply` and `finish`):
 * instantiates the module on the shared memory, says it is ready, then runs its part of every
 * kernel call until told to stop. A trap (an out-of-bounds access, say) is recorded, not thrown,
 * so the caller never waits for a part that died.
 */
const WORKER_BODY = `
listen(({ module, memory, control, part, names }) => {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const kernels = names.map((name) => instance.exports[name]);
  const slots = new Int32Array(control, 0, 16);
  const args = new Float64Array(control, ${ARGS_OFFSET}, ${MAX_ARGS});
  // The generation of the last call handled: a wake-up that finds no newer one (Atomics.wait
  // may return without a notify) runs nothing, so each call runs once per part.
  let handled = Atomics.load(slots, ${GENERATION});
  reply("ready");
  for (;;) {
    Atomics.wait(slots, ${GENERATION}, handled);
    const generation = Atomics.load(slots, ${GENERATION});
    if (generation === handled) continue;
    handled = generation;
    const kernel = slots[${KERNEL}];
    if (kernel === ${STOP}) break;
    const parts = slots[${PARTS}];
    if (part >= parts) continue;
    try {
      kernels[kernel](part, parts, ...args.subarray(0, slots[${ARGC}]));
    } catch {
      Atomics.store(slots, ${FAILED}, part + 1);
    }
    if (Atomics.sub(slots, ${RUNNING}, 1) === 1) Atomics.notify(slots, ${RUNNING});
  }
  finish();
});
`;

/** A started pool worker: it takes one message (the module, memory, control block, its part
 * and the kernels' names, whose indices calls use) and answers once when ready. */
export interface KernelWorker {
  /** Sends the start message (structured-cloned; the memory and control block are shared). */
  post(message: unknown): void;
  /** Resolves at the worker's first answer; rejects if it fails to start. */
  readonly ready: Promise<void>;
}

/**
 * Starts a worker from a module `prelude` (defining `listen(handler)`, `reply(message)` and
 * `finish()`) followed by {@link WORKER_BODY}. The default uses the web `Worker`;
 * {@link setKernelWorkerStarter} replaces it where workers should not keep a process alive.
 */
export type KernelWorkerStarter = (body: string) => KernelWorker;

const webWorkerStarter: KernelWorkerStarter = (body) => {
  const prelude = "const listen = (handle) => { self.onmessage = ({ data }) => handle(data); };\n" +
    "const reply = (message) => self.postMessage(message);\nconst finish = () => self.close();\n";
  const url = URL.createObjectURL(new Blob([prelude + body], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module" });
  const ready = new Promise<void>((resolve, reject) => {
    worker.onmessage = () => resolve();
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message));
    };
  }).finally(() => URL.revokeObjectURL(url));
  return { post: (message) => worker.postMessage(message), ready };
};

let startWorker: KernelWorkerStarter = webWorkerStarter;

/**
 * Sets how {@link loadKernelModule} starts its workers (Deno's entry point starts them as
 * unreferenced `node:worker_threads` workers, which let the process exit while they wait).
 *
 * @example
 * ```ts ignore
 * setKernelWorkerStarter((body) => startMyWorker(PRELUDE + body));
 * ```
 */
export function setKernelWorkerStarter(starter: KernelWorkerStarter): void {
  startWorker = starter;
}

type KernelFunction = (...args: number[]) => number | undefined;

/** The kernel module, ready to run on the wasm backend's memory. */
export interface KernelModule {
  /** Threads a call runs on: the caller plus the pool's workers. */
  readonly threads: number;
  /** The names of the module's kernels. */
  readonly kernels: readonly string[];
  /**
   * Runs kernel `name` with `args` on `parts` threads (at most {@link threads}; default all) and
   * returns when all parts are done. Throws when a part traps.
   */
  run(name: string, args: readonly number[], parts?: number): void;
  /** Calls export `name` (a helper such as a scratch-size function) once on the calling thread
   * and returns its result. */
  call(name: string, args: readonly number[]): number;
  /** Stops the pool's workers; later calls run on the calling thread only. */
  close(): void;
}

interface EmscriptenModule {
  /** The threaded build's memory, which it creates and shares with its pthreads. */
  readonly wasmMemory?: WebAssembly.Memory;
  /** The single-threaded build's exports, among them the memory it defines. */
  readonly asm?: { readonly memory?: WebAssembly.Memory };
}

/** The wasm backend's memory, or `null` when this tfjs build does not expose it. */
function backendMemory(backend: WasmHeapBackend): WebAssembly.Memory | null {
  const module = (backend as unknown as { wasm?: EmscriptenModule }).wasm;
  const memory = module?.wasmMemory ?? module?.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

/** Whether this thread may block in `Atomics.wait` (a browser's main thread may not). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Reads an unsigned LEB128 number at `at`: its value and the offset after it. */
function leb(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  for (let shift = 0;; shift += 7) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [value, at];
  }
}

/**
 * `bytes` (a module whose only import is a shared `env.memory`) importing a plain memory
 * instead: for tfjs's single-threaded build, whose memory is not shared. The two differ in one
 * byte, the memory limits' flags (0x03: maximum and shared; 0x01: maximum).
 */
function withPlainMemory(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const fail = (why: string) => new Error(`kernel module: cannot import plain memory: ${why}`);
  for (let at = 8; at < bytes.length;) {
    const id = bytes[at];
    const [size, body] = leb(bytes, at + 1);
    if (id === 2) {
      let [count, p] = leb(bytes, body);
      if (count !== 1) throw fail(`it has ${count} imports, expected only env.memory`);
      for (let name = 0; name < 2; name++) {
        const [length, next] = leb(bytes, p);
        p = next + length;
      }
      if (bytes[p] !== 0x02 || bytes[p + 1] !== 0x03) {
        throw fail("its import is not a shared memory");
      }
      const plain = bytes.slice();
      plain[p + 1] = 0x01;
      return plain;
    }
    at = body + size;
  }
  throw fail("it has no import section");
}

/**
 * Instantiates the kernel module `bytes` (built to import a shared memory) on `backend`'s memory
 * with a pool of `threads - 1` workers (none when the memory is not shared, i.e. tfjs's
 * single-threaded build, or `threads` is 1). Returns `null` when the backend does not expose its
 * memory.
 *
 * @example
 * ```ts ignore
 * const kernels = await loadKernelModule(backend, bytes, 2);
 * kernels?.run("axpby", [a, b, out, n, 0.9, 0.1]);
 * ```
 */
export async function loadKernelModule(
  backend: WasmHeapBackend,
  bytes: Uint8Array<ArrayBuffer>,
  threads: number,
): Promise<KernelModule | null> {
  const { version_wasm } = await import("@tensorflow/tfjs-backend-wasm");
  requireSupportedTfjs("loadKernelModule", { "tfjs-backend-wasm": version_wasm });
  const memory = backendMemory(backend);
  if (memory === null) return null;
  const shared = typeof SharedArrayBuffer === "function" &&
    memory.buffer instanceof SharedArrayBuffer;
  const module = await WebAssembly.compile(shared ? bytes : withPlainMemory(bytes));
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const kernels = WebAssembly.Module.exports(module).filter((e) => e.kind === "function")
    .map((e) => e.name).sort();
  const functions = kernels.map((name) => instance.exports[name] as KernelFunction);
  const index = new Map(kernels.map((name, i) => [name, i]));
  const workerCount = shared ? Math.max(0, threads - 1) : 0;
  const control = shared
    ? new SharedArrayBuffer(ARGS_OFFSET + 8 * MAX_ARGS)
    : new ArrayBuffer(ARGS_OFFSET + 8 * MAX_ARGS);
  const slots = new Int32Array(control, 0, 16);
  const args = new Float64Array(control, ARGS_OFFSET, MAX_ARGS);
  const workers: KernelWorker[] = [];
  for (let part = 1; part <= workerCount; part++) {
    const worker = startWorker(WORKER_BODY);
    worker.post({ module, memory, control, part, names: kernels });
    workers.push(worker);
  }
  await Promise.all(workers.map((worker, i) =>
    worker.ready.catch((err) => {
      throw new Error(`kernel worker ${i + 1} failed to start: ${err.message ?? err}`);
    })
  ));
  const block = shared && canBlock();
  let open = workers.length;

  function lookup(name: string): number {
    const kernel = index.get(name);
    if (kernel === undefined) {
      throw new Error(`kernel module: no kernel "${name}"; it has ${kernels.join(", ")}`);
    }
    return kernel;
  }

  function run(name: string, values: readonly number[], parts = open + 1): void {
    const kernel = lookup(name);
    if (values.length > MAX_ARGS) {
      throw new Error(`kernel module: ${name} got ${values.length} arguments, at most ${MAX_ARGS}`);
    }
    const n = Math.max(1, Math.min(Math.floor(parts), open + 1));
    if (n === 1) {
      functions[kernel](0, 1, ...values);
      return;
    }
    args.set(values);
    slots[KERNEL] = kernel;
    slots[PARTS] = n;
    slots[ARGC] = values.length;
    slots[FAILED] = 0;
    Atomics.store(slots, RUNNING, n - 1);
    Atomics.add(slots, GENERATION, 1);
    Atomics.notify(slots, GENERATION);
    let error: unknown = null;
    try {
      functions[kernel](0, n, ...values);
    } catch (err) {
      error = err;
    }
    const since = performance.now();
    for (let running; (running = Atomics.load(slots, RUNNING)) !== 0;) {
      if (block) Atomics.wait(slots, RUNNING, running, STALL_MS);
      if (performance.now() - since > STALL_MS) {
        open = 0;
        throw new Error(
          `kernel module: ${running} worker(s) did not finish ${name} within ${STALL_MS} ms; ` +
            "kernels run on the calling thread from now on",
        );
      }
    }
    if (error !== null) throw error;
    const failed = Atomics.load(slots, FAILED);
    if (failed !== 0) throw new Error(`kernel module: part ${failed - 1} of ${name} trapped`);
  }

  // Holds the workers (a worker whose object is collected is stopped): its closure shares this
  // scope with run's, which lives as long as the module.
  function close(): void {
    if (open === 0) return;
    slots[KERNEL] = STOP;
    Atomics.add(slots, GENERATION, 1);
    Atomics.notify(slots, GENERATION);
    open = 0;
    workers.length = 0;
  }

  return {
    get threads() {
      return open + 1;
    },
    kernels,
    run,
    call: (name, values) => functions[lookup(name)](...values) as unknown as number,
    close,
  };
}

/** The byte offset of a `float32` tensor's data in the wasm memory. */
export function heapPointer(backend: WasmHeapBackend, info: tf.TensorInfo): number {
  return heapView(backend, info).byteOffset;
}

/**
 * Runs `use` with scratch memory of `bytes` bytes on `backend`'s heap, 16-byte aligned (for SIMD
 * and f64 stores), and frees it after: `at` is its byte offset, `floats` a view of it (valid
 * until the next allocation on `backend`). Returns what `use` returns.
 *
 * @example
 * ```ts ignore
 * withScratch(backend, 4096, (at) => kernels.run("conv2dForward", [x, w, y, at, ...geometry]));
 * ```
 */
export function withScratch<T>(
  backend: WasmHeapBackend,
  bytes: number,
  use: (at: number, floats: Float32Array) => T,
): T {
  const info = heapOutput(backend, [Math.ceil(bytes / 4) + 4]);
  try {
    const view = heapView(backend, info);
    const skip = ((16 - (view.byteOffset % 16)) % 16) / 4;
    return use(view.byteOffset + 4 * skip, view.subarray(skip, skip + Math.ceil(bytes / 4)));
  } finally {
    backend.disposeData(info.dataId);
  }
}

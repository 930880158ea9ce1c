/**
 * The kernel module's pool workers under Deno: `node:worker_threads` workers, unreferenced so
 * that a program whose pool waits for work still exits when it is done (Deno's web `Worker` has
 * no `unref`).
 *
 * @module
 */
import { Worker } from "node:worker_threads";
import type { KernelWorker } from "../tfjs_internals/wasm_kernel_module.ts";

const PRELUDE = [
  'import { parentPort } from "node:worker_threads";',
  'const listen = (handle) => parentPort.once("message", handle);',
  "const reply = (message) => parentPort.postMessage(message);",
  "const finish = () => parentPort.close();",
  "",
].join("\n");

/**
 * Starts one pool worker running `body` (see `setKernelWorkerStarter`).
 *
 * @example
 * ```ts ignore
 * setKernelWorkerStarter(startNodeKernelWorker);
 * ```
 */
export function startNodeKernelWorker(body: string): KernelWorker {
  const worker = new Worker(
    new URL(`data:text/javascript,${encodeURIComponent(PRELUDE + body)}`),
  );
  // Referenced until it answers, so that the event loop waits for it to start.
  const ready = new Promise<void>((resolve, reject) => {
    worker.once("message", () => {
      worker.unref();
      resolve();
    });
    worker.once("error", reject);
  });
  return { post: (message) => worker.postMessage(message), ready };
}

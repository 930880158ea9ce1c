/**
 * Starting a backend under Deno: the runtime directory Deno's WebGPU needs, the bridge that runs
 * tfjs's multi-threaded wasm build in a runtime that looks like Node.js to tfjs, then the core's
 * {@link useBackend}.
 *
 * @module
 */
import { type BackendChoice, type BackendInfo, useBackend } from "../backend.ts";
import {
  installWasmThreads,
  type ThreadedWasmOptions,
  wasmThreadsStatus,
} from "../tfjs_internals/wasm_threads.ts";

/**
 * Points `XDG_RUNTIME_DIR` at a fresh temporary directory when it is unset and `choice` may use
 * WebGPU, before an adapter is asked for: Deno's WebGPU (through Vulkan/Mesa) prints an error
 * without it.
 *
 * @example
 * ```ts
 * import { ensureRuntimeDir } from "@byol/tfjs/deno";
 *
 * ensureRuntimeDir("auto");
 * ```
 */
export function ensureRuntimeDir(choice: BackendChoice): void {
  if (choice !== "auto" && choice !== "webgpu") return;
  if (!Deno.env.get("XDG_RUNTIME_DIR")) {
    Deno.env.set("XDG_RUNTIME_DIR", Deno.makeTempDirSync({ prefix: "byol-xdg-" }));
  }
}

/**
 * The core's {@link useBackend} as a Deno program wants it: {@link ensureRuntimeDir}, then
 * `installWasmThreads` (threaded wasm with `threads` threads, default all cores; it falls back to
 * one thread, saying why in the returned reason), then the backend. Call it before any tensor
 * is made.
 *
 * @example
 * ```ts
 * import { useDenoBackend } from "@byol/tfjs/deno";
 *
 * const { name, reason } = await useDenoBackend("auto");
 * console.log(name, reason);
 * ```
 */
export async function useDenoBackend(
  choice: BackendChoice = "auto",
  options: ThreadedWasmOptions = {},
): Promise<BackendInfo> {
  ensureRuntimeDir(choice);
  await installWasmThreads(options);
  const info = await useBackend(choice);
  const fallback = info.name === "wasm" ? wasmThreadsStatus()?.fallback : null;
  return fallback ? { ...info, reason: `${info.reason} (single-threaded: ${fallback})` } : info;
}

/**
 * Starting a backend under Deno: the runtime directory Deno's WebGPU needs, the bridge that runs
 * tfjs's multi-threaded wasm build in a runtime that looks like Node.js to tfjs, then the core's
 * {@link useBackend}.
 *
 * @module
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BackendChoice, type BackendInfo, useBackend } from "../backend.ts";
import {
  installWasmThreads,
  type ThreadedWasmOptions,
  wasmThreadsStatus,
} from "../tfjs_internals/wasm_threads.ts";
import { setKernelWorkerStarter } from "../tfjs_internals/wasm_kernel_module.ts";
import { startNodeKernelWorker } from "./kernel_workers.ts";

/**
 * Points `XDG_RUNTIME_DIR` at a per-user folder in the system temp directory
 * (`<tmp>/byol-xdg-<uid or user name>`, mode 0700, made once and reused by every later run) when it is unset
 * and `choice` may use WebGPU, before an adapter is asked for: Deno's WebGPU (through
 * Vulkan/Mesa) prints an error without it. Throws when that path is not a folder this user owns.
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
  if (Deno.env.get("XDG_RUNTIME_DIR")) return;
  const dir = join(tmpdir(), `byol-xdg-${userTag()}`);
  Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!Deno.lstatSync(dir).isDirectory) {
    throw new Error(`${dir} is not a folder; remove it or set XDG_RUNTIME_DIR`);
  }
  if (Deno.build.os !== "windows") {
    // Only the owner may chmod: this also refuses a folder another user made in its place.
    try {
      Deno.chmodSync(dir, 0o700);
    } catch (err) {
      throw new Error(
        `${dir}: cannot make it private (${(err as Error).message}); it may belong to another ` +
          "user: remove it or set XDG_RUNTIME_DIR",
      );
    }
  }
  Deno.env.set("XDG_RUNTIME_DIR", dir);
}

/** The user id when this program may read it without asking, else the user's name. */
function userTag(): string {
  if (Deno.permissions.querySync({ name: "sys", kind: "uid" }).state === "granted") {
    const uid = Deno.uid();
    if (uid !== null) return String(uid);
  }
  const name = Deno.env.get("USER") ?? Deno.env.get("USERNAME") ?? "user";
  return name.replace(/[^A-Za-z0-9._-]/g, "_");
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
  setKernelWorkerStarter(startNodeKernelWorker);
  await installWasmThreads(options);
  const info = await useBackend(choice);
  const fallback = info.name === "wasm" ? wasmThreadsStatus()?.fallback : null;
  return fallback ? { ...info, reason: `${info.reason} (single-threaded: ${fallback})` } : info;
}

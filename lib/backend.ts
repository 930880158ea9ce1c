/**
 * Choosing the tfjs backend: WebGPU on a hardware GPU, else the wasm CPU path (with the gradient
 * kernels that tfjs's wasm backend lacks or runs slowly, see `lib/kernels/register.ts`), or the
 * reference `cpu` backend.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-webgpu";
import { registerWasmKernels } from "./kernels/register.ts";
import { registerThreadedWasm, wasmThreadsStatus } from "./kernels/wasm_threads.ts";

// At import rather than in useBackend, so that code switching with tf.setBackend("wasm") also
// gets the framework's wasm kernels and the threaded wasm build. PROD silences tfjs's "running in
// Node.js" banner (Deno looks like Node to it) and its debug-only checks.
registerWasmKernels();
registerThreadedWasm();
tf.env().set("PROD", true);

/** A backend this framework runs on. */
export type BackendName = "webgpu" | "wasm" | "cpu";

/** What {@link useBackend} accepts: a backend, or `auto` to pick the fastest available one. */
export type BackendChoice = BackendName | "auto";

/** The backend {@link useBackend} chose and why. */
export interface BackendInfo {
  readonly name: BackendName;
  readonly reason: string;
}

/** A WebGPU adapter as seen by this runtime, with whether it is a software one (e.g. lavapipe). */
export interface AdapterInfo {
  readonly description: string;
  readonly software: boolean;
}

const BACKENDS: readonly BackendChoice[] = ["auto", "webgpu", "wasm", "cpu"];

interface GpuAdapterLike {
  readonly info?: {
    description?: string;
    device?: string;
    vendor?: string;
    isFallbackAdapter?: boolean;
  };
  readonly isFallbackAdapter?: boolean;
}

/**
 * The WebGPU adapter of this runtime, or `null` when there is none. Software adapters (Mesa's
 * lavapipe/llvmpipe, SwiftShader, WARP) are reported with `software: true`.
 */
export async function gpuAdapter(): Promise<AdapterInfo | null> {
  const gpu = (globalThis.navigator as
    | { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } }
    | undefined)
    ?.gpu;
  if (!gpu) return null;
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch {
    return null;
  }
  if (!adapter) return null;
  const info = adapter.info ?? {};
  const description = info.description || [info.vendor, info.device].filter((s) => s).join(" ") ||
    "unknown adapter";
  const software = Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter) ||
    /llvmpipe|lavapipe|swiftshader|software|warp/i.test(description);
  return { description, software };
}

const logged = new Set<string>();

async function activate(name: BackendName): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`useBackend: tfjs could not initialise the "${name}" backend`);
  await tf.ready();
}

async function choose(choice: BackendChoice): Promise<BackendInfo> {
  if (choice !== "auto") {
    if (choice === "webgpu" && !(await gpuAdapter())) {
      throw new Error(
        'useBackend: "webgpu" was asked for but this runtime has no WebGPU adapter ' +
          "(on Linux without a GPU, install mesa-vulkan-drivers and set XDG_RUNTIME_DIR)",
      );
    }
    return { name: choice, reason: "asked for" };
  }
  const adapter = await gpuAdapter();
  if (adapter && !adapter.software) {
    return { name: "webgpu", reason: `hardware GPU adapter: ${adapter.description}` };
  }
  const why = adapter
    ? `the only WebGPU adapter is a software one (${adapter.description})`
    : "no WebGPU adapter";
  return { name: "wasm", reason: `${why}; using the wasm CPU path` };
}

/**
 * Selects and initialises a backend, returning the one chosen and why. `auto` picks WebGPU when
 * a hardware GPU adapter exists and wasm otherwise. Each choice is logged once per process.
 *
 * @example
 * ```ts
 * const { name, reason } = await useBackend("auto");
 * ```
 */
export async function useBackend(choice: BackendChoice = "auto"): Promise<BackendInfo> {
  if (!BACKENDS.includes(choice)) {
    throw new Error(
      `useBackend: unknown backend "${choice}"; expected one of ${BACKENDS.join(", ")}`,
    );
  }
  const chosen = await choose(choice);
  await activate(chosen.name);
  const fallback = chosen.name === "wasm" ? wasmThreadsStatus()?.fallback : null;
  const info = fallback
    ? { ...chosen, reason: `${chosen.reason}; single-threaded wasm: ${fallback}` }
    : chosen;
  const line = `backend: ${info.name} (${info.reason})`;
  if (!logged.has(line)) {
    logged.add(line);
    console.error(line);
  }
  return info;
}

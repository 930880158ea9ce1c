/**
 * Choosing the tfjs backend: WebGPU on a hardware GPU, else the wasm CPU path (with the gradient
 * kernels that tfjs's wasm backend lacks or runs slowly, see `lib/kernels/register.ts`), or the
 * reference `cpu` backend. Importing this module changes nothing and loads no backend package:
 * until {@link useBackend} is called, tfjs runs on its default backend (`cpu` under Deno), so
 * tensors can be made at once; `useBackend` loads the chosen backend's package, installs the
 * kernels and sets tfjs's flags.
 *
 * Why the packages are loaded only when chosen: importing `@tensorflow/tfjs-backend-webgpu` or
 * `-wasm` registers that backend with tfjs at a priority above `cpu`, and tfjs starts the
 * highest-priority backend for the first tensor made before a backend is set; both start
 * asynchronously, so `tf.ones(...)` would throw "backend 'webgpu' has not yet been initialized"
 * until `await tf.ready()`.
 *
 * @module
 */
import { tf } from "./tf.ts";
import { installKernelModule } from "./kernels/module.ts";
import { installWasmKernels } from "./kernels/register.ts";
import { installWebgpuKernels } from "./kernels/webgpu.ts";

/**
 * A backend this framework runs on.
 *
 * @example
 * ```ts
 * import { type BackendName, useBackend } from "@byol/tfjs";
 *
 * const name: BackendName = (await useBackend("auto")).name;
 * ```
 */
export type BackendName = "webgpu" | "wasm" | "cpu";

/**
 * What {@link useBackend} accepts: a backend, or `auto` to pick the fastest available one.
 *
 * @example
 * ```ts
 * import { type BackendChoice, useBackend } from "@byol/tfjs";
 *
 * const choice: BackendChoice = Deno.env.get("BACKEND") === "cpu" ? "cpu" : "auto";
 * await useBackend(choice);
 * ```
 */
export type BackendChoice = BackendName | "auto";

/**
 * The backend {@link useBackend} chose and why.
 *
 * @example
 * ```ts
 * import { type BackendInfo, useBackend } from "@byol/tfjs";
 *
 * const info: BackendInfo = await useBackend("cpu");
 * console.log(info.name, info.reason);
 * ```
 */
export interface BackendInfo {
  /** The backend now active in tfjs. */
  readonly name: BackendName;
  /** Why it was chosen, e.g. that the only WebGPU adapter is a software one. */
  readonly reason: string;
}

/**
 * A WebGPU adapter as seen by this runtime, with whether it is a software one (e.g. lavapipe).
 *
 * @example
 * ```ts
 * import { type AdapterInfo, gpuAdapter } from "@byol/tfjs";
 *
 * const adapter: AdapterInfo | null = await gpuAdapter();
 * const hardware = adapter !== null && !adapter.software;
 * ```
 */
export interface AdapterInfo {
  /** The adapter's description, or its vendor and device. */
  readonly description: string;
  /** Whether it renders on the CPU (lavapipe/llvmpipe, SwiftShader, WARP). */
  readonly software: boolean;
}

/**
 * Every {@link BackendChoice}, in the order a usage text lists them.
 *
 * @example
 * ```ts
 * import { BACKEND_CHOICES } from "@byol/tfjs";
 *
 * console.log(`--backend ${BACKEND_CHOICES.join("|")}`); // --backend auto|webgpu|wasm|cpu
 * ```
 */
export const BACKEND_CHOICES: readonly BackendChoice[] = ["auto", "webgpu", "wasm", "cpu"];

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
 *
 * @example
 * ```ts
 * import { gpuAdapter } from "@byol/tfjs";
 *
 * const adapter = await gpuAdapter();
 * console.log(adapter ? `${adapter.description} (software: ${adapter.software})` : "no WebGPU");
 * ```
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
  if (name === "wasm") await installWasmKernels();
  if (name === "webgpu") await installWebgpuKernels();
  // Deno looks like Node to tfjs: PROD silences its "running in Node.js" banner and its
  // debug-only checks.
  tf.env().set("PROD", true);
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`useBackend: tfjs could not initialise the "${name}" backend`);
  await tf.ready();
  if (name === "wasm") {
    const { getThreadsCount } = await import("@tensorflow/tfjs-backend-wasm");
    await installKernelModule(getThreadsCount());
  }
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
 * a hardware GPU adapter exists and wasm otherwise. It loads the chosen backend's tfjs package
 * (for wasm with this framework's kernels, {@link installWasmKernels}); under Deno, call
 * `useDenoBackend` from the Deno entry point instead (or `await installWasmThreads()` before
 * this) for a multi-threaded wasm backend. Each choice is logged once per process.
 *
 * @example
 * ```ts
 * import { useBackend } from "@byol/tfjs";
 *
 * const { name, reason } = await useBackend("auto");
 * console.log(`running on ${name}: ${reason}`);
 * ```
 */
export async function useBackend(choice: BackendChoice = "auto"): Promise<BackendInfo> {
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new Error(
      `useBackend: unknown backend "${choice}"; expected one of ${BACKEND_CHOICES.join(", ")}`,
    );
  }
  const chosen = await choose(choice);
  await activate(chosen.name);
  const threads = chosen.name === "wasm"
    ? (await import("@tensorflow/tfjs-backend-wasm")).getThreadsCount()
    : 0;
  const info = threads > 0
    ? { ...chosen, reason: `${chosen.reason}; ${threads} wasm thread${threads > 1 ? "s" : ""}` }
    : chosen;
  const line = `backend: ${info.name} (${info.reason})`;
  if (!logged.has(line)) {
    logged.add(line);
    console.error(line);
  }
  return info;
}

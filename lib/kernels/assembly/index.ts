// The entry of this project's wasm kernel module (AssemblyScript, built by `deno task kernels`
// into ../kernels_wasm.ts). Every export is a kernel `(part, parts, ...args)` run once per thread
// on tfjs's shared wasm memory; see ../../tfjs_internals/wasm_kernel_module.ts for the contract.
export * from "./elementwise";
export * from "./batch_norm";
export * from "./conv";

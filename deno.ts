/**
 * The Deno entry point: what touches files, the network, the environment or Deno's runtime, kept
 * apart from the browser-safe core (`mod.ts`). Dataset loaders (IDX / (Fashion-)MNIST with
 * directory lookup and a SHA-256-verified download, CIFAR-10 binary batches, folders of PNG/JPEG
 * images), checkpoint files written atomically, and the backend set-up a Deno program wants
 * (`useDenoBackend`: WebGPU's runtime directory and tfjs's multi-threaded wasm build).
 *
 * @example
 * ```ts
 * import { random, tree } from "@byol/tfjs";
 * import { loadFashionMnist, saveCheckpoint, useDenoBackend } from "@byol/tfjs/deno";
 *
 * await useDenoBackend("auto");
 * const train = await loadFashionMnist({ split: "train" });
 * const params = { w: random.normal(random.key(0), [train.shape[3], 4]) };
 * const dir = await Deno.makeTempDir();
 * await saveCheckpoint(`${dir}/step-000000.safetensors`, { trees: { params } });
 * tree.dispose(params);
 * ```
 *
 * @module
 */
export { ensureRuntimeDir, useDenoBackend } from "./lib/deno/backend.ts";
export {
  installWasmThreads,
  MAX_WASM_THREADS,
  type ThreadedWasmOptions,
  type WasmThreadsStatus,
  wasmThreadsStatus,
} from "./lib/tfjs_internals/wasm_threads.ts";
export { readMaybeGzip } from "./lib/deno/data/gzip.ts";
export { loadIdx, type LoadIdxOptions, readIdxFile } from "./lib/deno/data/idx_files.ts";
export {
  cifarBatchNames,
  loadCifar10,
  type LoadCifarOptions,
} from "./lib/deno/data/cifar_files.ts";
export { loadImageFolder, type LoadImageFolderOptions } from "./lib/deno/data/image_folder.ts";
export { type DownloadOptions, downloadVerified, sha256Hex } from "./lib/deno/data/download.ts";
export {
  createProgress,
  type Progress,
  type ProgressOptions,
  type ProgressSink,
} from "./lib/deno/data/progress.ts";
export {
  loadFashionMnist,
  loadIdxDataset,
  type LoadIdxDatasetOptions,
  loadMnist,
} from "./lib/deno/data/mnist.ts";
export {
  removeTemporaryFiles,
  writeFileAtomic,
  type WriteFileAtomicOptions,
} from "./lib/deno/io/atomic_file.ts";
export { type FolderLock, lockFolder, pathExists } from "./lib/deno/io/fs.ts";
export { readFileLimited } from "./lib/deno/io/read_file.ts";
export type { DecodeLimits, WithLimits } from "./lib/io/limits.ts";
export type { GunzipOptions } from "./lib/data/gzip.ts";
export {
  type CheckpointFile,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  saveCheckpoint,
  type SaveCheckpointOptions,
} from "./lib/deno/io/checkpoint_files.ts";

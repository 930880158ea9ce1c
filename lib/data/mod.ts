/**
 * The data pipeline: loaders that return `uint8` NHWC datasets on the host (IDX for
 * (Fashion-)MNIST, CIFAR-10 binary batches, folders of PNG/JPEG images, the synthetic `shapes`),
 * an epoch iterator that uploads shuffled batches to the device with prefetch, and BYOL's
 * augmentations on the device.
 *
 * The numeric core (datasets, parsing of bytes in memory, `shapes`, batching, augmentations)
 * uses no Deno API and runs in a browser; the loaders that read files, the environment or the
 * network (`loadIdx`, `loadCifar10`, `loadImageFolder`, `loadFashionMnist`, `loadMnist`,
 * `downloadVerified`, ...) live in `io/` and need Deno.
 *
 * @module
 */
export { checkDataset, type ImageDataset, type NHWC, selectExamples } from "./dataset.ts";
export { type IdxArray, idxDataset, type IdxDatasetOptions, parseIdx } from "./idx.ts";
export {
  CIFAR10_CLASSES,
  type CifarBatchFile,
  parseCifarBatches,
  parseCifarMeta,
} from "./cifar.ts";
export { convertChannels, decodeImage, type HostImage, isGray, resizeImage } from "./image.ts";
export {
  FASHION_MNIST,
  type IdxDatasetSpec,
  type IdxFileSpec,
  MNIST,
  type Split,
} from "./idx_specs.ts";
export { SHAPE_CLASSES, shapes, type ShapesOptions } from "./shapes.ts";
export { type Batch, batchesPerEpoch, epochBatches, type EpochOptions } from "./batches.ts";
export * from "./augment.ts";

export { gunzip, isGzip, readMaybeGzip } from "./io/gzip.ts";
export { loadIdx, type LoadIdxOptions, readIdxFile } from "./io/idx_files.ts";
export { cifarBatchNames, loadCifar10, type LoadCifarOptions } from "./io/cifar_files.ts";
export { loadImageFolder, type LoadImageFolderOptions } from "./io/image_folder.ts";
export { type DownloadOptions, downloadVerified, sha256Hex } from "./io/download.ts";
export {
  createProgress,
  type Progress,
  type ProgressOptions,
  type ProgressSink,
} from "./io/progress.ts";
export {
  loadFashionMnist,
  loadIdxDataset,
  type LoadIdxDatasetOptions,
  loadMnist,
} from "./io/mnist.ts";

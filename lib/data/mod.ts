/**
 * The data pipeline: loaders that return `uint8` NHWC datasets on the host (IDX for
 * (Fashion-)MNIST, CIFAR-10 binary batches, folders of PNG/JPEG images, the synthetic `shapes`),
 * an epoch iterator that uploads shuffled batches to the device with prefetch, and BYOL's
 * augmentations on the device.
 *
 * Everything here uses no Deno API and runs in a browser: datasets, parsing of bytes in memory,
 * `shapes`, batching, augmentations. The loaders that read files, the environment or the network
 * (`loadIdx`, `loadCifar10`, `loadImageFolder`, `loadFashionMnist`, `loadMnist`,
 * `downloadVerified`, ...) live in `lib/deno/data/` and are exported by the Deno entry point
 * (`deno.ts`).
 *
 * @module
 */
export { checkDataset, type ImageDataset, type NHWC, selectExamples } from "./dataset.ts";
export {
  type IdxArray,
  idxDataset,
  type IdxDatasetOptions,
  type IdxHeader,
  parseIdx,
  readIdxHeader,
} from "./idx.ts";
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

export { gunzip, type GunzipOptions, GZIP_HEADER_BYTES, isGzip } from "./gzip.ts";

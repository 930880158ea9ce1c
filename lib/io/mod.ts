/**
 * Saving and loading: the safetensors format (`encodeSafetensors`, `decodeSafetensors`), tfjs
 * tensor conversions, checkpoints of parameter trees (`encodeCheckpoint`, `decodeCheckpoint`,
 * `checkpointName`), and their files (`saveCheckpoint`, `loadCheckpoint`, `listCheckpoints`,
 * `latestCheckpoint`, `writeFileAtomic`).
 *
 * The format and checkpoint encoding use no Deno API and run in a browser; the file functions
 * (`checkpoint_files.ts`, `atomic_file.ts`) need Deno.
 *
 * @module
 */
export {
  dtypeSize,
  encodeSafetensors,
  encodeSafetensorsParts,
  isSafetensorsDtype,
  SAFETENSORS_DTYPES,
  type SafetensorsContents,
  type SafetensorsDtype,
  type StoredTensor,
} from "./safetensors.ts";
export { type DecodeOptions, decodeSafetensors } from "./safetensors_decode.ts";
export { storedFromTensor, tensorFromStored } from "./tensor_bytes.ts";
export {
  type Checkpoint,
  checkpointName,
  checkpointStep,
  decodeCheckpoint,
  type DecodeCheckpointOptions,
  encodeCheckpoint,
} from "./checkpoint.ts";
export { writeFileAtomic, type WriteFileAtomicOptions } from "./atomic_file.ts";
export { pathExists } from "./fs.ts";
export {
  type CheckpointFile,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  saveCheckpoint,
  type SaveCheckpointOptions,
} from "./checkpoint_files.ts";

/**
 * Saving and loading as bytes in memory: the safetensors format (`encodeSafetensors`,
 * `decodeSafetensors`), tfjs tensor conversions, and checkpoints of parameter trees
 * (`encodeCheckpoint`, `decodeCheckpoint`, `checkpointName`). No Deno API: it runs in a browser.
 * Their files (`saveCheckpoint`, `loadCheckpoint`, `listCheckpoints`, `latestCheckpoint`,
 * `writeFileAtomic`) live in `lib/deno/io/` and are exported by the Deno entry point (`deno.ts`).
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
  checkDepth,
  type DecodeLimits,
  decodeLimits,
  DEFAULT_DECODE_LIMITS,
  limitError,
  type WithLimits,
} from "./limits.ts";
export {
  type Checkpoint,
  checkpointName,
  checkpointStep,
  decodeCheckpoint,
  type DecodeCheckpointOptions,
  encodeCheckpoint,
} from "./checkpoint.ts";

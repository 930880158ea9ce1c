/**
 * Decoding of the safetensors format with full validation of the header and the data layout, so a
 * truncated or corrupted file fails with a message that names the file and the problem.
 *
 * Pure: bytes in memory only, no file system and no tfjs.
 *
 * @module
 */
import {
  dtypeSize,
  elementCount,
  isSafetensorsDtype,
  METADATA_KEY,
  SAFETENSORS_DTYPES,
  type SafetensorsContents,
  type SafetensorsDtype,
  type StoredTensor,
} from "./safetensors.ts";

import { checkDepth, decodeLimits, limitError, type WithLimits } from "./limits.ts";

/** Options for {@link decodeSafetensors}. */
export interface DecodeOptions extends WithLimits {
  /** The file's name, for error messages. */
  readonly name?: string;
}

interface Entry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

function readEntry(name: string, info: unknown, bufferBytes: number): Entry | string {
  if (typeof info !== "object" || info === null || Array.isArray(info)) {
    return `tensor "${name}" must be an object {dtype, shape, data_offsets}`;
  }
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (!isSafetensorsDtype(dtype)) {
    return `tensor "${name}" has unknown dtype ${JSON.stringify(dtype)}; expected one of ` +
      SAFETENSORS_DTYPES.join(", ");
  }
  const count = elementCount(shape);
  if (typeof count === "string") return `tensor "${name}": ${count}`;
  if (
    !Array.isArray(offsets) || offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]
  ) {
    return `tensor "${name}" has data_offsets ${JSON.stringify(offsets)}; expected [begin, end] ` +
      `with 0 <= begin <= end`;
  }
  const [begin, end] = offsets as number[];
  if (end > bufferBytes) {
    return `tensor "${name}" has data_offsets [${begin}, ${end}] beyond the ${bufferBytes}-byte ` +
      `data buffer`;
  }
  const expected = count * dtypeSize(dtype);
  if (end - begin !== expected) {
    return `tensor "${name}" of shape ${JSON.stringify(shape)} and dtype ${dtype} needs ` +
      `${expected} bytes, but data_offsets [${begin}, ${end}] hold ${end - begin}`;
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/**
 * Decodes a safetensors buffer, validating it: the header length against the file, the header as
 * UTF-8 JSON, each tensor's dtype, shape and size, and that the tensors' byte ranges neither
 * overlap nor leave gaps and cover the data buffer exactly. Errors name the file and the problem.
 * The header's size and nesting are checked against `limits` (`maxHeaderBytes`, `maxDepth`) before
 * it is decoded. The tensors' `data` are views into `bytes` (not copies). Consumes nothing.
 *
 * @example
 * ```ts
 * import { io } from "@byol/tfjs";
 *
 * const data = new Uint8Array(new Float32Array([1, 2]).buffer);
 * const bytes = io.encodeSafetensors(new Map([["encoder/w", { dtype: "F32", shape: [2], data }]]));
 * const { tensors, metadata } = io.decodeSafetensors(bytes, { name: "model.safetensors" });
 * const w = tensors.get("encoder/w"); // { dtype: "F32", shape: [2], data }
 * ```
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  { name = "safetensors data", limits }: DecodeOptions = {},
): SafetensorsContents {
  const { maxHeaderBytes, maxDepth } = decodeLimits(limits);
  const fail = (problem: string): never => {
    throw new Error(`${name}: ${problem}`);
  };
  if (bytes.byteLength < 8) {
    fail(`file is ${bytes.byteLength} bytes, too short for the 8-byte header length`);
  }
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(bytes.byteLength - 8)) {
    fail(`header length ${n} is beyond the file (${bytes.byteLength - 8} bytes follow it)`);
  }
  if (n > BigInt(maxHeaderBytes)) {
    throw limitError(name, `header length is ${n} bytes`, "maxHeaderBytes", maxHeaderBytes);
  }
  const headerEnd = 8 + Number(n);
  let text = "";
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, headerEnd));
  } catch {
    fail("header is not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`);
  }
  checkDepth(header, name, "the header", maxDepth);
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    fail(`header must be a JSON object, got ${Array.isArray(header) ? "an array" : text.trim()}`);
  }
  const record = header as Record<string, unknown>;
  const metadata = record[METADATA_KEY] ?? {};
  if (
    typeof metadata !== "object" || metadata === null || Array.isArray(metadata) ||
    !Object.values(metadata).every((v) => typeof v === "string")
  ) {
    fail(`"${METADATA_KEY}" must be an object mapping strings to strings`);
  }
  const buffer = bytes.subarray(headerEnd);
  const entries: Entry[] = [];
  for (const [key, info] of Object.entries(record)) {
    if (key === METADATA_KEY) continue;
    const entry = readEntry(key, info, buffer.byteLength);
    if (typeof entry === "string") fail(entry);
    entries.push(entry as Entry);
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: Entry | undefined;
  for (const e of entries) {
    if (e.begin < covered && previous) {
      fail(
        `tensors "${previous.name}" [${previous.begin}, ${previous.end}] and "${e.name}" ` +
          `[${e.begin}, ${e.end}] overlap`,
      );
    }
    if (e.begin > covered) fail(`bytes [${covered}, ${e.begin}) of the data buffer are unused`);
    covered = e.end;
    previous = e;
  }
  if (covered !== buffer.byteLength) {
    fail(`the tensors cover ${covered} bytes of the ${buffer.byteLength}-byte data buffer`);
  }
  const tensors = new Map<string, StoredTensor>(
    entries.map((e) => [
      e.name,
      { dtype: e.dtype, shape: e.shape, data: buffer.subarray(e.begin, e.end) },
    ]),
  );
  return { tensors, metadata: metadata as Record<string, string> };
}

/**
 * The limits every reader checks a file's claims against before allocating: pixels per image,
 * bytes per file, bytes a gzip stream inflates to, nesting depth of JSON metadata and the size of
 * a safetensors header. A hostile or damaged file is refused with an error naming the file, the
 * limit and how to raise it, instead of exhausting memory. Every reader takes `limits` as a
 * partial override of {@link DEFAULT_DECODE_LIMITS}.
 *
 * @module
 */

/**
 * What a reader may allocate for one file. Each reader takes a `Partial<DecodeLimits>` (option
 * `limits`) that overrides {@link DEFAULT_DECODE_LIMITS} field by field.
 *
 * @example
 * ```ts
 * import { data, type DecodeLimits } from "@byol/tfjs";
 *
 * const limits: Partial<DecodeLimits> = { maxPixels: 8192 * 8192 }; // large scans
 * const png = Uint8Array.from(
 *   atob("iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAAAAABX3VL4AAAADElEQVR4XmNg+A+EAAYAAf9qFHE4AAAAAElFTkSuQmCC"),
 *   (c) => c.charCodeAt(0),
 * );
 * const image = data.decodeImage(png, "checker.png", { limits });
 * ```
 */
export interface DecodeLimits {
  /** Pixels (width x height) of one decoded PNG or JPEG image. */
  readonly maxPixels: number;
  /** Bytes of one file read or downloaded, and bytes one header (IDX) claims for its data. */
  readonly maxFileBytes: number;
  /** Bytes one gzip stream may inflate to. */
  readonly maxDecompressedBytes: number;
  /** Nesting depth of JSON structures in metadata (a checkpoint's trees). */
  readonly maxDepth: number;
  /** Bytes of a safetensors file's JSON header. */
  readonly maxHeaderBytes: number;
}

/**
 * The default limits: 4,194,304 pixels per image (2048 x 2048; larger photos need more), 2 GiB per file, 64 MiB per
 * gzip stream (Fashion-MNIST's largest file inflates to 47 MB, a CIFAR-10 batch is 31 MB), JSON
 * nesting 256 deep, and a 100 MB safetensors header (the reference implementation's limit).
 *
 * @example
 * ```ts
 * import { io } from "@byol/tfjs";
 *
 * console.log(io.DEFAULT_DECODE_LIMITS.maxPixels); // 4194304
 * ```
 */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = Object.freeze({
  maxPixels: 2 ** 22,
  maxFileBytes: 2 ** 31,
  maxDecompressedBytes: 2 ** 26,
  maxDepth: 256,
  maxHeaderBytes: 100_000_000,
});

/**
 * The option every reader takes: `limits`, overrides of {@link DEFAULT_DECODE_LIMITS}.
 *
 * @example
 * ```ts
 * import type { io } from "@byol/tfjs";
 *
 * const options: io.WithLimits = { limits: { maxFileBytes: 2 ** 32 } };
 * ```
 */
export interface WithLimits {
  /** Overrides of the default limits, field by field. */
  readonly limits?: Partial<DecodeLimits>;
}

const NAMES = Object.keys(DEFAULT_DECODE_LIMITS) as (keyof DecodeLimits)[];

/**
 * {@link DEFAULT_DECODE_LIMITS} with the fields of `limits` in their place. Throws for an unknown
 * field or a value that is not a positive integer (or `Infinity`, for no limit).
 *
 * @example
 * ```ts
 * import { io } from "@byol/tfjs";
 *
 * const limits = io.decodeLimits({ maxPixels: 2 ** 26 }); // the rest are the defaults
 * ```
 */
export function decodeLimits(limits: Partial<DecodeLimits> = {}): DecodeLimits {
  for (const [key, value] of Object.entries(limits)) {
    if (!NAMES.includes(key as keyof DecodeLimits)) {
      throw new Error(`limits: unknown limit "${key}"; expected one of ${NAMES.join(", ")}`);
    }
    if (
      value !== undefined && !(value === Infinity || (Number.isSafeInteger(value) && value > 0))
    ) {
      throw new RangeError(
        `limits: ${key} must be a positive integer or Infinity, got ${String(value)}`,
      );
    }
  }
  const out = { ...DEFAULT_DECODE_LIMITS };
  for (const key of NAMES) if (limits[key] !== undefined) out[key] = limits[key]!;
  return out;
}

/**
 * The error for a claim over a limit: it names the file, what was claimed, the limit and how to
 * raise it.
 *
 * @example
 * ```ts
 * import { io } from "@byol/tfjs";
 *
 * const error = io.limitError("big.png", "claims 8192x8192 = 67108864 pixels", "maxPixels", 2 ** 22);
 * // big.png: claims 8192x8192 = 67108864 pixels, over the limit maxPixels = 4194304 ...
 * ```
 */
export function limitError(
  source: string,
  claim: string,
  limit: keyof DecodeLimits,
  value: number,
): Error {
  return new Error(
    `${source}: ${claim}, over the limit ${limit} = ${value}; if the file is trusted, raise it ` +
      `with the option limits: { ${limit}: N }`,
  );
}

/**
 * Checks that the JSON value `value` nests at most `maxDepth` arrays and objects deep (without
 * recursion, so any depth is measured safely) and returns it; otherwise the error names
 * `source` and `what`.
 *
 * @example
 * ```ts
 * import { io } from "@byol/tfjs";
 *
 * io.checkDepth(JSON.parse("[[[1]]]"), "a.json", "the header", 3); // fine: 3 deep
 * ```
 */
export function checkDepth<T>(value: T, source: string, what: string, maxDepth: number): T {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== "object" || node === null) continue;
    if (depth + 1 > maxDepth) {
      throw limitError(
        source,
        `${what} nests more than ${maxDepth} levels deep`,
        "maxDepth",
        maxDepth,
      );
    }
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return value;
}

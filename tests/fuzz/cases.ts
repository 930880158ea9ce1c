/**
 * Fuzz cases for every public reader (PNG, JPEG, gzip, IDX, CIFAR-10, safetensors, checkpoints,
 * image folders), shared by `deno task fuzz` (bench/fuzz.ts) and tests/fuzz_test.ts. Case `i` of
 * seed `s` is always the same bytes: every tenth case is a crafted hostile file (huge claimed
 * dimensions, decompression bombs, deep nesting, inherited property names), the others mutate a
 * valid file (bit flips, truncation, overwritten, inserted, deleted or duplicated ranges).
 *
 * @module
 */
import { deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { encode as encodeJpeg } from "jpeg-js";
import { join } from "node:path";
import { data, io, tf, tree } from "../../mod.ts";
import { loadCheckpoint, loadCifar10, loadImageFolder, readIdxFile } from "../../deno.ts";
import { mulberry32 } from "../helpers/seeded.ts";

/** The readers a case goes through. */
export const READERS = [
  "png",
  "jpeg",
  "gzip",
  "idx",
  "idx-file",
  "cifar",
  "cifar-file",
  "safetensors",
  "checkpoint",
  "checkpoint-file",
  "image-folder",
] as const;

/** A reader a case goes through. */
export type Reader = typeof READERS[number];

/** One case: the bytes, the reader, how they were made, and the name errors must carry. */
export interface FuzzCase {
  readonly index: number;
  readonly reader: Reader;
  /** `mutate:bitflip`, `crafted:png-huge-dims`, ... */
  readonly kind: string;
  /** The file name given to the reader (a path for the readers of files). */
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** How a case ended. */
export type Outcome = "ok" | "clean error" | "unclean error";

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

const text = (s: string) => new TextEncoder().encode(s);

function pngChunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  out.set(text(type), 4);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

interface PngSpec {
  width: number;
  height: number;
  depth?: number;
  colour?: number;
  interlace?: number;
  idat: Uint8Array;
  extra?: Uint8Array[];
}

/** A PNG file from its parts, with valid CRCs. */
export function pngFile(
  { width, height, depth = 8, colour = 0, interlace = 0, idat, extra = [] }: PngSpec,
) {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([depth, colour, 0, 0, interlace], 8);
  return concat(
    Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10),
    pngChunk("IHDR", ihdr),
    ...extra,
    pngChunk("IDAT", idat),
    pngChunk("IEND", new Uint8Array(0)),
  );
}

/** Filtered scanlines (filter 0) of random samples. */
function scanlines(random: () => number, height: number, rowBytes: number): Uint8Array {
  const raw = new Uint8Array(height * (1 + rowBytes));
  for (let y = 0; y < height; y++) {
    for (let x = 1; x <= rowBytes; x++) raw[y * (1 + rowBytes) + x] = random() * 256;
  }
  return raw;
}

/** A safetensors file from a header object and a data buffer (no validation). */
export function safetensorsFile(header: unknown, buffer = new Uint8Array(0), headerText?: string) {
  const json = text(headerText ?? JSON.stringify(header));
  const head = new Uint8Array(8);
  new DataView(head.buffer).setBigUint64(0, BigInt(json.length), true);
  return concat(head, json, buffer);
}

function idxFile(dims: number[], values: Uint8Array, type = 8): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  head.set([0, 0, type, dims.length]);
  dims.forEach((d, i) => new DataView(head.buffer).setUint32(4 + 4 * i, d));
  return concat(head, values);
}

/** A gzip file whose deflate stream inflates `raw` (CRC and size left zero: never reached). */
function gzipOf(deflated: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3), deflated, new Uint8Array(8));
}

/** Memoized: bytes that are slow to make are made once per process. */
function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/** Raw deflate of 263 MB of zeros: 255 KB that inflate about 1030 times. */
const zerosDeflated = once(() => deflateRawSync(new Uint8Array(263_000_000), { level: 9 }));

/** A zlib stream of the zero bomb (adler32 left zero: never reached). */
const zlibBomb = once(() => concat(Uint8Array.of(0x78, 0xda), zerosDeflated(), new Uint8Array(4)));

/** A gzip IDX file with a valid header for Fashion-MNIST's training images, then 100 MB of zeros. */
const idxHeaderBomb = once(() => {
  const header = idxFile([60000, 28, 28], new Uint8Array(0));
  return gzipOf(deflateRawSync(concat(header, new Uint8Array(100_000_000)), { level: 9 }));
});

const big8192Png = once(() => {
  const rowBytes = 8192;
  return pngFile({
    width: 8192,
    height: 8192,
    idat: deflateSync(new Uint8Array(8192 * (1 + rowBytes)), { level: 9 }),
  });
});

const atLimitPng = once(() =>
  pngFile({
    width: 2048,
    height: 2048,
    depth: 16,
    colour: 6,
    idat: deflateSync(new Uint8Array(2048 * (1 + 2048 * 8)), { level: 9 }),
  })
);

/** A JPEG whose frame header claims `width x height`, with `garbage` bytes of coded data. */
function jpegClaiming(width: number, height: number, garbage = 0): Uint8Array {
  const file = encodeJpeg({ width: 16, height: 16, data: new Uint8Array(1024).fill(128) }, 80)
    .data as Uint8Array;
  for (let at = 2; at + 9 < file.length;) {
    if (file[at + 1] === 0xc0) {
      file.set([height >> 8, height & 0xff, width >> 8, width & 0xff], at + 5);
      break;
    }
    at += 2 + ((file[at + 2] << 8) | file[at + 3]);
  }
  const random = mulberry32(width * 65536 + height);
  const coded = Uint8Array.from({ length: garbage }, () => random() * 255);
  return concat(file.subarray(0, file.length - 2), coded, file.subarray(file.length - 2));
}

/** The valid files the mutations start from, made once per process. */
export interface Seeds {
  readonly png: Uint8Array[];
  readonly jpeg: Uint8Array[];
  readonly gzip: Uint8Array[];
  readonly idx: Uint8Array[];
  readonly cifar: Uint8Array[];
  readonly safetensors: Uint8Array[];
  readonly checkpoint: Uint8Array[];
}

/** Makes the valid seed files (needs a tfjs backend for the checkpoints). */
export async function makeSeeds(): Promise<Seeds> {
  const random = mulberry32(12345);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => random() * 256);
  const png = [
    pngFile({ width: 6, height: 5, idat: deflateSync(scanlines(random, 5, 6)) }),
    pngFile({ width: 4, height: 3, colour: 2, idat: deflateSync(scanlines(random, 3, 12)) }),
    pngFile({
      width: 3,
      height: 3,
      depth: 16,
      colour: 6,
      idat: deflateSync(scanlines(random, 3, 24)),
    }),
    pngFile({
      width: 8,
      height: 2,
      depth: 1,
      colour: 3,
      idat: deflateSync(scanlines(random, 2, 1)),
      extra: [pngChunk("PLTE", bytes(6)), pngChunk("tEXt", text("Comment\0fuzz"))],
    }),
    pngFile({
      width: 5,
      height: 5,
      interlace: 1,
      // Adam7 passes of a 5x5 8-bit gray image: 15 rows, 27 samples, one filter byte per row.
      idat: deflateSync(new Uint8Array(15 + 25)),
    }),
  ];
  const jpegOf = (width: number, height: number) =>
    encodeJpeg({ width, height, data: bytes(width * height * 4) }, 80).data as Uint8Array;
  const jpeg = [jpegOf(8, 8), jpegOf(17, 9)];
  const idxPlain = [idxFile([5], bytes(5)), idxFile([3, 4, 4], bytes(48))];
  const idx = [...idxPlain, ...idxPlain.map((b) => gzipSync(b))];
  const cifar = [concat(bytes(1).map((b) => b % 10), bytes(3072))];
  const gzip = [
    gzipSync(bytes(300)),
    gzipSync(text("hello ".repeat(50))),
    ...cifar.map((c) => gzipSync(c)),
  ];
  const f32 = new Uint8Array(new Float32Array([1, -2, 3.5, 0]).buffer);
  const safetensors = [
    io.encodeSafetensors(
      new Map([
        ["a/w", { dtype: "F32", shape: [2, 2], data: f32 }],
        ["b", { dtype: "I32", shape: [1], data: new Uint8Array(4) }],
        ["c", { dtype: "F16", shape: [2], data: new Uint8Array(4) }],
        ["d", { dtype: "BOOL", shape: [3], data: Uint8Array.of(0, 1, 1) }],
      ]),
      { note: "fuzz" },
    ),
  ];
  const online = { conv: { w: tf.ones([2, 3]), b: tf.zeros([3]) }, layers: [tf.scalar(1)] };
  const parts = await io.encodeCheckpoint({
    trees: { online, step: 7, key: [1, 2], flags: { on: true, none: null, nan: NaN } },
    metadata: { config: { lr: 0.1, name: "fuzz" } },
  });
  tree.dispose(online);
  return {
    png,
    jpeg,
    gzip,
    idx,
    cifar,
    safetensors,
    checkpoint: [concat(...parts)],
  };
}

const SEED_OF: Record<Reader, keyof Seeds> = {
  png: "png",
  jpeg: "jpeg",
  gzip: "gzip",
  idx: "idx",
  "idx-file": "idx",
  cifar: "cifar",
  "cifar-file": "cifar",
  safetensors: "safetensors",
  checkpoint: "checkpoint",
  "checkpoint-file": "checkpoint",
  "image-folder": "png",
};

function mutate(random: () => number, input: Uint8Array): { kind: string; bytes: Uint8Array } {
  const at = () => Math.floor(random() * input.length);
  const bytes = new Uint8Array(input); // a plain copy (zlib gives Buffers)
  switch (Math.floor(random() * 7)) {
    case 0: {
      for (let k = 1 + Math.floor(random() * 8); k > 0; k--) {
        bytes[at()] ^= 1 << Math.floor(random() * 8);
      }
      return { kind: "mutate:bitflip", bytes };
    }
    case 1:
      return { kind: "mutate:truncate", bytes: bytes.slice(0, at()) };
    case 2: {
      const start = at();
      const fill = [0, 0xff, Math.floor(random() * 256)][Math.floor(random() * 3)];
      bytes.fill(fill, start, start + 1 + Math.floor(random() * 16));
      return { kind: "mutate:overwrite", bytes };
    }
    case 3: {
      const start = at();
      const inserted = Uint8Array.from({ length: 1 + random() * 32 }, () => random() * 256);
      return {
        kind: "mutate:insert",
        bytes: concat(bytes.subarray(0, start), inserted, bytes.subarray(start)),
      };
    }
    case 4: {
      const start = at();
      return {
        kind: "mutate:delete",
        bytes: concat(bytes.subarray(0, start), bytes.subarray(start + 1 + random() * 32)),
      };
    }
    case 5: {
      const start = at();
      const part = bytes.subarray(start, start + 1 + random() * 64);
      return {
        kind: "mutate:duplicate",
        bytes: concat(bytes.subarray(0, start), part, bytes.subarray(start)),
      };
    }
    default: {
      // A 4-byte big-endian field set to a huge or zero value (sizes, lengths, dimensions).
      const start = at();
      const view = new DataView(bytes.buffer);
      if (start + 4 <= bytes.length) {
        view.setUint32(start, [0, 0xffffffff, 0x7fffffff, 65535][Math.floor(random() * 4)]);
      }
      return { kind: "mutate:huge-field", bytes };
    }
  }
}

/** A checkpoint file with the given `tree` metadata text and extra metadata. */
function checkpointWith(
  treeText: string,
  tensors: Record<string, unknown> = {},
  buffer = new Uint8Array(0),
  metadata: Record<string, string> = {},
) {
  return safetensorsFile({ __metadata__: { tree: treeText, ...metadata }, ...tensors }, buffer);
}

const deepArray = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const deepDict = (depth: number) => '{"dict":{"a":'.repeat(depth) + "null" + "}}".repeat(depth);

/** The crafted cases: a reader and a maker of the bytes. */
const CRAFTED: readonly { reader: Reader; kind: string; bytes: () => Uint8Array }[] = [
  {
    reader: "png",
    kind: "png-2147483647x1",
    bytes: () => pngFile({ width: 2147483647, height: 1, idat: deflateSync(new Uint8Array(10)) }),
  },
  { reader: "png", kind: "png-8192x8192-64KB", bytes: big8192Png },
  { reader: "image-folder", kind: "png-8192x8192-64KB", bytes: big8192Png },
  {
    reader: "png",
    kind: "png-65535x65535",
    bytes: () =>
      pngFile({
        width: 65535,
        height: 65535,
        depth: 16,
        colour: 6,
        idat: deflateSync(new Uint8Array(100)),
      }),
  },
  {
    reader: "png",
    kind: "png-2049x2048",
    bytes: () => pngFile({ width: 2049, height: 2048, idat: deflateSync(new Uint8Array(100)) }),
  },
  { reader: "png", kind: "png-2048x2048-rgba16-valid", bytes: atLimitPng },
  {
    reader: "png",
    kind: "png-zero-width",
    bytes: () => pngFile({ width: 0, height: 5, idat: deflateSync(new Uint8Array(5)) }),
  },
  {
    reader: "png",
    kind: "png-idat-bomb",
    bytes: () => pngFile({ width: 16, height: 16, idat: zlibBomb() }),
  },
  {
    reader: "image-folder",
    kind: "png-idat-bomb",
    bytes: () => pngFile({ width: 16, height: 16, idat: zlibBomb() }),
  },
  {
    reader: "png",
    kind: "png-iccp-bomb",
    bytes: () =>
      pngFile({
        width: 2,
        height: 2,
        idat: deflateSync(new Uint8Array(6)),
        extra: [pngChunk("iCCP", concat(text("x\0\0"), zlibBomb()))],
      }),
  },
  {
    reader: "png",
    kind: "png-short-idat",
    bytes: () => pngFile({ width: 2000, height: 2000, idat: deflateSync(new Uint8Array(1000)) }),
  },
  {
    reader: "png",
    kind: "png-chunk-length-4G",
    bytes: () => {
      const file = pngFile({ width: 2, height: 2, idat: deflateSync(new Uint8Array(6)) });
      new DataView(file.buffer).setUint32(33, 0xffffffff);
      return file;
    },
  },
  ...[[65535, 65535], [2049, 2048], [0, 16], [2048, 2048]].map(([width, height]) => ({
    reader: "jpeg" as const,
    kind: `jpeg-sof-${width}x${height}`,
    bytes: () => jpegClaiming(width, height),
  })),
  {
    reader: "jpeg",
    kind: "jpeg-2048x2048-40KB-garbage",
    bytes: once(() => jpegClaiming(2048, 2048, 40_000)),
  },
  { reader: "gzip", kind: "gzip-bomb-255KB", bytes: () => gzipOf(zerosDeflated()) },
  { reader: "idx-file", kind: "gzip-bomb-255KB", bytes: () => gzipOf(zerosDeflated()) },
  { reader: "cifar-file", kind: "gzip-bomb-255KB", bytes: () => gzipOf(zerosDeflated()) },
  { reader: "idx-file", kind: "idx-gzip-bomb-valid-header", bytes: idxHeaderBomb },
  {
    reader: "idx-file",
    kind: "idx-gzip-claims-4G-cubed",
    bytes: () => gzipSync(idxFile([0xffffffff, 0xffffffff, 0xffffffff], new Uint8Array(100))),
  },
  { reader: "idx", kind: "idx-zero-dim", bytes: () => idxFile([3, 0, 5], new Uint8Array(0)) },
  {
    reader: "idx",
    kind: "idx-huge-dims",
    bytes: () => idxFile([0xffffffff, 0xffffffff], new Uint8Array(8)),
  },
  { reader: "idx", kind: "idx-rank-255", bytes: () => Uint8Array.of(0, 0, 8, 255, 0, 0, 0, 1) },
  { reader: "idx", kind: "idx-float", bytes: () => idxFile([2], new Uint8Array(8), 0x0d) },
  {
    reader: "cifar",
    kind: "cifar-bad-label",
    bytes: () => concat(Uint8Array.of(200), new Uint8Array(3072)),
  },
  {
    reader: "safetensors",
    kind: "st-header-2^63",
    bytes: () => concat(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), text("{}")),
  },
  {
    reader: "safetensors",
    kind: "st-header-200MB",
    bytes: () => concat(Uint8Array.of(0, 0xc2, 0xeb, 0x0b, 0, 0, 0, 0), text("{}")),
  },
  {
    reader: "safetensors",
    kind: "st-huge-shape",
    bytes: () =>
      safetensorsFile(
        { w: { dtype: "F32", shape: [2 ** 31, 2 ** 31], data_offsets: [0, 4] } },
        new Uint8Array(4),
      ),
  },
  {
    reader: "safetensors",
    kind: "st-deep-header",
    bytes: () => safetensorsFile(null, new Uint8Array(0), `{"w":{"dtype":${deepArray(100000)}}}`),
  },
  {
    reader: "safetensors",
    kind: "st-inherited-names",
    bytes: () =>
      safetensorsFile(
        null,
        new Uint8Array(4),
        '{"__proto__":{"dtype":"constructor","shape":[1],"data_offsets":[0,4]},"__metadata__":{"toString":"x"}}',
      ),
  },
  {
    reader: "checkpoint",
    kind: "ckpt-deep-tree",
    bytes: () => checkpointWith(`{"online":${deepDict(100000)}}`),
  },
  {
    reader: "checkpoint",
    kind: "ckpt-deep-metadata",
    bytes: () => checkpointWith('{"s":1}', {}, new Uint8Array(0), { config: deepArray(1_000_000) }),
  },
  ...["constructor", "__proto__", "toString", "hasOwnProperty"].flatMap((name) => [
    {
      reader: "checkpoint" as const,
      kind: `ckpt-number-${name}`,
      bytes: () => checkpointWith(`{"x":{"number":"${name}"}}`),
    },
    {
      reader: "checkpoint" as const,
      kind: `ckpt-tensor-ref-${name}`,
      bytes: () => checkpointWith(`{"x":{"tensor":"${name}"}}`),
    },
    {
      reader: "checkpoint" as const,
      kind: `ckpt-dict-key-${name}`,
      bytes: () =>
        checkpointWith(`{"x":{"dict":{"${name}":{"tensor":"w"}}}}`, {
          w: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
        }, new Uint8Array(4)),
    },
  ]),
  {
    reader: "checkpoint",
    kind: "ckpt-f8-tensor",
    bytes: () =>
      checkpointWith('{"w":{"tensor":"w"}}', {
        w: { dtype: "F8_E5M2", shape: [2], data_offsets: [0, 2] },
      }, new Uint8Array(2)),
  },
  {
    reader: "checkpoint",
    kind: "ckpt-i64-out-of-range",
    bytes: () =>
      checkpointWith('{"w":{"tensor":"w"}}', {
        w: { dtype: "I64", shape: [1], data_offsets: [0, 8] },
      }, new Uint8Array(8).fill(0x7f)),
  },
  {
    reader: "checkpoint-file",
    kind: "ckpt-deep-tree",
    bytes: () => checkpointWith(`{"a":${deepDict(50000)}}`),
  },
];

const EXTENSIONS: Partial<Record<Reader, string>> = {
  png: ".png",
  jpeg: ".jpg",
  "image-folder": ".png",
};

/** Case `index` of `seed`: the same bytes every time. */
export function fuzzCase(seeds: Seeds, seed: number, index: number): FuzzCase {
  const random = mulberry32(seed * 1_000_003 + index);
  if (index % 10 === 0) {
    const crafted = CRAFTED[(index / 10) % CRAFTED.length];
    return {
      index,
      reader: crafted.reader,
      kind: `crafted:${crafted.kind}`,
      name: `case-${index}-${crafted.kind}${EXTENSIONS[crafted.reader] ?? ""}`,
      bytes: crafted.bytes(),
    };
  }
  const reader = READERS[Math.floor(random() * READERS.length)];
  const pool = seeds[SEED_OF[reader]];
  const { kind, bytes } = mutate(random, pool[Math.floor(random() * pool.length)]);
  return { index, reader, kind, name: `case-${index}${EXTENSIONS[reader] ?? ""}`, bytes };
}

/** How many crafted kinds there are (every tenth case cycles through them). */
export const CRAFTED_KINDS = CRAFTED.length;

/**
 * Runs a case through its reader; readers of files get it written under `dir` (a fresh folder
 * per case). Returns the name errors must carry (the file's path for the readers of files).
 * Throws what the reader throws.
 */
export async function runReader(c: FuzzCase, dir: string): Promise<string> {
  const { reader, name, bytes } = c;
  const write = async (...parts: string[]) => {
    const path = join(dir, ...parts);
    await Deno.mkdir(join(path, ".."), { recursive: true });
    await Deno.writeFile(path, bytes);
    return path;
  };
  switch (reader) {
    case "png":
    case "jpeg":
      data.decodeImage(bytes, name);
      return name;
    case "gzip":
      await data.gunzip(bytes, name);
      return name;
    case "idx":
      data.parseIdx(bytes, name);
      return name;
    case "idx-file": {
      const path = await write(name);
      await readIdxFile(path);
      return path;
    }
    case "cifar":
      data.parseCifarBatches([{ name, bytes }]);
      return name;
    case "cifar-file": {
      const path = await write(name, "test_batch.bin");
      await loadCifar10({ dir: join(dir, name), split: "test" });
      return path;
    }
    case "safetensors":
      io.decodeSafetensors(bytes, { name });
      return name;
    case "checkpoint":
      tree.dispose(io.decodeCheckpoint(bytes, { name }).trees);
      return name;
    case "checkpoint-file": {
      const path = await write(name);
      tree.dispose((await loadCheckpoint(path)).trees);
      return path;
    }
    case "image-folder": {
      await write(name, "class", "image.png");
      await loadImageFolder({ root: join(dir, name) });
      return join(dir, name, "class", "image.png");
    }
  }
}

/** The outcome of a case: a clean error names the file (its name or path). */
export async function runCase(
  c: FuzzCase,
  dir: string,
): Promise<{ outcome: Outcome; message?: string }> {
  const caseDir = join(dir, String(c.index));
  const source = c.reader.endsWith("-file") || c.reader === "image-folder"
    ? join(caseDir, c.name)
    : c.name;
  try {
    await runReader(c, caseDir);
    return { outcome: "ok" };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { outcome: message.includes(source) ? "clean error" : "unclean error", message };
  } finally {
    await Deno.remove(caseDir, { recursive: true }).catch(() => {});
  }
}

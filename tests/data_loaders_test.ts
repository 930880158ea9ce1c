import assert from "node:assert/strict";
import { join } from "node:path";
import { encode as encodePng } from "fast-png";
import { encode as encodeJpeg } from "jpeg-js";
import { CIFAR10_CLASSES, decodeImage, gunzip, resizeImage } from "../lib/data/mod.ts";
import { loadCifar10, loadFashionMnist, loadIdx, loadImageFolder, readIdxFile } from "../deno.ts";
import { loadRunData } from "../models/byol/train/mod.ts";

const tmp = await Deno.makeTempDir({ prefix: "data_loaders_test_" });
addEventListener("unload", () => Deno.removeSync(tmp, { recursive: true }));

function idxBytes(dims: number[], data: Uint8Array, type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, type, dims.length]);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function write(dir: string, name: string, bytes: Uint8Array): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await Deno.writeFile(path, bytes);
  return path;
}

const pixels = Uint8Array.from({ length: 5 * 3 * 4 }, (_, i) => (i * 7) % 256);
const labelBytes = Uint8Array.from([3, 1, 4, 1, 5]);
const digits = Array.from({ length: 10 }, (_, i) => String(i));

Deno.test("IDX: raw and gzip files load to the same NHWC uint8 dataset", async () => {
  const dir = join(tmp, "idx");
  const raw = await loadIdx({
    images: await write(dir, "images-idx3-ubyte", idxBytes([5, 3, 4], pixels)),
    labels: await write(dir, "labels-idx1-ubyte", idxBytes([5], labelBytes)),
    classNames: digits,
  });
  assert.deepEqual(raw.shape, [5, 3, 4, 1]);
  assert.deepEqual(raw.images, pixels);
  assert.deepEqual(raw.labels, Int32Array.from(labelBytes));
  const zipped = await loadIdx({
    images: await write(dir, "images-idx3-ubyte.gz", await gzip(idxBytes([5, 3, 4], pixels))),
    labels: await write(dir, "labels-idx1-ubyte.gz", await gzip(idxBytes([5], labelBytes))),
    classNames: digits,
  });
  assert.deepEqual(zipped.images, raw.images);
  assert.deepEqual(zipped.labels, raw.labels);
  assert.deepEqual(zipped.shape, raw.shape);
});

Deno.test("IDX: corrupt files fail with the file name and the problem", async () => {
  const dir = join(tmp, "idx_bad");
  const labels = await write(dir, "labels", idxBytes([5], labelBytes));
  const load = async (name: string, bytes: Uint8Array, labelPath = labels) =>
    await loadIdx({ images: await write(dir, name, bytes), labels: labelPath, classNames: digits });
  const magic = idxBytes([5, 3, 4], pixels);
  magic[2] = 0x07;
  await assert.rejects(load("magic", magic), {
    message: `${join(dir, "magic")}: bad IDX magic number 0x00000703; expected 0x000008NN ` +
      "(unsigned bytes, NN dimensions), e.g. 0x00000803 for images, 0x00000801 for labels",
  });
  await assert.rejects(load("float", idxBytes([5, 3, 4], pixels, 0x0d)), {
    message: `${join(dir, "float")}: IDX data type 0x0d (float32) is not supported; ` +
      "expected 0x08 (unsigned byte)",
  });
  await assert.rejects(load("short", idxBytes([5, 3, 4], pixels).subarray(0, 50)), {
    message: `${join(dir, "short")}: header says [5, 3, 4] = 60 data bytes but the file has ` +
      "34 (truncated)",
  });
  const long = new Uint8Array(idxBytes([5, 3, 4], pixels).length + 2);
  long.set(idxBytes([5, 3, 4], pixels));
  await assert.rejects(load("long", long), {
    message: `${join(dir, "long")}: header says [5, 3, 4] = 60 data bytes but the file has ` +
      "62 (trailing bytes)",
  });
  await assert.rejects(load("header", idxBytes([5, 3, 4], pixels).subarray(0, 10)), {
    message: `${join(dir, "header")}: truncated IDX header: 3 dimensions need 16 bytes, ` +
      "the file has 10",
  });
  const badGzip = Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff]);
  await assert.rejects(load("bad.gz", badGzip), {
    message: `${join(dir, "bad.gz")}: not a valid gzip stream (corrupt deflate stream)`,
  });
  const zipped = await gzip(idxBytes([5, 3, 4], pixels));
  await assert.rejects(load("cut.gz", zipped.subarray(0, zipped.length - 5)), (err: Error) => {
    assert.match(err.message, /^.*cut\.gz: not a valid gzip stream \(.+\)$/);
    return true;
  });
  const fourLabels = await write(dir, "four", idxBytes([4], labelBytes.subarray(0, 4)));
  await assert.rejects(load("ok", idxBytes([5, 3, 4], pixels), fourLabels), {
    message: `${fourLabels}: 4 labels but ${join(dir, "ok")} has 5 images`,
  });
  const bigLabel = await write(dir, "big", idxBytes([5], Uint8Array.from([1, 2, 10, 3, 4])));
  await assert.rejects(load("ok", idxBytes([5, 3, 4], pixels), bigLabel), {
    message: `${bigLabel}: label 10 of image 2 is outside [0, 10) for 10 classes`,
  });
  await assert.rejects(load("ok", idxBytes([5, 3, 4], pixels), join(dir, "absent")), {
    message: `${join(dir, "absent")}: file not found`,
  });
});

/** A CIFAR record whose pixel (y, x) of channel c is `(label + c * 50 + y + x) % 256`. */
function cifarRecord(label: number): Uint8Array {
  const record = new Uint8Array(3073);
  record[0] = label;
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < 1024; p++) {
      record[1 + c * 1024 + p] = (label + c * 50 + Math.floor(p / 32) + (p % 32)) % 256;
    }
  }
  return record;
}

Deno.test("CIFAR-10: records are converted from CHW to HWC, class names from the meta file", async () => {
  const dir = join(tmp, "cifar");
  const bytes = new Uint8Array(3 * 3073);
  [7, 0, 9].forEach((label, i) => bytes.set(cifarRecord(label), i * 3073));
  await write(dir, "test_batch.bin", bytes);
  const test = await loadCifar10({ dir, split: "test" });
  assert.deepEqual(test.shape, [3, 32, 32, 3]);
  assert.deepEqual(test.labels, Int32Array.from([7, 0, 9]));
  assert.deepEqual(test.classNames, CIFAR10_CLASSES);
  const at = (i: number, y: number, x: number, c: number) =>
    test.images[((i * 32 + y) * 32 + x) * 3 + c];
  assert.deepEqual([at(0, 0, 0, 0), at(0, 0, 0, 1), at(0, 0, 0, 2)], [7, 57, 107]);
  assert.deepEqual([at(2, 5, 3, 0), at(2, 5, 3, 2)], [17, 117]);
  const names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
  await write(dir, "batches.meta.txt", new TextEncoder().encode(names.join("\n") + "\n\n"));
  assert.deepEqual((await loadCifar10({ dir, split: "test" })).classNames, names);
  for (let b = 1; b <= 5; b++) await write(dir, `data_batch_${b}.bin`, cifarRecord(b));
  const train = await loadCifar10({ dir, split: "train" });
  assert.deepEqual(train.labels, Int32Array.from([1, 2, 3, 4, 5]));
});

Deno.test("CIFAR-10: bad sizes, labels, meta files and missing batches are named", async () => {
  const dir = join(tmp, "cifar_bad");
  const path = await write(dir, "test_batch.bin", new Uint8Array(3073 * 2 - 1));
  await assert.rejects(loadCifar10({ dir, split: "test" }), {
    message: `${path}: size 6145 bytes is not a positive multiple of 3073 (1 label byte + 3072 ` +
      "pixel bytes per CIFAR-10 record); the file is truncated or not a CIFAR-10 binary batch",
  });
  await write(dir, "test_batch.bin", cifarRecord(12));
  await assert.rejects(loadCifar10({ dir, split: "test" }), {
    message: `${path}: record 0 has label 12, expected 0-9`,
  });
  await write(dir, "test_batch.bin", cifarRecord(1));
  const meta = await write(dir, "batches.meta.txt", new TextEncoder().encode("cat\ndog\n"));
  await assert.rejects(loadCifar10({ dir, split: "test" }), {
    message: `${meta}: expected 10 class names (one per line), found 2`,
  });
  await assert.rejects(loadCifar10({ dir, split: "train" }), {
    message: `${join(dir, "data_batch_1.bin")}: file not found`,
  });
});

function png(
  width: number,
  height: number,
  channels: number,
  data: ArrayLike<number>,
  depth: 8 | 16 = 8,
) {
  const typed = depth === 16 ? Uint16Array.from(data) : Uint8Array.from(data);
  return encodePng({ width, height, channels, depth, data: typed });
}

Deno.test("image folder: PNG (gray, 16-bit, RGBA) and JPEG files, classes from folders", async () => {
  const root = join(tmp, "folder");
  await write(join(root, "dark"), "a.png", png(4, 4, 1, new Array(16).fill(40)));
  await write(join(root, "dark"), "b.png", png(4, 4, 1, new Array(16).fill(40 * 257), 16));
  await write(join(root, "light"), "c.png", png(4, 4, 2, new Array(32).fill(200)));
  await write(join(root, "light"), "notes.txt", new TextEncoder().encode("ignored"));
  const gray = await loadImageFolder({ root });
  assert.deepEqual(gray.classNames, ["dark", "light"]);
  assert.deepEqual(gray.shape, [3, 4, 4, 1]);
  assert.deepEqual(gray.labels, Int32Array.from([0, 0, 1]));
  assert.deepEqual([gray.images[0], gray.images[16], gray.images[32]], [40, 40, 157]);

  const rgba = Array.from({ length: 16 }, () => [255, 0, 0, 255]).flat();
  await write(join(root, "red"), "d.png", png(4, 4, 4, rgba));
  const jpeg = encodeJpeg({ width: 4, height: 4, data: new Uint8Array(64).fill(128) }, 95).data;
  await write(join(root, "red"), "e.JPG", jpeg);
  const colour = await loadImageFolder({ root });
  assert.deepEqual(colour.shape, [5, 4, 4, 3]);
  assert.deepEqual(Array.from(colour.images.subarray(0, 3)), [40, 40, 40]);
  assert.deepEqual(Array.from(colour.images.subarray(3 * 48, 3 * 48 + 3)), [255, 0, 0]);
  assert.ok(Math.abs(colour.images[4 * 48] - 128) <= 2, "JPEG gray decodes near 128");
  const forcedGray = await loadImageFolder({ root, channels: 1 });
  assert.equal(forcedGray.images[3 * 16], Math.round(0.299 * 255));
});

Deno.test("image folder: sizes must agree unless a size is given; bad files are named", async () => {
  const root = join(tmp, "folder_sizes");
  await write(join(root, "a"), "small.png", png(4, 4, 1, new Array(16).fill(100)));
  const big = await write(join(root, "b"), "big.png", png(8, 6, 1, new Array(48).fill(100)));
  await assert.rejects(loadImageFolder({ root }), {
    message: `${big}: image is 6x8 but ${join(root, "a", "small.png")} is 4x4; all images must ` +
      "have one size, or pass size: { height, width } to resize them",
  });
  const resized = await loadImageFolder({ root, size: { height: 5, width: 5 } });
  assert.deepEqual(resized.shape, [2, 5, 5, 1]);
  assert.ok(resized.images.every((v) => v === 100), "a constant image stays constant");

  const fake = await write(join(root, "b"), "fake.png", new TextEncoder().encode("hello"));
  await assert.rejects(loadImageFolder({ root }), {
    message: `${fake}: not a PNG or JPEG file (starts with bytes 68 65 6c 6c)`,
  });
  const truncated = png(4, 4, 1, new Array(16).fill(1)).subarray(0, 30);
  await write(join(root, "b"), "fake.png", truncated);
  await assert.rejects(loadImageFolder({ root }), (err: Error) => {
    assert.match(err.message, new RegExp(`^${fake.replaceAll(".", "\\.")}: cannot decode PNG: .+`));
    return true;
  });
  await Deno.remove(fake);
  await Deno.mkdir(join(root, "empty"));
  await assert.rejects(loadImageFolder({ root }), {
    message: `${join(root, "empty")}: no .png, .jpg or .jpeg images in this class`,
  });
  await assert.rejects(loadImageFolder({ root: join(tmp, "nowhere") }), {
    message: `${join(tmp, "nowhere")}: directory not found`,
  });
});

Deno.test("resizeImage averages when shrinking (no aliasing)", () => {
  const checker = Uint8Array.from(
    { length: 64 },
    (_, i) => ((i % 8) + Math.floor(i / 8)) % 2 ? 255 : 0,
  );
  const small = resizeImage({ height: 8, width: 8, channels: 1, data: checker }, {
    height: 4,
    width: 4,
  });
  // Every output averages a balanced neighbourhood; the border ones see a clipped filter.
  assert.ok(small.data.every((v) => Math.abs(v - 128) <= 3), `got ${small.data}`);
  assert.deepEqual(Array.from(small.data.subarray(5, 7)), [128, 128]);
  const img = decodeImage(png(2, 1, 3, [10, 20, 30, 40, 50, 60]), "two.png");
  assert.deepEqual(img, {
    width: 2,
    height: 1,
    channels: 3,
    data: Uint8Array.from([10, 20, 30, 40, 50, 60]),
  });
});

const debian = "/usr/share/datasets/fashion-mnist";
const hasDebian = await Deno.stat(debian).then(() => true, () => false);
if (!hasDebian) {
  console.log(`skipped: real Fashion-MNIST (no ${debian}; apt-get install dataset-fashion-mnist)`);
}

Deno.test({
  name: "real Fashion-MNIST from Debian's dataset-fashion-mnist package",
  ignore: !hasDebian,
  async fn() {
    Deno.env.delete("FASHION_MNIST_DIR");
    const options = { dataRoot: join(tmp, "no-data"), download: false } as const;
    const train = await loadFashionMnist({ ...options, split: "train" });
    assert.deepEqual(train.shape, [60000, 28, 28, 1]);
    assert.equal(train.classNames.length, 10);
    assert.equal(train.labels[0], 9);
    assert.equal(train.classNames[train.labels[0]], "Ankle boot");
    assert.equal(train.source, `${debian} (train)`);
    const test = await loadFashionMnist({ ...options, split: "test" });
    assert.deepEqual(test.shape, [10000, 28, 28, 1]);
    const counts = new Array(10).fill(0);
    test.labels.forEach((l) => counts[l]++);
    assert.deepEqual(counts, new Array(10).fill(1000));
  },
});

Deno.test("decodeImage expands palette and 1-bit PNGs to bytes", () => {
  const palette = encodePng({
    width: 2,
    height: 1,
    channels: 1,
    depth: 8,
    data: Uint8Array.from([1, 0]),
    palette: [[255, 0, 0], [10, 20, 30]],
  });
  assert.deepEqual(
    decodeImage(palette, "palette.png").data,
    Uint8Array.from([10, 20, 30, 255, 0, 0]),
  );
  // 1-bit rows are packed and padded to whole bytes: 10 pixels take 2 bytes per row.
  const bits = encodePng({
    width: 10,
    height: 2,
    channels: 1,
    depth: 1,
    data: Uint8Array.from([0b10100000, 0b01000000, 0b11111111, 0b11000000]),
  });
  const gray = decodeImage(bits, "bits.png");
  assert.equal(gray.channels, 1);
  assert.deepEqual(
    Array.from(gray.data, (v) => v / 255),
    [1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
  );
});

/** A PNG file from its header fields and a zlib stream, with valid CRCs (fast-png cannot lie). */
function craftedPng(width: number, height: number, idat: Uint8Array): Uint8Array {
  const table = Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const chunk = (type: string, body: Uint8Array) => {
    const out = new Uint8Array(12 + body.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, body.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(body, 8);
    let c = 0xffffffff;
    for (const b of out.subarray(4, 8 + body.length)) c = table[(c ^ b) & 0xff] ^ (c >>> 8);
    view.setUint32(8 + body.length, (c ^ 0xffffffff) >>> 0);
    return out;
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const parts = [
    Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10),
    chunk("IHDR", ihdr),
    chunk("IDAT", idat),
    chunk("IEND", new Uint8Array(0)),
  ];
  return new Uint8Array(parts.flatMap((p) => [...p]));
}

async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const RAISE = /if the file is trusted, raise it with the option limits: \{ maxPixels: N \}$/;

Deno.test("limits: a PNG claiming 2147483647x1 pixels is refused before decoding", async () => {
  const bomb = craftedPng(2147483647, 1, await deflate(new Uint8Array(10)));
  assert.ok(bomb.length < 100, `${bomb.length} bytes`);
  assert.throws(() => decodeImage(bomb, "bomb.png"), {
    message: new RegExp(
      "^bomb.png: PNG header claims 2147483647x1 = 2147483647 pixels, over the limit " +
        "maxPixels = 4194304; " + RAISE.source.slice(0, -1) + "$",
    ),
  });
  // A valid 3x3 image within a raised limit decodes; under a lowered one it is refused.
  const small = craftedPng(3, 3, await deflate(new Uint8Array(12)));
  assert.equal(decodeImage(small, "small.png", { limits: { maxPixels: 9 } }).width, 3);
  assert.throws(() => decodeImage(small, "small.png", { limits: { maxPixels: 8 } }), {
    message: /^small.png: PNG header claims 3x3 = 9 pixels, over the limit maxPixels = 8/,
  });
  assert.throws(() => decodeImage(small, "small.png", { limits: { maxPixel: 8 } as never }), {
    message: /unknown limit "maxPixel"/,
  });
});

Deno.test("limits: PNG data that inflates past or short of its header is refused", async () => {
  const bomb = craftedPng(4, 4, await deflate(new Uint8Array(10_000_000)));
  assert.throws(() => decodeImage(bomb, "idat-bomb.png"), {
    message: /^idat-bomb.png: cannot decode PNG: image data inflates to more than the 20 bytes/,
  });
  const short = craftedPng(4, 4, await deflate(new Uint8Array(19)));
  assert.throws(() => decodeImage(short, "short.png"), {
    message: "short.png: cannot decode PNG: image data inflates to 19 bytes, the header needs 20",
  });
  const ok = decodeImage(craftedPng(4, 4, await deflate(new Uint8Array(20))), "ok.png");
  assert.deepEqual([ok.width, ok.height, ok.channels], [4, 4, 1]);
});

Deno.test("limits: a JPEG's frame header is checked against maxPixels and its size", () => {
  const jpeg = encodeJpeg({ width: 16, height: 16, data: new Uint8Array(1024).fill(99) }, 90)
    .data as Uint8Array;
  const claim = (width: number, height: number) => {
    const file = Uint8Array.from(jpeg); // a copy: jpeg-js gives a Buffer, whose slice is a view
    for (let at = 2; at + 9 < file.length;) {
      if (file[at + 1] === 0xc0) {
        file.set([height >> 8, height & 0xff, width >> 8, width & 0xff], at + 5);
        return file;
      }
      at += 2 + ((file[at + 2] << 8) | file[at + 3]);
    }
    throw new Error("no SOF0 marker");
  };
  assert.throws(() => decodeImage(claim(65535, 65535), "huge.jpg"), {
    message: /^huge.jpg: JPEG header claims 65535x65535 = 4294836225 pixels, over the limit/,
  });
  assert.throws(() => decodeImage(claim(2048, 2048), "short.jpg"), {
    message: /^short.jpg: cannot decode JPEG: a 2048x2048 image needs at least 8192 bytes/,
  });
  assert.equal(decodeImage(jpeg, "ok.jpg").width, 16);
});

Deno.test("limits: gzip output is bounded as it inflates; IDX headers are checked first", async () => {
  const zeros = await gzip(new Uint8Array(5_000_000));
  await assert.rejects(gunzip(zeros, "zeros.gz", { limits: { maxDecompressedBytes: 1_000_000 } }), {
    message: "zeros.gz: gzip stream inflates to more than 1000000 bytes, over the limit " +
      "maxDecompressedBytes = 1000000; if the file is trusted, raise it with the option " +
      "limits: { maxDecompressedBytes: N }",
  });
  assert.equal((await gunzip(zeros, "zeros.gz")).length, 5_000_000);
  const dir = join(tmp, "limits");
  // Zeros: a bad magic number, seen in the first kilobyte rather than after inflating it all.
  const bomb = await write(dir, "bomb-idx1-ubyte.gz", zeros);
  await assert.rejects(readIdxFile(bomb), { message: new RegExp(`^${bomb}: bad IDX magic`) });
  const header = idxBytes([10, 28, 28], new Uint8Array(0));
  const trailing = new Uint8Array(header.length + 100_000);
  trailing.set(header);
  const long = await write(dir, "long-idx3-ubyte.gz", await gzip(trailing));
  await assert.rejects(readIdxFile(long), {
    message: `${long}: inflates to more than the 7856 bytes its header claims (trailing data, ` +
      "or not the format expected)",
  });
  const claims = await write(dir, "claims-idx3-ubyte.gz", await gzip(header));
  await assert.rejects(readIdxFile(claims, { limits: { maxDecompressedBytes: 1000 } }), {
    message: new RegExp(
      `^${claims}: IDX header claims \\[10, 28, 28\\], 7856 bytes once inflated, over the ` +
        "limit maxDecompressedBytes = 1000",
    ),
  });
  const zero = await write(dir, "zero-idx3-ubyte", idxBytes([2, 0, 28], new Uint8Array(0)));
  await assert.rejects(readIdxFile(zero), {
    message: `${zero}: IDX header gives dimension 1 of [2, 0, 28] size 0; every dimension ` +
      "must be at least 1",
  });
  const big = await write(dir, "big-labels", idxBytes([5], labelBytes));
  await assert.rejects(readIdxFile(big, { limits: { maxFileBytes: 12 } }), {
    message: new RegExp(`^${big}: file is 13 bytes, over the limit maxFileBytes = 12`),
  });
});

Deno.test("limits: the image folder checks files, images and the resize target", async () => {
  const root = join(tmp, "limits-folder");
  await write(join(root, "a"), "x.png", craftedPng(3, 2, await deflate(new Uint8Array(8))));
  assert.deepEqual((await loadImageFolder({ root })).shape, [1, 2, 3, 1]);
  await assert.rejects(loadImageFolder({ root, limits: { maxPixels: 5 } }), {
    message: new RegExp(`^${join(root, "a", "x.png")}: PNG header claims 3x2 = 6 pixels`),
  });
  await assert.rejects(loadImageFolder({ root, limits: { maxFileBytes: 10 } }), {
    message: new RegExp(`^${join(root, "a", "x.png")}: file is \\d+ bytes, over the limit`),
  });
  await assert.rejects(loadImageFolder({ root, size: { height: 50_000, width: 50_000 } }), {
    message: new RegExp(`^${root}: size 50000x50000 is 2500000000 pixels, over the limit`),
  });
});

Deno.test("--data: a folder that does not load is an error naming it, never a fallback", async () => {
  const empty = join(tmp, "empty-data");
  await Deno.mkdir(empty, { recursive: true });
  const say = (text: string) => assert.fail(`no fallback note expected: ${text}`);
  for (const dataset of ["auto", "fashion-mnist", "cifar10"] as const) {
    await assert.rejects(loadRunData({ dataset, dir: empty, say }), {
      message: new RegExp(
        `^--data ${empty}: (fashion-mnist|cifar10) could not be loaded from it: `,
      ),
    });
  }
  await assert.rejects(loadRunData({ dataset: "shapes", dir: empty, say }), {
    message: `--data ${empty}: shapes is built in and reads no files; drop --data`,
  });
});

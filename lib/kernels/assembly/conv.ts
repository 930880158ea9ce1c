// Convolution kernels for tfjs's shared wasm memory, compiled by AssemblyScript with SIMD128 and
// relaxed SIMD (f32x4.relaxed_madd is a fused multiply-add on x86 with FMA3).
//
// ABI: every exported kernel takes (part, parts) first; the caller runs it once per thread with
// part = 0..parts-1 at the same time on the same memory, and each call does only its share,
// writing bytes no other part writes. Pointers are byte offsets into that memory, sizes are i32.
// Layouts: activations NHWC, filters HWIO, all f32. No allocation, no static data.

/** Rows (reduction-side values broadcast) of the register tile. */
@inline const MR: i32 = 6;
/** Columns (output channels, two f32x4) of the register tile. */
@inline const NR: i32 = 8;

@inline const CHUNK_FLOATS: i32 = 32768;

@inline function rangeStart(total: i32, part: i32, parts: i32): i32 {
  return <i32>((<i64>total * part) / parts);
}

/** Pixels per im2col chunk of the filter gradient, so that a chunk of patches stays in L2. */
@inline function filterGradChunk(kPadded: i32): i32 {
  const c = CHUNK_FLOATS / kPadded;
  return c < 16 ? 16 : c > 512 ? 512 : c;
}

@inline function roundUp(v: i32, m: i32): i32 {
  return ((v + m - 1) / m) * m;
}

/**
 * Bytes of scratch conv2dFilterGrad and conv2dFilterGradReduce need:
 * 4 * ((parts - 1) * K * outC + parts * (chunk * Kp + 48)) with K = kH * kW * inC, Kp = K rounded up
 * to a multiple of 6 and chunk = clamp(floor(32768 / Kp), 16, 512).
 */
export function conv2dFilterGradScratchBytes(parts: i32, inC: i32, outC: i32, kH: i32, kW: i32): i32 {
  const k = kH * kW * inC;
  const kp = roundUp(k, MR);
  return 4 * ((parts - 1) * k * outC + parts * (filterGradChunk(kp) * kp + MR * NR));
}

/**
 * Writes rows [p0, p0 + rows) of the im2col matrix of x (rows = output pixels n, oh, ow; columns
 * = (kh, kw, c), padded with zero columns up to kp) to a.
 */
function im2colRows(
  a: usize, kp: i32, x: usize, p0: i32, rows: i32,
  h: i32, w: i32, inC: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32,
): void {
  const k = kH * kW * inC;
  const zero = f32x4.splat(0);
  let ow = p0 % outW;
  let oh = (p0 / outW) % outH;
  let n = p0 / (outW * outH);
  const rowBytes = <usize>inC << 2;
  for (let r = 0; r < rows; r++) {
    let dst = a + ((<usize>r * kp) << 2);
    const ih0 = oh * strideH - padTop;
    const iw0 = ow * strideW - padLeft;
    for (let i = 0; i < kH; i++) {
      const ih = ih0 + i;
      for (let j = 0; j < kW; j++) {
        const iw = iw0 + j;
        if (ih < 0 || ih >= h || iw < 0 || iw >= w) {
          let c = 0;
          for (; c + 4 <= inC; c += 4) v128.store(dst + (<usize>c << 2), zero);
          for (; c < inC; c++) store<f32>(dst + (<usize>c << 2), 0);
        } else {
          const src = x + ((<usize>((n * h + ih) * w + iw) * inC) << 2);
          let c = 0;
          for (; c + 4 <= inC; c += 4) v128.store(dst + (<usize>c << 2), v128.load(src + (<usize>c << 2)));
          for (; c < inC; c++) store<f32>(dst + (<usize>c << 2), load<f32>(src + (<usize>c << 2)));
        }
        dst += rowBytes;
      }
    }
    for (let c = k; c < kp; c++) store<f32>(a + ((<usize>(r * kp + c)) << 2), 0);
    if (++ow == outW) {
      ow = 0;
      if (++oh == outH) {
        oh = 0;
        n++;
      }
    }
  }
}

/**
 * c[MR x NR] += a^T b over np rows: a rows of MR floats (stride aStride bytes), b rows of NR
 * floats (stride bStride bytes); c rows of NR floats with stride cStride bytes.
 */
@inline function tileAtB(
  a: usize, aStride: usize, b: usize, bStride: usize, np: i32, c: usize, cStride: usize,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  for (let p = 0; p < np; p++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let v = v128.load32_splat(a);
    c00 = f32x4.relaxed_madd(v, b0, c00);
    c01 = f32x4.relaxed_madd(v, b1, c01);
    v = v128.load32_splat(a, 4);
    c10 = f32x4.relaxed_madd(v, b0, c10);
    c11 = f32x4.relaxed_madd(v, b1, c11);
    v = v128.load32_splat(a, 8);
    c20 = f32x4.relaxed_madd(v, b0, c20);
    c21 = f32x4.relaxed_madd(v, b1, c21);
    v = v128.load32_splat(a, 12);
    c30 = f32x4.relaxed_madd(v, b0, c30);
    c31 = f32x4.relaxed_madd(v, b1, c31);
    v = v128.load32_splat(a, 16);
    c40 = f32x4.relaxed_madd(v, b0, c40);
    c41 = f32x4.relaxed_madd(v, b1, c41);
    v = v128.load32_splat(a, 20);
    c50 = f32x4.relaxed_madd(v, b0, c50);
    c51 = f32x4.relaxed_madd(v, b1, c51);
    a += aStride;
    b += bStride;
  }
  v128.store(c, f32x4.add(v128.load(c), c00));
  v128.store(c, f32x4.add(v128.load(c, 16), c01), 16);
  c += cStride;
  v128.store(c, f32x4.add(v128.load(c), c10));
  v128.store(c, f32x4.add(v128.load(c, 16), c11), 16);
  c += cStride;
  v128.store(c, f32x4.add(v128.load(c), c20));
  v128.store(c, f32x4.add(v128.load(c, 16), c21), 16);
  c += cStride;
  v128.store(c, f32x4.add(v128.load(c), c30));
  v128.store(c, f32x4.add(v128.load(c, 16), c31), 16);
  c += cStride;
  v128.store(c, f32x4.add(v128.load(c), c40));
  v128.store(c, f32x4.add(v128.load(c, 16), c41), 16);
  c += cStride;
  v128.store(c, f32x4.add(v128.load(c), c50));
  v128.store(c, f32x4.add(v128.load(c, 16), c51), 16);
}

/**
 * Phase 1 of the filter gradient of y = conv2d(x, w): dw[kh, kw, ci, co] = sum over n, oh, ow of
 * x[n, oh * strideH + kh - padTop, ow * strideW + kw - padLeft, ci] * dy[n, oh, ow, co].
 * x: [n, h, w, inC]; dy: [n, outH, outW, outC]; dw: [kH, kW, inC, outC]. Part p sums over its
 * own range of output pixels; part 0 writes dw, parts 1.. write partial sums to scratch, which
 * conv2dFilterGradReduce adds into dw. Scratch: conv2dFilterGradScratchBytes.
 */
export function conv2dFilterGrad(
  part: i32, parts: i32, x: usize, dy: usize, dw: usize, scratch: usize,
  n: i32, h: i32, w: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32,
): void {
  const k = kH * kW * inC;
  const kp = roundUp(k, MR);
  const chunk = filterGradChunk(kp);
  const partials = <usize>(parts - 1) * k * outC;
  const c: usize = part == 0 ? dw : scratch + ((<usize>(part - 1) * k * outC) << 2);
  const a = scratch + ((partials + <usize>part * (chunk * kp + MR * NR)) << 2);
  const tile = a + ((<usize>chunk * kp) << 2);
  const zero = f32x4.splat(0);
  const cCount = k * outC;
  let i = 0;
  for (; i + 4 <= cCount; i += 4) v128.store(c + (<usize>i << 2), zero);
  for (; i < cCount; i++) store<f32>(c + (<usize>i << 2), 0);

  const pixels = n * outH * outW;
  const pEnd = rangeStart(pixels, part + 1, parts);
  const cStride = <usize>outC << 2;
  const aStride = <usize>kp << 2;
  const nFull = outC - outC % NR;
  const kFull = k - k % MR;
  for (let p0 = rangeStart(pixels, part, parts); p0 < pEnd; p0 += chunk) {
    const rows = min(chunk, pEnd - p0);
    im2colRows(a, kp, x, p0, rows, h, w, inC, outH, outW, kH, kW, strideH, strideW, padTop, padLeft);
    const b = dy + ((<usize>p0 * outC) << 2);
    for (let co = 0; co < nFull; co += NR) {
      let kk = 0;
      for (; kk < kFull; kk += MR) {
        tileAtB(
          a + (<usize>kk << 2), aStride, b + (<usize>co << 2), cStride, rows,
          c + ((<usize>kk * outC + co) << 2), cStride,
        );
      }
      if (kk < k) {
        // The last rows of the tile meet the zero columns of the patches: sum into a zeroed
        // tile in scratch and add only the rows that exist.
        for (let t = 0; t < MR * NR; t += 4) v128.store(tile + (<usize>t << 2), zero);
        tileAtB(a + (<usize>kk << 2), aStride, b + (<usize>co << 2), cStride, rows, tile, NR << 2);
        for (let r = kk; r < k; r++) {
          const o = c + ((<usize>r * outC + co) << 2);
          const t = tile + ((<usize>(r - kk) * NR) << 2);
          v128.store(o, f32x4.add(v128.load(o), v128.load(t)));
          v128.store(o, f32x4.add(v128.load(o, 16), v128.load(t, 16)), 16);
        }
      }
    }
    for (let cc = nFull; cc < outC; cc++) {
      for (let kk = 0; kk < k; kk++) {
        let s: f32 = 0;
        for (let r = 0; r < rows; r++) {
          s += load<f32>(a + ((<usize>(r * kp + kk)) << 2)) * load<f32>(b + ((<usize>(r * outC + cc)) << 2));
        }
        const o = c + ((<usize>kk * outC + cc) << 2);
        store<f32>(o, load<f32>(o) + s);
      }
    }
  }
}

/**
 * Phase 2 of the filter gradient: adds the partial sums of parts 1.. (in part order) into dw.
 * Same scratch as conv2dFilterGrad; count = kH * kW * inC * outC.
 */
export function conv2dFilterGradReduce(part: i32, parts: i32, dw: usize, scratch: usize, count: i32): void {
  const start = rangeStart(count >> 2, part, parts) << 2;
  const end = part == parts - 1 ? count : rangeStart(count >> 2, part + 1, parts) << 2;
  for (let q = 1; q < parts; q++) {
    const src = scratch + ((<usize>(q - 1) * count) << 2);
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const o = dw + (<usize>i << 2);
      v128.store(o, f32x4.add(v128.load(o), v128.load(src + (<usize>i << 2))));
    }
    for (; i < end; i++) {
      const o = dw + (<usize>i << 2);
      store<f32>(o, load<f32>(o) + load<f32>(src + (<usize>i << 2)));
    }
  }
}

/**
 * c[MR pixels x NR channels] = sum over taps t and channels i < inC of x_t[r][i] * w_t[i][0..NR):
 * the six rows of each tap are read through pointers (the zero row for padding); tap (i, j) of
 * pixel r reads x at (ihr + i * dir, iwr + j * dir), and w rows follow one another.
 */
@inline function tileForward(
  x: usize, zeros: usize, inC: i32, h: i32, w: i32, kH: i32, kW: i32, dir: i32,
  n0: i32, ih00: i32, iw00: i32, n1: i32, ih01: i32, iw01: i32, n2: i32, ih02: i32, iw02: i32,
  n3: i32, ih03: i32, iw03: i32, n4: i32, ih04: i32, iw04: i32, n5: i32, ih05: i32, iw05: i32,
  wp: usize, wStride: usize, c: usize, cStride: usize,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  for (let i = 0; i < kH; i++) {
    for (let j = 0; j < kW; j++) {
      let a0 = rowPointer(x, zeros, inC, h, w, n0, ih00 + i * dir, iw00 + j * dir);
      let a1 = rowPointer(x, zeros, inC, h, w, n1, ih01 + i * dir, iw01 + j * dir);
      let a2 = rowPointer(x, zeros, inC, h, w, n2, ih02 + i * dir, iw02 + j * dir);
      let a3 = rowPointer(x, zeros, inC, h, w, n3, ih03 + i * dir, iw03 + j * dir);
      let a4 = rowPointer(x, zeros, inC, h, w, n4, ih04 + i * dir, iw04 + j * dir);
      let a5 = rowPointer(x, zeros, inC, h, w, n5, ih05 + i * dir, iw05 + j * dir);
      const end = a0 + (<usize>inC << 2);
      while (a0 < end) {
        const b0 = v128.load(wp);
        const b1 = v128.load(wp, 16);
        let v = v128.load32_splat(a0);
        c00 = f32x4.relaxed_madd(v, b0, c00);
        c01 = f32x4.relaxed_madd(v, b1, c01);
        v = v128.load32_splat(a1);
        c10 = f32x4.relaxed_madd(v, b0, c10);
        c11 = f32x4.relaxed_madd(v, b1, c11);
        v = v128.load32_splat(a2);
        c20 = f32x4.relaxed_madd(v, b0, c20);
        c21 = f32x4.relaxed_madd(v, b1, c21);
        v = v128.load32_splat(a3);
        c30 = f32x4.relaxed_madd(v, b0, c30);
        c31 = f32x4.relaxed_madd(v, b1, c31);
        v = v128.load32_splat(a4);
        c40 = f32x4.relaxed_madd(v, b0, c40);
        c41 = f32x4.relaxed_madd(v, b1, c41);
        v = v128.load32_splat(a5);
        c50 = f32x4.relaxed_madd(v, b0, c50);
        c51 = f32x4.relaxed_madd(v, b1, c51);
        a0 += 4;
        a1 += 4;
        a2 += 4;
        a3 += 4;
        a4 += 4;
        a5 += 4;
        wp += wStride;
      }
    }
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  c += cStride;
  v128.store(c, c10);
  v128.store(c, c11, 16);
  c += cStride;
  v128.store(c, c20);
  v128.store(c, c21, 16);
  c += cStride;
  v128.store(c, c30);
  v128.store(c, c31, 16);
  c += cStride;
  v128.store(c, c40);
  v128.store(c, c41, 16);
  c += cStride;
  v128.store(c, c50);
  v128.store(c, c51, 16);
}

/** Byte address of x[n, ih, iw, 0], or of the zero row where (ih, iw) is padding. */
@inline function rowPointer(x: usize, zeros: usize, inC: i32, h: i32, w: i32, n: i32, ih: i32, iw: i32): usize {
  return <u32>ih < <u32>h && <u32>iw < <u32>w ? x + ((<usize>((n * h + ih) * w + iw) * inC) << 2) : zeros;
}

/**
 * Longest patch (kH * kW * inC) that conv2dForward gathers for thin inputs (inC < 8), where
 * reading x through one pointer per tap and pixel would cost more than the multiply-adds.
 */
@inline const PATCH_ROWS: i32 = 256;

/**
 * Bytes of scratch conv2dForward needs: 4 * parts * (inC + 48 + 1536).
 */
export function conv2dForwardScratchBytes(parts: i32, inC: i32): i32 {
  return 4 * parts * (inC + MR * NR + MR * PATCH_ROWS);
}

/**
 * conv2dForward for thin inputs: gathers the patches of each tile of six pixels once, as k rows of
 * six floats (zero rows for padding), then multiplies them with every block of eight filter
 * columns. zeros: inC zero floats; tile: 48 floats; patches: 6 * PATCH_ROWS floats.
 */
function forwardGathered(
  part: i32, parts: i32, x: usize, wt: usize, y: usize, zeros: usize, tile: usize, patches: usize,
  n: i32, h: i32, w: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32,
): void {
  const k = kH * kW * inC;
  const zero = f32x4.splat(0);
  const pixels = n * outH * outW;
  const tiles = (pixels + MR - 1) / MR;
  const tEnd = rangeStart(tiles, part + 1, parts);
  const cStride = <usize>outC << 2;
  const nFull = outC - outC % NR;
  const perImage = outH * outW;
  for (let t = rangeStart(tiles, part, parts); t < tEnd; t++) {
    const p0 = t * MR;
    const valid = min(MR, pixels - p0);
    // Pixel r of the tile (the last valid one repeated past the end).
    const q0 = p0, q1 = p0 + min(1, valid - 1), q2 = p0 + min(2, valid - 1);
    const q3 = p0 + min(3, valid - 1), q4 = p0 + min(4, valid - 1), q5 = p0 + min(5, valid - 1);
    const n0 = q0 / perImage, n1 = q1 / perImage, n2 = q2 / perImage;
    const n3 = q3 / perImage, n4 = q4 / perImage, n5 = q5 / perImage;
    const r0 = q0 % perImage, r1 = q1 % perImage, r2 = q2 % perImage;
    const r3 = q3 % perImage, r4 = q4 % perImage, r5 = q5 % perImage;
    const h0 = (r0 / outW) * strideH - padTop, w0 = (r0 % outW) * strideW - padLeft;
    const h1 = (r1 / outW) * strideH - padTop, w1 = (r1 % outW) * strideW - padLeft;
    const h2 = (r2 / outW) * strideH - padTop, w2 = (r2 % outW) * strideW - padLeft;
    const h3 = (r3 / outW) * strideH - padTop, w3 = (r3 % outW) * strideW - padLeft;
    const h4 = (r4 / outW) * strideH - padTop, w4 = (r4 % outW) * strideW - padLeft;
    const h5 = (r5 / outW) * strideH - padTop, w5 = (r5 % outW) * strideW - padLeft;
    let dst = patches;
    for (let ki = 0; ki < kH; ki++) {
      for (let kj = 0; kj < kW; kj++) {
        const s0 = rowPointer(x, zeros, inC, h, w, n0, h0 + ki, w0 + kj);
        const s1 = rowPointer(x, zeros, inC, h, w, n1, h1 + ki, w1 + kj);
        const s2 = rowPointer(x, zeros, inC, h, w, n2, h2 + ki, w2 + kj);
        const s3 = rowPointer(x, zeros, inC, h, w, n3, h3 + ki, w3 + kj);
        const s4 = rowPointer(x, zeros, inC, h, w, n4, h4 + ki, w4 + kj);
        const s5 = rowPointer(x, zeros, inC, h, w, n5, h5 + ki, w5 + kj);
        for (let ci = 0; ci < inC; ci++) {
          const cb = <usize>ci << 2;
          store<f32>(dst, load<f32>(s0 + cb));
          store<f32>(dst, load<f32>(s1 + cb), 4);
          store<f32>(dst, load<f32>(s2 + cb), 8);
          store<f32>(dst, load<f32>(s3 + cb), 12);
          store<f32>(dst, load<f32>(s4 + cb), 16);
          store<f32>(dst, load<f32>(s5 + cb), 20);
          dst += MR << 2;
        }
      }
    }
    const yRow = y + ((<usize>p0 * outC) << 2);
    for (let co = 0; co < nFull; co += NR) {
      for (let z = 0; z < MR * NR; z += 4) v128.store(tile + (<usize>z << 2), zero);
      tileAtB(patches, MR << 2, wt + (<usize>co << 2), cStride, k, tile, NR << 2);
      for (let r = 0; r < valid; r++) {
        const o = yRow + ((<usize>r * outC + co) << 2);
        const s = tile + ((<usize>r * NR) << 2);
        v128.store(o, v128.load(s));
        v128.store(o, v128.load(s, 16), 16);
      }
    }
    for (let co = nFull; co < outC; co++) {
      for (let r = 0; r < valid; r++) {
        let s: f32 = 0;
        for (let kk = 0; kk < k; kk++) {
          s += load<f32>(patches + ((<usize>(kk * MR + r)) << 2)) * load<f32>(wt + ((<usize>kk * outC + co) << 2));
        }
        store<f32>(yRow + ((<usize>r * outC + co) << 2), s);
      }
    }
  }
}

/**
 * y = conv2d(x, w): y[n, oh, ow, co] = sum over kh, kw, ci of
 * x[n, oh * strideH + kh - padTop, ow * strideW + kw - padLeft, ci] * w[kh, kw, ci, co], zero
 * outside x. x: [n, h, w, inC]; w: [kH, kW, inC, outC]; y: [n, outH, outW, outC]. Parts split
 * the output pixels in groups of six. Scratch: conv2dForwardScratchBytes.
 */
export function conv2dForward(
  part: i32, parts: i32, x: usize, wt: usize, y: usize, scratch: usize,
  n: i32, h: i32, w: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32,
): void {
  const zeros = scratch + ((<usize>part * (inC + MR * NR + MR * PATCH_ROWS)) << 2);
  const tile = zeros + (<usize>inC << 2);
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= inC; i += 4) v128.store(zeros + (<usize>i << 2), zero);
  for (; i < inC; i++) store<f32>(zeros + (<usize>i << 2), 0);
  if (inC < 8 && kH * kW * inC <= PATCH_ROWS) {
    forwardGathered(
      part, parts, x, wt, y, zeros, tile, tile + ((MR * NR) << 2),
      n, h, w, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft,
    );
    return;
  }
  const pixels = n * outH * outW;
  const tiles = (pixels + MR - 1) / MR;
  const tEnd = rangeStart(tiles, part + 1, parts);
  const cStride = <usize>outC << 2;
  const nFull = outC - outC % NR;
  const perImage = outH * outW;
  for (let t = rangeStart(tiles, part, parts); t < tEnd; t++) {
    const p0 = t * MR;
    const valid = min(MR, pixels - p0);
    // Pixel r of the tile (the last valid one repeated past the end).
    const q0 = p0, q1 = p0 + min(1, valid - 1), q2 = p0 + min(2, valid - 1);
    const q3 = p0 + min(3, valid - 1), q4 = p0 + min(4, valid - 1), q5 = p0 + min(5, valid - 1);
    const n0 = q0 / perImage, n1 = q1 / perImage, n2 = q2 / perImage;
    const n3 = q3 / perImage, n4 = q4 / perImage, n5 = q5 / perImage;
    const r0 = q0 % perImage, r1 = q1 % perImage, r2 = q2 % perImage;
    const r3 = q3 % perImage, r4 = q4 % perImage, r5 = q5 % perImage;
    const h0 = (r0 / outW) * strideH - padTop, w0 = (r0 % outW) * strideW - padLeft;
    const h1 = (r1 / outW) * strideH - padTop, w1 = (r1 % outW) * strideW - padLeft;
    const h2 = (r2 / outW) * strideH - padTop, w2 = (r2 % outW) * strideW - padLeft;
    const h3 = (r3 / outW) * strideH - padTop, w3 = (r3 % outW) * strideW - padLeft;
    const h4 = (r4 / outW) * strideH - padTop, w4 = (r4 % outW) * strideW - padLeft;
    const h5 = (r5 / outW) * strideH - padTop, w5 = (r5 % outW) * strideW - padLeft;
    const yRow = y + ((<usize>p0 * outC) << 2);
    for (let co = 0; co < nFull; co += NR) {
      const full = valid == MR;
      tileForward(
        x, zeros, inC, h, w, kH, kW, 1,
        n0, h0, w0, n1, h1, w1, n2, h2, w2, n3, h3, w3, n4, h4, w4, n5, h5, w5,
        wt + (<usize>co << 2), cStride, full ? yRow + (<usize>co << 2) : tile, full ? cStride : NR << 2,
      );
      if (!full) {
        for (let r = 0; r < valid; r++) {
          const o = yRow + ((<usize>r * outC + co) << 2);
          const s = tile + ((<usize>r * NR) << 2);
          v128.store(o, v128.load(s));
          v128.store(o, v128.load(s, 16), 16);
        }
      }
    }
    for (let co = nFull; co < outC; co++) {
      for (let r = 0; r < valid; r++) {
        const q = p0 + r;
        const nn = q / perImage, rr = q % perImage;
        const ih0 = (rr / outW) * strideH - padTop, iw0 = (rr % outW) * strideW - padLeft;
        let s: f32 = 0;
        for (let ki = 0; ki < kH; ki++) {
          for (let kj = 0; kj < kW; kj++) {
            const src = rowPointer(x, zeros, inC, h, w, nn, ih0 + ki, iw0 + kj);
            const wr = wt + ((<usize>((ki * kW + kj) * inC) * outC + co) << 2);
            for (let ci = 0; ci < inC; ci++) {
              s += load<f32>(src + (<usize>ci << 2)) * load<f32>(wr + ((<usize>ci * outC) << 2));
            }
          }
        }
        store<f32>(yRow + ((<usize>r * outC + co) << 2), s);
      }
    }
  }
}

/**
 * Phase 1 of the input gradient of y = conv2d(x, w): writes w regrouped by output phase to
 * scratch. For phase (a, b) (input rows a mod strideH, columns b mod strideW) the taps that
 * reach it are kh = kh0 + strideH * i, kw = kw0 + strideW * j with kh0 = (a + padTop) mod strideH,
 * kw0 = (b + padLeft) mod strideW; they are stored as [i][j][co][ci], phases one after another.
 * Parts split the taps. Scratch: conv2dInputGradScratchBytes.
 */
export function conv2dInputGradPack(
  part: i32, parts: i32, wt: usize, scratch: usize, inC: i32, outC: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32,
): void {
  const taps = kH * kW;
  const tEnd = rangeStart(taps, part + 1, parts);
  for (let t = rangeStart(taps, part, parts); t < tEnd; t++) {
    const kh = t / kW, kw = t % kW;
    // Index of this tap in the packed order: phases in order (a, b), then (i, j) within.
    let before = 0;
    let index = 0;
    for (let a = 0; a < strideH; a++) {
      const kh0 = (a + padTop) % strideH;
      const tH = kh0 < kH ? (kH - kh0 + strideH - 1) / strideH : 0;
      for (let b = 0; b < strideW; b++) {
        const kw0 = (b + padLeft) % strideW;
        const tW = kw0 < kW ? (kW - kw0 + strideW - 1) / strideW : 0;
        if (kh % strideH == kh0 && kw % strideW == kw0) {
          index = before + ((kh - kh0) / strideH) * tW + (kw - kw0) / strideW;
        }
        before += tH * tW;
      }
    }
    const src = wt + ((<usize>t * inC * outC) << 2);
    const dst = scratch + ((<usize>index * inC * outC) << 2);
    for (let co = 0; co < outC; co++) {
      for (let ci = 0; ci < inC; ci++) {
        store<f32>(dst + ((<usize>(co * inC + ci)) << 2), load<f32>(src + ((<usize>(ci * outC + co)) << 2)));
      }
    }
  }
}

/** Byte address in dx of channel 0 of pixel r (within image nn) of phase (a, b). */
@inline function inputGradRow(
  dx: usize, nn: i32, r: i32, colsV: i32, a: i32, b: i32, strideH: i32, strideW: i32,
  h: i32, w: i32, inC: i32,
): usize {
  const ih = a + (r / colsV) * strideH, iw = b + (r % colsV) * strideW;
  return dx + ((<usize>((nn * h + ih) * w + iw) * inC) << 2);
}

/** Bytes of scratch the input gradient needs: 4 * (kH * kW * inC * outC + parts * (outC + 48)). */
export function conv2dInputGradScratchBytes(parts: i32, inC: i32, outC: i32, kH: i32, kW: i32): i32 {
  return 4 * (kH * kW * inC * outC + parts * (outC + MR * NR));
}

/**
 * Phase 2 of the input gradient of y = conv2d(x, w) (after conv2dInputGradPack on the same
 * scratch): dx[n, ih, iw, ci] = sum of dy[n, oh, ow, co] * w[kh, kw, ci, co] over
 * oh * strideH + kh - padTop = ih, ow * strideW + kw - padLeft = iw. dy: [n, outH, outW, outC];
 * dx: [n, h, w, inC]. Parts split the input pixels of each phase in groups of six.
 */
export function conv2dInputGrad(
  part: i32, parts: i32, dy: usize, dx: usize, scratch: usize,
  n: i32, h: i32, w: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32,
): void {
  const packed = scratch;
  const zeros = scratch + ((<usize>kH * kW * inC * outC + <usize>part * (outC + MR * NR)) << 2);
  const tile = zeros + (<usize>outC << 2);
  const zero = f32x4.splat(0);
  let z = 0;
  for (; z + 4 <= outC; z += 4) v128.store(zeros + (<usize>z << 2), zero);
  for (; z < outC; z++) store<f32>(zeros + (<usize>z << 2), 0);
  const nFull = inC - inC % NR;
  let wOffset = 0;
  for (let a = 0; a < strideH; a++) {
    const kh0 = (a + padTop) % strideH;
    const tH = kh0 < kH ? (kH - kh0 + strideH - 1) / strideH : 0;
    const eh = (a + padTop - kh0) / strideH;
    const rowsU = a < h ? (h - a + strideH - 1) / strideH : 0;
    for (let b = 0; b < strideW; b++) {
      const kw0 = (b + padLeft) % strideW;
      const tW = kw0 < kW ? (kW - kw0 + strideW - 1) / strideW : 0;
      const ew = (b + padLeft - kw0) / strideW;
      const colsV = b < w ? (w - b + strideW - 1) / strideW : 0;
      const wp = packed + ((<usize>wOffset * inC * outC) << 2);
      wOffset += tH * tW;
      const perImage = rowsU * colsV;
      const pixels = n * perImage;
      const tiles = (pixels + MR - 1) / MR;
      const tEnd = rangeStart(tiles, part + 1, parts);
      for (let t = rangeStart(tiles, part, parts); t < tEnd; t++) {
        const p0 = t * MR;
        const valid = min(MR, pixels - p0);
        const q0 = p0, q1 = p0 + min(1, valid - 1), q2 = p0 + min(2, valid - 1);
        const q3 = p0 + min(3, valid - 1), q4 = p0 + min(4, valid - 1), q5 = p0 + min(5, valid - 1);
        const n0 = q0 / perImage, n1 = q1 / perImage, n2 = q2 / perImage;
        const n3 = q3 / perImage, n4 = q4 / perImage, n5 = q5 / perImage;
        const r0 = q0 % perImage, r1 = q1 % perImage, r2 = q2 % perImage;
        const r3 = q3 % perImage, r4 = q4 % perImage, r5 = q5 % perImage;
        const u0 = r0 / colsV, v0 = r0 % colsV, u1 = r1 / colsV, v1 = r1 % colsV;
        const u2 = r2 / colsV, v2 = r2 % colsV, u3 = r3 / colsV, v3 = r3 % colsV;
        const u4 = r4 / colsV, v4 = r4 % colsV, u5 = r5 / colsV, v5 = r5 % colsV;
        // dx address of pixel r of the tile (channel 0); the last valid one repeated past the end.
        const o0 = inputGradRow(dx, n0, r0, colsV, a, b, strideH, strideW, h, w, inC);
        const o1 = inputGradRow(dx, n1, r1, colsV, a, b, strideH, strideW, h, w, inC);
        const o2 = inputGradRow(dx, n2, r2, colsV, a, b, strideH, strideW, h, w, inC);
        const o3 = inputGradRow(dx, n3, r3, colsV, a, b, strideH, strideW, h, w, inC);
        const o4 = inputGradRow(dx, n4, r4, colsV, a, b, strideH, strideW, h, w, inC);
        const o5 = inputGradRow(dx, n5, r5, colsV, a, b, strideH, strideW, h, w, inC);
        for (let ci = 0; ci < nFull; ci += NR) {
          tileForward(
            dy, zeros, outC, outH, outW, tH, tW, -1,
            n0, u0 + eh, v0 + ew, n1, u1 + eh, v1 + ew, n2, u2 + eh, v2 + ew,
            n3, u3 + eh, v3 + ew, n4, u4 + eh, v4 + ew, n5, u5 + eh, v5 + ew,
            wp + (<usize>ci << 2), <usize>inC << 2, tile, NR << 2,
          );
          // Rows past the valid ones repeat the last pixel, so storing all six is safe.
          const cb = <usize>ci << 2;
          v128.store(o5 + cb, v128.load(tile, 160));
          v128.store(o5 + cb, v128.load(tile, 176), 16);
          v128.store(o4 + cb, v128.load(tile, 128));
          v128.store(o4 + cb, v128.load(tile, 144), 16);
          v128.store(o3 + cb, v128.load(tile, 96));
          v128.store(o3 + cb, v128.load(tile, 112), 16);
          v128.store(o2 + cb, v128.load(tile, 64));
          v128.store(o2 + cb, v128.load(tile, 80), 16);
          v128.store(o1 + cb, v128.load(tile, 32));
          v128.store(o1 + cb, v128.load(tile, 48), 16);
          v128.store(o0 + cb, v128.load(tile));
          v128.store(o0 + cb, v128.load(tile, 16), 16);
        }
        for (let ci = nFull; ci < inC; ci++) {
          for (let r = 0; r < valid; r++) {
            const q = r0 + r;
            const nn = n0 + q / perImage, rr = q % perImage;
            const u = rr / colsV, v = rr % colsV;
            let sum: f32 = 0;
            for (let i = 0; i < tH; i++) {
              for (let j = 0; j < tW; j++) {
                const src = rowPointer(dy, zeros, outC, outH, outW, nn, u + eh - i, v + ew - j);
                const wr = wp + ((<usize>((i * tW + j) * outC) * inC + ci) << 2);
                for (let co = 0; co < outC; co++) {
                  sum += load<f32>(src + (<usize>co << 2)) * load<f32>(wr + ((<usize>co * inC) << 2));
                }
              }
            }
            const ih = a + u * strideH, iw = b + v * strideW;
            store<f32>(dx + ((<usize>((nn * h + ih) * w + iw) * inC + ci) << 2), sum);
          }
        }
      }
    }
  }
}

// Training-mode batch normalisation over x [rows, C] (row-major, NHWC flattened), as kernels
// for the thread pool: every export takes (part, parts) first and does only its share.
//
// Forward:  bnSumPartial -> bnCombine(divisor = rows) = mean
//           bnSqDevPartial -> bnCombine(divisor = rows) = biased variance
//           (caller: a = scale * invStd, b = offset - mean * a)
//           bnApply
// Backward: bnBackwardSumsPartial -> bnBackwardSums = sum(dOut), sum(dOut * xHat)
//           bnBackwardInput
//
// Reductions add f32 partial sums over blocks of BLOCK rows and add those block sums in f64,
// so 100k-row sums keep f32 accuracy. Blocks start at multiples of BLOCK from row 0 and parts
// own whole blocks, so every block sum is the same whatever `parts` is; only the f64 additions
// are grouped differently. The combine kernels add the per-part partials in part order.
//
// Scratch: the *Partial kernels write f64 partials at `scratch` (8-byte aligned), row `part`
// of a [parts][n] array: n = C for bnSumPartial and bnSqDevPartial (parts * C * 8 bytes),
// n = 2C for bnBackwardSumsPartial (parts * C * 16 bytes). The combine call after them must
// be given the same `parts`.
//
// No @inline decorators: deno fmt deletes decorators on functions, and asc -O3 inlines these
// small helpers without them.

// @ts-nocheck -- AssemblyScript source (compiled by asc, not by Deno).

/** Rows per f32 partial sum; also the unit of work a part owns in the reductions. */
const BLOCK: i32 = 64;

/** First and end row of `part`'s share of whole BLOCKs, packed as start | end << 32. */
function blockRange(part: i32, parts: i32, rows: i32): u64 {
  const blocks = (rows + BLOCK - 1) / BLOCK;
  const per = (blocks + parts - 1) / parts;
  const start = min(rows, part * per * BLOCK);
  const end = min(rows, start + per * BLOCK);
  return <u64> start | (<u64> end << 32);
}

/** First and end index of `part`'s even share of `n` items, packed as start | end << 32. */
function evenRange(part: i32, parts: i32, n: i32): u64 {
  const per = (n + parts - 1) / parts;
  const start = min(n, part * per);
  const end = min(n, start + per);
  return <u64> start | (<u64> end << 32);
}

/** Adds the four f32 lanes of `v` to the four f64 values at `p`. */
function addToF64x4(p: usize, v: v128): void {
  v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(v)));
  const hi = v128.shuffle<f32>(v, v, 2, 3, 2, 3);
  v128.store(p + 16, f64x2.add(v128.load(p + 16), f64x2.promote_low_f32x4(hi)));
}

/** Zeroes `n` f64 values at `p`. */
function zeroF64(p: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f64>(p + (<usize> i << 3), 0.0);
}

/**
 * Phase 1 of the mean: scratch[part][c] = sum of x[r, c] over this part's rows (f64).
 * Scratch: parts * C * 8 bytes.
 */
export function bnSumPartial(
  part: i32,
  parts: i32,
  x: usize,
  rows: i32,
  channels: i32,
  scratch: usize,
): void {
  const range = blockRange(part, parts, rows);
  const start = <i32> range;
  const end = <i32> (range >> 32);
  const acc = scratch + ((<usize> part * <usize> channels) << 3);
  zeroF64(acc, channels);
  const stride = <usize> channels << 2;
  const vecEnd = channels & ~3;
  for (let r0 = start; r0 < end; r0 += BLOCK) {
    const r1 = min(end, r0 + BLOCK);
    const base = x + <usize> r0 * stride;
    for (let c = 0; c < vecEnd; c += 4) {
      let p = base + (<usize> c << 2);
      let s = f32x4.splat(0);
      for (let r = r0; r < r1; r++, p += stride) s = f32x4.add(s, v128.load(p));
      addToF64x4(acc + (<usize> c << 3), s);
    }
    for (let c = vecEnd; c < channels; c++) {
      let p = base + (<usize> c << 2);
      let s: f32 = 0;
      for (let r = r0; r < r1; r++, p += stride) s += load<f32>(p);
      const q = acc + (<usize> c << 3);
      store<f64>(q, load<f64>(q) + <f64> s);
    }
  }
}

/**
 * Phase 2 of a reduction: out[i] = f32(sum over p = 0..parts-1 in order of
 * partials[p][i] / divisor) for i in 0..n-1; parts split the n outputs. `parts` must be the
 * count the partials were written with. divisor = rows gives the mean (after bnSumPartial)
 * or the biased variance (after bnSqDevPartial).
 */
export function bnCombine(
  part: i32,
  parts: i32,
  partials: usize,
  n: i32,
  divisor: i32,
  out: usize,
): void {
  const range = evenRange(part, parts, n);
  const end = <i32> (range >> 32);
  const rowBytes = <usize> n << 3;
  for (let i = <i32> range; i < end; i++) {
    let p = partials + (<usize> i << 3);
    let s: f64 = 0;
    for (let k = 0; k < parts; k++, p += rowBytes) s += load<f64>(p);
    store<f32>(out + (<usize> i << 2), <f32> (s / <f64> divisor));
  }
}

/**
 * Phase 1 of the variance: scratch[part][c] = sum of (x[r, c] - mean[c])^2 over this part's
 * rows (f64), with mean from bnSumPartial + bnCombine. Scratch: parts * C * 8 bytes.
 */
export function bnSqDevPartial(
  part: i32,
  parts: i32,
  x: usize,
  rows: i32,
  channels: i32,
  mean: usize,
  scratch: usize,
): void {
  const range = blockRange(part, parts, rows);
  const start = <i32> range;
  const end = <i32> (range >> 32);
  const acc = scratch + ((<usize> part * <usize> channels) << 3);
  zeroF64(acc, channels);
  const stride = <usize> channels << 2;
  const vecEnd = channels & ~3;
  for (let r0 = start; r0 < end; r0 += BLOCK) {
    const r1 = min(end, r0 + BLOCK);
    const base = x + <usize> r0 * stride;
    for (let c = 0; c < vecEnd; c += 4) {
      const m = v128.load(mean + (<usize> c << 2));
      let p = base + (<usize> c << 2);
      let s = f32x4.splat(0);
      for (let r = r0; r < r1; r++, p += stride) {
        const d = f32x4.sub(v128.load(p), m);
        s = f32x4.add(s, f32x4.mul(d, d));
      }
      addToF64x4(acc + (<usize> c << 3), s);
    }
    for (let c = vecEnd; c < channels; c++) {
      const m = load<f32>(mean + (<usize> c << 2));
      let p = base + (<usize> c << 2);
      let s: f32 = 0;
      for (let r = r0; r < r1; r++, p += stride) {
        const d = load<f32>(p) - m;
        s += d * d;
      }
      const q = acc + (<usize> c << 3);
      store<f64>(q, load<f64>(q) + <f64> s);
    }
  }
}

/**
 * y[r, c] = x[r, c] * a[c] + b[c], then max(., 0) when relu != 0. Parts split the rows;
 * y may be x (in place). No scratch.
 */
export function bnApply(
  part: i32,
  parts: i32,
  x: usize,
  rows: i32,
  channels: i32,
  a: usize,
  b: usize,
  relu: i32,
  y: usize,
): void {
  const range = evenRange(part, parts, rows);
  const end = <i32> (range >> 32);
  const stride = <usize> channels << 2;
  const vecEnd = channels & ~3;
  // pmax(v, lo) is v < lo ? lo : v: ReLU for lo = 0, the identity (NaN kept) for lo = -inf.
  const low: f32 = relu != 0 ? 0 : -Infinity;
  const lo = f32x4.splat(low);
  for (let r = <i32> range; r < end; r++) {
    const rowX = x + <usize> r * stride;
    const rowY = y + <usize> r * stride;
    let c = 0;
    for (; c < vecEnd; c += 4) {
      const o = <usize> c << 2;
      const v = f32x4.add(f32x4.mul(v128.load(rowX + o), v128.load(a + o)), v128.load(b + o));
      v128.store(rowY + o, f32x4.pmax(v, lo));
    }
    for (; c < channels; c++) {
      const o = <usize> c << 2;
      const v = load<f32>(rowX + o) * load<f32>(a + o) + load<f32>(b + o);
      store<f32>(rowY + o, v < low ? low : v);
    }
  }
}

/**
 * Phase 1 of the backward sums, with dOut = dy (relu == 0) or dy * (y > 0) (relu != 0; y is
 * the forward output, not read otherwise) and xHat = (x - mean) * invStd:
 * scratch[part][c] = sum of dOut, scratch[part][C + c] = sum of dOut * xHat over this part's
 * rows (f64). Scratch: parts * C * 16 bytes.
 */
export function bnBackwardSumsPartial(
  part: i32,
  parts: i32,
  dy: usize,
  y: usize,
  x: usize,
  rows: i32,
  channels: i32,
  mean: usize,
  invStd: usize,
  relu: i32,
  scratch: usize,
): void {
  const range = blockRange(part, parts, rows);
  const start = <i32> range;
  const end = <i32> (range >> 32);
  const sums = scratch + ((<usize> part * <usize> channels) << 4);
  const dots = sums + (<usize> channels << 3);
  zeroF64(sums, channels << 1);
  const masked = relu != 0;
  const stride = <usize> channels << 2;
  const vecEnd = channels & ~3;
  const zero = f32x4.splat(0);
  for (let r0 = start; r0 < end; r0 += BLOCK) {
    const r1 = min(end, r0 + BLOCK);
    const offset = <usize> r0 * stride;
    for (let c = 0; c < vecEnd; c += 4) {
      const o = <usize> c << 2;
      const m = v128.load(mean + o);
      const inv = v128.load(invStd + o);
      let p = offset + o;
      let s = f32x4.splat(0);
      let t = f32x4.splat(0);
      for (let r = r0; r < r1; r++, p += stride) {
        let g = v128.load(dy + p);
        if (masked) g = v128.and(g, f32x4.gt(v128.load(y + p), zero));
        const xHat = f32x4.mul(f32x4.sub(v128.load(x + p), m), inv);
        s = f32x4.add(s, g);
        t = f32x4.add(t, f32x4.mul(g, xHat));
      }
      addToF64x4(sums + (<usize> c << 3), s);
      addToF64x4(dots + (<usize> c << 3), t);
    }
    for (let c = vecEnd; c < channels; c++) {
      const o = <usize> c << 2;
      const m = load<f32>(mean + o);
      const inv = load<f32>(invStd + o);
      let p = offset + o;
      let s: f32 = 0;
      let t: f32 = 0;
      for (let r = r0; r < r1; r++, p += stride) {
        let g = load<f32>(dy + p);
        if (masked && !(load<f32>(y + p) > 0)) g = 0;
        s += g;
        t += g * ((load<f32>(x + p) - m) * inv);
      }
      const q = sums + (<usize> c << 3);
      store<f64>(q, load<f64>(q) + <f64> s);
      const u = dots + (<usize> c << 3);
      store<f64>(u, load<f64>(u) + <f64> t);
    }
  }
}

/**
 * Phase 2 of the backward sums: sumDOut[c] and sumDOutXHat[c] (f32) from the partials of
 * bnBackwardSumsPartial, added in part order; these are the offset and scale gradients.
 * Parts split the channels; `parts` must be the count the partials were written with.
 */
export function bnBackwardSums(
  part: i32,
  parts: i32,
  partials: usize,
  channels: i32,
  sumDOut: usize,
  sumDOutXHat: usize,
): void {
  const range = evenRange(part, parts, channels);
  const end = <i32> (range >> 32);
  const rowBytes = <usize> channels << 4;
  const dots = <usize> channels << 3;
  for (let c = <i32> range; c < end; c++) {
    let p = partials + (<usize> c << 3);
    let s: f64 = 0;
    let t: f64 = 0;
    for (let k = 0; k < parts; k++, p += rowBytes) {
      s += load<f64>(p);
      t += load<f64>(p + dots);
    }
    store<f32>(sumDOut + (<usize> c << 2), <f32> s);
    store<f32>(sumDOutXHat + (<usize> c << 2), <f32> t);
  }
}

/**
 * dx = gamma[c] * invStd[c] * (dOut - sumDOut[c] / rows - xHat * sumDOutXHat[c] / rows), with
 * dOut and xHat as in bnBackwardSumsPartial (y read only when relu != 0), rounded as the tfjs
 * formula is. Parts split the rows; dx may be dy or x (in place). No scratch.
 */
export function bnBackwardInput(
  part: i32,
  parts: i32,
  dy: usize,
  y: usize,
  x: usize,
  rows: i32,
  channels: i32,
  mean: usize,
  invStd: usize,
  gamma: usize,
  sumDOut: usize,
  sumDOutXHat: usize,
  relu: i32,
  dx: usize,
): void {
  const range = evenRange(part, parts, rows);
  const end = <i32> (range >> 32);
  const masked = relu != 0;
  const count = <f32> rows;
  const stride = <usize> channels << 2;
  const vecEnd = channels & ~3;
  const zero = f32x4.splat(0);
  const n = f32x4.splat(count);
  for (let r = <i32> range; r < end; r++) {
    const row = <usize> r * stride;
    let c = 0;
    for (; c < vecEnd; c += 4) {
      const o = <usize> c << 2;
      const p = row + o;
      const inv = v128.load(invStd + o);
      let g = v128.load(dy + p);
      if (masked) g = v128.and(g, f32x4.gt(v128.load(y + p), zero));
      const xHat = f32x4.mul(f32x4.sub(v128.load(x + p), v128.load(mean + o)), inv);
      const centered = f32x4.sub(
        f32x4.sub(g, f32x4.div(v128.load(sumDOut + o), n)),
        f32x4.mul(xHat, f32x4.div(v128.load(sumDOutXHat + o), n)),
      );
      v128.store(dx + p, f32x4.mul(centered, f32x4.mul(v128.load(gamma + o), inv)));
    }
    for (; c < channels; c++) {
      const o = <usize> c << 2;
      const p = row + o;
      const inv = load<f32>(invStd + o);
      let g = load<f32>(dy + p);
      if (masked && !(load<f32>(y + p) > 0)) g = 0;
      const xHat = (load<f32>(x + p) - load<f32>(mean + o)) * inv;
      const centered = g - load<f32>(sumDOut + o) / count -
        xHat * (load<f32>(sumDOutXHat + o) / count);
      store<f32>(dx + p, centered * (load<f32>(gamma + o) * inv));
    }
  }
}

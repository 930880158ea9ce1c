// Element-wise kernels over float32 arrays in the shared memory. Pointers are byte offsets.

/** The first element of `part`'s share of `n` elements, in whole SIMD vectors. */
@inline function shareStart(part: i32, parts: i32, n: i32): i32 {
  const vectors = (n + 3) >> 2;
  return min(n, (((vectors + parts - 1) / parts) * part) << 2);
}

/** out = a * alpha + b * beta, over `n` elements (out may alias a or b). */
export function axpby(
  part: i32, parts: i32, a: usize, b: usize, out: usize, n: i32, alpha: f32, beta: f32,
): void {
  const start = shareStart(part, parts, n);
  const end = shareStart(part + 1, parts, n);
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.add(f32x4.mul(v128.load(a + o), va), f32x4.mul(v128.load(b + o), vb)));
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(a + o) * alpha + load<f32>(b + o) * beta);
  }
}

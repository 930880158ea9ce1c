/**
 * Test helper: a small seeded generator (mulberry32), for tests and fuzz cases that must draw the
 * same numbers on every run without tfjs.
 *
 * @module
 */

/** A deterministic generator of numbers in [0, 1) from a 32-bit `seed` (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import * as random from "../lib/random.ts";

await tf.setBackend("cpu");
tf.env().set("PROD", true);

Deno.test("threefry2x32 matches the Random123 known-answer vectors", () => {
  const hex = (x: number[]) => x.map((v) => v.toString(16).padStart(8, "0"));
  assert.deepEqual(hex(random.threefry2x32([0, 0], 0, 0)), ["6b200159", "99ba4efe"]);
  assert.deepEqual(
    hex(random.threefry2x32([0xffffffff, 0xffffffff], 0xffffffff, 0xffffffff)),
    ["1cb996fc", "bb002be7"],
  );
  assert.deepEqual(
    hex(random.threefry2x32([0x13198a2e, 0x03707344], 0x243f6a88, 0x85a308d3)),
    ["c4923a9c", "483df7a0"],
  );
});

Deno.test("keys are plain values and draws are deterministic", async () => {
  const k = random.key(42);
  assert.deepEqual(k, [0, 42]);
  assert.deepEqual(random.key(2 ** 40 + 5), [256, 5]);
  assert.deepEqual(random.split(k, 3), random.split(random.key(42), 3));
  assert.deepEqual(random.foldIn(k, 7), random.foldIn(random.key(42), 7));
  const a = random.normal(k, [100]);
  const b = random.normal(random.key(42), [100]);
  assert.deepEqual(await a.data(), await b.data());
  const c = random.normal(random.key(43), [100]);
  assert.notDeepEqual(await a.data(), await c.data());
  tf.dispose([a, b, c]);
});

Deno.test("split children, foldIn and the parent's stream are all distinct", () => {
  const k = random.key(1);
  const [a, b] = random.split(k);
  const seen = new Set([k, a, b, random.foldIn(k, 0), random.foldIn(k, 1)].map((x) => x.join(",")));
  assert.equal(seen.size, 5);
});

Deno.test("no repeated keys across 10k splits, recursively derived", () => {
  const seen = new Set<string>();
  let k = random.key(0);
  for (let i = 0; i < 5000; i++) {
    const [next, a] = random.split(k);
    seen.add(next.join(","));
    seen.add(a.join(","));
    k = next;
  }
  assert.equal(seen.size, 10000);
});

function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

function correlation(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

Deno.test("sibling splits are statistically independent streams", () => {
  const n = 10000;
  const keys = random.split(random.key(7), 16);
  const streams = keys.map((k) => random.uniformArray(k, n));
  // Mean of U[0,1) has standard error 1/sqrt(12 n) ~ 0.0029; correlations ~ 1/sqrt(n) = 0.01.
  for (const s of streams) assert.ok(Math.abs(mean(s) - 0.5) < 0.015, `mean ${mean(s)}`);
  for (let i = 0; i < keys.length; i++) {
    for (let j = i + 1; j < keys.length; j++) {
      const r = correlation(streams[i], streams[j]);
      assert.ok(Math.abs(r) < 0.05, `streams ${i} and ${j} correlate: ${r}`);
    }
  }
  // Adjacent keys of a foldIn sequence (step numbers) are independent too.
  const a = random.uniformArray(random.foldIn(keys[0], 1), n);
  const b = random.uniformArray(random.foldIn(keys[0], 2), n);
  assert.ok(Math.abs(correlation(a, b)) < 0.05);
  // Lag-1 autocorrelation within one stream.
  assert.ok(Math.abs(correlation(streams[0].subarray(1), streams[0].subarray(0, n - 1))) < 0.05);
});

Deno.test("uniform, normal, bernoulli and randint have the right moments and ranges", async () => {
  const [k1, k2, k3, k4] = random.split(random.key(3), 4);
  const u = await random.uniform(k1, [20000], { minval: -2, maxval: 2 }).data();
  assert.ok(u.every((v) => v >= -2 && v < 2));
  assert.ok(Math.abs(mean(u)) < 0.05);
  const z = await random.normal(k2, [20000], { mean: 1, stddev: 3 }).data();
  const mz = mean(z);
  const sz = Math.sqrt(mean(Array.from(z, (v) => (v - mz) ** 2)));
  assert.ok(Math.abs(mz - 1) < 0.1, `mean ${mz}`);
  assert.ok(Math.abs(sz - 3) < 0.1, `std ${sz}`);
  const bern = random.bernoulli(k3, 0.3, [20000]);
  assert.equal(bern.dtype, "bool");
  assert.ok(Math.abs(mean(await bern.data()) - 0.3) < 0.02);
  const ints = await random.randint(k4, [20000], 3, 9).data();
  assert.ok(ints.every((v) => Number.isInteger(v) && v >= 3 && v < 9));
  for (let v = 3; v < 9; v++) {
    const frac = ints.filter((x) => x === v).length / ints.length;
    assert.ok(Math.abs(frac - 1 / 6) < 0.02, `value ${v} has frequency ${frac}`);
  }
  bern.dispose();
});

Deno.test("permutation is a permutation, and differs by key", async () => {
  const p = await random.permutation(random.key(0), 1000).data();
  assert.deepEqual(Array.from(p).sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  const q = await random.permutation(random.key(1), 1000).data();
  assert.notDeepEqual(Array.from(p), Array.from(q));
  assert.deepEqual(Array.from(random.permutationArray(random.key(0), 1000)), Array.from(p));
});

Deno.test("bad keys and arguments are rejected clearly", () => {
  assert.throws(() => random.key(-1), {
    message: /seed must be a non-negative safe integer, got -1/,
  });
  assert.throws(() => random.split([1, 2, 3] as never), {
    message: /random.split: expected a key/,
  });
  assert.throws(() => random.bernoulli(random.key(0), 1.5, [2]), {
    message: /p must be in \[0, 1\], got 1.5/,
  });
  assert.throws(() => random.uniform(random.key(0), [2, -1]), {
    message: /shape must be non-negative integers/,
  });
});

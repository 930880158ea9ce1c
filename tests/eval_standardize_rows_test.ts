// standardizeRows gathers standardised rows for a batch: the same floats as a standardised copy
// of the whole set gives, without making that copy.
import assert from "node:assert/strict";
import { random } from "../mod.ts";
import type { FeatureSet } from "../lib/eval/features.ts";
import { fitStandardizer, standardize, standardizeRows } from "../lib/eval/standardize.ts";

function features(seed: number, count: number, dim: number): FeatureSet {
  const values = random.normalArray(random.key(seed), count * dim).map((v, i) => 3 * v + (i % 5));
  return { values, count, dim, labels: new Int32Array(count), numClasses: 1 };
}

Deno.test("standardizeRows gives standardize's floats for the rows asked, in their order", () => {
  const train = features(1, 40, 7);
  const test = features(2, 15, 7);
  const standardizer = fitStandardizer(train);
  for (const set of [train, test]) {
    const whole = standardize(set, standardizer).values;
    const rows = Int32Array.of(3, 0, set.count - 1, 3, 8);
    const gathered = standardizeRows(set, standardizer, rows);
    assert.equal(gathered.length, rows.length * set.dim);
    rows.forEach((row, i) =>
      assert.deepEqual(
        gathered.subarray(i * set.dim, (i + 1) * set.dim),
        whole.subarray(row * set.dim, (row + 1) * set.dim),
      )
    );
  }
});

Deno.test("standardizeRows writes into a given array and leaves the rest of it", () => {
  const train = features(3, 20, 4);
  const standardizer = fitStandardizer(train);
  const out = new Float32Array(12).fill(-7);
  const returned = standardizeRows(train, standardizer, [5, 6], out);
  assert.equal(returned, out);
  assert.deepEqual(out.subarray(0, 8), standardize(train, standardizer).values.subarray(20, 28));
  assert.deepEqual([...out.subarray(8)], [-7, -7, -7, -7]);
});

Deno.test("standardizeRows refuses another dim, a short array and rows outside the set", () => {
  const train = features(4, 10, 3);
  const standardizer = fitStandardizer(train);
  assert.throws(
    () => standardizeRows(features(5, 10, 2), standardizer, [0]),
    /standardizeRows: the standardizer has 3 features but the set has dim 2/,
  );
  assert.throws(
    () => standardizeRows(train, standardizer, [0, 1], new Float32Array(5)),
    /out holds 5 floats, 2 rows of 3 need 6/,
  );
  assert.throws(() => standardizeRows(train, standardizer, [10]), /row 10 is outside \[0, 10\)/);
  assert.throws(() => standardizeRows(train, standardizer, [1.5]), /row 1.5 is outside/);
});

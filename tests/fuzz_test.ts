// A few hundred fuzz cases (tests/fuzz/cases.ts) with a fixed seed: every crafted hostile file
// and the mutations among the first cases, through every reader. Each must load or fail with an
// error naming the file; the hostile ones must be refused, by the limit they break. `deno task
// fuzz` runs 10,000 and measures time and memory per case.
import assert from "node:assert/strict";
import { CRAFTED_KINDS, fuzzCase, makeSeeds, READERS, runCase } from "./fuzz/cases.ts";
import { tf } from "../mod.ts";

const SEED = 1;
const MUTATED = 250;

/** Crafted kinds that load: dropped ancillary chunks, an image at the pixel limit, odd keys. */
const LOADS = /^crafted:(png-iccp-bomb|png-2048x2048-rgba16-valid|ckpt-dict-key-.*)$/;

/** What refuses each hostile kind: the message must say it. */
const REFUSED_BY: [RegExp, RegExp][] = [
  [
    /png-(2147483647x1|8192x8192|65535x65535|2049x2048)/,
    /claims .* pixels, over the limit maxPixels = 4194304/,
  ],
  [/jpeg-sof-(65535x65535|2049x2048)/, /JPEG header claims .* over the limit maxPixels/],
  [/png-idat-bomb/, /inflates to more than the 272 bytes its header needs/],
  [/gzip-bomb-255KB/, /over the limit maxDecompressedBytes|bad IDX magic/],
  [/idx-gzip-bomb-valid-header/, /inflates to more than the 47040016 bytes its header claims/],
  [/idx-gzip-claims-4G-cubed|idx-huge-dims/, /IDX header claims .* over the limit/],
  [/idx-zero-dim/, /dimension 1 of \[3, 0, 5\] size 0/],
  [
    /st-deep-header|ckpt-deep-(tree|metadata)/,
    /nests more than 256 levels deep, over the limit maxDepth/,
  ],
  [/ckpt-number-/, /unknown special number/],
  [/ckpt-f8-tensor/, /tensor "w" has dtype F8_E5M2, which has no tfjs counterpart/],
];

Deno.test("fuzz: crafted and mutated files load or fail cleanly, naming the file", async () => {
  await tf.ready();
  const seeds = await makeSeeds();
  const dir = await Deno.makeTempDir({ prefix: "fuzz_test_" });
  const indices = [
    ...Array.from({ length: CRAFTED_KINDS }, (_, k) => 10 * k),
    ...Array.from({ length: MUTATED }, (_, i) => i + 1 + Math.floor(i / 9)),
  ];
  const counts = new Map<string, number>();
  const unclean: string[] = [];
  try {
    for (const index of indices) {
      const c = fuzzCase(seeds, SEED, index);
      const { outcome, message = "" } = await runCase(c, dir);
      counts.set(`${c.reader} ${outcome}`, (counts.get(`${c.reader} ${outcome}`) ?? 0) + 1);
      if (outcome === "unclean error") unclean.push(`${c.name} (${c.reader}): ${message}`);
      if (!c.kind.startsWith("crafted:")) continue;
      if (LOADS.test(c.kind)) {
        assert.equal(outcome, "ok", `${c.kind} loads: ${message}`);
        continue;
      }
      assert.equal(outcome, "clean error", `${c.kind} is refused`);
      const rule = REFUSED_BY.find(([kind]) => kind.test(c.kind));
      if (rule) assert.match(message, rule[1], c.kind);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.deepEqual(unclean, [], "every error names the file");
  assert.equal(indices.length, CRAFTED_KINDS + MUTATED);
  for (const reader of READERS) {
    assert.ok(
      [...counts.keys()].some((k) => k.startsWith(`${reader} `)),
      `some case goes through ${reader}`,
    );
  }
});

import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { niceScale } from "../lib/plot/axes.ts";
import { lineChart, trainingCurves } from "../lib/plot/line_chart.ts";
import { embedding2d } from "../lib/plot/embedding.ts";
import { pca2 } from "../lib/plot/pca.ts";
import { smooth, smoothingWeight } from "../lib/plot/smooth.ts";
import { scatterPlot } from "../lib/plot/scatter.ts";
import { key, normalArray } from "../lib/random.ts";

await tf.setBackend("cpu");
tf.env().set("PROD", true);

/**
 * Checks that `svg` is one well-formed `<svg>` element: tags balance, attributes are quoted, and
 * `&` only starts an entity. Returns the tag names in document order.
 */
function assertWellFormed(svg: string): string[] {
  const names: string[] = [];
  const stack: string[] = [];
  const tagPattern = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let end = 0;
  for (const m of svg.matchAll(tagPattern)) {
    assert.doesNotMatch(svg.slice(end, m.index), /[<>]/, `stray markup before ${m[0]}`);
    end = m.index + m[0].length;
    const [, closing, name, , selfClosing] = m;
    if (closing) {
      assert.equal(stack.pop(), name, `unbalanced </${name}>`);
    } else {
      names.push(name);
      if (!selfClosing) stack.push(name);
    }
    if (stack.length === 0) assert.equal(svg.slice(end).trim(), "", "content after the root");
  }
  assert.deepEqual(stack, []);
  assert.equal(names[0], "svg");
  assert.doesNotMatch(svg, /&(?!#\d+;|amp;|lt;|gt;|quot;|apos;)/);
  return names;
}

const count = (s: string, sub: RegExp) => [...s.matchAll(sub)].length;

/** The contents of the `<g>` elements with the given class. */
const groups = (svg: string, cls: string) =>
  [...svg.matchAll(new RegExp(`<g class="${cls}"[^>]*>(.*?)</g>`, "g"))].map((m) => m[0]);

Deno.test("pca2 finds a known dominant direction, with a deterministic sign", async () => {
  const n = 400;
  const u = [1, 2, 0, -1, 0.5];
  const w = [0, 0.5, 1, 1, 0]; // orthogonal to u
  const norm = (v: number[]) => Math.hypot(...v);
  const [nu, nw] = [norm(u), norm(w)];
  const t = normalArray(key(1), n);
  const s = normalArray(key(2), n);
  const noise = normalArray(key(3), n * 5);
  const data = new Float32Array(n * 5);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 5; j++) {
      data[i * 5 + j] = 7 + 10 * t[i] * u[j] / nu + 3 * s[i] * w[j] / nw + 0.05 * noise[i * 5 + j];
    }
  }
  const before = tf.memory().numTensors;
  const points = await pca2(data, { columns: 5 });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(points.length, 2 * n);
  const column = (c: number) => Array.from({ length: n }, (_, i) => points[2 * i + c]);
  const corr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    const mean = (x: ArrayLike<number>) => Array.from(x).reduce((p, q) => p + q, 0) / x.length;
    const [ma, mb] = [mean(a), mean(b)];
    let [ab, aa, bb] = [0, 0, 0];
    for (let i = 0; i < a.length; i++) {
      ab += (a[i] - ma) * (b[i] - mb);
      aa += (a[i] - ma) ** 2;
      bb += (b[i] - mb) ** 2;
    }
    return ab / Math.sqrt(aa * bb);
  };
  // The largest entries of u (2) and w (1, first at index 2) are positive, so both correlate +.
  assert.ok(corr(column(0), t) > 0.999, `PC1 vs t: ${corr(column(0), t)}`);
  assert.ok(corr(column(1), s) > 0.99, `PC2 vs s: ${corr(column(1), s)}`);
  assert.ok(Math.abs(corr(column(0), column(1))) < 1e-3);
  const variance = (x: number[]) => x.reduce((p, q) => p + q * q, 0) / x.length;
  assert.ok(Math.abs(variance(column(0)) / variance(Array.from(t, (x) => 10 * x)) - 1) < 0.01);

  const fromTensor = tf.tensor2d(data, [n, 5]);
  const again = await pca2(fromTensor);
  fromTensor.dispose();
  for (let i = 0; i < points.length; i++) assert.ok(Math.abs(again[i] - points[i]) < 1e-4);
  assert.deepEqual(await pca2(data, { columns: 5 }), points);
});

Deno.test("pca2 handles one feature, one row, and rejects a bad shape", async () => {
  assert.deepEqual(
    [...await pca2(new Float32Array([1, 2, 3]), { columns: 1 })],
    [-1, 0, 0, 0, 1, 0],
  );
  assert.deepEqual([...await pca2(new Float32Array([4, 5, 6]), { columns: 3 })], [0, 0]);
  await assert.rejects(pca2(new Float32Array(7), { columns: 2 }), {
    message: "pca2: a Float32Array of 7 numbers needs { columns } dividing it, got 2",
  });
});

Deno.test("niceScale gives round ticks and survives empty, single and NaN data", () => {
  assert.deepEqual(niceScale([0.13, 0.87]).ticks.map((t) => +t.toFixed(6)), [
    0,
    0.2,
    0.4,
    0.6,
    0.8,
    1,
  ]);
  const empty = niceScale([]);
  assert.deepEqual([empty.lo, empty.hi, empty.step, empty.ticks.length], [0, 1, 0.2, 6]);
  const single = niceScale([NaN, 5, Infinity]);
  assert.ok(single.lo < 5 && single.hi > 5);
  assert.equal(niceScale([0, 2990], 8).hi, 3000);
});

Deno.test("scatterPlot draws every finite point, a legend entry per class, well-formed", () => {
  const n = 5000;
  const classNames = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle <boot> & co",
    "Extra",
  ];
  const xy = normalArray(key(7), 2 * n);
  xy[10] = NaN;
  const labels = Int32Array.from({ length: n }, (_, i) => i % classNames.length);
  const svg = scatterPlot({
    title: "Embeddings",
    points: xy,
    labels,
    classNames,
    xLabel: "PC 1",
    yLabel: "PC 2",
  });
  assertWellFormed(svg);
  assert.throws(() => assertWellFormed("<svg><g></svg>"));
  assert.throws(() => assertWellFormed('<svg><text x="1">a & b</text></svg>'));
  const points = groups(svg, "points");
  assert.equal(points.length, classNames.length);
  assert.equal(points.reduce((k, g) => k + count(g, /<circle /g), 0), n - 1);
  const legend = groups(svg, "legend-entry");
  assert.equal(legend.length, classNames.length);
  assert.ok(legend[9].includes(">Ankle &#60;boot&#62; &#38; co</text>"));
  assert.ok(legend[10].includes('fill="none"'), "the 11th class is drawn hollow");
  assert.ok(svg.includes(">PC 1</text>") && svg.includes(">PC 2</text>"));
  assert.ok(svg.includes("<title>Embeddings</title>"));
  assert.ok(svg.length / n < 45, `${svg.length} bytes for ${n} points`);
});

Deno.test("scatterPlot rejects points and labels that do not match", () => {
  const base = { title: "t", classNames: ["a", "b"] };
  assert.throws(() => scatterPlot({ ...base, points: [1, 2, 3], labels: [0] }), {
    message: "scatterPlot: points must be [n, 2] row-major, got 3 numbers",
  });
  assert.throws(() => scatterPlot({ ...base, points: [1, 2], labels: [0, 1] }), {
    message: "scatterPlot: 1 points but 2 labels; expected one per point",
  });
  assert.throws(() => scatterPlot({ ...base, points: [1, 2, 3, 4], labels: [0, 2] }), {
    message: "scatterPlot: label 2 of point 1 is not a class index in [0, 2)",
  });
});

Deno.test("trainingCurves draws both panels with axes, ticks, legend, and NaN gaps", () => {
  const steps = Array.from({ length: 100 }, (_, i) => i * 10);
  const loss = steps.map((s) => (s === 500 ? NaN : 4 / (1 + s / 100)));
  const svg = trainingCurves({
    title: "BYOL & friends",
    loss: { steps, values: loss },
    knnAccuracy: { steps: [0, 500, 990], values: [0.1, 0.5, 0.7] },
  });
  const names = assertWellFormed(svg);
  assert.ok(svg.includes("<title>BYOL &#38; friends</title>"));
  assert.equal(count(svg, /<g class="panel"/g), 2);
  assert.ok(svg.includes('data-label="loss"') && svg.includes('data-label="kNN accuracy"'));
  for (const label of ["loss", "kNN accuracy", "step", "training loss"]) {
    assert.ok(svg.includes(`>${label}</text>`), label);
  }
  assert.equal(count(svg, /<g class="legend-entry"/g), 2);
  const lossPath = /<g class="series" data-name="training loss"><path d="([^"]+)"/.exec(svg)![1];
  assert.equal(count(lossPath, /M/g), 2, "the NaN splits the loss curve in two");
  const knn = /<g class="series" data-name="kNN accuracy">(.*?)<\/g>/.exec(svg)![1];
  assert.equal(count(knn, /<circle /g), 3, "a short series gets a dot per point");
  for (const tick of [">0</text>", ">400</text>", ">1000</text>", ">0.2</text>"]) {
    assert.ok(svg.includes(tick), tick);
  }
  assert.ok(names.filter((n) => n === "text").length > 20);
});

Deno.test("line charts with one point or none still render", () => {
  const svg = trainingCurves({
    title: "start",
    loss: { steps: [0], values: [2.5] },
    knnAccuracy: { steps: [], values: [] },
  });
  assertWellFormed(svg);
  assert.equal(count(svg, /<circle /g), 1);
  assert.ok(svg.includes(">no data yet</text>"));
  assert.throws(
    () =>
      lineChart({
        title: "x",
        panels: [{ yLabel: "y", series: [{ name: "s", steps: [1, 2], values: [1] }] }],
      }),
    {
      message:
        'lineChart: series "s" in panel 0 has 2 steps but 1 values; expected one value per step',
    },
  );
});

Deno.test("smooth is a debiased moving average that skips missing values", () => {
  assert.deepEqual(smooth([4, 2, NaN, 2], 0.5).map((v) => +v.toFixed(4)), [4, 2.6667, NaN, 2.2857]);
  assert.deepEqual(smooth([3, 1], 0), [3, 1]);
  assert.deepEqual(smooth([5, 5, 5], 0.9).map((v) => +v.toFixed(9)), [5, 5, 5]);
  assert.throws(() => smooth([1], 1), { message: "smooth: weight must be in [0, 1), got 1" });
  assert.deepEqual([smoothingWeight(5), smoothingWeight(200), smoothingWeight(4000)], [
    0,
    0.9,
    0.98,
  ]);
});

Deno.test("embedding2d: UMAP is deterministic from its key, PCA for few points", async () => {
  const n = 60;
  const d = 6;
  const noise = normalArray(key(4), n * d);
  const features = new Float32Array(n * d);
  const labels = Array.from({ length: n }, (_, i) => i % 3);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) features[i * d + j] = (j === labels[i] ? 5 : 0) + noise[i * d + j];
  }
  const options = { features, columns: d, labels, classNames: ["a", "b", "c"], step: 7 };
  const first = await embedding2d({ ...options, key: key(1), umapEpochs: 50 });
  const again = await embedding2d({ ...options, key: key(1), umapEpochs: 50 });
  const other = await embedding2d({ ...options, key: key(2), umapEpochs: 50 });
  assert.equal(first.method, "umap");
  assert.equal(first.points.length, 2 * n);
  assert.ok(first.points.every(Number.isFinite));
  assert.deepEqual(again, first);
  assert.notDeepEqual(other.points, first.points);
  assert.deepEqual([first.step, first.labels, first.classNames], [7, labels, ["a", "b", "c"]]);

  const few = await embedding2d({ ...options, key: key(1), maxPoints: 20 });
  assert.equal(few.method, "pca");
  assert.equal(few.points.length, 40);
  const pca = await embedding2d({ ...options, key: key(1), method: "pca" });
  const direct = await pca2(features, { columns: d });
  assert.deepEqual(pca.points, Array.from(direct, (v) => Math.round(v * 1e4) / 1e4));
  await assert.rejects(embedding2d({ ...options, key: key(1), maxPoints: 10, method: "umap" }), {
    message: "embedding2d: UMAP needs more than 15 points, got 10",
  });
  await assert.rejects(embedding2d({ ...options, labels: [0], key: key(1) }), {
    message: "embedding2d: 60 feature rows but 1 labels",
  });
});

Deno.test("lineChart: faint series under the others, a right axis, a legend as wide as its names", () => {
  const steps = [0, 1, 2, 3];
  const svg = lineChart({
    title: "two axes",
    panels: [{
      yLabel: "learning rate",
      series: [
        { name: "raw", steps, values: [1, 3, 2, 4], faint: true, color: "#123456" },
        { name: "a rather long smoothed series name", steps, values: [1, 2, 2, 3] },
      ],
      right: { yLabel: "tau", series: [{ name: "tau", steps, values: [0.99, 0.995, 0.998, 1] }] },
    }],
  });
  assertWellFormed(svg);
  const series = [...svg.matchAll(/<g class="series" data-name="([^"]+)">/g)].map((m) => m[1]);
  assert.deepEqual(series, ["raw", "a rather long smoothed series name", "tau"], "faint first");
  assert.match(
    svg,
    /data-name="raw"><path [^>]*stroke="#123456" stroke-width="1" stroke-opacity="0.3"/,
  );
  assert.ok(svg.includes(">tau</text>") && svg.includes(">0.995</text>"), "the right axis");
  const plain = lineChart({
    title: "t",
    panels: [{ yLabel: "y", series: [{ name: "s", steps, values: steps }] }],
  });
  const frameWidth = (s: string) => Number(/<rect x="72" y="40" width="([\d.]+)"/.exec(s)![1]);
  assert.ok(frameWidth(svg) < frameWidth(plain) - 100, "room for the long name and the right axis");
  assert.throws(
    () =>
      lineChart({
        title: "t",
        width: 300,
        panels: [{ yLabel: "y", series: [{ name: "x".repeat(40), steps, values: steps }] }],
      }),
    /lineChart: width 300 leaves -?\d+ px for the plot/,
  );
});

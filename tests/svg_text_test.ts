/// <reference lib="dom" />
// Every picture the package writes, rendered by headless Chromium: no text element reaches
// outside the view box (long titles shrink and wrap, legends make room for long names).
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { data, evaluation, plot, random, tf } from "../mod.ts";
import { curvesSvg, featuresSvg } from "../models/byol/train/pictures.ts";
import { readMetrics } from "../models/byol/train/mod.ts";
import { hasChromium, launchChromium } from "./helpers/browser.ts";

await tf.setBackend("cpu");
tf.env().set("PROD", true);

const FIXTURE = fileURLToPath(new URL("./fixtures/dashboard_run", import.meta.url));
const LONG_TITLE = "Run fashion-mnist-20261128-023902 on fashion-mnist (preset fashion-mnist): " +
  "online encoder features at step 3748";

/** The pictures to check, by name. */
async function pictures(): Promise<Record<string, string>> {
  const { records } = await readMetrics(FIXTURE);
  const test = data.shapes(random.key(0), { count: 120 });
  const features = evaluation.pixelFeatures(test);
  const embedding = JSON.parse(await Deno.readTextFile(join(FIXTURE, "embedding.json")));
  return {
    "curves.svg": curvesSvg(records, "fashion-mnist-20261128-023902: BYOL on fashion-mnist"),
    "curves.svg, long title": curvesSvg(records, `${LONG_TITLE}, and more words to wrap`),
    "curves.svg, no records": curvesSvg([], "a run that has not started"),
    "features.svg": featuresSvg(
      await plot.embedding2d({
        features: features.values,
        columns: features.dim,
        labels: features.labels,
        classNames: test.classNames,
        step: 0,
        key: random.key(1),
        method: "pca",
      }),
      LONG_TITLE,
    ),
    "scatter, long class names": plot.scatterPlot({
      title: "x".repeat(150),
      points: embedding.points,
      labels: embedding.labels,
      classNames: embedding.classNames.map((n: string) => `${n} with a much longer name`),
    }),
    "line chart, long series names": plot.lineChart({
      title: LONG_TITLE,
      width: 900,
      panels: [{
        yLabel: "a value",
        series: [{
          name: "a series with a long, long name (smoothed)",
          steps: [0, 1],
          values: [1e-5, 2e-5],
        }],
        right: {
          yLabel: "another",
          series: [{ name: "another one", steps: [0, 1], values: [0.99, 1] }],
        },
      }],
    }),
  };
}

/** Text elements of `svg` whose box, as Chromium lays it out, leaves the view box. */
async function clippedTexts(
  page: import("puppeteer-core").Page,
  svg: string,
): Promise<string[]> {
  await page.setContent(`<!doctype html><body style="margin:0">${svg}</body>`);
  return await page.evaluate(() => {
    const root = document.querySelector("svg")!;
    const box = root.getBoundingClientRect();
    const view = root.viewBox.baseVal;
    const scale = box.width / view.width;
    const out: string[] = [];
    for (const t of root.querySelectorAll("text")) {
      const r = t.getBoundingClientRect();
      const [left, top] = [(r.left - box.left) / scale, (r.top - box.top) / scale];
      const [right, bottom] = [left + r.width / scale, top + r.height / scale];
      if (left < -0.5 || top < -0.5 || right > view.width + 0.5 || bottom > view.height + 0.5) {
        out.push(`"${t.textContent}" at [${[left, top, right, bottom].map(Math.round)}]`);
      }
    }
    return out;
  });
}

Deno.test({
  name: "no text of any picture is clipped when Chromium renders it",
  ignore: !hasChromium,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "byol-svg-text-" });
    const browser = await launchChromium(dir, ["--disable-gpu"]);
    try {
      const page = await browser.newPage();
      const clipped = await clippedTexts(
        page,
        plot.svgDocument({ width: 100, height: 50, title: "t" }, [plot.text(-20, 30, "outside")]),
      );
      assert.deepEqual(clipped.length, 1, "the check finds a text outside the view box");
      for (const [name, svg] of Object.entries(await pictures())) {
        assert.deepEqual(await clippedTexts(page, svg), [], name);
        await Deno.writeTextFile(join(dir, `${name.replace(/[^\w.-]+/g, "_")}.svg`), svg);
      }
      const wrapped = plot.svgDocument({ width: 300, height: 100, title: LONG_TITLE }, []);
      const titleLines = [...wrapped.matchAll(/<text [^>]*class="title"/g)].length;
      assert.ok(titleLines > 1, "a long title wraps");
      assert.ok(wrapped.includes(`height="${100 + 18 * (titleLines - 1)}"`), "the picture grows");
      await page.setContent(`<!doctype html><body style="margin:0">${wrapped}</body>`);
      await page.screenshot({ path: join(dir, "wrapped-title.png") });
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("curves.svg: smoothed and raw loss, both kNN k values, lr and tau", async () => {
  const { records } = await readMetrics(FIXTURE);
  const svg = curvesSvg(records, "a run");
  const panels = [...svg.matchAll(/<g class="panel" data-label="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(panels, ["loss", "kNN accuracy", "learning rate"]);
  const series = [...svg.matchAll(/<g class="series" data-name="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(series, [
    "training loss",
    "smoothed (EMA 0.5)",
    "kNN k = 20",
    "kNN k = 200",
    "learning rate",
    "tau (right axis)",
  ]);
  const knn = /data-name="kNN k = 20">(.*?)<\/g>/.exec(svg)![1];
  assert.equal([...knn.matchAll(/<circle /g)].length, 5, "4 evaluations and the final score");
});

Deno.test("titles shrink before they wrap, and wrapping keeps every word", () => {
  const short = plot.svgDocument({ width: 720, height: 100, title: "A short title" }, []);
  assert.match(short, /font-size="16"/);
  const words = LONG_TITLE.split(" ");
  const lines = plot.wrapText(LONG_TITLE, 300, 13, { bold: true });
  assert.ok(lines.length > 1);
  assert.deepEqual(lines.join(" ").split(" "), words);
  for (const line of lines) assert.ok(plot.textWidth(line, 13, { bold: true }) <= 300, line);
  assert.deepEqual(plot.wrapText("x".repeat(30), 60, 12).join(""), "x".repeat(30));
});

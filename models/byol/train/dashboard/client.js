// The dashboard page's script (served as is, no build step): the run list, one server-sent event
// stream per ticked run, overlaid uPlot charts, and each run's tables, pictures and embedding.
// `globalThis.dashboard` exposes the charts and runs for the browser tests. `PALETTE`,
// `smoothingWeight` and `smooth` are lib/plot's, which the server puts ahead of this script.
/* global uPlot, PALETTE, smoothingWeight, smooth */

/** Tick labels with as many decimals as the tick spacing needs (uPlot rounds 0.0002 to 0). */
function tickLabels(_u, splits, _axis, _space, increment) {
  const decimals = Math.min(10, Math.max(0, -Math.floor(Math.log10(increment) + 1e-9)));
  return splits.map((v) => v === null ? "" : v.toFixed(decimals));
}

/** The charts: each draws, for every ticked run, the series `pick` returns. */
const CHARTS = [
  {
    id: "loss",
    title: "loss (raw, faint, and smoothed)",
    series: (run) => {
      const steps = run.train.map((r) => r.step);
      const raw = run.train.map((r) => r.loss);
      return [
        { label: `${run.name} loss`, steps, values: raw, faint: true },
        {
          label: `${run.name} smoothed`,
          steps,
          values: smooth(raw, smoothingWeight(raw.length)),
        },
      ];
    },
  },
  {
    id: "knn",
    title: "kNN accuracy (k = 20 solid, k = 200 dashed; evaluations and final)",
    points: true,
    series: (run) => {
      const evals = run.eval.concat(run.final.filter((r) => r.encoder === "trained"));
      const steps = evals.map((r) => r.step);
      return [
        { label: `${run.name} k=20`, steps, values: evals.map((r) => r.knn?.k20) },
        { label: `${run.name} k=200`, steps, values: evals.map((r) => r.knn?.k200), dash: [6, 3] },
      ];
    },
  },
  { id: "lr", title: "learning rate", field: "lr" },
  { id: "tau", title: "tau (target decay)", field: "tau" },
  { id: "gradNorm", title: "gradient norm", field: "gradNorm" },
  {
    id: "collapse",
    title: "collapse measure (std of normalised projections; 0: collapsed)",
    field: "collapse",
  },
  { id: "imagesPerSecond", title: "images/s", field: "imagesPerSecond" },
];

const state = {
  /** name -> run state, for every run listed. */
  runs: new Map(),
  /** Names of the ticked runs, in the order ticked. */
  selected: [],
  /** chart id -> { plot, key } */
  charts: {},
};
globalThis.dashboard = state;

const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
};

/** Runs' colours: the palette in an order that keeps neighbours apart. */
const RUN_COLORS = [0, 6, 3, 5, 1, 7, 2, 4, 8, 9].map((i) => PALETTE[i]);

function newRun(name, index) {
  return {
    name,
    color: RUN_COLORS[index % RUN_COLORS.length],
    train: [],
    eval: [],
    final: [],
    other: [],
    lineProblems: [],
    pendingBytes: 0,
    connection: null,
    summary: null,
    embedding: null,
    source: null,
    version: 0,
  };
}

function addRecords(run, records) {
  for (const r of records) {
    const list = run[r.type];
    if (Array.isArray(list) && r.type !== "other") list.push(r);
    else run.other.push(r);
  }
}

function follow(run) {
  const source = new EventSource(`/api/run/${encodeURIComponent(run.name)}/events`);
  run.source = source;
  source.addEventListener("records", (e) => {
    addRecords(run, JSON.parse(e.data));
    run.connection = null;
    scheduleRender();
  });
  source.addEventListener("reset", () => {
    Object.assign(run, { train: [], eval: [], final: [], other: [], lineProblems: [] });
    scheduleRender();
  });
  source.addEventListener("problem", (e) => {
    run.lineProblems.push(JSON.parse(e.data));
    scheduleRender();
  });
  source.addEventListener("pending", (e) => {
    run.pendingBytes = JSON.parse(e.data).bytes;
    scheduleRender();
  });
  source.addEventListener("file", (e) => {
    const { name } = JSON.parse(e.data);
    if (name === "embedding.json") loadEmbedding(run);
    else if (/\.(json|png|svg)$/.test(name)) loadSummary(run);
  });
  source.addEventListener("error", (e) => {
    run.connection = e.data ? JSON.parse(e.data).message : "connection lost; retrying";
    scheduleRender();
  });
}

async function loadSummary(run) {
  try {
    const response = await fetch(`/api/run/${encodeURIComponent(run.name)}`);
    run.summary = await response.json();
    if (!response.ok) run.summary = { problems: [run.summary.error ?? response.statusText] };
    run.version++;
  } catch (err) {
    run.summary = { problems: [`cannot read the run: ${err.message}`] };
  }
  if (run.summary.files?.includes("embedding.json") && !run.embedding) await loadEmbedding(run);
  scheduleRender();
}

async function loadEmbedding(run) {
  try {
    const response = await fetch(`/runs/${encodeURIComponent(run.name)}/embedding.json`);
    if (!response.ok) return;
    const value = await response.json();
    const n = value.labels?.length;
    if (!Array.isArray(value.points) || value.points.length !== 2 * n) {
      throw new Error("expected { points: [x0, y0, ...], labels, classNames }");
    }
    run.embedding = value;
    run.embeddingProblem = null;
  } catch (err) {
    run.embeddingProblem = `embedding.json: ${err.message}`;
  }
  scheduleRender();
}

function select(name, on) {
  const run = state.runs.get(name);
  if (!run) return;
  if (on && !state.selected.includes(name)) {
    state.selected.push(name);
    follow(run);
    loadSummary(run);
  } else if (!on && state.selected.includes(name)) {
    state.selected = state.selected.filter((n) => n !== name);
    run.source?.close();
    Object.assign(run, newRun(name, 0), { color: run.color });
  }
  location.hash = state.selected.length ? `run=${state.selected.map(encodeURIComponent)}` : "";
  renderList();
  scheduleRender();
}

let listed = [];
async function refreshList() {
  let runs;
  try {
    runs = await (await fetch("/api/runs")).json();
    $("#status").textContent = `${runs.length} run${runs.length === 1 ? "" : "s"}`;
  } catch (err) {
    $("#status").textContent = `server unreachable: ${err.message}`;
    return;
  }
  runs.forEach((r) => {
    if (!state.runs.has(r.name)) state.runs.set(r.name, newRun(r.name, state.runs.size));
  });
  listed = runs.map((r) => r.name);
  renderList();
}

function renderList() {
  const nav = $("#runs");
  nav.replaceChildren();
  if (listed.length === 0) nav.append(el("p", { class: "empty" }, "no runs yet"));
  for (const name of listed) {
    const run = state.runs.get(name);
    const box = el("input", {
      type: "checkbox",
      "data-run": name,
      onchange: (e) => select(name, e.target.checked),
    });
    box.checked = state.selected.includes(name);
    const bad = run.lineProblems.length > 0 || (run.summary?.problems?.length ?? 0) > 0;
    nav.append(
      el(
        "label",
        {},
        box,
        el("span", { class: "swatch", style: `background:${run.color}` }),
        name,
        bad ? el("span", { class: "problem-mark", title: "this run has problems" }, " !") : null,
      ),
    );
  }
}

let renderTimer = null;
function scheduleRender() {
  if (renderTimer === null) {
    renderTimer = setTimeout(() => {
      renderTimer = null;
      render();
    }, 150);
  }
}

/** Series of one chart for every ticked run, aligned on the union of their steps. */
function chartData(chart) {
  const all = [];
  for (const name of state.selected) {
    const run = state.runs.get(name);
    const series = chart.series ? chart.series(run) : [{
      label: name,
      steps: run.train.map((r) => r.step),
      values: run.train.map((r) => r[chart.field]),
    }];
    for (const s of series) all.push({ ...s, color: run.color });
  }
  const steps = [...new Set(all.flatMap((s) => s.steps))].sort((a, b) => a - b);
  const at = new Map(steps.map((s, i) => [s, i]));
  const columns = all.map((s) => {
    const column = new Array(steps.length).fill(null);
    s.steps.forEach((step, i) => {
      const v = s.values[i];
      column[at.get(step)] = Number.isFinite(v) ? v : null;
    });
    return column;
  });
  return { all, data: [steps, ...columns] };
}

function renderCharts() {
  const box = $("#charts");
  const width = Math.max(300, Math.min(760, (box.clientWidth || 900) / 2 - 30));
  for (const chart of CHARTS) {
    const { all, data } = chartData(chart);
    const key = JSON.stringify(all.map((s) => [s.label, s.color]));
    let entry = state.charts[chart.id];
    if (!entry || entry.key !== key) {
      entry?.plot.destroy();
      let holder = $(`[data-chart="${chart.id}"]`);
      if (!holder) {
        holder = el("div", { class: "chart", "data-chart": chart.id }, el("h3", {}, chart.title));
        box.append(holder);
      }
      const plot = new uPlot(
        {
          width,
          height: 220,
          scales: { x: { time: false } },
          axes: [{ label: "step" }, { size: 76, values: tickLabels }],
          series: [
            { label: "step" },
            ...all.map((s) => ({
              label: s.label,
              stroke: s.faint ? `${s.color}55` : s.color,
              width: s.faint ? 1 : 1.5,
              dash: s.dash,
              spanGaps: true,
              points: { show: chart.points ?? false, size: 5, fill: s.color },
            })),
          ],
        },
        data,
        holder,
      );
      entry = state.charts[chart.id] = { plot, key };
    } else {
      entry.plot.setData(data);
    }
    entry.plot.root.parentElement.dataset.points = String(data[0].length);
  }
}

const pct = (v) => Number.isFinite(v) ? `${(100 * v).toFixed(2)}%` : "–";
const num = (v) =>
  typeof v !== "number"
    ? String(v)
    : Number.isInteger(v)
    ? String(v)
    : Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5
    ? v.toExponential(3)
    : String(+v.toPrecision(5));

function table(headers, rows) {
  return el(
    "table",
    {},
    el("tr", {}, ...headers.map((h) => el("th", {}, h))),
    ...rows.map((row) =>
      el(
        "tr",
        {},
        ...row.map((c, i) =>
          el("td", i > 0 && /^[-\d.,%e+–]+$/.test(c) ? { class: "num" } : {}, c)
        ),
      )
    ),
  );
}

/** `[path, value]` rows of a JSON object, arrays of plain values joined. */
function flatten(value, prefix = "") {
  if (value === null || typeof value !== "object") return [[prefix, num(value)]];
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== "object")) {
    return [[prefix, value.map(num).join(", ")]];
  }
  return Object.entries(value).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
}

function finalTable(run) {
  const rows = run.final.map((r) => [
    r.encoder,
    pct(r.knn?.k20),
    pct(r.knn?.k200),
    pct(r.linear?.testAccuracy),
    pct(r.linear?.trainAccuracy),
  ]);
  if (rows.length === 0 && run.summary?.results) {
    const res = run.summary.results;
    for (const encoder of ["trained", "random", "pixels"]) {
      const s = res[encoder];
      if (s) {
        rows.push([
          encoder,
          pct(s.knn?.k20),
          pct(s.knn?.k200),
          pct(s.linear?.testAccuracy),
          pct(s.linear?.trainAccuracy),
        ]);
      }
    }
  }
  if (rows.length === 0) return null;
  return el(
    "div",
    { class: "final" },
    el("h3", {}, "final accuracies"),
    table(["encoder", "kNN k=20", "kNN k=200", "linear test", "linear train"], rows),
  );
}

function progressLine(run) {
  const last = run.train.at(-1);
  const total = run.summary?.config?.totalSteps;
  const parts = [];
  if (last) {
    parts.push(`step ${last.step}${total ? ` / ${total}` : ""}`);
    parts.push(`loss ${num(last.loss)}`);
    parts.push(`${Math.round(last.imagesPerSecond)} images/s`);
  } else parts.push("no training step logged yet");
  const lastEval = run.eval.at(-1);
  if (lastEval) parts.push(`kNN k=20 ${pct(lastEval.knn?.k20)} at step ${lastEval.step}`);
  if (run.summary?.results) parts.push("finished");
  else if (run.other.some((r) => r.type === "stop")) parts.push("stopped (resume with --resume)");
  return parts.join(" · ");
}

function problemsOf(run) {
  const out = [...(run.summary?.problems ?? [])];
  for (const p of run.lineProblems.slice(0, 20)) {
    out.push(`metrics.jsonl line ${p.line} is not a record (${p.message}): ${p.text}`);
  }
  if (run.lineProblems.length > 20) out.push(`… and ${run.lineProblems.length - 20} more lines`);
  if (run.pendingBytes > 0) {
    out.push(
      `metrics.jsonl ends in an unfinished line (${run.pendingBytes} bytes): still being ` +
        "written, or cut short",
    );
  }
  if (run.connection) out.push(run.connection);
  if (run.embeddingProblem) out.push(run.embeddingProblem);
  return out;
}

function drawEmbedding(run) {
  const e = run.embedding;
  if (!e) return null;
  const size = 420;
  const canvas = el("canvas", { width: size, height: size, "data-points": e.labels.length });
  const ctx = canvas.getContext("2d");
  const xs = e.points.filter((_, i) => i % 2 === 0);
  const ys = e.points.filter((_, i) => i % 2 === 1);
  const range = (v) => [Math.min(...v), Math.max(...v)];
  const [x0, x1] = range(xs);
  const [y0, y1] = range(ys);
  const pad = 10;
  const sx = (size - 2 * pad) / (x1 - x0 || 1);
  const sy = (size - 2 * pad) / (y1 - y0 || 1);
  ctx.globalAlpha = 0.75;
  e.labels.forEach((label, i) => {
    ctx.fillStyle = PALETTE[label % PALETTE.length];
    ctx.beginPath();
    ctx.arc(pad + (xs[i] - x0) * sx, size - pad - (ys[i] - y0) * sy, 2, 0, 2 * Math.PI);
    ctx.fill();
  });
  const legend = el(
    "div",
    { class: "legend" },
    ...e.classNames.map((name, c) =>
      el("span", {}, el("span", { class: "swatch", style: `background:${PALETTE[c % 10]}` }), name)
    ),
  );
  return el(
    "figure",
    { class: "embedding" },
    canvas,
    el(
      "figcaption",
      {},
      `${e.method.toUpperCase()} of ${e.labels.length} test images' features at step ${e.step}`,
    ),
    legend,
  );
}

function renderRun(run) {
  const files = run.summary?.files ?? [];
  const pictures = files.filter((f) => /\.(png|svg)$/.test(f)).map((f) =>
    el(
      "figure",
      {},
      el("img", { src: `/runs/${encodeURIComponent(run.name)}/${f}?v=${run.version}`, alt: f }),
      el("figcaption", {}, f),
    )
  );
  const config = run.summary?.config;
  const results = run.summary?.results;
  return el(
    "section",
    { class: "run", "data-run": run.name },
    el("h2", { style: `border-left: 6px solid ${run.color}; padding-left: 8px` }, run.name),
    el("div", { class: "progress" }, progressLine(run)),
    el("div", { class: "problems" }, ...problemsOf(run).map((p) => el("div", {}, p))),
    el(
      "div",
      { class: "tables" },
      finalTable(run),
      config
        ? el("div", {}, el("h3", {}, "config"), table(["key", "value"], flatten(config)))
        : null,
      results
        ? el("div", {}, el("h3", {}, "results"), table(["key", "value"], flatten(results)))
        : null,
    ),
    el("div", { class: "pictures" }, drawEmbedding(run), ...pictures),
  );
}

function render() {
  renderCharts();
  renderList();
  const details = $("#details");
  details.replaceChildren(...state.selected.map((name) => renderRun(state.runs.get(name))));
}

async function start() {
  await refreshList();
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("run");
  const wanted = fromHash ? fromHash.split(",").map(decodeURIComponent) : listed.slice(0, 1);
  for (const name of wanted) select(name, true);
  setInterval(refreshList, 5000);
}

start();

// The report as one self-contained HTML page: the data, Vega-Lite charts drawn by the inlined vega, vega-lite and vega-embed builds, and tables.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { writeFileAtomic } from "../../circuits/files.js";
import { charts } from "./charts.js";
import type { ReportDocument } from "./document.js";

/** The minified browser builds of the chart library, in load order (vega-lite needs vega, vega-embed both). */
function chartLibrary(): string[] {
  const require = createRequire(import.meta.url);
  // the packages export only their modules, so find each build directory through a file they do export
  const builds = [
    join(dirname(require.resolve("vega/vega-schema.json")), "vega.min.js"),
    join(dirname(require.resolve("vega-lite/vega-lite-schema.json")), "vega-lite.min.js"),
    join(dirname(require.resolve("vega-embed")), "vega-embed.min.js"),
  ];
  return builds.map((file) => readFileSync(file, "utf8"));
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** JSON safe inside a <script> element. */
const scriptJson = (x: unknown) => JSON.stringify(x).replace(/</g, "\\u003c");

const fmt = (v: unknown): string =>
  typeof v === "number"
    ? Number.isInteger(v)
      ? String(v)
      : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5
        ? v.toPrecision(4)
        : v.toExponential(3)
    : String(v);

function table(head: string[], rows: unknown[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(fmt(c))}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

/** The tables: run settings, final metrics, energy totals, timing, verify results, evaluation. */
function tables(doc: ReportDocument): Map<string, string> {
  const out = new Map<string, string>();
  const add = (section: string, html: string) => out.set(section, (out.get(section) ?? "") + html);
  const s = doc.training;
  if (s) {
    add(
      "Learning",
      table(
        ["task", "circuit", "rule", "epochs", "batch", "training sequences", "steps per sequence", "wall time (s)"],
        [[s.task, s.circuit, s.rule, s.epochs, s.batch, s.trainSize, s.stepsPerSequence, s.wallSeconds]],
      ) +
        table(
          ["test metric", "before training", "after training"],
          Object.keys(s.final).map((k) => [k, s.initial[k] ?? "", s.final[k]]),
        ),
    );
  }
  const e = doc.energy;
  if (e) {
    add(
      "Energy",
      table(
        ["", "energy (J)", "chip time (s)"],
        [
          ["per training sample", e.perSample.energy, e.perSample.seconds],
          [`per training run (${e.run.samples} samples)`, e.perRun.energy, e.perRun.seconds],
          ...Object.entries(e.vs?.bptt ?? {}).map(([precision, b]) => [
            `BPTT ${precision}, per sample`,
            b.perSample.energy,
            b.perSample.seconds,
          ]),
        ],
      ),
    );
    add(
      "Timing",
      table(
        ["clock (Hz)", "acceleration", "tick (s)", "cycles per tick"],
        [[e.timing.clockHz, e.timing.acceleration, e.timing.tickSeconds, e.timing.cyclesPerTick]],
      ),
    );
  }
  const t = doc.timing;
  if (t) {
    add(
      "Timing",
      table(
        [
          "ticks",
          "cycles",
          "chip time (s)",
          "cycles per tick",
          "input latency max (cycles)",
          "slack (cycles)",
          "stale values",
          "stall cycles",
        ],
        [[t.ticks, t.cycles, t.seconds, t.cyclesPerTick, t.inputLatency.max, t.slack, t.staleValues, t.stallCycles]],
      ),
    );
  }
  const v = doc.verify;
  if (v) {
    add(
      "Verification",
      `<p>${escapeHtml(v.circuit)} (${escapeHtml(v.file)}): ${v.passed ? "every property held" : "<strong>a property failed</strong>"}</p>` +
        table(
          ["property", "status", "random cases", "what was checked"],
          v.results.map((r) => [r.property, r.status, r.runs, r.note]),
        ),
    );
  }
  const ev = doc.evaluation;
  if (ev) {
    add(
      "Evaluation",
      `<p>${escapeHtml(ev.circuit)} on ${escapeHtml(ev.data)}: ${ev.sequences} sequences of ${ev.stepsPerSequence} steps, learning off</p>` +
        table(["metric", "value"], Object.entries(ev.metrics)),
    );
  }
  const d = doc.dynamics;
  if (d) {
    const stable = d.fixedPoints.filter((p) => p.stable).length;
    add(
      "Dynamics",
      `<p>${escapeHtml(d.circuit)} without input: ${d.fixedPoints.length} fixed point(s), ${stable} stable (Newton from random membranes).</p>` +
        table(
          ["fixed point", "stability", "leading eigenvalue (1 / time unit)", "starts reaching it", "residual"],
          d.fixedPoints.map((p, k) => [k, p.stable ? "stable" : "unstable", p.leading, p.basin, p.residual]),
        ),
    );
    if (d.hmm)
      add(
        "Dynamics",
        `<p>Driven by noise as ${escapeHtml(d.hmm.task)}: ${fmt(d.hmm.residency.transitionRate)} decoded state changes per symbol, moving ${fmt(d.hmm.residency.transitionSpeed)} (membrane units, first three components) per symbol at a change; kick neurons: ${escapeHtml(d.hmm.ablation.kick.join(", ") || "none")}.</p>` +
          table(
            ["decoded state", "share of time", "mean dwell (symbols)", "distance per symbol while held"],
            d.hmm.residency.states.map((r) => [r.state, r.share, r.meanDwell, r.speed]),
          ),
      );
  }
  return out;
}

const sectionOrder = ["Learning", "Evaluation", "Weights", "Waveforms", "Energy", "Timing", "Verification", "Dynamics"];

/** The page: headings per section, each chart in its own element, drawn on load; `window.vleReport` says how that went. */
export function reportHtml(doc: ReportDocument): string {
  const list = charts(doc);
  const tableHtml = tables(doc);
  const sections = sectionOrder
    .filter((name) => list.some((c) => c.section === name) || tableHtml.has(name))
    .map((name) => {
      const own = list
        .map((c, i) => ({ c, i }))
        .filter(({ c }) => c.section === name)
        .map(
          ({ c, i }) =>
            `<figure><figcaption><strong>${escapeHtml(c.title)}</strong>. ${escapeHtml(c.caption)}</figcaption><div class="chart" id="chart-${i}"></div></figure>`,
        )
        .join("\n");
      return `<section><h2>${name}</h2>\n${tableHtml.get(name) ?? ""}\n${own}</section>`;
    })
    .join("\n");
  const libraries = chartLibrary()
    .map((code) => `<script>${code.replace(/<\/script/gi, "<\\/script")}</script>`)
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(doc.title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 900px; color: #222; }
h1 { font-size: 1.5em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.8em 0; } td, th { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; }
th { background: #f4f4f4; } figure { margin: 1.2em 0; } figcaption { margin-bottom: 0.4em; }
.meta { color: #666; }
</style>
${libraries}
</head>
<body>
<h1>${escapeHtml(doc.title)}</h1>
<p class="meta">made ${escapeHtml(doc.generated)}${doc.command ? ` by <code>${escapeHtml(doc.command)}</code>` : ""}</p>
${sections || "<p>Nothing to show: the inputs had no training, weights, waveforms, energy, timing, verification or evaluation data.</p>"}
<script type="application/json" id="vle-charts">${scriptJson(list.map((c) => c.spec))}</script>
<script>
window.vleReport = { charts: 0, drawn: 0, failed: [], done: false };
(async () => {
  const specs = JSON.parse(document.getElementById("vle-charts").textContent);
  window.vleReport.charts = specs.length;
  for (let i = 0; i < specs.length; i++) {
    try {
      await vegaEmbed("#chart-" + i, specs[i], { renderer: "svg", actions: false });
      window.vleReport.drawn++;
    } catch (err) {
      window.vleReport.failed.push("chart-" + i + ": " + err);
      console.error(err);
    }
  }
  window.vleReport.done = true;
})();
</script>
</body>
</html>
`;
}

/** Writes the page atomically. */
export function writeReport(path: string, doc: ReportDocument): void {
  writeFileAtomic(path, reportHtml(doc));
}

// Vega-Lite specifications of the report's charts, every axis titled with its quantity and unit.
import { schema, width, type Chart } from "./chart.js";
import type { ReportDocument } from "./document.js";
import { dynamicsCharts } from "./dynamics-charts.js";

/** Histogram bins shared by two sets of values (so before and after line up): [lo, hi) edges and counts. */
function histogram(sets: number[][], bins = 40): { lo: number; hi: number; counts: number[][] } {
  const all = sets.flat();
  let lo = Math.min(...all),
    hi = Math.max(...all);
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const counts = sets.map((xs) => {
    const c = new Array<number>(bins).fill(0);
    for (const x of xs) c[Math.min(bins - 1, Math.floor(((x - lo) / (hi - lo)) * bins))]++;
    return c;
  });
  return { lo, hi, counts };
}

/** Bars on a log axis start from the decade below the smallest value (a log axis has no zero to start from). */
function logBars(field: string, values: number[], title: string): Record<string, unknown> {
  const floor = 10 ** Math.floor(Math.log10(Math.min(...values.filter((v) => v > 0))));
  return {
    x: { field, type: "quantitative", scale: { type: "log", domainMin: floor }, title },
    x2: { datum: floor },
  };
}

/** Every `k`-th index so at most `limit` points remain (the last always kept). */
function thin(n: number, limit: number): number[] {
  const k = Math.max(1, Math.ceil(n / limit));
  const idx: number[] = [];
  for (let i = 0; i < n; i += k) idx.push(i);
  if (idx[idx.length - 1] !== n - 1 && n > 0) idx.push(n - 1);
  return idx;
}

/** A metric's label and the factor that shows it (accuracies as percent). */
function metricAxis(name: string): { title: string; scale: number } {
  if (/accuracy/i.test(name)) return { title: `${name} (%)`, scale: 100 };
  if (/mse|loss|error/i.test(name)) return { title: `${name} (dimensionless)`, scale: 1 };
  return { title: `${name} (dimensionless)`, scale: 1 };
}

function learningCharts(doc: ReportDocument): Chart[] {
  const s = doc.training;
  if (!s) return [];
  const charts: Chart[] = [];
  const loss = s.history.flatMap((h) => [
    { epoch: h.epoch, value: h.trainLoss, series: "training loss" },
    ...(h.validationLoss === undefined ? [] : [{ epoch: h.epoch, value: h.validationLoss, series: "validation loss" }]),
  ]);
  charts.push({
    section: "Learning",
    title: "Loss per epoch",
    caption: `Mean output loss over each epoch's training sequences (and the held-out validation sequences), ${s.task}, rule ${s.rule}.`,
    spec: {
      $schema: schema,
      width,
      height: 240,
      data: { values: loss },
      mark: { type: "line", point: true },
      encoding: {
        x: {
          field: "epoch",
          type: "quantitative",
          title: "epoch (passes over the training set)",
          axis: { tickMinStep: 1 },
        },
        y: { field: "value", type: "quantitative", title: "loss (dimensionless)", scale: { type: "log" } },
        color: { field: "series", type: "nominal", title: null },
      },
    },
  });
  // the task's headline metric: an accuracy, else a test error
  const numeric = Object.keys(s.final).filter((k) => typeof s.final[k] === "number");
  const headline = numeric.find((k) => /accuracy/i.test(k)) ?? numeric.find((k) => /mse|loss/i.test(k));
  if (headline) {
    const axis = metricAxis(headline);
    const ours = [
      { epoch: 0, value: (s.initial[headline] as number) * axis.scale, series: `this run (${s.rule})` },
      ...s.history
        .filter((h) => typeof h.metrics[headline] === "number")
        .map((h) => ({
          epoch: h.epoch,
          value: (h.metrics[headline] as number) * axis.scale,
          series: `this run (${s.rule})`,
        })),
    ];
    const ref = doc.reference;
    const reference = ref
      ? Object.entries(ref.curves).flatMap(([name, c]) =>
          c.mean.map((v, epoch) => ({ epoch, value: v, series: `${name} (reference)` })),
        )
      : [];
    charts.push({
      section: "Learning",
      title: `Test ${headline} per epoch`,
      caption: ref
        ? `This run's test ${headline} after each epoch (epoch 0: before training), and the reference curves (${ref.metric} in ${ref.unit}; source: ${ref.source}).`
        : `This run's test ${headline} after each epoch (epoch 0: before training).`,
      spec: {
        $schema: schema,
        width,
        height: 240,
        data: { values: [...ours, ...reference] },
        mark: { type: "line", point: ours.length <= 60 },
        encoding: {
          x: {
            field: "epoch",
            type: "quantitative",
            title: "epoch (passes over the training set)",
            axis: { tickMinStep: 1 },
          },
          y: { field: "value", type: "quantitative", title: axis.title, scale: { zero: false } },
          color: { field: "series", type: "nominal", title: null },
        },
      },
    });
  }
  return charts;
}

function weightCharts(doc: ReportDocument): Chart[] {
  const w = doc.weights;
  if (!w) return [];
  const names = [...new Set([...Object.keys(w.before ?? {}), ...Object.keys(w.after ?? {})])];
  return names.map((name) => {
    const sets = [
      { when: "before", values: w.before?.[name] },
      { when: "after", values: w.after?.[name] },
    ].filter((x): x is { when: string; values: number[] } => x.values !== undefined && x.values.length > 0);
    const h = histogram(sets.map((x) => x.values));
    const step = (h.hi - h.lo) / h.counts[0].length;
    const rows = sets.flatMap((set, k) =>
      h.counts[k].map((count, b) => ({ when: set.when, lo: h.lo + b * step, hi: h.lo + (b + 1) * step, count })),
    );
    return {
      section: "Weights",
      title: `Weights of crossbar ${name}`,
      caption: `Histogram of the ${sets[0].values.length} weights of ${name} ${sets.map((s) => s.when).join(" and ")} learning (40 bins).`,
      spec: {
        $schema: schema,
        width,
        height: 180,
        data: { values: rows },
        mark: { type: "bar", opacity: 0.6, binSpacing: 0 },
        encoding: {
          x: { field: "lo", type: "quantitative", bin: { binned: true }, title: "weight (dimensionless, model units)" },
          x2: { field: "hi" },
          y: { field: "count", type: "quantitative", title: "synapses (count)", stack: null },
          color: { field: "when", type: "nominal", title: null, sort: ["before", "after"] },
        },
      },
    };
  });
}

function waveformCharts(doc: ReportDocument): Chart[] {
  const w = doc.waveforms;
  if (!w || w.signals.length === 0) return [];
  const idx = thin(w.t.length, 1500);
  const rows = w.signals
    .slice(0, 16)
    .flatMap((s) => idx.map((i) => ({ t: w.t[i], value: s.values[i], signal: s.name })));
  return [
    {
      section: "Waveforms",
      title: "Recorded signals",
      caption: `${Math.min(16, w.signals.length)} of ${w.signals.length} recorded signals from ${w.source}${idx.length < w.t.length ? ` (every ${Math.ceil(w.t.length / 1500)}th step shown)` : ""}.`,
      spec: {
        $schema: schema,
        width,
        height: 260,
        data: { values: rows },
        mark: { type: "line", strokeWidth: 1.2 },
        encoding: {
          x: { field: "t", type: "quantitative", title: `t (${w.timeUnit})` },
          y: { field: "value", type: "quantitative", title: "value (model units: rates, membranes, weights)" },
          color: { field: "signal", type: "nominal", title: null },
        },
      },
    },
  ];
}

function energyCharts(doc: ReportDocument): Chart[] {
  const e = doc.energy;
  if (!e) return [];
  const charts: Chart[] = [
    {
      section: "Energy",
      title: "Energy per training sample, by component",
      caption: `On-chip learning of ${e.run.task} on ${e.card.name} (${e.counts.source} operation counts); total ${e.perSample.energy.toExponential(3)} J per sample.`,
      spec: {
        $schema: schema,
        width,
        height: { step: 18 },
        data: {
          values: e.lines.filter((l) => l.energy > 0).map((l) => ({ component: l.component, energy: l.energy })),
        },
        mark: "bar",
        encoding: {
          y: { field: "component", type: "nominal", sort: "-x", title: "component" },
          ...logBars(
            "energy",
            e.lines.map((l) => l.energy),
            "energy per training sample (J, log scale)",
          ),
        },
      },
    },
  ];
  if (e.vs) {
    const rows = [
      { system: `chip (${e.card.name})`, energy: e.perSample.energy },
      ...Object.entries(e.vs.bptt).map(([precision, b]) => ({
        system: `BPTT ${precision} (${e.vs!.accelerator.name})`,
        energy: b.perSample.energy,
      })),
    ];
    charts.push({
      section: "Energy",
      title: "Chip against BPTT on a digital accelerator",
      caption: `Energy per training sample; BPTT / chip = ${Object.entries(e.vs.ratio)
        .map(([precision, r]) => `${r.toPrecision(3)} (${precision})`)
        .join(", ")}.`,
      spec: {
        $schema: schema,
        width,
        height: { step: 26 },
        data: { values: rows },
        mark: "bar",
        encoding: {
          y: { field: "system", type: "nominal", title: "system" },
          ...logBars(
            "energy",
            rows.map((r) => r.energy),
            "energy per training sample (J, log scale)",
          ),
        },
      },
    });
    const sweep = e.vs.sweepT.flatMap((r) => [
      { T: r.value, energy: r.chip, system: "chip" },
      ...Object.entries(r.bptt).map(([precision, energy]) => ({ T: r.value, energy, system: `BPTT ${precision}` })),
    ]);
    charts.push({
      section: "Energy",
      title: "Crossover with sequence length T",
      caption:
        "Energy per training sample as the sequence grows: where the lines cross, the chip stops (or starts) winning.",
      spec: {
        $schema: schema,
        width,
        height: 240,
        data: { values: sweep },
        mark: { type: "line", point: true },
        encoding: {
          x: {
            field: "T",
            type: "quantitative",
            scale: { type: "log" },
            title: "sequence length T (steps per sample, log scale)",
          },
          y: {
            field: "energy",
            type: "quantitative",
            scale: { type: "log" },
            title: "energy per training sample (J, log scale)",
          },
          color: { field: "system", type: "nominal", title: null },
        },
      },
    });
  }
  return charts;
}

function timingCharts(doc: ReportDocument): Chart[] {
  const stages = doc.energy?.timing.stages;
  if (!stages) return [];
  return [
    {
      section: "Timing",
      title: "Where a tick's cycles go",
      caption: `Pipeline stages of the busiest core at ${(doc.energy!.timing.clockHz / 1e6).toPrecision(4)} MHz, ${doc.energy!.timing.cyclesPerTick} cycles per tick.`,
      spec: {
        $schema: schema,
        width,
        height: { step: 20 },
        data: { values: Object.entries(stages).map(([stage, cycles]) => ({ stage, cycles })) },
        mark: "bar",
        encoding: {
          y: { field: "stage", type: "nominal", title: "pipeline stage", sort: null },
          x: { field: "cycles", type: "quantitative", title: "time per tick (clock cycles)" },
        },
      },
    },
  ];
}

/** Every chart the document has data for, in page order. */
export function charts(doc: ReportDocument): Chart[] {
  return [
    ...learningCharts(doc),
    ...weightCharts(doc),
    ...waveformCharts(doc),
    ...energyCharts(doc),
    ...timingCharts(doc),
    ...dynamicsCharts(doc),
  ];
}

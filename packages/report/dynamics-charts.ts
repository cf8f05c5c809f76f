// Vega-Lite charts of a network's dynamics: the orbit under noise with its fixed points, emissions and dwell times against the HMM, the ablation.
import { schema, width, type Chart } from "./chart.js";
import type { DynamicsSection, ReportDocument } from "./document.js";

const percent = (x: number) => `${(100 * x).toFixed(1)} %`;

export function dynamicsCharts(doc: ReportDocument): Chart[] {
  const d = doc.dynamics;
  const h = d?.hmm;
  if (!d || !h) return [];
  const fixed = d.fixedPoints
    .filter((f) => f.projected)
    .map((f, k) => ({ pc1: f.projected![0], pc2: f.projected![1] ?? 0, kind: f.stable ? "stable" : "unstable", k }));
  const stateAxis = { field: "state", type: "nominal", title: "decoded HMM state" };
  // layers share their axes; every layer names them alike so that the merged title is the one title
  const pc = (k: number) => `PC ${k + 1} (membrane units, ${percent(h.explained[k] ?? 0)} of the variance)`;
  const rateTitle = "state changes per symbol (1 / symbol)";
  const charts: Chart[] = [
    {
      section: "Dynamics",
      title: "Orbit under noise",
      caption: `The hidden membranes once per symbol, ${h.orbit.length} points projected on the first two principal components, coloured by the HMM state Viterbi decodes from the emissions (the residency regions); crosses: the ${fixed.length} fixed point(s) without input.`,
      spec: {
        $schema: schema,
        width,
        height: 360,
        layer: [
          {
            data: { values: h.orbit.map((p) => ({ ...p, state: `state ${p.state}` })) },
            mark: { type: "circle", size: 12, opacity: 0.45 },
            encoding: {
              x: { field: "pc1", type: "quantitative", title: pc(0) },
              y: { field: "pc2", type: "quantitative", title: pc(1) },
              color: stateAxis,
            },
          },
          {
            data: { values: fixed },
            mark: { type: "point", size: 220, filled: true, color: "black" },
            encoding: {
              x: { field: "pc1", type: "quantitative", title: pc(0) },
              y: { field: "pc2", type: "quantitative", title: pc(1) },
              shape: {
                field: "kind",
                type: "nominal",
                title: "fixed point",
                scale: { domain: ["stable", "unstable"], range: ["cross", "diamond"] },
              },
            },
          },
        ],
      },
    },
    {
      section: "Dynamics",
      title: "Emission frequencies",
      caption: "How often each symbol is emitted by the network and by the HMM (same number of sequences).",
      spec: {
        $schema: schema,
        width,
        height: 200,
        data: {
          values: [
            ...h.frequencies.network.map((f, m) => ({ symbol: m, frequency: f, source: "network" })),
            ...h.frequencies.hmm.map((f, m) => ({ symbol: m, frequency: f, source: "HMM" })),
          ],
        },
        mark: "bar",
        encoding: {
          x: { field: "symbol", type: "ordinal", title: "symbol (index)", axis: { labelAngle: 0 } },
          xOffset: { field: "source", type: "nominal" },
          y: { field: "frequency", type: "quantitative", title: "frequency (fraction of emitted symbols)" },
          color: { field: "source", type: "nominal", title: null },
        },
      },
    },
    {
      section: "Dynamics",
      title: "Dwell times per decoded state",
      caption:
        "Lengths of complete visits to each Viterbi-decoded state (runs cut by a sequence's ends left out), as a fraction of that state's visits: solid the network, dashed the HMM.",
      spec: {
        $schema: schema,
        width,
        height: 240,
        data: { values: dwellFractions(h.dwell) },
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "length", type: "quantitative", title: "dwell (symbols)" },
          y: { field: "fraction", type: "quantitative", title: "visits (fraction of the state's visits)" },
          color: stateAxis,
          strokeDash: { field: "source", type: "nominal", title: null, sort: ["network", "HMM"] },
        },
      },
    },
    {
      section: "Dynamics",
      title: "Ablation: transitions with one neuron silenced",
      caption: `Decoded state changes per symbol with each hidden neuron silenced (its outgoing weights zero), the largest drop first; the line is the intact network (${h.ablation.intactRate.toFixed(4)}), the dashed line the kick-neuron threshold (${(1 - h.ablation.threshold) * 100} % of it). Kick neurons: ${h.ablation.kick.join(", ") || "none"}.`,
      spec: {
        $schema: schema,
        width,
        height: 220,
        layer: [
          {
            data: {
              values: h.ablation.neurons.map((n, rank) => ({
                rank,
                neuron: `${n.population}[${n.neuron}]`,
                rate: n.transitionRate,
              })),
            },
            mark: "bar",
            encoding: {
              x: {
                field: "rank",
                type: "ordinal",
                title: "silenced neuron (rank, largest drop first)",
                axis: { labels: false, ticks: false },
              },
              y: { field: "rate", type: "quantitative", title: rateTitle },
              tooltip: [{ field: "neuron" }, { field: "rate" }],
            },
          },
          {
            data: { values: [{ y: h.ablation.intactRate }] },
            mark: { type: "rule", color: "black" },
            encoding: { y: { field: "y", type: "quantitative", title: rateTitle } },
          },
          {
            data: { values: [{ y: (1 - h.ablation.threshold) * h.ablation.intactRate }] },
            mark: { type: "rule", color: "firebrick", strokeDash: [4, 3] },
            encoding: { y: { field: "y", type: "quantitative", title: rateTitle } },
          },
        ],
      },
    },
  ];
  return charts;
}

/** Visits per (state, source, length) as a fraction of that state's visits in that source. */
function dwellFractions(dwell: NonNullable<DynamicsSection["hmm"]>["dwell"]) {
  const totals = new Map<string, number>();
  for (const v of dwell) totals.set(`${v.state}/${v.source}`, (totals.get(`${v.state}/${v.source}`) ?? 0) + v.visits);
  return dwell.map((v) => ({
    state: `state ${v.state}`,
    source: v.source,
    length: v.length,
    fraction: v.visits / totals.get(`${v.state}/${v.source}`)!,
  }));
}

export { scaleHidden } from "./comparison.js";
export type { RunShape } from "./comparison.js";

// The energy report: the chip's priced operation counts per sample and per training run, the BPTT baseline beside it, and sweeps over sequence length and network size.
import { cyclesPerTick, pipelineBound, tickSeconds } from "../../circuits/hardware.js";
import { enumName, Optimizer, PlasticityMode, PlasticityRule, Rounding, type Circuit } from "../../circuits/model.js";
import { loadCard, type TechCard } from "../../circuits/tech.js";
import { precisions, type BpttReport, type Precision } from "../../simulator/meters/bptt-baseline.js";
import type { OpCounts } from "../../simulator/meters/counts.js";
import type { EnergyLine } from "../../simulator/meters/energy.js";
import { chipPerSample, compare, runCounts, scaleHidden, type RunShape } from "./comparison.js";
import { crossover, type Crossover } from "./crossover.js";
import { formatCrossover } from "./crossover-svg.js";

export interface SweepRow {
  /** the swept value: T, or the hidden-size factor */
  value: number;
  neurons: number;
  synapses: number;
  cores: number;
  chip: number;
  /** BPTT energy per sample at each precision */
  bptt: Record<Precision, number>;
  chipSeconds: number;
  /** BPTT latency per sample (fp32) */
  bpttSeconds: number;
  /** bytes of the BPTT batch's activation store in DRAM (fp32) */
  spilled: number;
}

export interface EnergyDocument {
  circuit: string;
  card: { name: string; title: string; file: string };
  run: RunShape;
  counts: { source: "analytic" | "simulated"; perSample: OpCounts };
  perSample: { energy: number; seconds: number };
  perRun: { energy: number; seconds: number };
  /** where a tick's time goes: the pipeline stages of the busiest core (cycles, no contention) and the slack */
  /** what the chip's plasticity circuit does, in words (what its lines price) */
  plasticity: string;
  timing: {
    clockHz: number;
    acceleration: number;
    tickSeconds: number;
    cyclesPerTick: number;
    stages: Record<string, number>;
  };
  lines: (EnergyLine & { share: number; sources: string[] })[];
  total: number;
  vs?: {
    accelerator: { name: string; title: string };
    bptt: Record<
      Precision,
      {
        perSample: { energy: number; seconds: number };
        perRun: { energy: number; seconds: number };
        lines: EnergyLine[];
        storage: BpttReport["storage"];
        latency: BpttReport["latency"];
        nodeScale: number;
        /** action counts of one batch of `run.batch` sequences */
        actions: BpttReport["actions"];
      }
    >;
    ratio: Record<Precision, number>;
    assumptions: string[];
    sweepT: SweepRow[];
    sweepSize: SweepRow[];
  };
  /** chip/BPTT ratio over network size, T and precision (--crossover) */
  crossover?: Crossover;
}

function sweepRow(c: Circuit, value: number, run: RunShape, card: TechCard, accelerator: TechCard): SweepRow {
  const k = compare(c, run, card, accelerator);
  return {
    value,
    neurons: c.populations.reduce((a, p) => a + p.size, 0),
    synapses: c.crossbars.reduce((a, x) => a + x.rows * x.cols, 0),
    cores: c.hardware!.cores.length,
    chip: k.chip.perSample.energy,
    bptt: Object.fromEntries(precisions.map((p) => [p, k.bptt[p].perSample.energy])) as Record<Precision, number>,
    chipSeconds: k.chip.perSample.seconds,
    bpttSeconds: k.bptt.fp32.perSample.seconds,
    spilled: k.bptt.fp32.storage.spilledBytes,
  };
}

const sweepTicks = [10, 100, 1000, 10000, 100000];
const sweepFactors = [0.5, 1, 2, 4, 8];

/** Per-sample energies as the sequence length T grows (targets on every tick), the network fixed. */
function sweepLength(c: Circuit, run: RunShape, card: TechCard, accelerator: TechCard, ticks = sweepTicks): SweepRow[] {
  return ticks.map((T) => sweepRow(c, T, { ...run, ticks: T, targetTicks: T }, card, accelerator));
}

/** Per-sample energies as the hidden populations grow, at the run's T. */
function sweepSize(
  c: Circuit,
  run: RunShape,
  card: TechCard,
  accelerator: TechCard,
  factors = sweepFactors,
): SweepRow[] {
  return factors.map((f) => sweepRow(scaleHidden(c, f), f, run, card, accelerator));
}

/** Everything `vle energy` prints or writes. */
export function energyDocument(
  c: Circuit,
  run: RunShape,
  options: { card?: TechCard; accelerator?: string; vsBptt: boolean; counts?: OpCounts; crossover?: boolean },
): EnergyDocument {
  const card = options.card ?? loadCard(c.hardware!.card);
  const chip = chipPerSample(c, run, card, options.counts);
  const doc: EnergyDocument = {
    circuit: c.name,
    card: { name: card.name, title: card.title, file: card.file },
    run,
    counts: { source: options.counts ? "simulated" : "analytic", perSample: runCounts(c, run, options.counts) },
    perSample: chip.perSample,
    perRun: { energy: chip.perSample.energy * run.samples, seconds: chip.perSample.seconds * run.samples },
    plasticity: plasticityText(c),
    timing: timing(c),
    lines: chip.lines.map((l) => ({
      ...l,
      share: chip.total > 0 ? l.energy / chip.total : 0,
      sources: l.entries
        .filter((n) => card.entries.has(n as never))
        .map((n) => card.entries.get(n as never)!.source.key),
    })),
    total: chip.total,
  };
  if (options.vsBptt) {
    const accelerator = loadCard(options.accelerator ?? "digital-accelerator");
    const k = compare(c, run, card, accelerator, options.counts);
    // the baseline was priced for one batch: its lines per sample are the batch's over the batch size
    const perSampleLines = (r: BpttReport) =>
      r.lines.map((l) => ({ ...l, amount: l.amount / run.batch, energy: l.energy / run.batch }));
    const bpttDoc = (r: BpttReport) => ({
      perSample: r.perSample,
      perRun: { energy: r.perSample.energy * run.samples, seconds: r.perSample.seconds * run.samples },
      lines: perSampleLines(r),
      storage: r.storage,
      latency: r.latency,
      nodeScale: r.nodeScale,
      actions: r.actions,
    });
    doc.vs = {
      accelerator: { name: accelerator.name, title: accelerator.title },
      bptt: Object.fromEntries(precisions.map((p) => [p, bpttDoc(k.bptt[p])])) as NonNullable<
        EnergyDocument["vs"]
      >["bptt"],
      ratio: k.ratio,
      assumptions: k.bptt.fp32.assumptions,
      sweepT: sweepLength(c, run, card, accelerator),
      sweepSize: sweepSize(c, run, card, accelerator),
    };
  }
  if (options.crossover)
    doc.crossover = crossover(c, run, card, loadCard(options.accelerator ?? "digital-accelerator"));
  return doc;
}

/** The plasticity circuit the chip lines price: rule, rounding, write schedule, and what a batch is. */
function plasticityText(c: Circuit): string {
  const h = c.hardware!,
    pl = h.plasticity;
  const schedule =
    h.effects.plasticitySchedule && pl.mode === PlasticityMode.EVERY_K
      ? `updates gathered in ${pl.accumulatorBits}-bit accumulators, written every ${pl.everyK} ticks`
      : "written every tick";
  const stochastic = h.weights.some((w) => w.rounding === Rounding.STOCHASTIC);
  const rule = !h.effects.plasticityCircuit
    ? `off: writes follow the circuit's ${enumName(Optimizer, c.learning.optimizer).toLowerCase()} optimizer, which the lines below do not price`
    : pl.rule === PlasticityRule.SGD
      ? `SGD, ${h.effects.weightQuantization && stochastic ? `stochastic rounding onto the weight grid (${pl.roundingBits} random bits per write)` : "nearest rounding"}`
      : pl.rule === PlasticityRule.ADAM
        ? "Adam on a digital co-processor (two fp32 moments per parameter in its SRAM)"
        : pl.rule === PlasticityRule.SIGN
          ? "sign: one level per write"
          : `ternary: one level per write past ${pl.ternaryThreshold} levels`;
  return `plasticity circuit ${rule}; ${schedule}; streaming: one sample stream per chip instance, updated every tick of its own sample (a batch of B is B streams)`;
}

function timing(c: Circuit): EnergyDocument["timing"] {
  const h = c.hardware!;
  const b = pipelineBound(c, h);
  const cycles = cyclesPerTick(c, h);
  const stages: Record<string, number> = {
    "DAC (forward lines)": b.forwardDac,
    "crossbar settle": b.crossbarSettle,
    ADC: b.adc,
    "routing hops": b.route,
    "DAC (error lines)": b.transposedDac,
    "crossbar settle (transposed)": b.transposedSettle,
    integrate: b.integrate,
    "weight writes": b.write,
    "slack (idle)": Math.max(0, cycles - b.total),
  };
  return {
    clockHz: h.clockHz,
    acceleration: h.acceleration,
    tickSeconds: tickSeconds(c, h),
    cyclesPerTick: cycles,
    stages,
  };
}

/** Energy with an SI prefix: "3.05 nJ". */
export function joules(x: number): string {
  return quantity(x, "J");
}

function quantity(x: number, unit: string): string {
  if (x === 0) return `0 ${unit}`;
  const prefixes = ["a", "f", "p", "n", "u", "m", "", "k", "M", "G", "T"];
  const k = Math.max(-6, Math.min(4, Math.floor(Math.log10(Math.abs(x)) / 3)));
  return `${(x / 10 ** (3 * k)).toPrecision(3)} ${prefixes[k + 6]}${unit}`;
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));
const padLeft = (s: string, n: number) => (s.length >= n ? s : " ".repeat(n - s.length) + s);
const count = (x: number) => (Number.isInteger(x) && Math.abs(x) < 1e15 ? String(x) : x.toPrecision(4));

/** The table for a terminal: one line per component, count x unit energy = energy, with the card entries. */
export function formatEnergy(doc: EnergyDocument): string {
  const out: string[] = [];
  const r = doc.run;
  out.push(
    `chip energy of '${doc.circuit}' on card ${doc.card.name} (${doc.card.title}); counts: ${doc.counts.source}, per sample of T = ${r.ticks} ticks (task ${r.task})`,
  );
  out.push(formatLines(doc.lines, doc.total, (l) => (l as EnergyDocument["lines"][number]).share));
  out.push(doc.plasticity);
  const t = doc.timing;
  out.push(
    `time: a tick is ${quantity(t.tickSeconds, "s")} = ${t.cyclesPerTick} cycles at ${quantity(t.clockHz, "Hz")} (acceleration ${t.acceleration}); busiest core's pipeline: ${Object.entries(
      t.stages,
    )
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ")}`,
  );
  out.push(
    `per sample: ${joules(doc.perSample.energy)} in ${quantity(doc.perSample.seconds, "s")}; per training run (${r.samples} samples): ${joules(doc.perRun.energy)} in ${quantity(doc.perRun.seconds, "s")}`,
  );
  if (doc.vs) {
    const v = doc.vs;
    for (const p of precisions) {
      const b = v.bptt[p];
      out.push("");
      out.push(
        `BPTT ${p} on ${v.accelerator.name} (${v.accelerator.title}) at the chip's node (digital energies x ${b.nodeScale.toPrecision(3)}), batch ${r.batch}, per sample:`,
      );
      const total = b.lines.reduce((a, l) => a + l.energy, 0);
      out.push(formatLines(b.lines, total, (l) => (total > 0 ? l.energy / total : 0)));
      const s = b.storage;
      out.push(
        `per sample: ${joules(b.perSample.energy)}; latency of a batch ${quantity(b.latency.seconds, "s")} (${r.ticks} forward steps of ${b.latency.forwardStepCycles} cycles, ${r.ticks} backward steps of ${b.latency.backwardStepCycles}, update ${b.latency.updateCycles}), ${quantity(b.perSample.seconds, "s")} per sample; per training run: ${joules(b.perRun.energy)} in ${quantity(b.perRun.seconds, "s")}`,
      );
      out.push(
        `storage: parameters ${quantity(s.parameterBytes, "B")} in the ${s.parameters}; activations of a batch ${quantity(s.activationBytes, "B")}: ${Object.entries(
          s.activations,
        )
          .filter(([, n]) => n > 0)
          .map(([l, n]) => `${quantity(n, "B")} in ${l}`)
          .join(", ")}`,
      );
    }
    out.push("");
    out.push(
      `ratio BPTT / chip energy per sample (same node): ${precisions.map((p) => `${p} ${v.ratio[p].toPrecision(3)}x`).join(", ")}`,
    );
    out.push("");
    out.push("sweep over sequence length T (per sample; network fixed):");
    out.push(formatSweep(v.sweepT, "T"));
    out.push("");
    out.push(`sweep over network size (hidden populations x factor; T = ${r.ticks}):`);
    out.push(formatSweep(v.sweepSize, "factor"));
    out.push("");
    out.push("BPTT model assumptions:");
    for (const a of v.assumptions) out.push(`  - ${a}`);
  }
  if (doc.crossover) {
    out.push("");
    out.push("chip / BPTT energy per sample over network size (hidden populations scaled), by precision and T:");
    out.push(formatCrossover(doc.crossover));
  }
  return out.join("\n");
}

function formatLines(lines: EnergyLine[], total: number, share: (l: EnergyLine) => number): string {
  const rows = lines.map((l) => [
    l.component,
    count(l.amount) + (l.count === "cycles" ? " cycles" : ""),
    `x ${quantity(l.unitEnergy, "J")}`,
    `= ${joules(l.energy)}`,
    `${(100 * share(l)).toFixed(1)} %`,
    l.formula,
  ]);
  rows.push(["total (sum of the lines)", "", "", `= ${joules(total)}`, "100.0 %", ""]);
  const widths = [0, 1, 2, 3, 4].map((k) => Math.max(...rows.map((r) => r[k].length)));
  return rows
    .map(
      (r) =>
        `  ${pad(r[0], widths[0])}  ${padLeft(r[1], widths[1])}  ${pad(r[2], widths[2])}  ${padLeft(r[3], widths[3])}  ${padLeft(r[4], widths[4])}  ${r[5]}`,
    )
    .join("\n");
}

function formatSweep(rows: SweepRow[], what: string): string {
  const header = [
    what,
    "neurons",
    "synapses",
    "cores",
    "chip",
    ...precisions.map((p) => `BPTT ${p}`),
    ...precisions.map((p) => `${p}/chip`),
    "chip time",
    "fp32 time",
    "in DRAM (fp32)",
  ];
  const body = rows.map((r) => [
    String(r.value),
    String(r.neurons),
    String(r.synapses),
    String(r.cores),
    joules(r.chip),
    ...precisions.map((p) => joules(r.bptt[p])),
    ...precisions.map((p) => `${(r.bptt[p] / r.chip).toPrecision(3)}x`),
    quantity(r.chipSeconds, "s"),
    quantity(r.bpttSeconds, "s"),
    quantity(r.spilled, "B"),
  ]);
  const all = [header, ...body];
  const widths = header.map((_, k) => Math.max(...all.map((r) => r[k].length)));
  return all.map((r) => "  " + r.map((cell, k) => padLeft(cell, widths[k])).join("  ")).join("\n");
}

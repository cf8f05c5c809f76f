// The chip against BPTT for one run shape, and a network's hidden populations scaled with its chip laid out again.
import { cloneCircuit, type Circuit } from "../../circuits/model.js";
import type { TechCard } from "../../circuits/tech.js";
import { remapChip } from "../../compiler/index.js";
import { analyticCounts } from "../../simulator/meters/analytic.js";
import { bpttEnergy, precisions, type BpttReport, type Precision } from "../../simulator/meters/bptt-baseline.js";
import type { OpCounts } from "../../simulator/meters/counts.js";
import { chipEnergy, type EnergyReport } from "../../simulator/meters/energy.js";

/** What one training run is: sequences of `ticks` steps, `samples` of them in all, BPTT batches of `batch`. */
export interface RunShape {
  task: string;
  ticks: number;
  /** ticks per sequence with a target */
  targetTicks: number;
  /** sequences in one training run (train set size x epochs) */
  samples: number;
  batch: number;
}

export interface Comparison {
  chip: EnergyReport;
  bptt: Record<Precision, BpttReport>;
  /** BPTT energy / chip energy per sample */
  ratio: Record<Precision, number>;
}

/** The chip's report for one sample of the run shape (analytic counts unless `counts` are given, e.g. from the cycle simulation). */
export function chipPerSample(c: Circuit, run: RunShape, card: TechCard, counts?: OpCounts): EnergyReport {
  return chipEnergy(c, runCounts(c, run, counts), card);
}

/** One sample's counts: `counts` when given (e.g. from the cycle simulation), else the analytic ones. */
export function runCounts(c: Circuit, run: RunShape, counts?: OpCounts): OpCounts {
  return counts ?? analyticCounts(c, { samples: 1, ticks: run.ticks, targetTicks: run.targetTicks });
}

export function compare(
  c: Circuit,
  run: RunShape,
  card: TechCard,
  accelerator: TechCard,
  counts?: OpCounts,
): Comparison {
  const chip = chipPerSample(c, run, card, counts);
  const bptt = Object.fromEntries(
    precisions.map((p) => [p, bpttEnergy(c, { ticks: run.ticks, batch: run.batch, precision: p }, accelerator, card)]),
  ) as Record<Precision, BpttReport>;
  const ratio = Object.fromEntries(
    precisions.map((p) => [p, bptt[p].perSample.energy / chip.perSample.energy]),
  ) as Record<Precision, number>;
  return { chip, bptt, ratio };
}

/** The circuit with every hidden population (neither input nor output) `factor` times as large, its chip laid out again. */
export function scaleHidden(c: Circuit, factor: number): Circuit {
  const s = cloneCircuit(c);
  const outputs = new Set(s.outputs.map((o) => o.population));
  const size = new Map<string, number>();
  for (const p of s.populations) {
    if (outputs.has(p.name)) continue;
    const n = Math.max(1, Math.round(p.size * factor));
    const resize = (a: number[]) => Array.from({ length: n }, (_, i) => a[i % a.length]);
    p.tauM = resize(p.tauM);
    p.tauR = resize(p.tauR);
    p.bias = resize(p.bias);
    p.size = n;
    size.set(p.name, n);
  }
  const sizeOf = (name: string) =>
    size.get(name) ?? s.inputs.find((p) => p.name === name)?.size ?? s.populations.find((p) => p.name === name)!.size;
  // the values of resized matrices do not change any count; a small constant keeps them valid
  for (const x of s.crossbars) {
    x.rows = sizeOf(x.post);
    x.cols = sizeOf(x.pre);
    x.weights = new Array(x.rows * x.cols).fill(0.01);
    if (x.feedbackWeights.length > 0) x.feedbackWeights = new Array(x.rows * x.cols).fill(0.01);
  }
  for (const b of s.broadcasts) b.weights = new Array(sizeOf(b.to) * sizeOf(b.from)).fill(0.01);
  return remapChip(s);
}

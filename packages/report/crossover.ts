// Where the chip wins and where it does not: the chip/BPTT energy ratio per sample over network size, sequence length T and precision, with the crossovers (ratio 1) located.
import type { Circuit } from "../../circuits/model.js";
import type { TechCard } from "../../circuits/tech.js";
import { precisions, type Precision } from "../../simulator/meters/bptt-baseline.js";
import { compare, scaleHidden, type RunShape } from "./comparison.js";

interface CrossoverCurve {
  precision: Precision;
  ticks: number;
  /** one point per network size: synapses and chip energy / BPTT energy per sample */
  points: { factor: number; synapses: number; neurons: number; ratio: number }[];
  /** synapse counts where the ratio crosses 1 (log-log interpolation between neighbouring sizes) */
  crossings: number[];
}

export interface Crossover {
  circuit: string;
  card: string;
  accelerator: string;
  batch: number;
  factors: number[];
  ticks: number[];
  curves: CrossoverCurve[];
}

const crossoverFactors = [0.25, 0.5, 1, 2, 4, 8, 16, 32];
const crossoverTicks = [10, 100, 1000, 10000];

/** Ratios over hidden-size factors x T x precision; the BPTT batch is the run's. */
export function crossover(
  c: Circuit,
  run: RunShape,
  card: TechCard,
  accelerator: TechCard,
  factors = crossoverFactors,
  ticks = crossoverTicks,
): Crossover {
  const sized = factors.map((f) => ({ f, circuit: f === 1 ? c : scaleHidden(c, f) }));
  const curves: CrossoverCurve[] = [];
  for (const T of ticks) {
    const comparisons = sized.map(({ f, circuit }) => ({
      f,
      circuit,
      k: compare(circuit, { ...run, ticks: T, targetTicks: T }, card, accelerator),
    }));
    for (const precision of precisions) {
      const points = comparisons.map(({ f, circuit, k }) => ({
        factor: f,
        synapses: circuit.crossbars.reduce((a, x) => a + x.rows * x.cols, 0),
        neurons: circuit.populations.reduce((a, p) => a + p.size, 0),
        ratio: k.chip.perSample.energy / k.bptt[precision].perSample.energy,
      }));
      curves.push({ precision, ticks: T, points, crossings: crossings(points) });
    }
  }
  return { circuit: c.name, card: card.name, accelerator: accelerator.name, batch: run.batch, factors, ticks, curves };
}

/** Where log(ratio) changes sign between neighbours, the synapse count at which it is 0 (linear in log-log). */
function crossings(points: CrossoverCurve["points"]): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i],
      b = points[i + 1];
    const la = Math.log(a.ratio),
      lb = Math.log(b.ratio);
    if (la === 0) out.push(a.synapses);
    else if (la * lb < 0) {
      const t = la / (la - lb);
      out.push(Math.exp(Math.log(a.synapses) + t * (Math.log(b.synapses) - Math.log(a.synapses))));
    }
  }
  const last = points.at(-1);
  if (last && Math.log(last.ratio) === 0) out.push(last.synapses);
  return out;
}

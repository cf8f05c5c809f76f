// Per-line converter mismatch: every DAC line (a crossbar's forward column, its transposed row) and every ADC line (a cell's rate, its error) with its own gain and offset, drawn once per chip.
import { Random } from "../../circuits/random.js";
import type { Circuit, Mismatch } from "../../circuits/model.js";

/** Gain factors and offsets (in LSBs) of a set of lines. */
export interface Lines {
  gain: Float64Array;
  offsetLsb: Float64Array;
}

export interface ConverterLines {
  /** per crossbar: its forward DAC lines (one per column) and transposed DAC lines (one per row) */
  forward: Lines[];
  transposed: Lines[];
  /** per population: the ADC line of each cell's rate and of its error */
  rate: Lines[];
  error: Lines[];
}

/**
 * Draws in a fixed order from a stream of their own (so the other draws of a seed do not move): crossbars
 * (forward, transposed), then populations (rate, error). Gains are max(0, 1 + std z), offsets std z LSBs.
 */
export function drawConverterLines(c: Circuit, seed: number, m: Mismatch): ConverterLines {
  const rng = new Random((seed ^ 0x5bd1e995) | 0);
  const lines = (n: number, gainStd: number, offsetStd: number): Lines => {
    const gain = new Float64Array(n),
      offsetLsb = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      gain[k] = Math.max(0, 1 + gainStd * rng.normal());
      offsetLsb[k] = offsetStd * rng.normal();
    }
    return { gain, offsetLsb };
  };
  const forward: Lines[] = [],
    transposed: Lines[] = [];
  for (const x of c.crossbars) {
    forward.push(lines(x.cols, m.dacGainRelStd, m.dacOffsetLsbStd));
    transposed.push(lines(x.rows, m.dacGainRelStd, m.dacOffsetLsbStd));
  }
  const rate = c.populations.map((p) => lines(p.size, m.adcGainRelStd, m.adcOffsetLsbStd));
  const error = c.populations.map((p) => lines(p.size, m.adcGainRelStd, m.adcOffsetLsbStd));
  return { forward, transposed, rate, error };
}

/** A line's output for input x: gain x + offset, the offset in LSBs of a converter of `bits` over [lo, hi]. */
export function throughLine(
  x: number,
  lines: Lines,
  line: number,
  bits: number,
  range: [number, number] | undefined,
): number {
  const lsb = range ? (range[1] - range[0]) / (2 ** bits - 1) : 0;
  return lines.gain[line] * x + lines.offsetLsb[line] * lsb;
}

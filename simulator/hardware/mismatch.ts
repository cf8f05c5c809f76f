// Fixed-pattern mismatch of one chip: standard normal draws per cell and per synapse, made once from the chip's seed.
// The draws do not depend on the stds (factor = 1 + std * draw), so the same chip can be replayed at any mismatch level.
import { Random } from "../../circuits/random.js";
import type { Circuit, Mismatch } from "../../circuits/model.js";
import { Feedback } from "../../circuits/model.js";

interface CellDraws {
  tauM: Float64Array;
  tauR: Float64Array;
  gain: Float64Array;
  offset: Float64Array;
}

export interface SynapseDraws {
  /** N(0,1) per cell of the matrix */
  gain: Float64Array;
  /** U[0,1) per cell: stuck off where below stuck_off_prob */
  stuck: Float64Array;
}

export interface ChipDraws {
  cells: CellDraws[];
  /** per crossbar: its weights, and its own feedback matrix (random, learned) if any */
  weights: SynapseDraws[];
  feedback: (SynapseDraws | undefined)[];
}

const normals = (rng: Random, n: number) => Float64Array.from({ length: n }, () => rng.normal());
const uniforms = (rng: Random, n: number) => Float64Array.from({ length: n }, () => rng.uniform());

/** Draws in a fixed order: populations (tau_m, tau_r, gain, offset), then crossbars (weights, then own feedback). */
export function drawChip(c: Circuit, seed: number): ChipDraws {
  const rng = new Random(seed);
  const cells = c.populations.map((p) => ({
    tauM: normals(rng, p.size),
    tauR: normals(rng, p.size),
    gain: normals(rng, p.size),
    offset: normals(rng, p.size),
  }));
  const synapses = (n: number): SynapseDraws => ({ gain: normals(rng, n), stuck: uniforms(rng, n) });
  const weights: SynapseDraws[] = [];
  const feedback: (SynapseDraws | undefined)[] = [];
  for (const x of c.crossbars) {
    weights.push(synapses(x.rows * x.cols));
    feedback.push(
      x.feedback === Feedback.RANDOM || x.feedback === Feedback.LEARNED ? synapses(x.rows * x.cols) : undefined,
    );
  }
  return { cells, weights, feedback };
}

/**
 * The error cells' own time-constant draws (tau_m and tau_r per cell of each population), from a stream of their
 * own so the membrane's and the synapses' draws of a seed stay as they were.
 */
export function drawErrorCells(c: Circuit, seed: number): { tauM: Float64Array; tauR: Float64Array }[] {
  const rng = new Random((seed ^ 0x1b873593) | 0);
  return c.populations.map((p) => ({ tauM: normals(rng, p.size), tauR: normals(rng, p.size) }));
}

/** max(0, 1 + std * draw): the relative factor of one cell or synapse (a gain does not change sign). */
export function factors(draws: Float64Array, std: number): Float64Array {
  return draws.map((z) => Math.max(0, 1 + std * z));
}

/** Per-synapse read factor: 0 where stuck off, else max(0, 1 + std * draw). */
export function synapseFactors(draws: SynapseDraws, m: Mismatch): Float64Array {
  return draws.gain.map((z, k) => (draws.stuck[k] < m.stuckOffProb ? 0 : Math.max(0, 1 + m.synapseGainRelStd * z)));
}

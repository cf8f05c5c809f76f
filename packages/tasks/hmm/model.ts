// Hidden Markov models with categorical emissions: the three architectures of the HMM-emulation task, and sampling.
import { VleError } from "../../../circuits/errors.js";
import type { Random } from "../../../circuits/random.js";

/**
 * K latent states, M emission symbols. Row-stochastic matrices, row-major:
 * transition[i * K + j] = P(z_{t+1} = j | z_t = i), emission[i * M + m] = P(x_t = m | z_t = i).
 */
export interface Hmm {
  readonly states: number;
  readonly symbols: number;
  readonly start: Float64Array;
  readonly transition: Float64Array;
  readonly emission: Float64Array;
}

export type Architecture = "linear-chain" | "cyclic" | "fully-connected";
export const architectures: readonly Architecture[] = ["linear-chain", "cyclic", "fully-connected"];

export interface HmmSpec {
  architecture: Architecture;
  states: number;
  symbols: number;
  /** probability of staying in a state per step (default 0.95; the fully connected HMMs of the paper use 0.99) */
  stay?: number;
}

const TOLERANCE = 1e-9;

/** Checks that every row of an n x m matrix is a probability distribution; names the matrix and row otherwise. */
function checkStochastic(name: string, matrix: Float64Array, n: number, m: number): void {
  if (matrix.length !== n * m) throw new VleError(`hmm: ${name} has ${matrix.length} entries, expected ${n} x ${m}`);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < m; j++) {
      const p = matrix[i * m + j];
      if (!(p >= 0 && p <= 1)) throw new VleError(`hmm: ${name}[${i}][${j}] = ${p} is not a probability`);
      sum += p;
    }
    if (Math.abs(sum - 1) > TOLERANCE) throw new VleError(`hmm: row ${i} of ${name} sums to ${sum}, not 1`);
  }
}

/** An HMM from explicit matrices (rows as nested arrays), checked. The start distribution defaults to uniform. */
export function hmmFromMatrices(transition: number[][], emission: number[][], start?: number[]): Hmm {
  const K = transition.length,
    M = emission[0]?.length ?? 0;
  if (K < 1 || M < 1) throw new VleError("hmm: the transition and emission matrices must be non-empty");
  if (emission.length !== K)
    throw new VleError(`hmm: emission has ${emission.length} rows, expected ${K} (one per state)`);
  const hmm: Hmm = {
    states: K,
    symbols: M,
    start: Float64Array.from(start ?? Array.from({ length: K }, () => 1 / K)),
    transition: Float64Array.from(transition.flat()),
    emission: Float64Array.from(emission.flat()),
  };
  checkStochastic("start", hmm.start, 1, K);
  checkStochastic("transition", hmm.transition, K, K);
  checkStochastic("emission", hmm.emission, K, M);
  return hmm;
}

/**
 * The transition structure of each architecture, with stay probability p:
 * linear-chain: a chain 0 - 1 - ... - K-1 (ends leave to their one neighbour with 1 - p, inner states to
 * each neighbour with (1 - p)/2); cyclic: a ring (each state leaves to both ring neighbours with (1 - p)/2);
 * fully-connected: every other state with (1 - p)/(K - 1).
 */
function transitionMatrix(architecture: Architecture, K: number, p: number): number[][] {
  if (K < 2) throw new VleError(`hmm: ${architecture} needs at least 2 states, got ${K}`);
  if (!(p > 0 && p < 1)) throw new VleError(`hmm: stay probability must be in (0, 1), got ${p}`);
  const T = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  for (let i = 0; i < K; i++) {
    T[i][i] = p;
    if (architecture === "fully-connected") {
      for (let j = 0; j < K; j++) if (j !== i) T[i][j] = (1 - p) / (K - 1);
    } else if (architecture === "cyclic" && K > 2) {
      T[i][(i + 1) % K] += (1 - p) / 2;
      T[i][(i + K - 1) % K] += (1 - p) / 2;
    } else {
      // linear chain (and a 2-state ring, which is the same chain)
      const neighbours = [i - 1, i + 1].filter((j) => j >= 0 && j < K);
      for (const j of neighbours) T[i][j] = (1 - p) / neighbours.length;
    }
  }
  return T;
}

/**
 * Emissions that change linearly along the states: state i emits symbol 0 with 0.99 (1 - a), the last symbol
 * with 0.99 a (a = i / (K - 1)), and the symbols between share 0.01 evenly, so neighbouring states overlap
 * and the ends are nearly pure. (The paper's 'linear' emission for M = 3.)
 */
function linearEmission(K: number, M: number): number[][] {
  if (M < 2) throw new VleError(`hmm: emissions need at least 2 symbols, got ${M}`);
  return Array.from({ length: K }, (_, i) => {
    const a = K > 1 ? i / (K - 1) : 0;
    const row = new Array<number>(M).fill(M > 2 ? 0.01 / (M - 2) : 0);
    row[0] = 0.99 * (1 - a) + (M === 2 ? 0.005 : 0);
    row[M - 1] = 0.99 * a + (M === 2 ? 0.005 : 0);
    return row;
  });
}

/** The HMM of an architecture with K states, M symbols, stay probability (default 0.95) and linear emissions. */
export function makeHmm(spec: HmmSpec): Hmm {
  const { architecture, states, symbols } = spec;
  if (!architectures.includes(architecture))
    throw new VleError(`hmm: unknown architecture '${architecture}'; use one of ${architectures.join(", ")}`);
  return hmmFromMatrices(transitionMatrix(architecture, states, spec.stay ?? 0.95), linearEmission(states, symbols));
}

/** Index drawn from the categorical distribution p[offset .. offset + n). */
export function drawCategorical(p: Float64Array, offset: number, n: number, random: Random): number {
  let u = random.uniform();
  for (let j = 0; j < n - 1; j++) {
    u -= p[offset + j];
    if (u < 0) return j;
  }
  return n - 1;
}

/** One sampled path of T steps: its latent states and its emissions. */
export interface HmmPath {
  states: Int32Array;
  emissions: Int32Array;
}

/** Samples T steps of the HMM (state from start, then transitions; an emission per step). */
export function samplePath(hmm: Hmm, T: number, random: Random): HmmPath {
  const K = hmm.states,
    M = hmm.symbols;
  const states = new Int32Array(T),
    emissions = new Int32Array(T);
  let z = drawCategorical(hmm.start, 0, K, random);
  for (let t = 0; t < T; t++) {
    if (t > 0) z = drawCategorical(hmm.transition, z * K, K, random);
    states[t] = z;
    emissions[t] = drawCategorical(hmm.emission, z * M, M, random);
  }
  return { states, emissions };
}

/** The stationary distribution pi = pi T, by power iteration (the chains here are irreducible and aperiodic). */
export function stationary(hmm: Hmm): Float64Array {
  const K = hmm.states;
  let pi = new Float64Array(K).fill(1 / K);
  for (let it = 0; it < 100_000; it++) {
    const next = new Float64Array(K);
    for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) next[j] += pi[i] * hmm.transition[i * K + j];
    let change = 0;
    for (let j = 0; j < K; j++) change += Math.abs(next[j] - pi[j]);
    pi = next;
    if (change < 1e-15) break;
  }
  return pi;
}

// How close generated emission sequences are to an HMM's: emission frequencies and KL, dwell times, transitions.
import type { Hmm } from "./model.js";
import { logLikelihood, viterbi } from "./inference.js";

/** Relative frequency of each of M symbols over all sequences. */
export function emissionFrequencies(sequences: readonly ArrayLike<number>[], M: number): Float64Array {
  const counts = new Float64Array(M);
  let n = 0;
  for (const seq of sequences)
    for (let t = 0; t < seq.length; t++) {
      counts[seq[t]]++;
      n++;
    }
  if (n > 0) for (let m = 0; m < M; m++) counts[m] /= n;
  return counts;
}

/**
 * KL(p || q) in nats, with q floored at `floor` (a symbol the model never emits would make it infinite;
 * the floor keeps the number finite and comparable, and is stated wherever it is reported).
 */
export function klDivergence(p: Float64Array, q: Float64Array, floor = 1e-6): number {
  let kl = 0;
  for (let m = 0; m < p.length; m++) if (p[m] > 0) kl += p[m] * Math.log(p[m] / Math.max(q[m], floor));
  return kl;
}

/**
 * Dwell times: lengths of the runs of equal states, per state. Runs cut by a sequence's start or end are
 * left out (their true length is unknown), so the counts are of complete visits only.
 */
export function dwellTimes(paths: readonly ArrayLike<number>[], K: number): number[][] {
  const dwell: number[][] = Array.from({ length: K }, () => []);
  for (const path of paths) {
    let start = 0;
    for (let t = 1; t <= path.length; t++) {
      if (t === path.length || path[t] !== path[start]) {
        if (start > 0 && t < path.length) dwell[path[start]].push(t - start);
        start = t;
      }
    }
  }
  return dwell;
}

/** The transition matrix estimated from state paths (counts of i -> j over counts of i), row-major K x K. */
export function estimateTransitions(paths: readonly ArrayLike<number>[], K: number): Float64Array {
  const counts = new Float64Array(K * K);
  for (const path of paths) for (let t = 1; t < path.length; t++) counts[path[t - 1] * K + path[t]]++;
  for (let i = 0; i < K; i++) {
    let row = 0;
    for (let j = 0; j < K; j++) row += counts[i * K + j];
    if (row > 0) for (let j = 0; j < K; j++) counts[i * K + j] /= row;
  }
  return counts;
}

/** Two-sample Kolmogorov-Smirnov test: statistic D and its asymptotic p-value (Kolmogorov distribution). */
export function ksTwoSample(a: readonly number[], b: readonly number[]): { d: number; p: number } {
  if (a.length === 0 || b.length === 0) return { d: Number.NaN, p: Number.NaN };
  const x = Float64Array.from(a).sort(),
    y = Float64Array.from(b).sort();
  let i = 0,
    j = 0,
    d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i], y[j]);
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  const n = (x.length * y.length) / (x.length + y.length);
  const lambda = (Math.sqrt(n) + 0.12 + 0.11 / Math.sqrt(n)) * d;
  // Q_KS(lambda) = 2 sum_k (-1)^(k-1) exp(-2 k^2 lambda^2)
  let p = 0;
  for (let k = 1; k <= 100; k++) {
    const term = 2 * (k % 2 === 1 ? 1 : -1) * Math.exp(-2 * k * k * lambda * lambda);
    p += term;
    if (Math.abs(term) < 1e-12) break;
  }
  return { d, p: lambda < 1e-3 ? 1 : Math.min(1, Math.max(0, p)) };
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : Number.NaN);

/** Everything the HMM task reports about generated sequences against sequences of the HMM itself. */
export interface EmulationReport {
  /** emission frequencies of the generated and of the HMM's sequences */
  frequencies: { generated: number[]; hmm: number[] };
  /** KL(hmm || generated) of the emission frequencies, nats (generated floored at 1e-6) */
  emissionKl: number;
  /** per decoded state: mean dwell time (steps) generated / HMM, and the KS test between the two samples */
  dwell: {
    state: number;
    generatedMean: number;
    hmmMean: number;
    generatedVisits: number;
    hmmVisits: number;
    ks: number;
    p: number;
  }[];
  /** transition matrix estimated from the Viterbi-decoded generated sequences, row-major */
  transitions: number[];
  /** mean per-step log-likelihood under the HMM of generated and of HMM sequences (nats) */
  logLikelihoodPerStep: { generated: number; hmm: number };
}

/**
 * Compares generated emission sequences with sequences sampled from the HMM: both are decoded into states
 * with the same Viterbi decoder, so the dwell times compare like with like (decoding smooths short visits
 * away in both).
 */
export function compareWithHmm(
  hmm: Hmm,
  generated: readonly Int32Array[],
  reference: readonly Int32Array[],
): EmulationReport {
  const K = hmm.states,
    M = hmm.symbols;
  const fg = emissionFrequencies(generated, M),
    fh = emissionFrequencies(reference, M);
  const dg = generated.map((x) => viterbi(hmm, x)),
    dh = reference.map((x) => viterbi(hmm, x));
  const wg = dwellTimes(dg, K),
    wh = dwellTimes(dh, K);
  const perStep = (seqs: readonly Int32Array[]) => {
    let ll = 0,
      steps = 0;
    for (const x of seqs) {
      ll += logLikelihood(hmm, x);
      steps += x.length;
    }
    return steps ? ll / steps : Number.NaN;
  };
  return {
    frequencies: { generated: [...fg], hmm: [...fh] },
    emissionKl: klDivergence(fh, fg),
    dwell: Array.from({ length: K }, (_, k) => {
      const { d, p } = ksTwoSample(wg[k], wh[k]);
      return {
        state: k,
        generatedMean: mean(wg[k]),
        hmmMean: mean(wh[k]),
        generatedVisits: wg[k].length,
        hmmVisits: wh[k].length,
        ks: d,
        p,
      };
    }),
    transitions: [...estimateTransitions(dg, K)],
    logLikelihoodPerStep: { generated: perStep(generated), hmm: perStep(reference) },
  };
}

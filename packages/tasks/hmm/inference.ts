// Inference on an HMM: log-likelihood of an emission sequence (forward algorithm) and its most likely states (Viterbi).
import type { Hmm } from "./model.js";

/** log P(x_0 .. x_{T-1}) under the HMM, by the scaled forward recursion. */
export function logLikelihood(hmm: Hmm, emissions: ArrayLike<number>): number {
  const K = hmm.states,
    M = hmm.symbols,
    T = emissions.length;
  let alpha = new Float64Array(K),
    next = new Float64Array(K);
  let logp = 0;
  for (let t = 0; t < T; t++) {
    const x = emissions[t];
    let norm = 0;
    for (let j = 0; j < K; j++) {
      let prior = 0;
      if (t === 0) prior = hmm.start[j];
      else for (let i = 0; i < K; i++) prior += alpha[i] * hmm.transition[i * K + j];
      next[j] = prior * hmm.emission[j * M + x];
      norm += next[j];
    }
    if (norm === 0) return -Infinity;
    for (let j = 0; j < K; j++) next[j] /= norm;
    logp += Math.log(norm);
    [alpha, next] = [next, alpha];
  }
  return logp;
}

/** The most likely state path given the emissions (Viterbi, in log space; ties go to the lower state). */
export function viterbi(hmm: Hmm, emissions: ArrayLike<number>): Int32Array {
  const K = hmm.states,
    M = hmm.symbols,
    T = emissions.length;
  const path = new Int32Array(T);
  if (T === 0) return path;
  const back = new Int32Array(T * K);
  let score = new Float64Array(K),
    next = new Float64Array(K);
  const log = Math.log;
  for (let j = 0; j < K; j++) score[j] = log(hmm.start[j]) + log(hmm.emission[j * M + emissions[0]]);
  for (let t = 1; t < T; t++) {
    const x = emissions[t];
    for (let j = 0; j < K; j++) {
      let best = -Infinity,
        arg = 0;
      for (let i = 0; i < K; i++) {
        const s = score[i] + log(hmm.transition[i * K + j]);
        if (s > best) {
          best = s;
          arg = i;
        }
      }
      next[j] = best + log(hmm.emission[j * M + x]);
      back[t * K + j] = arg;
    }
    [score, next] = [next, score];
  }
  let last = 0;
  for (let j = 1; j < K; j++) if (score[j] > score[last]) last = j;
  path[T - 1] = last;
  for (let t = T - 1; t > 0; t--) path[t - 1] = back[t * K + path[t]];
  return path;
}

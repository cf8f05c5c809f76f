// The Sinkhorn divergence between two point clouds (entropic optimal transport, debiased) and its gradient.
//
// Points x_i (n of them) and y_j (m), uniform weights a_i = 1/n, b_j = 1/m, cost C_ij = |x_i - y_j|^2 / 2.
// Entropic OT:  OT_eps(a, b) = min_pi <pi, C> + eps KL(pi | a b^T)  over couplings pi of a and b,
// solved in the log domain by alternating the dual potentials until they stop moving:
//   f_i = -eps log sum_j b_j exp((g_j - C_ij) / eps),   g_j = -eps log sum_i a_i exp((f_i - C_ij) / eps),
// at which OT_eps = <a, f> + <b, g> and pi_ij = a_i b_j exp((f_i + g_j - C_ij) / eps).
// Sinkhorn divergence (Feydy et al. 2019): S_eps = OT_eps(x, y) - OT_eps(x, x) / 2 - OT_eps(y, y) / 2,
// zero for equal clouds and positive otherwise. Gradient by the envelope theorem (the potentials are optimal):
//   dOT_eps(x, y)/dx_i = sum_j pi_ij (x_i - y_j),   dOT_eps(x, x)/dx_i = 2 sum_j pi^xx_ij (x_i - x_j).
// (geomloss's SamplesLoss("sinkhorn", p=2, blur) is this divergence with eps = blur^2.)
import { VleError } from "../../../circuits/errors.js";

/** Points as rows of a row-major array: count x dim. */
export interface Cloud {
  points: Float64Array;
  count: number;
  dim: number;
}

export interface TransportResult {
  /** OT_eps */
  value: number;
  /** the optimal coupling, n x m row-major */
  plan: Float64Array;
  iterations: number;
}

const squaredHalfDistances = (x: Cloud, y: Cloud): Float64Array => {
  const { count: n, dim: d } = x,
    m = y.count;
  const C = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) {
        const diff = x.points[i * d + k] - y.points[j * d + k];
        s += diff * diff;
      }
      C[i * m + j] = s / 2;
    }
  return C;
};

/** log sum_k w_k exp(v_k), stably. */
function logSumExp(values: Float64Array, n: number): number {
  let max = -Infinity;
  for (let k = 0; k < n; k++) if (values[k] > max) max = values[k];
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (let k = 0; k < n; k++) s += Math.exp(values[k] - max);
  return max + Math.log(s);
}

/**
 * Entropic OT between two clouds with uniform weights. The potentials are annealed: eps starts at the
 * largest cost and halves down to the target, each level warm-starting the next, because at a small eps
 * against the costs plain iterations from zero take many thousands of sweeps. A level ends when the plan
 * misses its row marginals by less than `tolerance` in total mass (after a g-update the columns are exact,
 * and the next f-update tells the row error for free: row i sums to a_i exp((f_i - f_i') / eps)).
 */
export function entropicTransport(
  x: Cloud,
  y: Cloud,
  eps: number,
  tolerance = 1e-6,
  maxIterations = 100_000,
): TransportResult {
  const n = x.count,
    m = y.count;
  const C = squaredHalfDistances(x, y);
  const f = new Float64Array(n),
    g = new Float64Array(m),
    scratch = new Float64Array(Math.max(n, m));
  const logA = -Math.log(n),
    logB = -Math.log(m);
  let largest = 0;
  for (const c of C) if (c > largest) largest = c;
  let level = Math.max(eps, largest),
    iterations = 0;
  for (;;) {
    for (; iterations < maxIterations; iterations++) {
      let missed = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) scratch[j] = logB + (g[j] - C[i * m + j]) / level;
        const next = -level * logSumExp(scratch, m);
        missed += Math.abs(Math.expm1((f[i] - next) / level)) / n;
        f[i] = next;
      }
      for (let j = 0; j < m; j++) {
        for (let i = 0; i < n; i++) scratch[i] = logA + (f[i] - C[i * m + j]) / level;
        g[j] = -level * logSumExp(scratch, n);
      }
      if (missed < (level > eps ? 1e-3 : tolerance)) break;
    }
    if (level === eps) break;
    level = Math.max(eps, level / 2);
  }
  if (iterations >= maxIterations)
    throw new VleError(`sinkhorn: no convergence in ${maxIterations} sweeps at eps ${eps}; use a larger eps`);
  const plan = new Float64Array(n * m);
  let value = 0;
  for (let i = 0; i < n; i++) value += f[i] / n;
  for (let j = 0; j < m; j++) value += g[j] / m;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) plan[i * m + j] = Math.exp(logA + logB + (f[i] + g[j] - C[i * m + j]) / eps);
  return { value, plan, iterations };
}

/** S_eps(x, y) and dS/dx (count x dim, same layout as x.points); y is held fixed. */
export function sinkhornDivergence(
  x: Cloud,
  y: Cloud,
  eps: number,
  tolerance?: number,
): { value: number; gradient: Float64Array } {
  const xy = entropicTransport(x, y, eps, tolerance),
    xx = entropicTransport(x, x, eps, tolerance),
    yy = entropicTransport(y, y, eps, tolerance);
  const { count: n, dim: d } = x,
    m = y.count;
  const gradient = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const p = xy.plan[i * m + j];
      if (p === 0) continue;
      for (let k = 0; k < d; k++) gradient[i * d + k] += p * (x.points[i * d + k] - y.points[j * d + k]);
    }
    // - 1/2 of d OT(x, x) / dx_i = - sum_j pi^xx_ij (x_i - x_j)
    for (let j = 0; j < n; j++) {
      const p = xx.plan[i * n + j];
      if (p === 0) continue;
      for (let k = 0; k < d; k++) gradient[i * d + k] -= p * (x.points[i * d + k] - x.points[j * d + k]);
    }
  }
  return { value: xy.value - xx.value / 2 - yy.value / 2, gradient };
}

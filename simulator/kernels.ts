// The arithmetic of one step shared by ideal and hardware mode: error cell, crossbar reads, membrane, output error, local updates.
// Arrays are batched, sample-major (index b * n + i); every kernel adds or writes in one fixed order so both modes round alike.
import type { Transfer } from "../circuits/cells.js";

/** Softmax of r[off .. off+n) into out[0 .. n), shifted by the max for stability. */
export function softmax(r: Float64Array, off: number, n: number, out: Float64Array): void {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (r[off + i] > max) max = r[off + i];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (out[i] = Math.exp(r[off + i] - max));
  for (let i = 0; i < n; i++) out[i] /= sum;
}

/**
 * Error cell: d = phi' * errorIn; with prospective errors v' = v + dt (d - v) / tau_r and
 * e = v + tau_m (d - v) / tau_r, else v' = e = d.
 */
export function errorCellStep(
  size: number, n: number, dt: number, prospective: boolean, tauM: Float64Array, tauR: Float64Array,
  dphi: Float64Array, errorIn: Float64Array, v: Float64Array, vNext: Float64Array, eNext: Float64Array,
): void {
  for (let k = 0; k < size; k++) {
    const i = k % n;
    const dk = dphi[k] * errorIn[k];
    if (prospective) {
      const vdot = (dk - v[k]) / tauR[i];
      vNext[k] = v[k] + dt * vdot;
      eNext[k] = v[k] + tauM[i] * vdot;
    } else {
      vNext[k] = dk;
      eNext[k] = dk;
    }
  }
}

/** out[b, i] = bias[i] for every sample. */
export function fillBias(B: number, n: number, bias: Float64Array, out: Float64Array): void {
  for (let b = 0; b < B; b++) for (let i = 0; i < n; i++) out[b * n + i] = bias[i];
}

/**
 * Forward read of the block rows [row0, row0 + rows) x cols [col0, col0 + nCols) of W (row-major, `cols`
 * wide): out[b * outWidth + outFirst + i] += sum_j W[row0 + i, j] r[b * cols + j], the sum over j in order.
 */
export function crossbarRead(
  B: number, W: Float64Array, cols: number, r: Float64Array,
  row0: number, rows: number, col0: number, nCols: number,
  out: Float64Array, outWidth: number, outFirst: number,
): void {
  const colEnd = col0 + nCols;
  for (let b = 0; b < B; b++) {
    const ro = b * cols, io = b * outWidth + outFirst;
    for (let i = 0; i < rows; i++) {
      let s = 0;
      const wo = (row0 + i) * cols;
      for (let j = col0; j < colEnd; j++) s += W[wo + j] * r[ro + j];
      out[io + i] += s;
    }
  }
}

/**
 * Transposed read of the same block: out[b * outWidth + outFirst + (j - col0)] += sum_i F[i, j] e[b * postSize + i]
 * over rows i of the block, rows in order (a row whose error is exactly 0 adds nothing).
 */
export function transposedRead(
  B: number, F: Float64Array, cols: number, e: Float64Array, postSize: number,
  row0: number, rows: number, col0: number, nCols: number,
  out: Float64Array, outWidth: number, outFirst: number,
): void {
  for (let b = 0; b < B; b++) {
    const eo = b * postSize, oo = b * outWidth + outFirst - col0;
    for (let i = row0; i < row0 + rows; i++) {
      const ei = e[eo + i];
      if (ei === 0) continue;
      const fo = i * cols;
      for (let j = col0; j < col0 + nCols; j++) out[oo + j] += F[fo + j] * ei;
    }
  }
}

/** d[b, i] += sum_j weights[i, j] e[b, j] (a broadcast matrix [n][m] applied to the source's errors). */
export function broadcastRead(B: number, n: number, m: number, weights: Float64Array, e: Float64Array, d: Float64Array): void {
  for (let b = 0; b < B; b++) for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += weights[i * m + j] * e[b * m + j];
    d[b * n + i] += s;
  }
}

/** Adds beta (y - r) (MSE) or beta (y - softmax r) (cross-entropy) to d, per sample weighted by its mask. */
export function addOutputError(
  B: number, n: number, r: Float64Array, y: Float64Array, mask: Float64Array, beta: number, crossEntropy: boolean,
  scratch: Float64Array, d: Float64Array,
): void {
  for (let b = 0; b < B; b++) {
    const w = beta * mask[b];
    if (w === 0) continue;
    const off = b * n;
    if (crossEntropy) {
      softmax(r, off, n, scratch);
      for (let i = 0; i < n; i++) d[off + i] += w * (y[off + i] - scratch[i]);
    } else {
      for (let i = 0; i < n; i++) d[off + i] += w * (y[off + i] - r[off + i]);
    }
  }
}

/** Where a membrane step writes: next u, du/dt, prospective u, rate and phi'. */
export interface MembraneOut {
  u: Float64Array;
  udot: Float64Array;
  uProsp: Float64Array;
  r: Float64Array;
  dphi: Float64Array;
}

/**
 * Membrane: du/dt = (I + gamma e - u) / tau_m, u' = u + dt du/dt, u~ = u + tau_r du/dt, r = phi(u~).
 * `e` is undefined for a population without an error current. `I` may alias out.uProsp (read before written).
 */
export function membraneStep(
  size: number, n: number, dt: number, tauM: Float64Array, tauR: Float64Array, transfer: Transfer,
  I: Float64Array, gamma: number, e: Float64Array | undefined, u: Float64Array, out: MembraneOut,
): void {
  const { phi, dphi } = transfer;
  const uN = out.u, udot = out.udot, uP = out.uProsp, rN = out.r, dphiN = out.dphi;
  for (let k = 0; k < size; k++) {
    const i = k % n;
    const du = (I[k] + (e ? gamma * e[k] : 0) - u[k]) / tauM[i];
    udot[k] = du;
    uN[k] = u[k] + dt * du;
    const up = u[k] + tauR[i] * du;
    uP[k] = up;
    rN[k] = phi(up);
    dphiN[k] = dphi(up);
  }
}

/** dW[i, j] += (1/B) sum_b e[b, i] r[b, j] (a post error times a pre rate: the local weight update). */
export function accumulateOuterProduct(B: number, n: number, cols: number, e: Float64Array, r: Float64Array, dW: Float64Array): void {
  const inv = 1 / B;
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < n; i++) {
      const ei = e[b * n + i] * inv;
      if (ei === 0) continue;
      const wo = i * cols, ro = b * cols;
      for (let j = 0; j < cols; j++) dW[wo + j] += ei * r[ro + j];
    }
  }
}

/** db[i] += (1/B) sum_b e[b, i]. */
export function accumulateBias(size: number, n: number, B: number, e: Float64Array, db: Float64Array): void {
  const inv = 1 / B;
  for (let k = 0; k < size; k++) db[k % n] += e[k] * inv;
}

/** dtau[i] -= (1/B) sum_b e[b, i] du/dt[b, i]. */
export function accumulateTau(size: number, n: number, B: number, e: Float64Array, udot: Float64Array, dtau: Float64Array): void {
  const inv = 1 / B;
  for (let k = 0; k < size; k++) dtau[k % n] -= e[k] * udot[k] * inv;
}

// The arithmetic of one step shared by ideal and hardware mode: error cell, crossbar reads, membrane, output error, local updates.
// Arrays are batched, sample-major (index b * n + i); every kernel adds or writes in one fixed order so both modes round alike.
import { sigmoid, softplus } from "../circuits/cells.js";
import { Phi } from "../circuits/model.js";

/** Row indices scratch shared by the kernels below (never two at once), grown on demand, so the step allocates nothing. */
let activeRows = new Int32Array(64);
function active(n: number): Int32Array {
  if (activeRows.length < n) activeRows = new Int32Array(Math.max(n, 2 * activeRows.length));
  return activeRows;
}

/** Softmax of r[off .. off+n) into out[0 .. n), shifted by the max for stability. */
export function softmax(r: Float64Array, off: number, n: number, out: Float64Array): void {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (r[off + i] > max) max = r[off + i];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += out[i] = Math.exp(r[off + i] - max);
  for (let i = 0; i < n; i++) out[i] /= sum;
}

/**
 * Error cell: d = phi' * errorIn; with prospective errors v' = v + dt (d - v) / tau_r and
 * e = v + tau_m (d - v) / tau_r, else v' = e = d.
 */
export function errorCellStep(
  size: number,
  n: number,
  dt: number,
  prospective: boolean,
  tauM: Float64Array,
  tauR: Float64Array,
  dphi: Float64Array,
  errorIn: Float64Array,
  v: Float64Array,
  vNext: Float64Array,
  eNext: Float64Array,
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
 * Four rows at a time share each load of r (four independent sums; each still adds over j in order).
 */
export function crossbarRead(
  B: number,
  W: Float64Array,
  cols: number,
  r: Float64Array,
  row0: number,
  rows: number,
  col0: number,
  nCols: number,
  out: Float64Array,
  outWidth: number,
  outFirst: number,
): void {
  for (let b = 0; b < B; b++) {
    const ro = b * cols,
      io = b * outWidth + outFirst,
      jEnd = ro + col0 + nCols;
    let i = 0;
    for (; i + 4 <= rows; i += 4) {
      // W offsets relative to r's index j
      const w0 = (row0 + i) * cols - ro,
        w1 = w0 + cols,
        w2 = w1 + cols,
        w3 = w2 + cols;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let j = ro + col0; j < jEnd; j++) {
        const x = r[j];
        s0 += W[w0 + j] * x;
        s1 += W[w1 + j] * x;
        s2 += W[w2 + j] * x;
        s3 += W[w3 + j] * x;
      }
      out[io + i] += s0;
      out[io + i + 1] += s1;
      out[io + i + 2] += s2;
      out[io + i + 3] += s3;
    }
    for (; i < rows; i++) {
      const wo = (row0 + i) * cols - ro;
      let s = 0;
      for (let j = ro + col0; j < jEnd; j++) s += W[wo + j] * r[j];
      out[io + i] += s;
    }
  }
}

/**
 * Transposed read of the same block: out[b * outWidth + outFirst + (j - col0)] += sum_i F[i, j] e[b * postSize + i]
 * over rows i of the block, rows in order (a row whose error is exactly 0 adds nothing). The rows with an
 * error are taken four at a time per pass over out, each element still adding them in row order.
 */
export function transposedRead(
  B: number,
  F: Float64Array,
  cols: number,
  e: Float64Array,
  postSize: number,
  row0: number,
  rows: number,
  col0: number,
  nCols: number,
  out: Float64Array,
  outWidth: number,
  outFirst: number,
): void {
  const live = active(rows);
  for (let b = 0; b < B; b++) {
    const eo = b * postSize,
      oo = b * outWidth + outFirst - col0,
      jEnd = oo + col0 + nCols;
    let m = 0;
    for (let i = row0; i < row0 + rows; i++) if (e[eo + i] !== 0) live[m++] = i;
    let k = 0;
    for (; k + 4 <= m; k += 4) {
      const i0 = live[k],
        i1 = live[k + 1],
        i2 = live[k + 2],
        i3 = live[k + 3];
      const e0 = e[eo + i0],
        e1 = e[eo + i1],
        e2 = e[eo + i2],
        e3 = e[eo + i3];
      // F offsets relative to out's index j
      const f0 = i0 * cols - oo,
        f1 = i1 * cols - oo,
        f2 = i2 * cols - oo,
        f3 = i3 * cols - oo;
      for (let j = oo + col0; j < jEnd; j++) {
        let s = out[j];
        s += F[f0 + j] * e0;
        s += F[f1 + j] * e1;
        s += F[f2 + j] * e2;
        s += F[f3 + j] * e3;
        out[j] = s;
      }
    }
    for (; k < m; k++) {
      const i0 = live[k],
        e0 = e[eo + i0],
        f0 = i0 * cols - oo;
      for (let j = oo + col0; j < jEnd; j++) out[j] += F[f0 + j] * e0;
    }
  }
}

/** d[b, i] += sum_j weights[i, j] e[b, j] for rows [row0, row0 + rows) (a broadcast matrix [n][m] applied to the source's errors). */
export function broadcastRead(
  B: number,
  n: number,
  m: number,
  weights: Float64Array,
  e: Float64Array,
  d: Float64Array,
  row0 = 0,
  rows = n,
): void {
  for (let b = 0; b < B; b++)
    for (let i = row0; i < row0 + rows; i++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += weights[i * m + j] * e[b * m + j];
      d[b * n + i] += s;
    }
}

/** Adds beta (y - r) (MSE) or beta (y - softmax r) (cross-entropy) to d, per sample weighted by its mask. */
export function addOutputError(
  B: number,
  n: number,
  r: Float64Array,
  y: Float64Array,
  mask: Float64Array,
  beta: number,
  crossEntropy: boolean,
  scratch: Float64Array,
  d: Float64Array,
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
 * Membrane: du/dt = (I + gamma e - u) / tau_m, u' = u + dt du/dt, u~ = u + tau_r du/dt, r = phi(u~), and phi'(u~),
 * from the rate where that is exact (tanh 1 - r^2, sigmoid r (1 - r), relu and linear from the sign).
 * `e` is undefined for a population without an error current. `I` may alias out.uProsp (read before written).
 * One loop per transfer function, so phi is inlined and the loop allocates nothing.
 */
export function membraneStep(
  size: number,
  n: number,
  dt: number,
  tauM: Float64Array,
  tauR: Float64Array,
  phi: Phi,
  I: Float64Array,
  gamma: number,
  e: Float64Array | undefined,
  u: Float64Array,
  out: MembraneOut,
): void {
  const uN = out.u,
    udot = out.udot,
    uP = out.uProsp,
    rN = out.r,
    dphiN = out.dphi;
  // u~ into uProsp and du/dt, u' first; then the transfer function over uProsp
  for (let k = 0, i = 0; k < size; k++) {
    const du = (I[k] + (e ? gamma * e[k] : 0) - u[k]) / tauM[i];
    udot[k] = du;
    uN[k] = u[k] + dt * du;
    uP[k] = u[k] + tauR[i] * du;
    if (++i === n) i = 0;
  }
  switch (phi) {
    case Phi.TANH:
      for (let k = 0; k < size; k++) {
        const r = Math.tanh(uP[k]);
        rN[k] = r;
        dphiN[k] = 1 - r * r;
      }
      return;
    case Phi.SIGMOID:
      for (let k = 0; k < size; k++) {
        const r = sigmoid(uP[k]);
        rN[k] = r;
        dphiN[k] = r * (1 - r);
      }
      return;
    case Phi.SOFTPLUS:
      for (let k = 0; k < size; k++) {
        rN[k] = softplus(uP[k]);
        dphiN[k] = sigmoid(uP[k]);
      }
      return;
    case Phi.RELU:
      for (let k = 0; k < size; k++) {
        const x = uP[k];
        rN[k] = x > 0 ? x : 0;
        dphiN[k] = x > 0 ? 1 : 0;
      }
      return;
    case Phi.LINEAR:
      for (let k = 0; k < size; k++) {
        rN[k] = uP[k];
        dphiN[k] = 1;
      }
      return;
    default:
      throw new Error(`membraneStep: transfer function ${phi} has no kernel`);
  }
}

/**
 * dW[i, j] += (1/B) sum_b e[b, i] r[b, j] (a post error times a pre rate: the local weight update), over the
 * block rows [row0, row0 + rows) x cols [col0, col0 + nCols) of the n x cols matrix. Per row, the samples
 * with a non-zero error are taken four at a time per pass over the row, each element adding them in sample order.
 */
export function accumulateOuterProduct(
  B: number,
  n: number,
  cols: number,
  e: Float64Array,
  r: Float64Array,
  dW: Float64Array,
  row0 = 0,
  rows = n,
  col0 = 0,
  nCols = cols,
): void {
  const inv = 1 / B,
    live = active(B);
  for (let i = row0; i < row0 + rows; i++) {
    let m = 0;
    for (let b = 0; b < B; b++) if (e[b * n + i] * inv !== 0) live[m++] = b;
    const wo = i * cols,
      jStart = wo + col0,
      jEnd = jStart + nCols;
    let k = 0;
    for (; k + 4 <= m; k += 4) {
      const b0 = live[k],
        b1 = live[k + 1],
        b2 = live[k + 2],
        b3 = live[k + 3];
      const e0 = e[b0 * n + i] * inv,
        e1 = e[b1 * n + i] * inv,
        e2 = e[b2 * n + i] * inv,
        e3 = e[b3 * n + i] * inv;
      // r offsets relative to dW's index j
      const q0 = b0 * cols - wo,
        q1 = b1 * cols - wo,
        q2 = b2 * cols - wo,
        q3 = b3 * cols - wo;
      for (let j = jStart; j < jEnd; j++) {
        let w = dW[j];
        w += e0 * r[q0 + j];
        w += e1 * r[q1 + j];
        w += e2 * r[q2 + j];
        w += e3 * r[q3 + j];
        dW[j] = w;
      }
    }
    for (; k < m; k++) {
      const b0 = live[k],
        e0 = e[b0 * n + i] * inv,
        q0 = b0 * cols - wo;
      for (let j = jStart; j < jEnd; j++) dW[j] += e0 * r[q0 + j];
    }
  }
}

/** db[i] += (1/B) sum_b e[b, i]. */
export function accumulateBias(size: number, n: number, B: number, e: Float64Array, db: Float64Array): void {
  const inv = 1 / B;
  for (let k = 0; k < size; k++) db[k % n] += e[k] * inv;
}

/** dtau[i] -= (1/B) sum_b e[b, i] du/dt[b, i]. */
export function accumulateTau(
  size: number,
  n: number,
  B: number,
  e: Float64Array,
  udot: Float64Array,
  dtau: Float64Array,
): void {
  const inv = 1 / B;
  for (let k = 0; k < size; k++) dtau[k % n] -= e[k] * udot[k] * inv;
}

// Fixed points of a circuit without input, by Newton's method from many starts, and their linear stability.
//
// Without input and without errors, every population's membrane obeys (design section 2)
//   tau_m du/dt = -u + W r + b,   r = phi(u~),   u~ = u + tau_r du/dt,
// so at a fixed point du/dt = 0, u~ = u and   F(u) = -u + W phi(u) + b = 0   over all populations at once
// (W the block matrix of every crossbar between populations; input ports carry zero). Newton:
// u <- u - J^-1 F(u) with J = -I + W D, D = diag(phi'(u)). Linearised around u*, with u~ implicit in du/dt:
//   (T_m - W D T_r) du'/dt = (W D - I) du,   so   A = (T_m - W D T_r)^-1 (W D - I),
// and the fixed point is stable when every eigenvalue of A has a negative real part.
import { EigenvalueDecomposition, Matrix, solve } from "ml-matrix";
import { transfers } from "../../circuits/cells.js";
import type { Circuit } from "../../circuits/model.js";
import { Random } from "../../circuits/random.js";

/** The autonomous network in one vector: every population's neurons, in circuit order. */
export interface Autonomous {
  size: number;
  /** population name and first index of each population in the vector */
  blocks: { name: string; start: number; size: number }[];
  W: Matrix;
  bias: Float64Array;
  tauM: Float64Array;
  tauR: Float64Array;
  phi: ((x: number) => number)[];
  dphi: ((x: number) => number)[];
}

export function autonomous(circuit: Circuit): Autonomous {
  const blocks: Autonomous["blocks"] = [];
  let size = 0;
  for (const p of circuit.populations) {
    blocks.push({ name: p.name, start: size, size: p.size });
    size += p.size;
  }
  const at = new Map(blocks.map((b) => [b.name, b]));
  const W = Matrix.zeros(size, size);
  for (const x of circuit.crossbars) {
    const pre = at.get(x.pre),
      post = at.get(x.post)!;
    if (!pre) continue; // an input port: zero without input
    for (let i = 0; i < x.rows; i++)
      for (let j = 0; j < x.cols; j++)
        W.set(post.start + i, pre.start + j, W.get(post.start + i, pre.start + j) + x.weights[i * x.cols + j]);
  }
  const bias = new Float64Array(size),
    tauM = new Float64Array(size),
    tauR = new Float64Array(size);
  const phi: Autonomous["phi"] = [],
    dphi: Autonomous["dphi"] = [];
  circuit.populations.forEach((p, k) => {
    const { start } = blocks[k],
      transfer = transfers[p.phi];
    for (let i = 0; i < p.size; i++) {
      bias[start + i] = p.bias[i] ?? 0;
      tauM[start + i] = p.tauM[i];
      tauR[start + i] = p.tauR[i];
      phi.push(transfer.phi);
      dphi.push(transfer.dphi);
    }
  });
  return { size, blocks, W, bias, tauM, tauR, phi, dphi };
}

/** F(u) = -u + W phi(u) + b. */
function residual(net: Autonomous, u: Float64Array): Float64Array {
  const r = Array.from(u, (x, i) => net.phi[i](x));
  const Wr = net.W.mmul(Matrix.columnVector(r)).getColumn(0);
  return Float64Array.from(u, (x, i) => -x + Wr[i] + net.bias[i]);
}

/** A = (T_m - W D T_r)^-1 (W D - I) at a fixed point u (where u~ = u): the linearised dynamics du'/dt = A du. */
export function linearisation(net: Autonomous, u: Float64Array): Matrix {
  const n = net.size;
  const WD = net.W.clone();
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) WD.set(i, j, WD.get(i, j) * net.dphi[j](u[j]));
  const left = Matrix.zeros(n, n),
    right = WD.clone();
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) left.set(i, j, -WD.get(i, j) * net.tauR[j]);
    left.set(i, i, left.get(i, i) + net.tauM[i]);
    right.set(i, i, right.get(i, i) - 1);
  }
  return solve(left, right);
}

export interface FixedPoint {
  /** membranes of every population (the vector of `autonomous`) */
  u: number[];
  /** max |F(u)| */
  residual: number;
  /** eigenvalues of the linearisation (per model time unit) */
  eigenvalues: { re: number; im: number }[];
  /** largest real part: < 0 stable */
  leading: number;
  stable: boolean;
  /** Newton starts that converged here */
  basin: number;
}

export interface FixedPointOptions {
  starts?: number;
  seed?: number;
  /** standard deviation of the random starts (membranes) */
  spread?: number;
  tolerance?: number;
}

/** Newton from `starts` random membranes; converged points merged when closer than 1e-6 (max norm). */
export function findFixedPoints(circuit: Circuit, options: FixedPointOptions = {}): FixedPoint[] {
  const net = autonomous(circuit),
    n = net.size;
  const random = new Random(options.seed ?? 0);
  const starts = options.starts ?? 64,
    spread = options.spread ?? 2,
    tolerance = options.tolerance ?? 1e-12;
  const found: FixedPoint[] = [];
  for (let k = 0; k < starts; k++) {
    const u = Float64Array.from({ length: n }, () => spread * random.normal());
    let converged = false;
    for (let it = 0; it < 100; it++) {
      const F = residual(net, u);
      const size = Math.max(...F.map(Math.abs));
      if (size < tolerance) {
        converged = true;
        break;
      }
      const J = net.W.clone();
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) J.set(i, j, J.get(i, j) * net.dphi[j](u[j]));
      for (let i = 0; i < n; i++) J.set(i, i, J.get(i, i) - 1);
      let step: number[];
      try {
        step = solve(J, Matrix.columnVector(Array.from(F))).getColumn(0);
      } catch {
        break;
      }
      if (!step.every(Number.isFinite)) break;
      for (let i = 0; i < n; i++) u[i] -= step[i];
    }
    if (!converged) continue;
    const same = found.find((f) => f.u.every((v, i) => Math.abs(v - u[i]) < 1e-6));
    if (same) {
      same.basin++;
      continue;
    }
    const eig = new EigenvalueDecomposition(linearisation(net, u));
    const eigenvalues = eig.realEigenvalues.map((re, i) => ({ re, im: eig.imaginaryEigenvalues[i] }));
    const leading = Math.max(...eigenvalues.map((e) => e.re));
    found.push({
      u: [...u],
      residual: Math.max(...residual(net, u).map(Math.abs)),
      eigenvalues,
      leading,
      stable: leading < 0,
      basin: 1,
    });
  }
  return found.sort((a, b) => b.basin - a.basin);
}

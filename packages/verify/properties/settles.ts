// Property `settles`: with zero input the state returns to its fixed point, and the discrete map is linearly stable there (every Jacobian eigenvalue inside the unit circle).
//
// The fixed point is where the zero-input dynamics go from rest: the ideal engine runs from rest until the
// membranes stop moving, and Newton's method polishes u* = b + W phi(u*) from there (W: the crossbars between
// populations). With zero input and no target every error is 0, so the state of the reference step
// (design section 2) is (u, p) per neuron, p = u + tau_r du/dt the prospective membrane:
//   u' = u + dt (b + W phi(p) - u) / tau_m,   p' = u + tau_r (b + W phi(p) - u) / tau_m,
// whose Jacobian at (u*, u*) is [[1 - dt/tau_m, (dt/tau_m) W D], [1 - tau_r/tau_m, (tau_r/tau_m) W D]],
// D = diag(phi'(u*)); its eigenvalues come from ml-matrix. The error cells (v, e) are states too: at the fixed
// point their loop through the feedback matrices (errorJacobian) must be stable as well, or any error that
// reaches it grows step by step. Each random drive then kicks the circuit, and a tail of zero input must bring
// every membrane back within 1e-6 (relative) of u*; an unstable circuit runs away.
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { transfers } from "../../../circuits/cells.js";
import { Feedback, Rule, type Circuit } from "../../../circuits/model.js";
import { neuronColumn, type NeuronSignal } from "../../../circuits/signals.js";
import type { Engine } from "../../../simulator/engine.js";
import { driveArbitrary, truncate, withZeroTail, type Drive } from "../drive.js";
import { searchDrives, skipped, type Failure, type Property, type PropertyResult } from "../property.js";
import { makeEngine, runDrive } from "../run.js";
import { maxOf } from "../../../circuits/extent.js";

/** Largest Jacobian (2 x neurons) whose eigenvalues are computed; beyond it only the return is checked. */
const MAX_JACOBIAN = 800;

/** The zero-input map of a circuit over all its neurons, in population order. */
interface ZeroInputMap {
  n: number;
  /** neuron -> (population, index) for messages */
  neurons: { population: string; index: number }[];
  tauM: Float64Array;
  tauR: Float64Array;
  bias: Float64Array;
  phi: ((x: number) => number)[];
  dphi: ((x: number) => number)[];
  /** n x n, row-major [post][pre], every population-to-population crossbar summed in */
  W: Float64Array;
}

/** The trace names of `signal` of the map's neurons (all, or those at `which`). */
const columns = (m: ZeroInputMap, signal: NeuronSignal, which = m.neurons.map((_, k) => k)) =>
  which.map((k) => neuronColumn(m.neurons[k].population, signal, m.neurons[k].index));

export function zeroInputMap(c: Circuit): ZeroInputMap {
  const offset = new Map<string, number>();
  let n = 0;
  for (const p of c.populations) {
    offset.set(p.name, n);
    n += p.size;
  }
  const m: ZeroInputMap = {
    n,
    neurons: [],
    tauM: new Float64Array(n),
    tauR: new Float64Array(n),
    bias: new Float64Array(n),
    phi: [],
    dphi: [],
    W: new Float64Array(n * n),
  };
  for (const p of c.populations) {
    const o = offset.get(p.name)!;
    for (let i = 0; i < p.size; i++) {
      m.neurons.push({ population: p.name, index: i });
      m.tauM[o + i] = p.tauM[i];
      m.tauR[o + i] = p.tauR[i];
      m.bias[o + i] = p.bias[i];
      m.phi.push(transfers[p.phi].phi);
      m.dphi.push(transfers[p.phi].dphi);
    }
  }
  for (const x of c.crossbars) {
    const pre = offset.get(x.pre);
    if (pre === undefined) continue; // an input port: zero
    const post = offset.get(x.post)!;
    for (let i = 0; i < x.rows; i++)
      for (let j = 0; j < x.cols; j++) m.W[(post + i) * n + pre + j] += x.weights[i * x.cols + j];
  }
  return m;
}

/** Solves A x = b in place (Gaussian elimination with partial pivoting); false when A is singular. */
function solve(A: Float64Array, b: Float64Array, n: number): boolean {
  for (let k = 0; k < n; k++) {
    let pivot = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(A[i * n + k]) > Math.abs(A[pivot * n + k])) pivot = i;
    if (A[pivot * n + k] === 0) return false;
    if (pivot !== k) {
      for (let j = 0; j < n; j++) [A[k * n + j], A[pivot * n + j]] = [A[pivot * n + j], A[k * n + j]];
      [b[k], b[pivot]] = [b[pivot], b[k]];
    }
    for (let i = k + 1; i < n; i++) {
      const f = A[i * n + k] / A[k * n + k];
      if (f === 0) continue;
      for (let j = k; j < n; j++) A[i * n + j] -= f * A[k * n + j];
      b[i] -= f * b[k];
    }
  }
  for (let k = n - 1; k >= 0; k--) {
    let s = b[k];
    for (let j = k + 1; j < n; j++) s -= A[k * n + j] * b[j];
    b[k] = s / A[k * n + k];
  }
  return true;
}

/** Newton's method on G(u) = u - b - W phi(u) from `u`; the root, or undefined when it does not converge. */
export function newton(m: ZeroInputMap, start: Float64Array): Float64Array | undefined {
  const n = m.n,
    u = Float64Array.from(start),
    G = new Float64Array(n),
    J = new Float64Array(n * n);
  for (let iteration = 0; iteration < 100; iteration++) {
    let residual = 0,
      scale = 1;
    for (let i = 0; i < n; i++) {
      let a = m.bias[i];
      for (let j = 0; j < n; j++) a += m.W[i * n + j] * m.phi[j](u[j]);
      G[i] = u[i] - a;
      residual = Math.max(residual, Math.abs(G[i]));
      scale = Math.max(scale, Math.abs(u[i]));
    }
    if (!Number.isFinite(residual)) return undefined;
    if (residual <= 1e-13 * scale) return u;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) J[i * n + j] = (i === j ? 1 : 0) - m.W[i * n + j] * m.dphi[j](u[j]);
    if (!solve(J, G, n)) return undefined;
    for (let i = 0; i < n; i++) u[i] -= G[i];
  }
  return undefined;
}

/** The discrete map's Jacobian at (u*, u*), 2n x 2n, rows u' then p'. */
export function jacobian(m: ZeroInputMap, dt: number, u: Float64Array): number[][] {
  const n = m.n,
    J = Array.from({ length: 2 * n }, () => new Array<number>(2 * n).fill(0));
  for (let i = 0; i < n; i++) {
    const a = dt / m.tauM[i],
      g = m.tauR[i] / m.tauM[i];
    J[i][i] = 1 - a;
    J[n + i][i] = 1 - g;
    for (let j = 0; j < n; j++) {
      const wd = m.W[i * n + j] * m.dphi[j](u[j]);
      J[i][n + j] = a * wd;
      J[n + i][n + j] = g * wd;
    }
  }
  return J;
}

/**
 * The error cells' part of the Jacobian at the fixed point, over (v, e) of every population with an error cell.
 * Errors are 0 there, so the forward states do not feed it (the full Jacobian is block triangular) and its
 * eigenvalues are the rest of the map's. d = phi'(u*) (A e), A the error routes (F^T of every crossbar that
 * carries errors back to a population with an error cell, and the broadcasts); prospective errors give
 * v' = v + dt (d - v) / tau_r, e' = v + tau_m (d - v) / tau_r, instantaneous ones v' = e' = d.
 */
export function errorJacobian(
  c: Circuit,
  m: ZeroInputMap,
  u: Float64Array,
  prospective: boolean,
): { J: number[][]; names: string[] } {
  const offset = new Map<string, number>(),
    learning = new Map<string, number>();
  let n = 0,
    k = 0;
  const learns = new Set(c.errorPopulations.map((e) => e.population));
  for (const p of c.populations) {
    offset.set(p.name, n);
    n += p.size;
    if (learns.has(p.name)) {
      learning.set(p.name, k);
      k += p.size;
    }
  }
  const M = k,
    A = Array.from({ length: M }, () => new Array<number>(M).fill(0)),
    D = new Array<number>(M),
    index = new Array<number>(M);
  for (const [name, at] of learning) {
    const o = offset.get(name)!,
      size = c.populations.find((p) => p.name === name)!.size;
    for (let i = 0; i < size; i++) {
      D[at + i] = m.dphi[o + i](u[o + i]);
      index[at + i] = o + i;
    }
  }
  for (const x of c.crossbars) {
    const pre = learning.get(x.pre),
      post = learning.get(x.post);
    if (pre === undefined || post === undefined || x.feedback === Feedback.NO_FEEDBACK) continue;
    const F = x.feedback === Feedback.TRANSPOSE ? x.weights : x.feedbackWeights;
    for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) A[pre + j][post + i] += F[i * x.cols + j];
  }
  for (const b of c.broadcasts) {
    const to = learning.get(b.to),
      from = learning.get(b.from);
    if (to === undefined || from === undefined) continue;
    const size = c.populations.find((p) => p.name === b.from)!.size,
      rows = b.weights.length / size;
    for (let i = 0; i < rows; i++) for (let j = 0; j < size; j++) A[to + i][from + j] += b.weights[i * size + j];
  }
  const J = Array.from({ length: 2 * M }, () => new Array<number>(2 * M).fill(0));
  for (let i = 0; i < M; i++) {
    const tauM = m.tauM[index[i]],
      tauR = m.tauR[index[i]];
    const [a, g] = prospective ? [c.dt / tauR, tauM / tauR] : [1, 1];
    J[i][i] = 1 - a;
    J[M + i][i] = 1 - g;
    for (let j = 0; j < M; j++) {
      const da = D[i] * A[i][j];
      J[i][M + j] = a * da;
      J[M + i][M + j] = g * da;
    }
  }
  return { J, names: [...columns(m, "v", index), ...columns(m, "e", index)] };
}

interface Stability {
  radius: number;
  dominant: string;
  mode?: string;
}

/**
 * Spectral radius of a Jacobian over the named states, its dominant eigenvalue as text, and the state its
 * eigenvector is largest on. Eigenvalues by ml-matrix (Hessenberg reduction and the real Schur form, the JAMA
 * algorithm): mathjs's eigs fails to converge on ordinary non-symmetric matrices of a few dozen rows.
 */
function stability(J: number[][], names: string[]): Stability {
  if (J.length === 0) return { radius: 0, dominant: "0" };
  const e = new EigenvalueDecomposition(new Matrix(J), { assumeSymmetric: false });
  const re = e.realEigenvalues,
    im = e.imaginaryEigenvalues;
  let k = 0;
  for (let i = 1; i < re.length; i++) if (Math.hypot(re[i], im[i]) > Math.hypot(re[k], im[k])) k = i;
  // a complex pair keeps the real and imaginary parts of its eigenvector in columns k and k + 1 (first of the pair: im > 0)
  const V = e.eigenvectorMatrix,
    first = im[k] < 0 ? k - 1 : k;
  const weight = (row: number) =>
    im[k] === 0 ? Math.abs(V.get(row, k)) : Math.hypot(V.get(row, first), V.get(row, first + 1));
  let top = 0;
  for (let row = 1; row < J.length; row++) if (weight(row) > weight(top)) top = row;
  const dominant =
    im[k] === 0
      ? re[k].toPrecision(6)
      : `${re[k].toPrecision(6)}${im[k] < 0 ? "-" : "+"}${Math.abs(im[k]).toPrecision(6)}i`;
  return { radius: Math.hypot(re[k], im[k]), dominant, mode: names[top] };
}

/** Runs zero input from rest until the membranes stop moving (or `cap` steps); the state reached. */
function restState(engine: Engine, m: ZeroInputMap, cap: number): { u: Float64Array; steps: number; finite: boolean } {
  const u = new Float64Array(m.n),
    last = new Float64Array(m.n);
  engine.reset();
  const zero = withZeroTail(emptyDrive(engine), cap);
  let finite = true;
  const steps = runDrive(engine, zero, () => {
    let k = 0,
      change = 0,
      scale = 1;
    for (const p of engine.populations)
      for (const x of p.now.u) {
        change = Math.max(change, Math.abs(x - last[k]));
        scale = Math.max(scale, Math.abs(x));
        u[k] = x;
        k++;
      }
    last.set(u);
    if (!Number.isFinite(change)) return !(finite = false);
    return change <= 1e-14 * scale;
  });
  return { u, steps, finite };
}

function emptyDrive(engine: Engine): Drive {
  const groups = engine.circuit.inputs.map((p) => ({
    name: p.name,
    size: p.size,
    values: new Float64Array(0),
    present: new Uint8Array(0),
  }));
  return { steps: 0, input: { file: "<zero input>", kind: "input", samples: 1, offsets: [0], steps: [0], groups } };
}

/** Neurons beyond which the dense Jacobian (4 n^2 values) and its O(n^3) eigenvalues are not attempted. */
const DENSE_NEURON_LIMIT = 2000;

export const settles: Property = {
  name: "settles",
  summary:
    "with zero input the state returns to its fixed point, and every eigenvalue of the discrete map's Jacobian there is inside the unit circle",
  check(target, options): PropertyResult {
    const neurons = target.circuit.populations.reduce((n, p) => n + p.size, 0);
    if (neurons > DENSE_NEURON_LIMIT)
      return skipped(
        "settles",
        `${neurons} neurons: the dense Jacobian (${2 * neurons} x ${2 * neurons}) and its eigenvalues are beyond this check's budget of ${DENSE_NEURON_LIMIT} neurons`,
      );
    const c = target.circuit,
      m = zeroInputMap(c),
      engine = makeEngine(c, "ideal");
    const maxTau = Math.max(maxOf(m.tauM), maxOf(m.tauR));
    const fail = (
      failure: Failure,
      details: Record<string, unknown>,
      drive?: Drive,
      shrinks = 0,
      runs = 0,
    ): PropertyResult => ({
      property: "settles",
      status: "failed",
      runs,
      note: "the state does not return to its fixed point",
      counterexample: { drive, shrinks, failure },
      details,
    });

    // the fixed point the zero-input dynamics reach from rest
    const rest = restState(engine, m, Math.min(200_000, Math.ceil((100 * maxTau) / c.dt)));
    const fixed = rest.finite ? newton(m, rest.u) : undefined;
    if (!fixed) {
      const runaway = withZeroTail(emptyDrive(engine), rest.steps);
      return fail(
        {
          step: rest.steps,
          message: `with zero input from rest the membranes ${rest.finite ? "do not come to a fixed point" : "run away to infinity"} within ${rest.steps} steps (no fixed point near the rest state)`,
          replay: { drive: runaway, mode: "ideal" },
        },
        {},
      );
    }
    const scale = maxOf(Array.from(fixed, Math.abs), 1),
      tolerance = 1e-6 * scale;
    const details: Record<string, unknown> = { fixedPoint: Array.from(fixed), restSteps: rest.steps };
    let stable: Stability | undefined, errors: Stability | undefined;
    if (2 * m.n <= MAX_JACOBIAN) {
      stable = stability(jacobian(m, c.dt, fixed), [...columns(m, "u"), ...columns(m, "u_prosp")]);
      const prospective = c.learning.rule === Rule.VLE && c.learning.prospectiveErrors;
      const e = errorJacobian(c, m, fixed, prospective);
      errors = stability(e.J, e.names);
      Object.assign(details, {
        spectralRadius: stable.radius,
        dominantEigenvalue: stable.dominant,
        dominantMode: stable.mode,
        errorSpectralRadius: errors.radius,
        errorDominantMode: errors.mode,
      });
    }
    const unstable = stable !== undefined && !(stable.radius < 1);
    const unstableErrors = errors !== undefined && !(errors.radius < 1);
    // the zero-input tail: long enough for the slowest stable mode to decay by e^-60, or for an unstable one to show
    const slowest = Math.ceil((10 * maxTau) / c.dt);
    const tail = Math.min(
      200_000,
      stable && !unstable ? Math.max(slowest, Math.ceil(60 / -Math.log(stable.radius))) : 2 * slowest,
    );

    let longest = 0;
    const search = searchDrives(
      driveArbitrary(c, { maxSteps: options.maxSteps }),
      (drive) => {
        engine.reset();
        const run = withZeroTail(drive, tail);
        let start = -1,
          worst = { d: 0, k: 0, u: 0 },
          returned = false,
          runaway = false,
          failStep = 0;
        runDrive(engine, run, (step) => {
          if (step < drive.steps) return false;
          worst = { d: -1, k: 0, u: 0 };
          let k = 0;
          for (const p of engine.populations)
            for (const x of p.now.u) {
              const d = Math.abs(x - fixed[k]);
              if (!(d <= worst.d)) worst = { d, k, u: x };
              k++;
            }
          failStep = step;
          if (start < 0) start = worst.d;
          if (worst.d <= tolerance) return (returned = true);
          // an unstable fixed point: stop once the state is far on its way out
          if (unstable && !(worst.d <= 100 * Math.max(start, tolerance))) return (runaway = true);
          return false;
        });
        if (returned) {
          longest = Math.max(longest, failStep - drive.steps);
          return undefined;
        }
        const { population, index: neuron } = m.neurons[worst.k];
        const signal = neuronColumn(population, "u", neuron);
        return {
          step: failStep,
          signal,
          value: worst.u,
          expected: fixed[worst.k],
          message:
            `step ${failStep}: population '${population}' neuron ${neuron}: u = ${worst.u} is ${worst.d.toPrecision(4)} from the fixed point ${fixed[worst.k]} ` +
            `${runaway ? `and moving away (${(worst.d / Math.max(start, tolerance)).toPrecision(3)} x farther than where the input left it)` : `after ${failStep - drive.steps} steps of zero input`}`,
          replay: { drive: truncate(run, failStep), mode: "ideal", record: signal },
        };
      },
      options,
    );

    if (unstable) {
      const eigen = `eigenvalue ${stable!.dominant} of the discrete map at the fixed point has modulus ${stable!.radius.toPrecision(6)} >= 1${stable!.mode ? ` (its mode is largest at ${stable!.mode})` : ""}; the circuit is not linearly stable: weaken the recurrent or mutual excitation`;
      const failure = search.failure
        ? { ...search.failure, message: `${search.failure.message}; ${eigen}` }
        : { step: 0, message: eigen };
      return fail(failure, details, search.drive, search.shrinks, search.runs);
    }
    if (search.failure) return fail(search.failure, details, search.drive, search.shrinks, search.runs);
    if (unstableErrors) {
      const prospective = c.learning.rule === Rule.VLE && c.learning.prospectiveErrors;
      return fail(
        {
          step: 0,
          message:
            `eigenvalue ${errors!.dominant} of the error cells' loop at the fixed point has modulus ${errors!.radius.toPrecision(6)} >= 1${errors!.mode ? ` (its mode is largest at ${errors!.mode})` : ""}: ` +
            `an error sent back around a loop grows each step${prospective ? ", amplified by the prospective readout tau_m / tau_r" : ""}; weaken the feedback around the loop${prospective ? " or bring tau_r closer to tau_m" : ""}`,
        },
        details,
        undefined,
        0,
        search.runs,
      );
    }
    const linear = stable
      ? `spectral radius ${stable.radius.toPrecision(6)} < 1 (error cells ${errors!.radius.toPrecision(6)})`
      : `Jacobian of ${2 * m.n} states too large for eigenvalues (over ${MAX_JACOBIAN}): return checked only`;
    details.longestReturn = longest;
    return {
      property: "settles",
      status: "passed",
      runs: search.runs,
      note: `back at the fixed point after at most ${longest} steps of zero input (allowed ${tail}); ${linear}`,
      details,
    };
  },
};

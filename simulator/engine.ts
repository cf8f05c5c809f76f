// The ideal engine: executes a circuit IR with the reference discretization (DESIGN section 2), batched, float64.
import { transfers, type Transfer } from "../circuits/cells.js";
import { VleError } from "../circuits/errors.js";
import { Feedback, Loss, Rule, type Circuit, type Crossbar, type OutputPort, type Population } from "../circuits/model.js";
import { validate } from "../circuits/validate.js";
import { makeParameter, ParameterUpdater, type Parameter } from "./optimizer.js";

/** The per-neuron signals of a population, each B x n (sample-major). */
export interface PopulationSignals {
  /** membrane */
  u: Float64Array;
  /** prospective membrane u + tau_r du/dt */
  uProsp: Float64Array;
  /** rate phi(uProsp) */
  r: Float64Array;
  /** phi'(uProsp) */
  dphi: Float64Array;
  /** error cell */
  v: Float64Array;
  /** prospective error v + tau_m dv/dt */
  e: Float64Array;
  /** du/dt of the last step */
  udot: Float64Array;
}

const signalNames = ["u", "uProsp", "r", "dphi", "v", "e", "udot"] as const;

function allocateSignals(n: number): PopulationSignals {
  return Object.fromEntries(signalNames.map((k) => [k, new Float64Array(n)])) as unknown as PopulationSignals;
}

export interface PopulationState {
  spec: Population;
  size: number;
  transfer: Transfer;
  /** live (learnable) per-neuron parameters */
  tauM: Float64Array;
  tauR: Float64Array;
  bias: Float64Array;
  gamma: number;
  /** has an error compartment */
  learns: boolean;
  /** state after the last step, and the buffers the next step writes */
  now: PopulationSignals;
  next: PopulationSignals;
  /** crossbars whose post is this population */
  afferent: CrossbarState[];
  /** crossbars whose pre is this population and carry errors back */
  backward: CrossbarState[];
  /** broadcast routes into this population: source output population and weights [to][from] */
  broadcasts: { from: PopulationState; weights: Float64Array }[];
  output?: OutputState;
  /** error input before the phi' factor, B x n, scratch of the step */
  errorIn: Float64Array;
  biasParam?: Parameter;
  tauParam?: Parameter;
}

export interface CrossbarState {
  spec: Crossbar;
  rows: number;
  cols: number;
  weights: Float64Array;
  /** back-projection matrix, same layout as weights; the weights themselves for transpose */
  feedback: Float64Array;
  carriesError: boolean;
  /** pre population, or undefined when pre is an input port */
  pre?: PopulationState;
  preInput?: Float64Array;
  post: PopulationState;
  /** F^T e_post of the last step (B x cols), and what the next step writes */
  errorOut: Float64Array;
  errorOutNext: Float64Array;
  weightParam?: Parameter;
  feedbackParam?: Parameter;
}

export interface OutputState {
  spec: OutputPort;
  population: PopulationState;
  /** target of the current step, B x n */
  target: Float64Array;
  /** 1 where a sample has a target this step, 0 where not (B) */
  mask: Float64Array;
}

export interface EngineOptions {
  batch?: number;
  /** overrides the circuit's learning rule */
  rule?: Rule;
}

export class Engine {
  readonly batch: number;
  readonly dt: number;
  readonly rule: Rule;
  readonly prospectiveErrors: boolean;
  readonly populations: PopulationState[] = [];
  readonly crossbars: CrossbarState[] = [];
  readonly outputs: OutputState[] = [];
  /** input port buffers, B x size, read by the next step */
  readonly inputs = new Map<string, Float64Array>();
  readonly parameters: Parameter[] = [];
  readonly updater: ParameterUpdater;
  /** steps taken since the last reset */
  step = 0;
  private readonly softmaxScratch: Float64Array;

  constructor(readonly circuit: Circuit, options: EngineOptions = {}) {
    validate(circuit);
    const B = (this.batch = options.batch ?? 1);
    if (!Number.isInteger(B) || B < 1) throw new VleError(`batch ${B} must be a positive integer`);
    this.dt = circuit.dt;
    this.rule = options.rule ?? circuit.learning.rule;
    this.prospectiveErrors = this.rule === Rule.VLE ? circuit.learning.prospectiveErrors : false;
    this.updater = new ParameterUpdater(circuit.learning);
    const { eta, etaTau } = circuit.learning;

    for (const port of circuit.inputs) this.inputs.set(port.name, new Float64Array(B * port.size));
    const byName = new Map<string, PopulationState>();
    for (const spec of circuit.populations) {
      const n = spec.size;
      const errorPopulation = circuit.errorPopulations.find((e) => e.population === spec.name);
      const link = errorPopulation && circuit.errorCurrents.find((l) => l.errorPopulation === errorPopulation.name);
      const state: PopulationState = {
        spec, size: n, transfer: transfers[spec.phi],
        tauM: Float64Array.from(spec.tauM), tauR: Float64Array.from(spec.tauR), bias: Float64Array.from(spec.bias),
        gamma: link ? link.gamma : 0, learns: errorPopulation !== undefined,
        now: allocateSignals(B * n), next: allocateSignals(B * n),
        afferent: [], backward: [], broadcasts: [], errorIn: new Float64Array(B * n),
      };
      if (state.learns && spec.plasticBias) this.parameters.push((state.biasParam = makeParameter(`${spec.name}.b`, state.bias, eta)));
      if (state.learns && spec.plasticTauM) this.parameters.push((state.tauParam = makeParameter(`${spec.name}.tau_m`, state.tauM, etaTau, circuit.dt)));
      byName.set(spec.name, state);
      this.populations.push(state);
    }
    for (const spec of circuit.crossbars) {
      const post = byName.get(spec.post)!;
      const weights = Float64Array.from(spec.weights);
      const ownFeedback = spec.feedback === Feedback.RANDOM || spec.feedback === Feedback.LEARNED;
      const x: CrossbarState = {
        spec, rows: spec.rows, cols: spec.cols, weights,
        feedback: ownFeedback ? Float64Array.from(spec.feedbackWeights) : weights,
        carriesError: spec.feedback !== Feedback.NO_FEEDBACK && post.learns,
        pre: byName.get(spec.pre), preInput: this.inputs.get(spec.pre), post,
        errorOut: new Float64Array(B * spec.cols), errorOutNext: new Float64Array(B * spec.cols),
      };
      if (spec.plastic) {
        this.parameters.push((x.weightParam = makeParameter(`${spec.name}.W`, weights, eta)));
        if (spec.feedback === Feedback.LEARNED) this.parameters.push((x.feedbackParam = makeParameter(`${spec.name}.F`, x.feedback, eta)));
      }
      post.afferent.push(x);
      if (x.carriesError && x.pre) x.pre.backward.push(x);
      this.crossbars.push(x);
    }
    for (const b of circuit.broadcasts) byName.get(b.to)!.broadcasts.push({ from: byName.get(b.from)!, weights: Float64Array.from(b.weights) });
    for (const spec of circuit.outputs) {
      const population = byName.get(spec.population)!;
      const out: OutputState = { spec, population, target: new Float64Array(B * population.size), mask: new Float64Array(B) };
      population.output = out;
      this.outputs.push(out);
    }
    this.softmaxScratch = new Float64Array(Math.max(1, ...this.populations.map((p) => p.size)));
  }

  population(name: string): PopulationState {
    const p = this.populations.find((q) => q.spec.name === name);
    if (!p) throw new VleError(`no population '${name}' in circuit '${this.circuit.name}'`);
    return p;
  }

  input(name: string): Float64Array {
    const buffer = this.inputs.get(name);
    if (!buffer) throw new VleError(`no input '${name}' in circuit '${this.circuit.name}'; inputs: ${[...this.inputs.keys()].join(", ")}`);
    return buffer;
  }

  output(name: string): OutputState {
    const o = this.outputs.find((q) => q.spec.name === name || q.spec.population === name);
    if (!o) throw new VleError(`no output '${name}' in circuit '${this.circuit.name}'`);
    return o;
  }

  /** Whether this engine's rule changes parameters online (the local rules). */
  get learnsOnline(): boolean {
    return this.rule === Rule.VLE || this.rule === Rule.INSTANTANEOUS;
  }

  /** Zeroes the dynamic state (u, v, e, r and phi' all 0), keeping parameters. */
  reset(): void {
    for (const p of this.populations) for (const k of signalNames) { p.now[k].fill(0); p.next[k].fill(0); }
    for (const x of this.crossbars) { x.errorOut.fill(0); x.errorOutNext.fill(0); }
    for (const o of this.outputs) o.mask.fill(0);
    this.step = 0;
  }

  /**
   * Advances one step dt from the state at t with the inputs and targets now in the buffers.
   * With `learn`, the local rule's update is applied after the step (online plasticity); with `apply`
   * false it only accumulates in each Parameter.delta (summed updates with frozen parameters, for alignment).
   */
  advance(learn = this.learnsOnline, apply = true): void {
    for (const p of this.populations) this.integrate(p);
    for (const x of this.crossbars) if (x.carriesError) this.projectError(x);
    if (learn && this.learnsOnline) {
      for (const p of this.populations) if (p.learns) this.accumulateUpdates(p);
      if (apply) this.updater.apply(this.parameters);
    }
    for (const p of this.populations) { const t = p.now; p.now = p.next; p.next = t; }
    for (const x of this.crossbars) { const t = x.errorOut; x.errorOut = x.errorOutNext; x.errorOutNext = t; }
    this.step++;
  }

  /** Sums the error arriving at p (before phi'): back-projections, broadcasts and its output error. */
  private gatherError(p: PopulationState): void {
    const B = this.batch, n = p.size, d = p.errorIn;
    d.fill(0);
    for (const x of p.backward) {
      const src = x.errorOut;
      for (let k = 0; k < B * n; k++) d[k] += src[k];
    }
    for (const { from, weights } of p.broadcasts) {
      const m = from.size, e = from.now.e;
      for (let b = 0; b < B; b++) for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < m; j++) s += weights[i * m + j] * e[b * m + j];
        d[b * n + i] += s;
      }
    }
    if (p.output) this.addOutputError(p.output, d);
  }

  /** Adds beta (y* - r) (MSE) or beta (y* - softmax r) (cross-entropy), masked per sample. */
  private addOutputError(o: OutputState, d: Float64Array): void {
    const B = this.batch, n = o.population.size, r = o.population.now.r, y = o.target, beta = o.spec.beta;
    const crossEntropy = o.spec.loss === Loss.CROSS_ENTROPY, sm = this.softmaxScratch;
    for (let b = 0; b < B; b++) {
      const w = beta * o.mask[b];
      if (w === 0) continue;
      const off = b * n;
      if (crossEntropy) {
        softmax(r, off, n, sm);
        for (let i = 0; i < n; i++) d[off + i] += w * (y[off + i] - sm[i]);
      } else {
        for (let i = 0; i < n; i++) d[off + i] += w * (y[off + i] - r[off + i]);
      }
    }
  }

  private integrate(p: PopulationState): void {
    const B = this.batch, n = p.size, dt = this.dt, now = p.now, next = p.next;
    const { tauM, tauR, bias, gamma, transfer } = p;
    const eN = next.e, vN = next.v;
    if (p.learns) {
      this.gatherError(p);
      const d = p.errorIn, dphi = now.dphi, v = now.v;
      for (let k = 0; k < B * n; k++) {
        const i = k % n;
        const dk = dphi[k] * d[k];
        if (this.prospectiveErrors) {
          const vdot = (dk - v[k]) / tauR[i];
          vN[k] = v[k] + dt * vdot;
          eN[k] = v[k] + tauM[i] * vdot;
        } else {
          vN[k] = dk;
          eN[k] = dk;
        }
      }
    }
    // synaptic input into next.uProsp as scratch, then the membrane step
    const I = next.uProsp;
    for (let b = 0; b < B; b++) for (let i = 0; i < n; i++) I[b * n + i] = bias[i];
    for (const x of p.afferent) {
      const W = x.weights, cols = x.cols, r = x.pre ? x.pre.now.r : x.preInput!;
      for (let b = 0; b < B; b++) {
        const ro = b * cols, io = b * n;
        for (let i = 0; i < n; i++) {
          let s = 0;
          const wo = i * cols;
          for (let j = 0; j < cols; j++) s += W[wo + j] * r[ro + j];
          I[io + i] += s;
        }
      }
    }
    const u = now.u, uN = next.u, udot = next.udot, uP = next.uProsp, rN = next.r, dphiN = next.dphi;
    const { phi, dphi } = transfer;
    for (let k = 0; k < B * n; k++) {
      const i = k % n;
      const du = (I[k] + (p.learns ? gamma * eN[k] : 0) - u[k]) / tauM[i];
      udot[k] = du;
      uN[k] = u[k] + dt * du;
      const up = u[k] + tauR[i] * du;
      uP[k] = up;
      rN[k] = phi(up);
      dphiN[k] = dphi(up);
    }
  }

  /** errorOutNext = F^T e_post(new), with F as it was during this step's forward pass. */
  private projectError(x: CrossbarState): void {
    const B = this.batch, rows = x.rows, cols = x.cols, F = x.feedback, e = x.post.next.e, out = x.errorOutNext;
    out.fill(0);
    for (let b = 0; b < B; b++) {
      const eo = b * rows, oo = b * cols;
      for (let i = 0; i < rows; i++) {
        const ei = e[eo + i];
        if (ei === 0) continue;
        const fo = i * cols;
        for (let j = 0; j < cols; j++) out[oo + j] += F[fo + j] * ei;
      }
    }
  }

  /** Local rule: dW = e_post r_pre(t)^T, db = e, dtau_m = -e du/dt, each the batch mean. */
  private accumulateUpdates(p: PopulationState): void {
    const B = this.batch, n = p.size, e = p.next.e, inv = 1 / B;
    for (const x of p.afferent) {
      if (!x.weightParam) continue;
      const cols = x.cols, r = x.pre ? x.pre.now.r : x.preInput!, dW = x.weightParam.delta, dF = x.feedbackParam?.delta;
      for (let b = 0; b < B; b++) {
        for (let i = 0; i < n; i++) {
          const ei = e[b * n + i] * inv;
          if (ei === 0) continue;
          const wo = i * cols, ro = b * cols;
          for (let j = 0; j < cols; j++) dW[wo + j] += ei * r[ro + j];
        }
      }
      if (dF) dF.set(dW);
    }
    if (p.biasParam) {
      const db = p.biasParam.delta;
      for (let k = 0; k < B * n; k++) db[k % n] += e[k] * inv;
    }
    if (p.tauParam) {
      const dtau = p.tauParam.delta, udot = p.next.udot;
      for (let k = 0; k < B * n; k++) dtau[k % n] -= e[k] * udot[k] * inv;
    }
  }

  /** The circuit with the learned parameters written back (weights, feedback, bias, tau_m). */
  exportCircuit(): Circuit {
    const c = structuredClone(this.circuit);
    c.populations.forEach((p, k) => { p.tauM = Array.from(this.populations[k].tauM); p.bias = Array.from(this.populations[k].bias); });
    c.crossbars.forEach((x, k) => {
      x.weights = Array.from(this.crossbars[k].weights);
      if (x.feedbackWeights.length) x.feedbackWeights = Array.from(this.crossbars[k].feedback);
    });
    return c;
  }
}

/** Softmax of r[off .. off+n) into out[0 .. n), shifted by the max for stability. */
export function softmax(r: Float64Array, off: number, n: number, out: Float64Array): void {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (r[off + i] > max) max = r[off + i];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (out[i] = Math.exp(r[off + i] - max));
  for (let i = 0; i < n; i++) out[i] /= sum;
}

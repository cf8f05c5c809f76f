// The discrete adjoint of the free network (gamma = 0): records engine steps and returns the exact gradient of their loss.
//
// Forward (the engine with gamma = 0), per population and step s = 1..T, from the state after step s-1:
//   a(s)    = b + sum_x W_x rho_x(s)        rho_x(s) = r_pre(s-1), or the input of step s for an input port
//   udot(s) = (a(s) - u(s-1)) / tau_m
//   u(s)    = u(s-1) + dt udot(s)
//   u~(s)   = u(s-1) + tau_r udot(s),   r(s) = phi(u~(s))
// Loss L = sum_s mask(s) l(y(s), r_out(s)), l = 1/2 |y - r|^2 (MSE) or -sum y log softmax(r) (cross-entropy).
// Reverse pass, s = T..1, with G_x = dL/dx (total) and G_u(T) = 0, G_a(T+1) = 0:
//   G_r(s)    = dl_s/dr(s) + sum_{x: pre = this} W_x^T G_a,post(s+1)
//   G_u~(s)   = phi'(u~(s)) G_r(s)
//   delta(s)  = dt G_u(s) + tau_r G_u~(s)          (= dL/dudot(s))
//   G_a(s)    = delta(s) / tau_m
//   G_u(s-1)  = G_u(s) + G_u~(s) - G_a(s)         (u(s-1) enters u(s), u~(s) and, with -1/tau_m, udot(s))
//   dL/dW_x  += G_a,post(s) rho_x(s)^T,  dL/db += G_a(s),  dL/dtau_m += -G_a(s) udot(s)
// The state at the start of the recording is a constant (truncation point of tbptt). tau_m's floor (>= dt)
// acts in the optimizer's update, not in the gradient.
import { Loss } from "../../circuits/model.js";
import { softmax, type Engine } from "../engine.js";
import type { Parameter } from "../optimizer.js";

/** Switches off the modulatory error currents (gamma = 0): the rules that learn from gradients run the free network. */
export function freeNetwork(engine: Engine): void {
  for (const p of engine.populations) p.gamma = 0;
}

/** dL/dparameter for every crossbar and population of an engine (engine order), summed over the batch. */
export interface Gradient {
  /** per crossbar, rows x cols, [post][pre] */
  weights: Float64Array[];
  /** per population */
  bias: Float64Array[];
  tauM: Float64Array[];
}

export function allocateGradient(engine: Engine): Gradient {
  return {
    weights: engine.crossbars.map((x) => new Float64Array(x.rows * x.cols)),
    bias: engine.populations.map((p) => new Float64Array(p.size)),
    tauM: engine.populations.map((p) => new Float64Array(p.size)),
  };
}

/** The gradient array of each learnable parameter of the engine (undefined for a learned feedback matrix: not in the loss). */
export function gradientOf(engine: Engine, grad: Gradient): (Float64Array | undefined)[] {
  const of = new Map<Parameter, Float64Array>();
  engine.crossbars.forEach((x, k) => x.weightParam && of.set(x.weightParam, grad.weights[k]));
  engine.populations.forEach((p, k) => {
    if (p.biasParam) of.set(p.biasParam, grad.bias[k]);
    if (p.tauParam) of.set(p.tauParam, grad.tauM[k]);
  });
  return engine.parameters.map((q) => of.get(q));
}

/**
 * How the outputs' losses are weighted: "unit" is L exactly as defined above (what `vle align --json`
 * reports); "beta" weights each output by its beta, the loss the local rules' output errors descend, so
 * that the same eta means the same step size for every rule.
 */
export type LossWeighting = "unit" | "beta";

/** Adds dL/dr of output k at recorded step s (1..steps) into g (B x n); returns that step's share of L, if any. */
export type OutputLossGradient = (k: number, s: number, g: Float64Array) => number;

/** A growable per-step record: `slots` values per step, with room for steps 0..capacity. */
class Tape {
  data: Float64Array;
  constructor(
    readonly slots: number,
    capacity: number,
  ) {
    this.data = new Float64Array(slots * (capacity + 1));
  }
  grow(capacity: number): void {
    const data = new Float64Array(this.slots * (capacity + 1));
    data.set(this.data);
    this.data = data;
  }
  write(step: number, values: Float64Array): void {
    this.data.set(values, step * this.slots);
  }
}

/** Records a window of engine steps (rates, phi', du/dt, inputs, targets, masks) and runs the reverse pass over it. */
export class Trajectory {
  /** steps recorded since `start` */
  steps = 0;
  private capacity: number;
  private readonly rates: Tape[];
  private readonly slopes: Tape[];
  private readonly udots: Tape[];
  private readonly inputs: Tape[];
  private readonly targets: Tape[];
  private readonly masks: Tape[];
  private readonly inputNames: string[];
  /** reverse-pass state per population, B x n each */
  private readonly gU: Float64Array[];
  private readonly gR: Float64Array[];
  private readonly gA: Float64Array[];
  private readonly gANext: Float64Array[];
  private readonly softmaxScratch: Float64Array;
  /** per crossbar: index of its pre population (-1 for an input port), of its post, of its input port (-1 for a population) */
  private readonly preIndex: number[];
  private readonly postIndex: number[];
  private readonly inputIndex: number[];
  /** per output: index of its population */
  private readonly outputIndex: number[];

  constructor(
    readonly engine: Engine,
    capacity = 64,
  ) {
    const B = engine.batch;
    this.capacity = capacity;
    const per = (n: number) => new Tape(B * n, capacity);
    this.rates = engine.populations.map((p) => per(p.size));
    this.slopes = engine.populations.map((p) => per(p.size));
    this.udots = engine.populations.map((p) => per(p.size));
    this.inputNames = [...engine.inputs.keys()];
    this.inputs = this.inputNames.map((name) => new Tape(engine.inputs.get(name)!.length, capacity));
    this.targets = engine.outputs.map((o) => per(o.population.size));
    this.masks = engine.outputs.map(() => new Tape(B, capacity));
    const state = () => engine.populations.map((p) => new Float64Array(B * p.size));
    this.gU = state();
    this.gR = state();
    this.gA = state();
    this.gANext = state();
    this.softmaxScratch = new Float64Array(Math.max(1, ...engine.populations.map((p) => p.size)));
    const index = new Map(engine.populations.map((p, k) => [p, k]));
    this.preIndex = engine.crossbars.map((x) => (x.pre ? index.get(x.pre)! : -1));
    this.postIndex = engine.crossbars.map((x) => index.get(x.post)!);
    this.inputIndex = engine.crossbars.map((x) => (x.pre ? -1 : this.inputNames.indexOf(x.spec.pre)));
    this.outputIndex = engine.outputs.map((o) => index.get(o.population)!);
  }

  /** Starts a new recording from the engine's present state (its rates are the constants step 1 reads). */
  start(): void {
    this.steps = 0;
    this.engine.populations.forEach((p, k) => this.rates[k].write(0, p.now.r));
  }

  /** Records the step the engine has just taken (call after `engine.advance`). */
  record(): void {
    const s = ++this.steps,
      e = this.engine;
    if (s > this.capacity) {
      this.capacity *= 2;
      for (const tapes of [this.rates, this.slopes, this.udots, this.inputs, this.targets, this.masks])
        for (const t of tapes) t.grow(this.capacity);
    }
    e.populations.forEach((p, k) => {
      this.rates[k].write(s, p.now.r);
      this.slopes[k].write(s, p.now.dphi);
      this.udots[k].write(s, p.now.udot);
    });
    this.inputNames.forEach((name, k) => this.inputs[k].write(s, e.inputs.get(name)!));
    e.outputs.forEach((o, k) => {
      this.targets[k].write(s, o.target);
      this.masks[k].write(s, o.mask);
    });
  }

  /**
   * The reverse pass over the recorded steps with the engine's present parameters (those the forward
   * pass used): overwrites `grad` with dL/dparameters, summed over the batch, and returns L. A loss that
   * is not a sum of per-step output losses (a distance between distributions of whole sequences) gives
   * its own `outputLoss`: it adds dL/dr of output k at recorded step s into g (B x n) and returns 0 (its
   * value is the caller's).
   */
  backward(grad: Gradient, weighting: LossWeighting, outputLoss?: OutputLossGradient): number {
    const e = this.engine,
      B = e.batch,
      dt = e.dt,
      pops = e.populations,
      xs = e.crossbars;
    const { preIndex, postIndex, inputIndex, outputIndex } = this;
    for (const g of [...grad.weights, ...grad.bias, ...grad.tauM]) g.fill(0);
    for (const g of this.gU) g.fill(0);
    for (const g of this.gANext) g.fill(0);
    let loss = 0;
    let gA = this.gA,
      gANext = this.gANext;

    for (let s = this.steps; s >= 1; s--) {
      // G_r(s): the loss of step s, and what r(s) does to every post population at s+1
      for (const g of this.gR) g.fill(0);
      for (let k = 0; k < e.outputs.length; k++) {
        const spec = e.outputs[k].spec;
        loss += outputLoss
          ? outputLoss(k, s, this.gR[outputIndex[k]])
          : this.outputGradient(k, s, this.gR[outputIndex[k]], spec.loss, weighting === "beta" ? spec.beta : 1);
      }
      for (let k = 0; k < xs.length; k++) {
        if (preIndex[k] < 0) continue;
        const x = xs[k],
          W = x.weights,
          rows = x.rows,
          cols = x.cols,
          gPost = gANext[postIndex[k]],
          gPre = this.gR[preIndex[k]];
        for (let b = 0; b < B; b++) {
          for (let i = 0; i < rows; i++) {
            const gi = gPost[b * rows + i];
            if (gi === 0) continue;
            const wo = i * cols,
              po = b * cols;
            for (let j = 0; j < cols; j++) gPre[po + j] += W[wo + j] * gi;
          }
        }
      }
      // through each population's own step
      for (let k = 0; k < pops.length; k++) {
        const p = pops[k],
          n = p.size,
          tauM = p.tauM,
          tauR = p.tauR,
          off = s * B * n;
        const slope = this.slopes[k].data,
          udot = this.udots[k].data;
        const gU = this.gU[k],
          gR = this.gR[k],
          ga = gA[k],
          db = grad.bias[k],
          dtau = grad.tauM[k];
        for (let q = 0; q < B * n; q++) {
          const i = q % n;
          const gUp = slope[off + q] * gR[q];
          const ai = (dt * gU[q] + tauR[i] * gUp) / tauM[i];
          ga[q] = ai;
          gU[q] += gUp - ai;
          db[i] += ai;
          dtau[i] -= ai * udot[off + q];
        }
      }
      // dL/dW += G_a,post(s) rho(s)^T
      for (let k = 0; k < xs.length; k++) {
        const x = xs[k],
          rows = x.rows,
          cols = x.cols,
          ga = gA[postIndex[k]],
          dW = grad.weights[k];
        const fromPopulation = preIndex[k] >= 0;
        const rho = fromPopulation ? this.rates[preIndex[k]].data : this.inputs[inputIndex[k]].data;
        const ro = (fromPopulation ? s - 1 : s) * B * cols;
        for (let b = 0; b < B; b++) {
          for (let i = 0; i < rows; i++) {
            const gi = ga[b * rows + i];
            if (gi === 0) continue;
            const wo = i * cols,
              po = ro + b * cols;
            for (let j = 0; j < cols; j++) dW[wo + j] += gi * rho[po + j];
          }
        }
      }
      const t = gA;
      gA = gANext;
      gANext = t;
    }
    return loss;
  }

  /** Adds w dl_s/dr(s) of output k into g (B x n) and returns w l_s, masked per sample. */
  private outputGradient(k: number, s: number, g: Float64Array, kind: Loss, w: number): number {
    const B = this.engine.batch,
      n = g.length / B,
      sm = this.softmaxScratch;
    const r = this.rates[this.outputIndex[k]].data;
    const y = this.targets[k].data,
      mask = this.masks[k].data;
    const ro = s * B * n,
      mo = s * B;
    let loss = 0;
    for (let b = 0; b < B; b++) {
      const wb = w * mask[mo + b];
      if (wb === 0) continue;
      const o = b * n;
      if (kind === Loss.CROSS_ENTROPY) {
        softmax(r, ro + o, n, sm);
        let mass = 0,
          max = -Infinity;
        for (let i = 0; i < n; i++) {
          mass += y[ro + o + i];
          if (r[ro + o + i] > max) max = r[ro + o + i];
        }
        let z = 0;
        for (let i = 0; i < n; i++) z += Math.exp(r[ro + o + i] - max);
        const logZ = max + Math.log(z);
        for (let i = 0; i < n; i++) {
          g[o + i] += wb * (sm[i] * mass - y[ro + o + i]);
          loss -= wb * y[ro + o + i] * (r[ro + o + i] - logZ);
        }
      } else {
        for (let i = 0; i < n; i++) {
          const diff = r[ro + o + i] - y[ro + o + i];
          g[o + i] += wb * diff;
          loss += 0.5 * wb * diff * diff;
        }
      }
    }
    return loss;
  }
}

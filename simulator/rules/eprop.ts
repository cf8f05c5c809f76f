// The eprop rule: eligibility traces through each neuron's own dynamics, times the output error sent back through fixed feedback.
//
// Derivation for our neuron (Bellec et al., Nat. Commun. 2020, eqs. 1-4, on the free network, gamma = 0).
// Neuron j's hidden state is its membrane u_j; within one step s (see adjoint.ts)
//   udot(s) = (a(s) - u(s-1)) / tau_m,  u(s) = u(s-1) + dt udot(s),  r(s) = phi(u(s-1) + tau_r udot(s)),
// with a_j(s) = b_j + sum_i W_ji rho_i(s). For a parameter theta of neuron j (W_ji, b_j or tau_m_j), the
// eligibility vector is eps(s) = du_j(s)/dtheta through j's own dynamics only, the other neurons' rates
// held fixed (e-prop's "local" derivative):
//   q(s)    = dudot(s)/dtheta = (da/dtheta - eps(s-1)) / tau_m    da/dtheta = rho_i(s), 1, or -udot(s) for tau_m
//   eps(s)  = eps(s-1) + dt q(s)
// and the eligibility trace e(s) = dr_j(s)/dtheta, the prospective readout included:
//   e(s)    = phi'(u~_j(s)) (eps(s-1) + tau_r q(s)).
// The gradient is dL/dtheta = sum_s (dL/dr_j(s)) e(s) with the TOTAL derivative dL/dr_j(s); e-prop replaces it
// by the learning signal, the error that reaches j directly:
//  - j an output neuron: its own error, -dl_s/dr_j(s) = beta (y - r) (MSE; cross-entropy alike);
//  - j feeding an output population o (crossbar j -> o): r_j(s) enters a_k(s+1), and u~_k responds to a_k
//    linearly through k's leaky integrator (its readout filter: Bellec's leaky readout with kappa). So
//      dL/dtheta ~ sum_s L_j(s) z(s),  L_j(s) = sum_k F_kj phi'_k(s) beta (y_k - r_k)(s),
//      z(s) = w(s-1) + (tau_r/tau_m)_o (e(s-1) - w(s-1)),  w(s) = w(s-1) + (dt/tau_m)_o (e(s-1) - w(s-1)),
//    z the eligibility trace filtered by o's own dynamics (Bellec's F_kappa), F the crossbar's feedback
//    matrix: its weights ("symmetric", W_out^T) or its fixed random matrix ("random");
//  - a broadcast o -> j: L_j(s) = sum_k B_jk phi'_k(s) beta (y_k - r_k)(s), with the same filter of o.
// Exactness: the learning signal equals the total derivative when r_j reaches the loss only through these
// routes within one step of o's integrator, i.e. for an output population that projects nowhere (its W, b,
// tau_m are exact), and for a non-recurrent population feeding only outputs through symmetric feedback
// when o's neurons share tau_m and tau_r (the filter uses o's mean tau_m and tau_r). Recurrence (through
// other neurons or deeper layers) is what e-prop drops.
import { VleError } from "../../circuits/errors.js";
import { Feedback, Loss } from "../../circuits/model.js";
import { softmax, type Engine, type OutputState, type PopulationState } from "../engine.js";
import type { Learner } from "./learner.js";
import type { Parameter } from "../optimizer.js";
import { freeNetwork } from "./adjoint.js";

/** A fixed path from an output population's error to a population's learning signal. */
interface Route {
  output: number;
  /** feedback matrix [k][j] of a crossbar j -> o (transposed read), or broadcast weights [j][k] */
  matrix: Float64Array;
  broadcast: boolean;
  /** the learning signal through this route, B x n */
  signal: Float64Array;
}

/** The eligibility of one learnable array of a population: W of an afferent crossbar, b, or tau_m. */
interface Traces {
  param: Parameter;
  kind: "weight" | "bias" | "tauM";
  /** entries per neuron (cols for W, 1 for b and tau_m) */
  width: number;
  /** for W: the presynaptic rates rho(s) (B x cols): previousRates of a population, or an input port's buffer */
  rho?: Float64Array;
  /** eligibility vector du/dtheta, B x size */
  eps: Float64Array;
  /** the last step's eligibility trace dr/dtheta (input of the readout filters) */
  prev: Float64Array;
  /** readout-filter state w per route */
  filtered: Float64Array[];
}

interface Learning {
  population: PopulationState;
  /** its own output error, when it is an output population */
  own?: number;
  routes: Route[];
  /** per route, the readout filter of its output population: tau_r / tau_m and dt / tau_m (means over its neurons) */
  kappa: Float64Array;
  leak: Float64Array;
  traces: Traces[];
}

export class EpropLearner implements Learner {
  private readonly learning: Learning[] = [];
  /** per output: beta mask (y - r) and phi' times it, B x n */
  private readonly errors: Float64Array[];
  private readonly slopedErrors: Float64Array[];
  /** every population's rates before the step (rho of crossbars from populations) */
  private readonly previousRates: Float64Array[];
  private readonly softmaxScratch: Float64Array;

  /** `frozen`: updates accumulate in each Parameter.delta and are not applied (summed updates, for alignment). */
  constructor(
    readonly engine: Engine,
    private readonly frozen = false,
  ) {
    freeNetwork(engine);
    const B = engine.batch,
      outputs = engine.outputs;
    this.errors = outputs.map((o) => new Float64Array(B * o.population.size));
    this.slopedErrors = outputs.map((o) => new Float64Array(B * o.population.size));
    this.previousRates = engine.populations.map((p) => new Float64Array(B * p.size));
    this.softmaxScratch = new Float64Array(Math.max(1, ...engine.populations.map((p) => p.size)));
    const outputOf = (p: PopulationState) => outputs.findIndex((o) => o.population === p);

    for (const p of engine.populations) {
      const n = p.size;
      const arrays: Omit<Traces, "eps" | "prev" | "filtered">[] = [];
      for (const x of p.afferent) {
        if (!x.weightParam) continue;
        const rho = x.pre ? this.previousRates[engine.populations.indexOf(x.pre)] : x.preInput!;
        arrays.push({ param: x.weightParam, kind: "weight", width: x.cols, rho });
      }
      if (p.biasParam) arrays.push({ param: p.biasParam, kind: "bias", width: 1 });
      if (p.tauParam) arrays.push({ param: p.tauParam, kind: "tauM", width: 1 });
      if (arrays.length === 0) continue;
      const own = outputOf(p);
      const routes: Route[] = [];
      for (const x of engine.crossbars) {
        if (x.pre !== p || x.spec.feedback === Feedback.NO_FEEDBACK) continue;
        const output = outputOf(x.post);
        if (output >= 0) routes.push({ output, matrix: x.feedback, broadcast: false, signal: new Float64Array(B * n) });
      }
      for (const { from, weights } of p.broadcasts)
        routes.push({ output: outputOf(from), matrix: weights, broadcast: true, signal: new Float64Array(B * n) });
      if (own < 0 && routes.length === 0) {
        throw new VleError(
          `eprop: population '${p.spec.name}' has plastic parameters but no learning signal reaches it (it is no output, projects into no output population with feedback, and receives no broadcast); add a broadcast from the output or make its parameters fixed`,
        );
      }
      const size = (a: { width: number }) => B * n * a.width;
      this.learning.push({
        population: p,
        own: own >= 0 ? own : undefined,
        routes,
        kappa: new Float64Array(routes.length),
        leak: new Float64Array(routes.length),
        traces: arrays.map((a) => ({
          ...a,
          eps: new Float64Array(size(a)),
          prev: new Float64Array(routes.length ? size(a) : 0),
          filtered: routes.map(() => new Float64Array(size(a))),
        })),
      });
    }
  }

  step(): void {
    const e = this.engine;
    if (e.step === 0) this.reset();
    for (let k = 0; k < e.populations.length; k++) this.previousRates[k].set(e.populations[k].now.r);
    e.advance(false);
    for (let k = 0; k < e.outputs.length; k++) this.outputError(e.outputs[k], k);
    for (const l of this.learning) {
      for (let r = 0; r < l.routes.length; r++) {
        this.filterOf(l.routes[r], l, r);
        this.learningSignal(l.population, l.routes[r]);
      }
      for (const t of l.traces) this.trace(l, t);
    }
    if (!this.frozen) e.updater.apply(e.parameters);
  }

  endSequence(): void {}

  /** Zeroes every trace: the engine was reset, a new sequence starts from the zero state. */
  private reset(): void {
    for (const l of this.learning)
      for (const t of l.traces) {
        t.eps.fill(0);
        t.prev.fill(0);
        for (const f of t.filtered) f.fill(0);
      }
  }

  /** errors[k] = beta mask (y - r) (MSE) or beta mask (y - softmax(r) sum y) (cross-entropy) of step s, slopedErrors[k] = phi' times it. */
  private outputError(o: OutputState, k: number): void {
    const B = this.engine.batch,
      n = o.population.size,
      r = o.population.now.r,
      dphi = o.population.now.dphi,
      y = o.target;
    const err = this.errors[k],
      sloped = this.slopedErrors[k],
      sm = this.softmaxScratch;
    for (let b = 0; b < B; b++) {
      const w = o.spec.beta * o.mask[b],
        off = b * n;
      if (o.spec.loss === Loss.CROSS_ENTROPY) {
        let mass = 0;
        for (let i = 0; i < n; i++) mass += y[off + i];
        softmax(r, off, n, sm);
        for (let i = 0; i < n; i++) err[off + i] = w === 0 ? 0 : w * (y[off + i] - sm[i] * mass);
      } else {
        for (let i = 0; i < n; i++) err[off + i] = w === 0 ? 0 : w * (y[off + i] - r[off + i]);
      }
      for (let i = 0; i < n; i++) sloped[off + i] = dphi[off + i] * err[off + i];
    }
  }

  /** The readout filter of a route's output population with its present tau_m, tau_r. */
  private filterOf(route: Route, l: Learning, r: number): void {
    const q = this.engine.outputs[route.output].population;
    let tm = 0,
      tr = 0;
    for (let k = 0; k < q.size; k++) {
      tm += q.tauM[k];
      tr += q.tauR[k];
    }
    l.kappa[r] = tr / tm;
    l.leak[r] = (this.engine.dt * q.size) / tm;
  }

  /** route.signal = F^T (phi' err) of the route's output population (B x n). */
  private learningSignal(p: PopulationState, route: Route): void {
    const B = this.engine.batch,
      n = p.size,
      src = this.slopedErrors[route.output],
      m = src.length / B,
      M = route.matrix,
      L = route.signal;
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        if (route.broadcast) for (let k = 0; k < m; k++) s += M[j * m + k] * src[b * m + k];
        else for (let k = 0; k < m; k++) s += M[k * n + j] * src[b * m + k];
        L[b * n + j] = s;
      }
    }
  }

  /** Advances one array's eligibility (vector, trace, filtered traces) and adds its update to the parameter's delta. */
  private trace(l: Learning, t: Traces): void {
    const B = this.engine.batch,
      dt = this.engine.dt,
      p = l.population,
      n = p.size,
      width = t.width,
      inv = 1 / B;
    const { tauM, tauR } = p,
      udot = p.now.udot,
      dphi = p.now.dphi,
      delta = t.param.delta,
      eps = t.eps,
      prev = t.prev,
      rho = t.rho;
    const { kappa, leak, routes } = l,
      nRoutes = routes.length;
    const own = l.own === undefined ? undefined : this.errors[l.own];
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < n; j++) {
        const nj = b * n + j,
          tm = tauM[j],
          tr = tauR[j],
          slope = dphi[nj];
        const ownErr = own ? own[nj] * inv : 0;
        const drive = t.kind === "bias" ? 1 : -udot[nj];
        for (let c = 0; c < width; c++) {
          const q = nj * width + c;
          const dudot = ((rho ? rho[b * width + c] : drive) - eps[q]) / tm;
          const trace = slope * (eps[q] + tr * dudot);
          eps[q] += dt * dudot;
          let d = ownErr * trace;
          for (let r = 0; r < nRoutes; r++) {
            const w = t.filtered[r],
              input = prev[q];
            const z = w[q] + kappa[r] * (input - w[q]);
            w[q] += leak[r] * (input - w[q]);
            d += routes[r].signal[nj] * inv * z;
          }
          if (nRoutes) prev[q] = trace;
          delta[j * width + c] += d;
        }
      }
    }
  }
}

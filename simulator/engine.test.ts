// Oracle tests of the ideal engine: exact solutions, transfer-function inversion, a scalar re-implementation of the GLE reference, batching and Adam.
import { describe, expect, it } from "vitest";
import { fromJSON } from "../circuits/codec.js";
import type { Circuit } from "../circuits/model.js";
import { Engine, type PopulationState } from "./engine.js";

/** A complete circuit from the parts a test cares about. */
function circuit(parts: Record<string, unknown>): Circuit {
  return fromJSON({ version: 1, name: "test", provenance: {}, learning: { rule: "NONE" }, ...parts });
}

const population = (
  name: string,
  size: number,
  tauM: number,
  tauR: number,
  phi: string,
  extra: Record<string, unknown> = {},
) => ({
  name,
  size,
  tauM: Array(size).fill(tauM),
  tauR: Array(size).fill(tauR),
  bias: Array(size).fill(0),
  phi,
  ...extra,
});

const crossbar = (
  pre: string,
  post: string,
  rows: number,
  cols: number,
  weights: number[],
  extra: Record<string, unknown> = {},
) => ({
  name: `${pre}_to_${post}`,
  pre,
  post,
  rows,
  cols,
  weights,
  feedback: "NO_FEEDBACK",
  ...extra,
});

const maxAbs = (xs: number[]) => xs.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

describe("single leaky integrator (linear phi, no error cell, tau_r = dt)", () => {
  /** Max over t in (0, 3] of |u - (1 - exp(-t/tau_m))| for a unit step input. */
  function stepResponseError(dt: number): number {
    const tauM = 1;
    const c = circuit({
      dt,
      inputs: [{ name: "x", size: 1 }],
      populations: [population("l0", 1, tauM, dt, "LINEAR")],
      crossbars: [crossbar("x", "l0", 1, 1, [1])],
    });
    const engine = new Engine(c);
    engine.input("x")[0] = 1;
    const l0 = engine.population("l0");
    const errors: number[] = [];
    for (let k = 1; k * dt <= 3 + 1e-9; k++) {
      engine.advance();
      // with tau_r = dt the prospective readout u + dt du/dt is the next membrane value itself
      expect(l0.now.r[0]).toBe(l0.now.u[0]);
      errors.push(l0.now.u[0] - (1 - Math.exp((-k * dt) / tauM)));
    }
    return maxAbs(errors);
  }

  it("follows 1 - exp(-t/tau_m) with a first-order error", () => {
    const [e1, e2, e3] = [0.02, 0.01, 0.005].map(stepResponseError);
    // forward Euler: max error ~ dt / (2 e tau_m) = 0.184 dt
    expect(e1).toBeLessThan(0.2 * 0.02);
    expect(e1).toBeGreaterThan(0.17 * 0.02);
    expect(e1 / e2).toBeGreaterThan(1.9);
    expect(e1 / e2).toBeLessThan(2.1);
    expect(e2 / e3).toBeGreaterThan(1.9);
    expect(e2 / e3).toBeLessThan(2.1);
  });
});

describe("latent equilibrium: tau_r = tau_m removes the membrane lag", () => {
  const w0 = 1.5,
    w1 = -0.8;
  const signal = (t: number) => Math.sin((2 * Math.PI * t) / 3) + 0.5 * Math.sin((2 * Math.PI * t) / 1.3); // signal(0) = 0

  /** Runs x -> l0 -> l1 (tanh) and returns the max deviation of r_l1 from the lag-free tanh(w1 tanh(w0 x(t))). */
  function run(dt: number, le: boolean): { lagError: number; delayIdentity: number } {
    const tau = (tm: number) => (le ? tm : dt);
    const c = circuit({
      dt,
      inputs: [{ name: "x", size: 1 }],
      populations: [population("l0", 1, 0.5, tau(0.5), "TANH"), population("l1", 1, 2.0, tau(2.0), "TANH")],
      crossbars: [crossbar("x", "l0", 1, 1, [w0]), crossbar("l0", "l1", 1, 1, [w1])],
    });
    const engine = new Engine(c);
    const x = engine.input("x"),
      l1 = engine.population("l1");
    const lag: number[] = [],
      delay: number[] = [];
    for (let k = 1; k * dt <= 6 + 1e-9; k++) {
      x[0] = signal((k - 1) * dt);
      engine.advance();
      lag.push(l1.now.r[0] - Math.tanh(w1 * Math.tanh(w0 * signal(k * dt))));
      // in LE each layer reproduces its input of the previous step exactly: one step per projection
      if (k >= 2) delay.push(l1.now.r[0] - Math.tanh(w1 * Math.tanh(w0 * signal((k - 2) * dt))));
    }
    return { lagError: maxAbs(lag), delayIdentity: maxAbs(delay) };
  }

  it("the output rate equals the instantaneous input mapping to O(dt)", () => {
    const a = run(0.01, true),
      b = run(0.005, true),
      c = run(0.0025, true);
    expect(a.delayIdentity).toBeLessThan(1e-14);
    expect(b.delayIdentity).toBeLessThan(1e-14);
    expect(a.lagError).toBeLessThan(0.15);
    expect(a.lagError / b.lagError).toBeGreaterThan(1.8);
    expect(a.lagError / b.lagError).toBeLessThan(2.2);
    expect(b.lagError / c.lagError).toBeGreaterThan(1.8);
    expect(b.lagError / c.lagError).toBeLessThan(2.2);
  });

  it("plain leaky integrators (tau_r = dt) lag by O(tau_m), which does not vanish with dt", () => {
    const a = run(0.01, false),
      b = run(0.005, false);
    expect(a.lagError).toBeGreaterThan(0.3);
    expect(b.lagError).toBeGreaterThan(0.3);
  });
});

describe("error cell inverts the membrane's prospective transfer", () => {
  const tauM = 1.0,
    tauR = 0.2,
    T = 4;
  const signal = (t: number) => Math.sin(2 * Math.PI * t) * Math.exp(-0.3 * t) + 0.4 * Math.sin(5 * t); // signal(0) = 0

  /** Continuous-time oracle: u~ = u + tau_r du/dt of tau_m du/dt = -u + s, u(0) = 0, by RK4 with step 1e-4 (error ~1e-16). */
  const exactProspective = (() => {
    const h = 1e-4,
      n = Math.round(T / h),
      out = new Float64Array(n + 1);
    const f = (t: number, u: number) => (signal(t) - u) / tauM;
    let u = 0;
    for (let k = 0; k <= n; k++) {
      const t = k * h;
      out[k] = u + tauR * f(t, u);
      const k1 = f(t, u),
        k2 = f(t + h / 2, u + (h / 2) * k1),
        k3 = f(t + h / 2, u + (h / 2) * k2),
        k4 = f(t + h, u + h * k3);
      u += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
    }
    return (t: number) => out[Math.round(t / h)];
  })();

  /** Stage 1, the engine's membrane (linear, driven by s): its rate after step k is u~ at t_{k-1} = (k-1) dt. */
  function membraneStage(dt: number): { uProsp: number[]; u: number[] } {
    const engine = new Engine(
      circuit({
        dt,
        inputs: [{ name: "x", size: 1 }],
        populations: [population("a", 1, tauM, tauR, "LINEAR")],
        crossbars: [crossbar("x", "a", 1, 1, [1])],
      }),
    );
    const uProsp: number[] = [],
      u: number[] = [];
    for (let k = 1; k <= Math.round(T / dt); k++) {
      engine.input("x")[0] = signal((k - 1) * dt);
      engine.advance();
      uProsp.push(engine.population("a").now.r[0]);
      u.push(engine.population("a").now.u[0]);
    }
    return { uProsp, u };
  }

  /**
   * Stage 2, the engine's error cell: the given sequence is the target of an output population held at rest (r = 0),
   * so its error cell receives d = y; returns its prospective error e and state v after every step.
   */
  function errorStage(dt: number, y: number[]): { e: number[]; v: number[] } {
    const engine = new Engine(
      circuit({
        dt,
        populations: [population("o", 1, tauM, tauR, "LINEAR")],
        errorPopulations: [{ name: "o.err", population: "o" }],
        outputs: [{ name: "y", population: "o", loss: "MSE", beta: 1 }],
        learning: { rule: "VLE", prospectiveErrors: true, eta: 0 },
      }),
    );
    const out = engine.output("y"),
      o = engine.population("o");
    const e: number[] = [],
      v: number[] = [];
    for (const target of y) {
      out.target[0] = target;
      out.mask[0] = 1;
      engine.advance();
      expect(o.now.r[0]).toBe(0); // no input, no error current: the output stays at rest, so d = y
      e.push(o.now.e[0]);
      v.push(o.now.v[0]);
    }
    return { e, v };
  }

  const times = (dt: number) => Array.from({ length: Math.round(T / dt) }, (_, k) => k * dt);

  it("membrane then error cell returns the signal exactly: the two Euler steps are discrete inverses", () => {
    for (const dt of [0.01, 0.005]) {
      const stage1 = membraneStage(dt);
      const { e, v } = errorStage(dt, stage1.uProsp);
      expect(maxAbs(e.map((x, k) => x - signal(k * dt)))).toBeLessThan(1e-13);
      // and the error cell's state shadows the membrane: v = u at every step
      expect(maxAbs(v.map((x, k) => x - stage1.u[k]))).toBeLessThan(1e-13);
      // while the membrane alone distorts the signal at O(1)
      expect(maxAbs(stage1.uProsp.map((x, k) => x - signal(k * dt)))).toBeGreaterThan(0.2);
    }
  });

  it("each stage alone matches its continuous transfer function to first order in dt", () => {
    const membraneError = (dt: number) => maxAbs(membraneStage(dt).uProsp.map((x, k) => x - exactProspective(k * dt)));
    // the error cell fed with the exact continuous u~ returns s to O(dt)
    const errorCellError = (dt: number) =>
      maxAbs(errorStage(dt, times(dt).map(exactProspective)).e.map((x, k) => x - signal(k * dt)));
    for (const stage of [membraneError, errorCellError]) {
      const [a, b, c] = [0.01, 0.005, 0.0025].map(stage);
      expect(a).toBeLessThan(0.05);
      expect(a / b).toBeGreaterThan(1.8);
      expect(a / b).toBeLessThan(2.2);
      expect(b / c).toBeGreaterThan(1.8);
      expect(b / c).toBeLessThan(2.2);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// An independent scalar re-implementation of the public GLE reference (unibe-cns/gle-code,
// lib/dynamics.py GLEDynamics.__call__ and lib/abstract_net.py forward) for a chain of 1-neuron
// layers, written from that code's structure: each layer keeps u, v, r, r' and e_bottom of step t,
// computes next_* from them, and all layers swap at the end of the forward pass; the output error
// beta (y - r(t)) is multiplied by r'(t) like every back-projected error; e_bottom = e W is
// computed with the weight the forward pass used; gradients are batch means (W.grad = -mean(e r_bottom),
// tau_m.grad = mean(e du/dt)) applied by a torch optimizer after the forward pass.

/** Mistakes the reference can be made to contain, each a plausible bug of an engine (see the test that uses them). */
type Mistake =
  | "no phi' on the error"
  | "batch sum instead of mean"
  | "errors sent back with the updated W"
  | "e with tau_r";

interface RefOptimizer {
  kind: "sgd" | "adam";
  lr: number;
  lrTau: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

class RefLayer {
  u: number[];
  v: number[];
  r: number[];
  rPrime: number[];
  eBottom: number[];
  next!: { u: number[]; v: number[]; r: number[]; rPrime: number[]; eBottom: number[] };
  prospV: number[] = [];
  prospU: number[] = [];
  wGrad = 0;
  tauGrad = 0;
  // Adam state per parameter (torch keeps one per tensor)
  mW = 0;
  sW = 0;
  mTau = 0;
  sTau = 0;

  constructor(
    public w: number,
    public tauM: number,
    readonly tauR: number,
    readonly gamma: number,
    readonly dt: number,
    readonly batch: number,
    readonly mistake?: Mistake,
  ) {
    const z = () => Array<number>(batch).fill(0);
    this.u = z();
    this.v = z();
    this.r = z();
    this.rPrime = z();
    this.eBottom = z();
  }

  call(rBottom: number[], instE: number[]): void {
    const B = this.batch,
      dt = this.dt;
    const next = {
      u: [] as number[],
      v: [] as number[],
      r: [] as number[],
      rPrime: [] as number[],
      eBottom: [] as number[],
    };
    let sumER = 0,
      sumEUdot = 0;
    this.prospV = [];
    this.prospU = [];
    for (let b = 0; b < B; b++) {
      const e = this.mistake === "no phi' on the error" ? instE[b] : instE[b] * this.rPrime[b];
      const s = this.w * rBottom[b];
      const vDot = (e - this.v[b]) / this.tauR;
      const v = this.v[b] + dt * vDot;
      const prospV = this.v[b] + (this.mistake === "e with tau_r" ? this.tauR : this.tauM) * vDot;
      const uDot = (s + this.gamma * prospV - this.u[b]) / this.tauM;
      const u = this.u[b] + dt * uDot;
      const prospU = this.u[b] + this.tauR * uDot;
      sumER += prospV * rBottom[b];
      sumEUdot += prospV * uDot;
      next.eBottom.push(prospV * this.w);
      next.u.push(u);
      next.v.push(v);
      // torch.nn.Softplus (beta 1, threshold 20) and torch.sigmoid
      next.r.push(prospU > 20 ? prospU : Math.log1p(Math.exp(prospU)));
      next.rPrime.push(1 / (1 + Math.exp(-prospU)));
      this.prospV.push(prospV);
      this.prospU.push(prospU);
    }
    const n = this.mistake === "batch sum instead of mean" ? 1 : B;
    this.wGrad = -sumER / n;
    this.tauGrad = sumEUdot / n;
    this.next = next;
  }

  swap(): void {
    ({ u: this.u, v: this.v, r: this.r, rPrime: this.rPrime, eBottom: this.eBottom } = this.next);
  }

  /** torch.optim.SGD / torch.optim.Adam (no weight decay, no amsgrad) on W and tau_m; `t` is the optimizer's step count. */
  step(opt: RefOptimizer, t: number): void {
    if (opt.kind === "sgd") {
      this.w -= opt.lr * this.wGrad;
      this.tauM -= opt.lrTau * this.tauGrad;
      if (this.mistake === "errors sent back with the updated W") this.eBottom = this.prospV.map((e) => e * this.w);
      return;
    }
    const b1 = opt.beta1!,
      b2 = opt.beta2!,
      eps = opt.eps!;
    const adam = (p: number, g: number, m: number, s: number, lr: number): [number, number, number] => {
      m = b1 * m + (1 - b1) * g;
      s = b2 * s + (1 - b2) * g * g;
      const stepSize = lr / (1 - b1 ** t);
      const denom = Math.sqrt(s) / Math.sqrt(1 - b2 ** t) + eps;
      return [p - stepSize * (m / denom), m, s];
    };
    [this.w, this.mW, this.sW] = adam(this.w, this.wGrad, this.mW, this.sW, opt.lr);
    [this.tauM, this.mTau, this.sTau] = adam(this.tauM, this.tauGrad, this.mTau, this.sTau, opt.lrTau);
  }
}

/** The reference lagline x -> l0 -> l1, one forward pass and optimizer step per call. */
class RefLagline {
  readonly l0: RefLayer;
  readonly l1: RefLayer;
  private t = 0;
  constructor(
    p: LaglineParams,
    readonly opt: RefOptimizer,
    batch: number,
    mistake?: Mistake,
  ) {
    this.l0 = new RefLayer(p.w0, p.tauM0, p.tauR, p.gamma, p.dt, batch, mistake);
    this.l1 = new RefLayer(p.w1, p.tauM1, p.tauR, p.gamma, p.dt, batch, mistake);
  }
  step(x: number[], target: number[] | undefined, beta: number): void {
    const { l0, l1 } = this;
    l0.call(x, l1.eBottom.slice());
    const outErr = target ? target.map((y, b) => beta * (y - l1.r[b])) : l1.r.map(() => 0);
    l1.call(l0.r, outErr);
    l0.swap();
    l1.swap();
    this.t++;
    l0.step(this.opt, this.t);
    l1.step(this.opt, this.t);
  }
}

interface LaglineParams {
  dt: number;
  w0: number;
  w1: number;
  tauM0: number;
  tauM1: number;
  tauR: number;
  gamma: number;
  beta: number;
}

function laglineCircuit(p: LaglineParams, learning: Record<string, unknown>): Circuit {
  return circuit({
    name: "lagline",
    dt: p.dt,
    inputs: [{ name: "x", size: 1 }],
    populations: [
      population("l0", 1, p.tauM0, p.tauR, "SOFTPLUS", { plasticTauM: true }),
      population("l1", 1, p.tauM1, p.tauR, "SOFTPLUS", { plasticTauM: true }),
    ],
    errorPopulations: [
      { name: "l0.err", population: "l0" },
      { name: "l1.err", population: "l1" },
    ],
    errorCurrents: [
      { errorPopulation: "l0.err", population: "l0", gamma: p.gamma },
      { errorPopulation: "l1.err", population: "l1", gamma: p.gamma },
    ],
    crossbars: [
      crossbar("x", "l0", 1, 1, [p.w0], { plastic: true }),
      crossbar("l0", "l1", 1, 1, [p.w1], { plastic: true, feedback: "TRANSPOSE" }),
    ],
    outputs: [{ name: "y", population: "l1", loss: "MSE", beta: p.beta }],
    learning: { rule: "VLE", prospectiveErrors: true, ...learning },
  });
}

/** Drives engine and reference with the same inputs/targets and compares every state variable after every step. */
function compareWithReference(
  p: LaglineParams,
  learning: Record<string, unknown>,
  opt: RefOptimizer,
  steps: number,
  mistake?: Mistake,
) {
  const B = 3;
  const engine = new Engine(laglineCircuit(p, learning), { batch: B });
  const ref = new RefLagline(p, opt, B, mistake);
  const x = engine.input("x"),
    out = engine.output("y");
  const pops: [PopulationState, RefLayer][] = [
    [engine.population("l0"), ref.l0],
    [engine.population("l1"), ref.l1],
  ];
  let worst = 0,
    maxUProsp = -Infinity;
  const near = (a: number, b: number, what: string) => {
    worst = Math.max(worst, Math.abs(a - b));
    if (!(Math.abs(a - b) <= 1e-12)) throw new Error(`${what}: engine ${a}, reference ${b}`);
  };
  for (let k = 0; k < steps; k++) {
    const xs = [0, 1, 2].map((b) => 0.8 * Math.sin(0.7 * k + b) + 0.3 * b);
    const target = k === 3 ? undefined : [0, 1, 2].map((b) => 1.2 + 0.5 * Math.cos(0.4 * k - b));
    x.set(xs);
    if (target) {
      out.target.set(target);
      out.mask.fill(1);
    } else out.mask.fill(0);
    engine.advance();
    ref.step(xs, target, p.beta);
    for (const [pop, layer] of pops) {
      const at = `step ${k + 1} ${pop.spec.name}`;
      for (let b = 0; b < B; b++) {
        near(pop.now.u[b], layer.u[b], `${at} u[${b}]`);
        near(pop.now.v[b], layer.v[b], `${at} v[${b}]`);
        near(pop.now.r[b], layer.r[b], `${at} r[${b}]`);
        near(pop.now.dphi[b], layer.rPrime[b], `${at} phi'[${b}]`);
        near(pop.now.uProsp[b], layer.prospU[b], `${at} u~[${b}]`);
        near(pop.now.e[b], layer.prospV[b], `${at} e[${b}]`);
        maxUProsp = Math.max(maxUProsp, pop.now.uProsp[b]);
      }
      near(pop.tauM[0], layer.tauM, `${at} tau_m`);
    }
    near(engine.crossbars[0].weights[0], ref.l0.w, `step ${k + 1} W0`);
    near(engine.crossbars[1].weights[0], ref.l1.w, `step ${k + 1} W1`);
  }
  return { worst, engine, ref, maxUProsp };
}

describe("step-for-step agreement with the GLE reference discretization (lagline, batch 3)", () => {
  const p: LaglineParams = { dt: 0.05, w0: 0.7, w1: 1.3, tauM0: 0.8, tauM1: 1.7, tauR: 0.1, gamma: 1.0, beta: 0.1 };

  it("SGD, prospective errors, plastic W and tau_m: every state to 1e-12 for 12 steps", () => {
    const { worst, engine } = compareWithReference(
      p,
      { eta: 0.1, etaTau: 0.01, optimizer: "SGD" },
      { kind: "sgd", lr: 0.1, lrTau: 0.01 },
      12,
    );
    expect(worst).toBeLessThan(1e-12);
    // learning really moved every parameter, so the comparison covers the updates
    expect(Math.abs(engine.crossbars[0].weights[0] - p.w0)).toBeGreaterThan(1e-3);
    expect(Math.abs(engine.crossbars[1].weights[0] - p.w1)).toBeGreaterThan(1e-3);
    expect(Math.abs(engine.population("l0").tauM[0] - p.tauM0)).toBeGreaterThan(1e-2);
    expect(Math.abs(engine.population("l1").tauM[0] - p.tauM1)).toBeGreaterThan(1e-3);
  });

  // The comparison is symmetric: a reference with one of these mistakes against the engine is an engine with
  // the mistake against the reference. Each must be caught within the 12 steps the test above runs.
  const mistakes: Mistake[] = [
    "no phi' on the error",
    "batch sum instead of mean",
    "errors sent back with the updated W",
    "e with tau_r",
  ];
  for (const mistake of mistakes)
    it(`catches a wrong engine: ${mistake}`, () => {
      expect(() =>
        compareWithReference(
          p,
          { eta: 0.1, etaTau: 0.01, optimizer: "SGD" },
          { kind: "sgd", lr: 0.1, lrTau: 0.01 },
          12,
          mistake,
        ),
      ).toThrow(/^step \d+ l[01] .*: engine .*, reference /);
    });

  it("large pre-activations: softplus turns linear above 20 like torch.nn.Softplus, to 1e-12", () => {
    // w0 = 40 drives l0's prospective potential from 5 to ~30 within the run
    const big = { ...p, w0: 40 };
    const { worst, maxUProsp } = compareWithReference(
      big,
      { eta: 1e-4, etaTau: 0, optimizer: "SGD" },
      { kind: "sgd", lr: 1e-4, lrTau: 0 },
      60,
    );
    expect(worst).toBeLessThan(1e-12);
    expect(maxUProsp).toBeGreaterThan(25);
  });

  it("the first two steps by hand: zero state, phi' = 0 before step 1, error arrives at l1 in step 2", () => {
    const engine = new Engine(laglineCircuit(p, { eta: 0.5, etaTau: 0.2 }));
    const l0 = engine.population("l0"),
      l1 = engine.population("l1");
    engine.input("x")[0] = 1;
    engine.output("y").target[0] = 2;
    engine.output("y").mask[0] = 1;
    engine.advance();
    // step 1: no error anywhere (phi'(0-state) = 0); u0 = dt * w0 x / tau_m0, u~0 = tau_r w0 x / tau_m0; l1 sees r0 = 0
    expect(l0.now.u[0]).toBeCloseTo((0.05 * 0.7) / 0.8, 15);
    expect(l0.now.uProsp[0]).toBeCloseTo((0.1 * 0.7) / 0.8, 15);
    expect(l0.now.r[0]).toBeCloseTo(Math.log(1 + Math.exp(0.0875)), 15);
    expect(l1.now.u[0]).toBe(0);
    expect(l1.now.r[0]).toBeCloseTo(Math.log(2), 15);
    expect(l1.now.e[0]).toBe(0);
    engine.advance();
    // step 2: d1 = phi'(0) * beta (y - r1) = 0.5 * 0.1 * (2 - ln 2); v starts at 0 so e1 = tau_m1/tau_r d1
    const d1 = 0.5 * 0.1 * (2 - Math.log(2));
    expect(l1.now.e[0]).toBeCloseTo((1.7 / 0.1) * d1, 12);
    expect(l1.now.v[0]).toBeCloseTo((0.05 / 0.1) * d1, 14);
    expect(l0.now.e[0]).toBe(0); // l1's error reaches l0 only in step 3
  });
});

describe("Adam", () => {
  const p: LaglineParams = { dt: 0.05, w0: 0.7, w1: 1.3, tauM0: 0.8, tauM1: 1.7, tauR: 0.1, gamma: 1.0, beta: 0.5 };

  it("matches torch.optim.Adam written out by hand, step for step", () => {
    const { worst, engine } = compareWithReference(
      p,
      { eta: 0.01, etaTau: 0.003, optimizer: "ADAM", adamBeta1: 0.9, adamBeta2: 0.999, adamEpsilon: 1e-8 },
      { kind: "adam", lr: 0.01, lrTau: 0.003, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
      10,
    );
    expect(worst).toBeLessThan(1e-12);
    expect(Math.abs(engine.crossbars[1].weights[0] - p.w1)).toBeGreaterThan(1e-3);
  });

  it("first non-zero step is lr * g / (|g| + eps) in the descent direction, with explicit numbers", () => {
    // a single linear output neuron with target: step 1 has no error (phi' = 0), step 2 has the first gradient
    const c = circuit({
      dt: 0.1,
      inputs: [{ name: "x", size: 1 }],
      populations: [population("o", 1, 1, 0.1, "LINEAR")],
      errorPopulations: [{ name: "o.err", population: "o" }],
      crossbars: [crossbar("x", "o", 1, 1, [0.5], { plastic: true })],
      outputs: [{ name: "y", population: "o", loss: "MSE", beta: 1 }],
      learning: {
        rule: "VLE",
        prospectiveErrors: false,
        eta: 0.01,
        optimizer: "ADAM",
        adamBeta1: 0.9,
        adamBeta2: 0.999,
        adamEpsilon: 1e-8,
      },
    });
    const engine = new Engine(c);
    engine.input("x")[0] = 2;
    engine.output("y").target[0] = 3;
    engine.output("y").mask[0] = 1;
    engine.advance();
    expect(engine.crossbars[0].weights[0]).toBe(0.5); // g = 0: m = s = 0, no change
    engine.advance();
    // step 1: du/dt = 0.5 * 2 / 1 = 1, r = u~ = 0 + 0.1 * 1 = 0.1; step 2 (phi' = 1): e = 1 * (3 - 0.1) = 2.9,
    // g = -e x = -5.8; Adam step t = 2 (the zero-gradient step counts): m = 0.1 * -5.8 = -0.58, s = 0.001 * 5.8^2 = 0.03364
    const m = -0.58,
      s = 0.03364;
    const change = ((-0.01 / (1 - 0.9 ** 2)) * m) / (Math.sqrt(s) / Math.sqrt(1 - 0.999 ** 2) + 1e-8);
    // bias-corrected: m^ = 0.58 / 0.19, sqrt(s^) = 5.8 * sqrt(0.001 / 0.001999): change = 0.01 * sqrt(1.999) / 1.9 = 0.00744136...
    expect(change).toBeCloseTo((0.01 * Math.sqrt(1.999)) / 1.9, 9);
    expect(engine.crossbars[0].weights[0]).toBeCloseTo(0.5 + change, 14);
  });
});

describe("batching", () => {
  // x[2] -> h[4] (tanh) -> y[3] (linear output), transpose feedback, errors on, gamma 1
  const wh = [0.3, -0.5, 0.8, 0.1, -0.7, 0.4, 0.2, 0.9];
  const wy = [0.5, -0.3, 0.2, 0.7, -0.6, 0.1, 0.4, -0.2, 0.3, 0.8, -0.1, 0.5];
  const net = () =>
    circuit({
      dt: 0.02,
      inputs: [{ name: "x", size: 2 }],
      populations: [
        {
          ...population("h", 4, 0.3, 0.05, "TANH"),
          tauM: [0.3, 0.4, 0.5, 0.6],
          bias: [0.1, -0.1, 0.2, 0],
          plasticBias: true,
          plasticTauM: true,
        },
        population("y", 3, 0.5, 0.05, "LINEAR"),
      ],
      errorPopulations: [
        { name: "h.err", population: "h" },
        { name: "y.err", population: "y" },
      ],
      errorCurrents: [
        { errorPopulation: "h.err", population: "h", gamma: 1 },
        { errorPopulation: "y.err", population: "y", gamma: 1 },
      ],
      crossbars: [
        crossbar("x", "h", 4, 2, wh, { plastic: true }),
        crossbar("h", "y", 3, 4, wy, { plastic: true, feedback: "TRANSPOSE" }),
      ],
      outputs: [{ name: "target", population: "y", loss: "MSE", beta: 0.3 }],
      learning: { rule: "VLE", prospectiveErrors: true, eta: 0.2, etaTau: 0.05 },
    });
  const xOf = (sample: number, k: number) => [Math.sin(0.3 * k + sample), Math.cos(0.2 * k * (sample + 1))];
  const yOf = (sample: number, k: number) => [0.5 * sample, Math.sin(0.1 * k), -0.3];
  const hasTarget = (sample: number, k: number) => (k + sample) % 4 !== 0;
  const signals = ["u", "uProsp", "r", "dphi", "v", "e", "udot"] as const;

  it("B samples in one batch equal B separate runs, bit for bit (inference with errors)", () => {
    const B = 3,
      steps = 25;
    const batched = new Engine(net(), { batch: B });
    const singles = [0, 1, 2].map(() => new Engine(net()));
    for (let k = 0; k < steps; k++) {
      for (let b = 0; b < B; b++) {
        batched.input("x").set(xOf(b, k), 2 * b);
        batched.output("target").target.set(yOf(b, k), 3 * b);
        batched.output("target").mask[b] = hasTarget(b, k) ? 1 : 0;
        singles[b].input("x").set(xOf(b, k));
        singles[b].output("target").target.set(yOf(b, k));
        singles[b].output("target").mask[0] = hasTarget(b, k) ? 1 : 0;
      }
      batched.advance(false);
      for (const s of singles) s.advance(false);
    }
    for (const name of ["h", "y"]) {
      const all = batched.population(name),
        n = all.size;
      for (let b = 0; b < B; b++)
        for (const sig of signals) {
          expect(Array.from(all.now[sig].subarray(b * n, (b + 1) * n))).toEqual(
            Array.from(singles[b].population(name).now[sig]),
          );
        }
    }
    // the errors are really there (the comparison covers the error path), and nothing learned
    expect(maxAbs(Array.from(batched.population("h").now.e))).toBeGreaterThan(1e-3);
    expect(Array.from(batched.crossbars[0].weights)).toEqual(wh);
  });

  it("B copies of one sample learn exactly like that sample alone (batch mean), to 1e-12", () => {
    const B = 4,
      steps = 25;
    const batched = new Engine(net(), { batch: B });
    const single = new Engine(net());
    for (let k = 0; k < steps; k++) {
      for (let b = 0; b < B; b++) {
        batched.input("x").set(xOf(1, k), 2 * b);
        batched.output("target").target.set(yOf(1, k), 3 * b);
        batched.output("target").mask[b] = 1;
      }
      single.input("x").set(xOf(1, k));
      single.output("target").target.set(yOf(1, k));
      single.output("target").mask[0] = 1;
      batched.advance();
      single.advance();
    }
    for (let i = 0; i < batched.parameters.length; i++) {
      const a = batched.parameters[i].values,
        s = single.parameters[i].values;
      for (let j = 0; j < a.length; j++) expect(Math.abs(a[j] - s[j])).toBeLessThan(1e-12);
    }
    expect(Math.abs(single.crossbars[1].weights[0] - wy[0])).toBeGreaterThan(1e-4);
  });
});

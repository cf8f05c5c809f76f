// The oracle of every compiler pass: reads a network description itself (YAML/JSON, not the circuit IR) and steps design section 2's equations neuron by neuron.
//
// Written apart from the compiler and the engine and kept simple: plain loops, one sample, no batching, no
// kernels. It shares only what the description format defines by reference: the seeded generator
// (circuits/random.ts, which the documented initializers draw from) and the seed derivation for an
// initializer without a seed of its own (compiler/init.ts deriveSeed, a naming convention). It trusts the
// description to be valid: verify compiles it first, and the compiler reports every error.
import { createRequire } from "node:module";
import type { MathJsInstance, Unit } from "mathjs";
import { parse as parseYaml } from "yaml";
import { VleError } from "../../circuits/errors.js";
import { Random } from "../../circuits/random.js";
import { deriveSeed } from "../../compiler/init.js";
import { maxOf } from "../../circuits/extent.js";

let mathjs: MathJsInstance | undefined;
const math = () => (mathjs ??= createRequire(import.meta.url)("mathjs") as MathJsInstance);

type Json = Record<string, unknown>;

/** The transfer functions as the design (section 2) and the GLE reference define them (softplus linear above 20, as torch's). */
const cells: Record<string, { phi: (x: number) => number; dphi: (x: number) => number }> = {
  linear: { phi: (x) => x, dphi: () => 1 },
  tanh: { phi: (x) => Math.tanh(x), dphi: (x) => 1 - Math.tanh(x) ** 2 },
  softplus: { phi: (x) => (x > 20 ? x : Math.log(1 + Math.exp(x))), dphi: (x) => 1 / (1 + Math.exp(-x)) },
  sigmoid: {
    phi: (x) => 1 / (1 + Math.exp(-x)),
    dphi: (x) => {
      const s = 1 / (1 + Math.exp(-x));
      return s * (1 - s);
    },
  },
  relu: { phi: (x) => (x > 0 ? x : 0), dphi: (x) => (x > 0 ? 1 : 0) },
};

export interface OraclePopulation {
  name: string;
  kind: "input" | "hidden" | "output";
  size: number;
  tauM: number[];
  tauR: number[];
  bias: number[];
  cell: string;
  gamma: number;
  learnBias: boolean;
  learnTauM: boolean;
  /** output populations: the target channel's name */
  target: string;
}

interface OracleProjection {
  name: string;
  from: string;
  to: string;
  /** [to][from], row-major */
  weights: number[];
  plastic: boolean;
  feedback: "transpose" | "random" | "learned" | "none";
  /** random and learned feedback: the matrix of its own, [to][from] */
  feedbackWeights?: number[];
}

export interface OracleNetwork {
  dt: number;
  populations: OraclePopulation[];
  projections: OracleProjection[];
  broadcasts: { from: string; to: string; weights: number[] }[];
  loss: { kind: "mse" | "cross-entropy"; beta: number };
  learning: {
    rule: string;
    eta: number;
    etaTau: number;
    prospective: boolean;
    optimizer: "sgd" | "adam";
    betas: [number, number];
    eps: number;
  };
}

/** Reads a description as the keys document says (docs/description.md). */
export function readDescription(text: string, file: string): OracleNetwork {
  let d: Json;
  try {
    d = parseYaml(text) as Json;
  } catch (err) {
    throw new VleError(`${file}: the oracle cannot read the description (${(err as Error).message.split("\n")[0]})`);
  }
  // dt fixes the model time unit; expressions see dt and the constants before them
  const scope = new Map<string, number | Unit>();
  let timeUnit: string | undefined;
  const evaluate = (v: unknown): number | Unit =>
    typeof v === "number" ? v : (math().evaluate(String(v), scope) as number | Unit);
  const dtValue = evaluate(d.dt);
  let dt: number;
  if (typeof dtValue === "number") dt = dtValue;
  else {
    timeUnit = dtValue.formatUnits();
    dt = Number(dtValue.toNumber(timeUnit).toPrecision(15));
  }
  scope.set("dt", dtValue);
  for (const [name, value] of Object.entries((d.constants ?? {}) as Json)) scope.set(name, evaluate(value));
  /** a time in model time units: a quantity converts to dt's unit, rounded to 15 digits as documented */
  const time = (v: unknown): number => {
    const x = evaluate(v);
    return typeof x === "number" ? x : Number(x.toNumber(timeUnit!).toPrecision(15));
  };
  const plain = (v: unknown): number => evaluate(v) as number;
  const seed = d.seed === undefined ? 0 : plain(d.seed);

  const learningIn = (d.learning ?? {}) as Json;
  const rule = String(learningIn.rule ?? "vle");
  const eta = learningIn.eta === undefined ? 1e-3 : plain(learningIn.eta);
  const betas = (learningIn.betas as unknown[] | undefined)?.map(plain) ?? [0.9, 0.999];
  const learning: OracleNetwork["learning"] = {
    rule,
    eta,
    etaTau: learningIn.eta_tau === undefined ? eta : plain(learningIn.eta_tau),
    prospective:
      learningIn.prospective_errors === undefined ? rule !== "instantaneous" : Boolean(learningIn.prospective_errors),
    optimizer: learningIn.optimizer === "adam" ? "adam" : "sgd",
    betas: [betas[0], betas[1]],
    eps: learningIn.eps === undefined ? 1e-8 : plain(learningIn.eps),
  };
  const gamma = learningIn.gamma === undefined ? 1 : plain(learningIn.gamma);
  const lossIn = (d.loss ?? {}) as Json;
  const loss: OracleNetwork["loss"] = {
    kind: lossIn.kind === "cross-entropy" ? "cross-entropy" : "mse",
    beta: lossIn.beta === undefined ? 0.1 : plain(lossIn.beta),
  };

  const pops = (d.populations as Json[]).map((p) => ({
    raw: p,
    name: String(p.name),
    kind: (p.kind ?? "hidden") as OraclePopulation["kind"],
  }));
  const projIn = ((d.projections ?? []) as Json[]).map((x) => ({
    raw: x,
    from: String(x.from),
    to: String(x.to),
    name: x.name === undefined ? `${x.from}_to_${x.to}` : String(x.name),
    // the key of derived seeds: the given name, or from->to (the compiler's documented convention)
    seedKey: x.name === undefined ? `${x.from}->${x.to}` : String(x.name),
  }));
  const broadIn = ((d.broadcasts ?? []) as Json[]).map((b) => ({ raw: b, from: String(b.from), to: String(b.to) }));

  // sizes: given, or the length of a per-neuron list, or the rows/columns of an explicit matrix
  // a list item "N x value" is a run of N neurons with that value
  const expandRuns = (list: unknown[]): unknown[] =>
    list.flatMap((item) => {
      const run = typeof item === "string" ? /^\s*(\d+)\s*x\s+(.+)$/.exec(item) : null;
      return run ? new Array<unknown>(Number(run[1])).fill(run[2]) : [item];
    });
  const size = new Map<string, number>();
  for (const { raw, name } of pops) {
    if (raw.size !== undefined) size.set(name, plain(raw.size));
    for (const key of ["tau_m", "tau_r", "bias"])
      if (Array.isArray(raw[key])) size.set(name, expandRuns(raw[key] as unknown[]).length);
  }
  const matrixSizes = (m: unknown, to: string, from: string) => {
    if (!Array.isArray(m)) return;
    if (!size.has(to)) size.set(to, m.length);
    if (!size.has(from)) size.set(from, (m[0] as unknown[]).length);
  };
  for (const x of projIn) {
    matrixSizes(x.raw.weights, x.to, x.from);
    const fb = x.raw.feedback;
    if (fb && typeof fb === "object") matrixSizes((fb as Json).weights, x.to, x.from);
  }
  for (const b of broadIn) matrixSizes(b.raw.weights, b.to, b.from);

  const perNeuron = (v: unknown, n: number, read: (x: unknown) => number, fallback: number[]) =>
    v === undefined ? fallback : Array.isArray(v) ? expandRuns(v).map(read) : new Array<number>(n).fill(read(v));
  /** bias: per neuron, or an initializer drawn once per neuron with fan_in = every presynaptic neuron of the population */
  const biasOf = (raw: Json, name: string, n: number): number[] => {
    const b = raw.bias;
    if (b === null || typeof b !== "object" || Array.isArray(b))
      return perNeuron(b, n, plain, new Array<number>(n).fill(0));
    const init = b as Json;
    const fanIn = projIn.filter((x) => x.to === name).reduce((sum, x) => sum + size.get(x.from)!, 0);
    return initialize(
      String(init.kind),
      init.scale === undefined ? 1 : plain(init.scale),
      init.seed === undefined ? deriveSeed(seed, `${name}/bias`) : plain(init.seed),
      n,
      fanIn,
      n,
    );
  };
  const populations: OraclePopulation[] = pops.map(({ raw, name, kind }) => {
    const n = size.get(name)!;
    if (kind === "input")
      return {
        name,
        kind,
        size: n,
        tauM: [],
        tauR: [],
        bias: [],
        cell: "linear",
        gamma: 0,
        learnBias: false,
        learnTauM: false,
        target: "",
      };
    const tauM = perNeuron(raw.tau_m, n, time, []);
    const learn = (raw.learn ?? []) as string[];
    return {
      name,
      kind,
      size: n,
      tauM,
      tauR: perNeuron(raw.tau_r, n, time, tauM),
      bias: biasOf(raw, name, n),
      cell: String(raw.phi ?? (kind === "output" ? "linear" : "tanh")),
      gamma: raw.gamma === undefined ? gamma : plain(raw.gamma),
      learnBias: learn.includes("bias"),
      learnTauM: learn.includes("tau_m"),
      target: kind === "output" ? String(raw.target ?? `${name}.target`) : "",
    };
  });
  const kindOf = new Map(populations.map((p) => [p.name, p.kind]));

  /** An explicit [rows][cols] matrix, a scalar for every entry, or a seeded initializer (xavier by default). */
  const matrix = (spec: Json, rows: number, cols: number, seedName: string): number[] => {
    if (Array.isArray(spec.weights)) return (spec.weights as unknown[][]).flatMap((row) => row.map(plain));
    if (spec.weights !== undefined) return new Array<number>(rows * cols).fill(plain(spec.weights));
    const init = (spec.init ?? {}) as Json;
    return initialize(
      String(init.kind ?? "xavier"),
      init.scale === undefined ? 1 : plain(init.scale),
      init.seed === undefined ? deriveSeed(seed, seedName) : plain(init.seed),
      rows * cols,
      cols,
      rows,
    );
  };
  const projections: OracleProjection[] = projIn.map(({ raw, from, to, name, seedKey }) => {
    const rows = size.get(to)!,
      cols = size.get(from)!;
    const fb = raw.feedback;
    const feedback = (
      fb === undefined
        ? kindOf.get(from) === "input"
          ? "none"
          : "transpose"
        : typeof fb === "object"
          ? String((fb as Json).kind)
          : String(fb)
    ) as OracleProjection["feedback"];
    const own = feedback === "random" || feedback === "learned";
    return {
      name,
      from,
      to,
      weights: matrix(raw, rows, cols, seedKey),
      plastic: raw.plastic === undefined ? true : Boolean(raw.plastic),
      feedback,
      feedbackWeights: own
        ? matrix(typeof fb === "object" ? (fb as Json) : {}, rows, cols, `${seedKey}/feedback`)
        : undefined,
    };
  });
  const broadcasts = broadIn.map(({ raw, from, to }) => ({
    from,
    to,
    weights: matrix(raw, size.get(to)!, size.get(from)!, `${from}=>${to}/broadcast`),
  }));
  return { dt, populations, projections, broadcasts, loss, learning };
}

/** The documented initializers, one draw per entry in row-major order (fan_in = cols, fan_out = rows). */
/** `n` draws of an initializer for a layer with fan_in `cols` and fan_out `rows`. */
function initialize(kind: string, scale: number, seed: number, n: number, cols: number, rows: number): number[] {
  const rng = new Random(seed);
  const uniform = (a: number) => Array.from({ length: n }, () => -a + 2 * a * rng.uniform());
  const normal = (s: number) => Array.from({ length: n }, () => s * rng.normal());
  switch (kind) {
    case "zeros":
      return new Array<number>(n).fill(0);
    case "constant":
      return new Array<number>(n).fill(scale);
    case "uniform":
      return uniform(scale);
    case "normal":
      return normal(scale);
    case "xavier":
      return uniform(scale * Math.sqrt(6 / (cols + rows)));
    case "xavier-normal":
      return normal(scale * Math.sqrt(2 / (cols + rows)));
    case "kaiming":
      return normal(scale * Math.sqrt(2 / cols));
    case "lecun":
      return normal(scale / Math.sqrt(cols));
    case "torch":
      return uniform(scale / Math.sqrt(cols));
    default:
      throw new VleError(`oracle: unknown initializer '${kind}'`);
  }
}

/** One population's state: design section 2's variables, starting at 0 (r and phi' too). */
export interface OracleState {
  u: number[];
  uProsp: number[];
  r: number[];
  dphi: number[];
  v: number[];
  e: number[];
  udot: number[];
}

/** The network in motion: parameters (learned in place) and state. */
export class Oracle {
  readonly state = new Map<string, OracleState>();
  readonly tauM = new Map<string, number[]>();
  readonly bias = new Map<string, number[]>();
  readonly weights = new Map<string, number[]>();
  readonly feedback = new Map<string, number[]>();
  /** F^T e_post of the last step per projection, what the pre population's error cells take in the next */
  private readonly backProjected = new Map<string, number[]>();
  private adamSteps = 0;
  private readonly moments = new Map<number[], { m: number[]; s: number[] }>();
  private readonly neurons: OraclePopulation[];

  constructor(readonly net: OracleNetwork) {
    this.neurons = net.populations.filter((p) => p.kind !== "input");
    for (const p of this.neurons) {
      this.tauM.set(p.name, [...p.tauM]);
      this.bias.set(p.name, [...p.bias]);
    }
    for (const x of net.projections) {
      const W = [...x.weights];
      this.weights.set(x.name, W);
      this.feedback.set(x.name, x.feedbackWeights ? [...x.feedbackWeights] : W);
    }
    this.reset();
  }

  reset(): void {
    const zeros = (n: number) => new Array<number>(n).fill(0);
    for (const p of this.neurons)
      this.state.set(p.name, {
        u: zeros(p.size),
        uProsp: zeros(p.size),
        r: zeros(p.size),
        dphi: zeros(p.size),
        v: zeros(p.size),
        e: zeros(p.size),
        udot: zeros(p.size),
      });
    for (const x of this.net.projections) this.backProjected.set(x.name, zeros(this.sizeOf(x.from)));
  }

  private sizeOf(name: string): number {
    return this.net.populations.find((p) => p.name === name)!.size;
  }

  /**
   * One step dt: `inputs` by input population name (this step's values), `targets` by output population name
   * (absent: no target this step); with `learn` the local rule updates the parameters after the step.
   */
  step(inputs: Map<string, number[]>, targets: Map<string, number[]>, learn: boolean): void {
    const { dt, loss, learning } = this.net;
    const prospective = learning.rule === "vle" && learning.prospective;
    const rate = (name: string) => inputs.get(name) ?? this.state.get(name)!.r;
    const next = new Map<string, OracleState>();
    for (const p of this.neurons) {
      const now = this.state.get(p.name)!,
        n = p.size,
        tauM = this.tauM.get(p.name)!,
        tauR = p.tauR,
        b = this.bias.get(p.name)!;
      // error arriving: back-projections from the posts, broadcasts of output errors, this output's own error
      const arriving = new Array<number>(n).fill(0);
      for (const x of this.net.projections)
        if (x.from === p.name && x.feedback !== "none")
          this.backProjected.get(x.name)!.forEach((g, j) => (arriving[j] += g));
      for (const br of this.net.broadcasts) {
        if (br.to !== p.name) continue;
        const eFrom = this.state.get(br.from)!.e,
          m = eFrom.length;
        for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) arriving[i] += br.weights[i * m + j] * eFrom[j];
      }
      const y = targets.get(p.name);
      if (y) {
        const out = loss.kind === "cross-entropy" ? softmax(now.r) : now.r;
        for (let i = 0; i < n; i++) arriving[i] += loss.beta * (y[i] - out[i]);
      }
      const s: OracleState = { u: [], uProsp: [], r: [], dphi: [], v: [], e: [], udot: [] };
      for (let i = 0; i < n; i++) {
        const d = now.dphi[i] * arriving[i];
        if (prospective) {
          const vdot = (d - now.v[i]) / tauR[i];
          s.v[i] = now.v[i] + dt * vdot;
          s.e[i] = now.v[i] + tauM[i] * vdot;
        } else {
          s.v[i] = d;
          s.e[i] = d;
        }
      }
      const I = [...b];
      for (const x of this.net.projections) {
        if (x.to !== p.name) continue;
        const W = this.weights.get(x.name)!,
          pre = rate(x.from),
          m = pre.length;
        for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) I[i] += W[i * m + j] * pre[j];
      }
      for (let i = 0; i < n; i++) {
        const udot = (I[i] + p.gamma * s.e[i] - now.u[i]) / tauM[i];
        s.udot[i] = udot;
        s.u[i] = now.u[i] + dt * udot;
        s.uProsp[i] = now.u[i] + tauR[i] * udot;
        s.r[i] = cells[p.cell].phi(s.uProsp[i]);
        s.dphi[i] = cells[p.cell].dphi(s.uProsp[i]);
      }
      next.set(p.name, s);
    }
    // errors go back through F as it was during this step's forward pass
    for (const x of this.net.projections) {
      if (x.feedback === "none") continue;
      const F = this.feedback.get(x.name)!,
        e = next.get(x.to)!.e,
        n = e.length,
        m = this.sizeOf(x.from),
        g = new Array<number>(m).fill(0);
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) g[j] += F[i * m + j] * e[i];
      this.backProjected.set(x.name, g);
    }
    if (learn) this.learn(next, rate);
    for (const [name, s] of next) this.state.set(name, s);
  }

  /** dW = e_post r_pre(t)^T (a learned F takes the same change), db = e, dtau_m = -e du/dt; SGD or Adam (torch). */
  private learn(next: Map<string, OracleState>, rate: (name: string) => number[]): void {
    const { learning, dt } = this.net;
    const changes: { values: number[]; delta: number[]; eta: number; floor: number }[] = [];
    for (const x of this.net.projections) {
      if (!x.plastic) continue;
      const e = next.get(x.to)!.e,
        pre = rate(x.from),
        m = pre.length;
      const delta = this.weights.get(x.name)!.map((_, k) => e[Math.floor(k / m)] * pre[k % m]);
      changes.push({ values: this.weights.get(x.name)!, delta, eta: learning.eta, floor: -Infinity });
      if (x.feedback === "learned")
        changes.push({ values: this.feedback.get(x.name)!, delta, eta: learning.eta, floor: -Infinity });
    }
    for (const p of this.neurons) {
      const s = next.get(p.name)!;
      if (p.learnBias)
        changes.push({ values: this.bias.get(p.name)!, delta: [...s.e], eta: learning.eta, floor: -Infinity });
      if (p.learnTauM)
        changes.push({
          values: this.tauM.get(p.name)!,
          delta: s.e.map((e, i) => -e * s.udot[i]),
          eta: learning.etaTau,
          floor: dt,
        });
    }
    this.adamSteps++;
    const [b1, b2] = learning.betas,
      t = this.adamSteps;
    for (const { values, delta, eta, floor } of changes) {
      if (eta === 0) continue;
      const moment = this.moments.get(values) ?? {
        m: new Array<number>(values.length).fill(0),
        s: new Array<number>(values.length).fill(0),
      };
      this.moments.set(values, moment);
      for (let k = 0; k < values.length; k++) {
        let x: number;
        if (learning.optimizer === "adam") {
          // torch.optim.Adam on the gradient -delta
          const g = -delta[k];
          moment.m[k] = b1 * moment.m[k] + (1 - b1) * g;
          moment.s[k] = b2 * moment.s[k] + (1 - b2) * g * g;
          const mHat = moment.m[k] / (1 - b1 ** t),
            sHat = moment.s[k] / (1 - b2 ** t);
          x = values[k] - (eta * mHat) / (Math.sqrt(sHat) + learning.eps);
        } else x = values[k] + eta * delta[k];
        values[k] = Math.max(floor, x);
      }
    }
  }
}

function softmax(r: number[]): number[] {
  const max = maxOf(r),
    exps = r.map((x) => Math.exp(x - max)),
    sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((x) => x / sum);
}

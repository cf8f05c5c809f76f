// Test fixtures for the learning rules: random small circuits and drives, and the loss by a plain forward run (the oracle's side).
import { fromJSON } from "../../circuits/codec.js";
import { Loss, Rule, type Circuit } from "../../circuits/model.js";
import { Random } from "../../circuits/random.js";
import type { Drive } from "../../simulator/alignment.js";
import { Engine } from "../../simulator/engine.js";

export interface CircuitShape {
  seed: number;
  inputs: number;
  /** hidden population sizes, in order (may be empty) */
  hidden: number[];
  outputs: number;
  /** every hidden population also projects onto itself, and the output back onto the first population */
  recurrent: boolean;
  crossEntropy: boolean;
  dt: number;
  /** time constants drawn in [1.5 dt, dt * spread] (room for finite-difference probes above dt) */
  spread: number;
  /** feedback of the crossbars into the output: transpose (symmetric) or random */
  feedback?: "TRANSPOSE" | "RANDOM";
  /** output neurons share one tau_m and one tau_r */
  uniformOutput?: boolean;
}

const phis = ["TANH", "SOFTPLUS", "SIGMOID", "LINEAR"];

/**
 * A layered chain x -> h1 -> ... -> out (every crossbar, bias and tau_m plastic, every population with an
 * error cell and an error current of gamma 0.7, which the gradient rules must switch off), optionally recurrent.
 */
export function randomCircuit(shape: CircuitShape, rule: keyof typeof Rule = "BPTT"): Circuit {
  const rng = new Random(shape.seed);
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * rng.uniform();
  const tau = () => shape.dt * uniform(1.5, shape.spread);
  const names = [...shape.hidden.map((_, k) => `h${k + 1}`), "out"];
  // a softmax of one logit is constant: cross-entropy gets at least two outputs
  const sizes = [...shape.hidden, shape.crossEntropy ? Math.max(2, shape.outputs) : shape.outputs];
  const populations = names.map((name, k) => {
    const n = sizes[k],
      isOut = name === "out";
    const phi = isOut && shape.crossEntropy ? "LINEAR" : phis[rng.int(phis.length)];
    const shared = [tau(), tau()];
    const each = (i: number) => (isOut && shape.uniformOutput ? shared[i] : tau());
    return {
      name,
      size: n,
      phi,
      plasticBias: true,
      plasticTauM: true,
      tauM: Array.from({ length: n }, () => each(0)),
      tauR: Array.from({ length: n }, () => each(1)),
      bias: Array.from({ length: n }, () => uniform(-0.5, 0.5)),
    };
  });
  const matrix = (rows: number, cols: number, scale: number) =>
    Array.from({ length: rows * cols }, () => (scale * rng.normal()) / Math.sqrt(cols));
  const crossbars: Record<string, unknown>[] = [];
  const connect = (pre: string, post: string, rows: number, cols: number, scale: number, fromInput = false) => {
    const feedback = fromInput ? "NO_FEEDBACK" : post === "out" && shape.feedback ? shape.feedback : "TRANSPOSE";
    crossbars.push({
      name: `${pre}_to_${post}`,
      pre,
      post,
      rows,
      cols,
      weights: matrix(rows, cols, scale),
      plastic: true,
      feedback,
      feedbackWeights: feedback === "RANDOM" ? matrix(rows, cols, 1) : [],
    });
  };
  connect("x", names[0], sizes[0], shape.inputs, 1.2, true);
  for (let k = 1; k < names.length; k++) connect(names[k - 1], names[k], sizes[k], sizes[k - 1], 1.2);
  if (shape.recurrent) {
    for (let k = 0; k < names.length - 1; k++) connect(names[k], names[k], sizes[k], sizes[k], 0.6);
    connect("out", names[0], sizes[0], sizes[names.length - 1], 0.5);
  }
  return fromJSON({
    version: 1,
    name: "random",
    dt: shape.dt,
    provenance: {},
    inputs: [{ name: "x", size: shape.inputs }],
    populations,
    errorPopulations: names.map((n) => ({ name: `${n}.err`, population: n })),
    errorCurrents: names.map((n) => ({ errorPopulation: `${n}.err`, population: n, gamma: 0.7 })),
    crossbars,
    outputs: [{ name: "y", population: "out", loss: shape.crossEntropy ? "CROSS_ENTROPY" : "MSE", beta: 0.3 }],
    learning: { rule, eta: 0.05, etaTau: 0.02, prospectiveErrors: true },
  });
}

/** Inputs, targets and masks of `steps` steps for a batch, step-major: inputs[s][b * size + c]; loads into input "x" and the first output. */
export interface RandomDrive extends Drive {
  inputs: Float64Array[];
  targets: Float64Array[];
  masks: Float64Array[];
}

export function randomDrive(c: Circuit, steps: number, batch: number, seed: number): RandomDrive {
  const rng = new Random(seed ^ 0x5bd1e995);
  const nIn = c.inputs[0].size,
    out = c.populations.find((p) => p.name === c.outputs[0].population)!,
    nOut = out.size;
  const ce = c.outputs[0].loss === Loss.CROSS_ENTROPY;
  const inputs: Float64Array[] = [],
    targets: Float64Array[] = [],
    masks: Float64Array[] = [];
  for (let s = 0; s < steps; s++) {
    inputs.push(Float64Array.from({ length: batch * nIn }, () => 2 * rng.uniform() - 1));
    const y = new Float64Array(batch * nOut);
    for (let b = 0; b < batch; b++) {
      if (ce) y[b * nOut + rng.int(nOut)] = 1;
      else for (let i = 0; i < nOut; i++) y[b * nOut + i] = rng.uniform();
    }
    targets.push(y);
    // the last step always has a target, so the loss is never empty
    masks.push(Float64Array.from({ length: batch }, () => (s === steps - 1 || rng.uniform() < 0.7 ? 1 : 0)));
  }
  return {
    steps,
    batch,
    inputs,
    targets,
    masks,
    load(engine: Engine, s: number): void {
      engine.input("x").set(inputs[s]);
      const o = engine.outputs[0];
      o.target.set(targets[s]);
      o.mask.set(masks[s]);
    },
  };
}

/** The circuit with every error current at gamma = 0: the free network, built at the IR level. */
function freeCircuit(c: Circuit): Circuit {
  const free = structuredClone(c);
  for (const link of free.errorCurrents) link.gamma = 0;
  return free;
}

/**
 * The oracle's loss: runs the free circuit forward on the engine (rule none) and sums, after every step
 * s, mask(s) l(y(s), r_out(s)) with l = 1/2 |y - r|^2 or -sum y log softmax(r); `weighted` multiplies by beta.
 */
export function forwardLoss(c: Circuit, drive: RandomDrive, weighted = false): number {
  const engine = new Engine(freeCircuit(c), { batch: drive.batch, rule: Rule.NONE });
  const o = engine.outputs[0],
    n = o.population.size;
  const w = weighted ? o.spec.beta : 1;
  let loss = 0;
  for (let s = 0; s < drive.steps; s++) {
    drive.load(engine, s);
    engine.advance(false);
    const r = o.population.now.r;
    for (let b = 0; b < drive.batch; b++) {
      if (!drive.masks[s][b]) continue;
      for (let i = 0; i < n; i++) {
        const y = drive.targets[s][b * n + i];
        if (o.spec.loss === Loss.CROSS_ENTROPY) {
          // log softmax_i = r_i - max - log sum exp(r - max): no underflow for large logits
          let max = -Infinity;
          for (let k = 0; k < n; k++) max = Math.max(max, r[b * n + k]);
          let z = 0;
          for (let k = 0; k < n; k++) z += Math.exp(r[b * n + k] - max);
          if (y !== 0) loss -= w * y * (r[b * n + i] - max - Math.log(z));
        } else {
          loss += 0.5 * w * (y - r[b * n + i]) ** 2;
        }
      }
    }
  }
  return loss;
}

/** Every learnable value of a circuit as (get, set) pairs, named like the engine's parameters. */
export function circuitParameters(c: Circuit): { name: string; values: number[] }[] {
  return [
    ...c.crossbars.filter((x) => x.plastic).map((x) => ({ name: `${x.name}.W`, values: x.weights })),
    ...c.populations.filter((p) => p.plasticBias).map((p) => ({ name: `${p.name}.b`, values: p.bias })),
    ...c.populations.filter((p) => p.plasticTauM).map((p) => ({ name: `${p.name}.tau_m`, values: p.tauM })),
  ];
}

/**
 * df/dx at x by Ridders' method (Numerical Recipes, dfridr): central differences at steps h, h/1.4, ...,
 * extrapolated to step 0 in a Neville tableau, stopping when the error estimate grows. It adapts the step
 * to the function's curvature, which fixed-step stencils cannot on fast or exploding dynamics.
 */
function ridders(f: (x: number) => number, x: number, h: number): { value: number; error: number } {
  const shrink = 1.4,
    shrink2 = shrink * shrink,
    size = 10;
  const a: number[][] = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  a[0][0] = (f(x + h) - f(x - h)) / (2 * h);
  let err = Infinity,
    best = a[0][0];
  for (let i = 1; i < size; i++) {
    h /= shrink;
    a[0][i] = (f(x + h) - f(x - h)) / (2 * h);
    let fac = shrink2;
    for (let j = 1; j <= i; j++) {
      a[j][i] = (a[j - 1][i] * fac - a[j - 1][i - 1]) / (fac - 1);
      fac *= shrink2;
      const e = Math.max(Math.abs(a[j][i] - a[j - 1][i]), Math.abs(a[j][i] - a[j - 1][i - 1]));
      if (e <= err) {
        err = e;
        best = a[j][i];
      }
    }
    if (Math.abs(a[i][i] - a[i - 1][i - 1]) >= 2 * err) break;
  }
  return { value: best, error: err };
}

/**
 * dL/dtheta for every learnable value by Ridders' method on `loss`, from first steps h, h/10 and h/100 relative to
 * the value's scale (|tau_m| for time constants: the loss bends on the scale of tau itself, and tau stays
 * above dt; max(1, |theta|) else), keeping the estimate with the smaller error (a first step too large can
 * stop the tableau early on a wrong value).
 */
export function finiteDifferences(c: Circuit, loss: (c: Circuit) => number, h = 0.01): Map<string, Float64Array> {
  const result = new Map<string, Float64Array>();
  for (const { name } of circuitParameters(c)) {
    const probe = structuredClone(c);
    const values = circuitParameters(probe).find((q) => q.name === name)!.values;
    const g = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const x = values[i],
        step = h * (name.endsWith(".tau_m") ? Math.abs(x) : Math.max(1, Math.abs(x)));
      const f = (v: number) => {
        values[i] = v;
        return loss(probe);
      };
      let best = ridders(f, x, step);
      for (const shrink of [10, 100]) {
        const next = ridders(f, x, step / shrink);
        if (next.error < best.error) best = next;
      }
      g[i] = best.value;
      values[i] = x;
    }
    result.set(name, g);
  }
  return result;
}

export const norm = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, x) => s + x * x, 0));

/** |a - b| / |b| over whole arrays. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += (a[i] - b[i]) ** 2;
  return Math.sqrt(d) / norm(b);
}

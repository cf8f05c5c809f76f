// Loop gains of a circuit at rest: where its forward loops or its prospective error loops amplify (gain >= 1), a warning that says which and what to change.
//
// Forward: a loop of populations (a strongly connected part of the crossbar graph) linearised at rest has gain
// rho(D W), W its weights, D = diag(phi'(bias)): at rho >= 1 activity around the loop need not decay. Errors: the
// error cells of a loop of error routes (feedback crossbars, carried post -> pre, and broadcasts) see
// d = D A e, and a prospective error e = v + tau_m (d - v) / tau_r multiplies that by tau_m / tau_r, so the gain is
// rho(G D A) with G = diag(tau_m / tau_r) (1 with prospective errors off): at >= 1 the errors grow step by step.
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { transfers } from "../../circuits/cells.js";
import { Feedback, type Circuit } from "../../circuits/model.js";

export interface LoopGain {
  kind: "forward" | "error";
  /** the populations of the loop, in circuit order */
  populations: string[];
  gain: number;
  /** error loops: the largest tau_m / tau_r on the loop (1 with prospective errors off) */
  prospectiveFactor?: number;
}

/** Strongly connected parts of a directed graph over `nodes` that hold a cycle (two or more nodes, or a self-edge). */
function loops(nodes: string[], edges: [string, string][]): string[][] {
  const next = new Map(nodes.map((n) => [n, edges.filter(([a]) => a === n).map(([, b]) => b)]));
  const index = new Map<string, number>(),
    low = new Map<string, number>(),
    stack: string[] = [],
    on = new Set<string>(),
    parts: string[][] = [];
  let counter = 0;
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    on.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const part: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        part.push(w);
      } while (w !== v);
      if (part.length > 1 || edges.some(([a, b]) => a === v && b === v))
        parts.push(nodes.filter((n) => part.includes(n)));
    }
  };
  for (const n of nodes) if (!index.has(n)) visit(n);
  return parts;
}

function spectralRadius(M: number[][]): number {
  if (M.length === 0) return 0;
  const e = new EigenvalueDecomposition(new Matrix(M), { assumeSymmetric: false });
  return Math.max(...e.realEigenvalues.map((re, k) => Math.hypot(re, e.imaginaryEigenvalues[k])));
}

/** Builds the loop's matrix from blocks `block(post, pre)` (rows x cols of the populations' sizes, row-major) and row scales. */
function loopMatrix(
  c: Circuit,
  part: string[],
  blocks: { to: string; from: string; values: number[] }[],
  scale: (population: string, i: number) => number,
): number[][] {
  const start = new Map<string, number>();
  let n = 0;
  for (const name of part) {
    start.set(name, n);
    n += c.populations.find((p) => p.name === name)!.size;
  }
  const M = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (const b of blocks) {
    const r = start.get(b.to),
      q = start.get(b.from);
    if (r === undefined || q === undefined) continue;
    const rows = c.populations.find((p) => p.name === b.to)!.size,
      cols = c.populations.find((p) => p.name === b.from)!.size;
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) M[r + i][q + j] += scale(b.to, i) * b.values[i * cols + j];
  }
  return M;
}

/** Every forward loop and error loop of the circuit with its gain at rest. */
export function loopGains(c: Circuit): LoopGain[] {
  const population = new Map(c.populations.map((p) => [p.name, p]));
  const slope = (name: string, i: number) => {
    const p = population.get(name)!;
    return transfers[p.phi].dphi(p.bias[i] ?? 0);
  };
  const names = c.populations.map((p) => p.name);
  const forward = c.crossbars
    .filter((x) => population.has(x.pre))
    .map((x) => ({ to: x.post, from: x.pre, values: x.weights }));
  const result: LoopGain[] = loops(
    names,
    forward.map((b) => [b.from, b.to]),
  ).map((part) => ({
    kind: "forward",
    populations: part,
    gain: spectralRadius(loopMatrix(c, part, forward, slope)),
  }));

  // error routes between populations with error cells: e of the post reaches the pre through F^T
  const learns = new Set(c.errorPopulations.map((e) => e.population));
  const errorRoutes = [
    ...c.crossbars
      .filter((x) => learns.has(x.pre) && learns.has(x.post) && x.feedback !== Feedback.NO_FEEDBACK)
      .map((x) => {
        const F = x.feedback === Feedback.TRANSPOSE ? x.weights : x.feedbackWeights;
        const transposed = Array.from(
          { length: x.rows * x.cols },
          (_, k) => F[(k % x.rows) * x.cols + Math.floor(k / x.rows)],
        );
        return { to: x.pre, from: x.post, values: transposed };
      }),
    ...c.broadcasts
      .filter((b) => learns.has(b.from) && learns.has(b.to))
      .map((b) => ({ to: b.to, from: b.from, values: b.weights })),
  ];
  const prospective = c.learning.prospectiveErrors;
  const factor = (name: string, i: number) => {
    const p = population.get(name)!;
    return prospective ? p.tauM[i] / p.tauR[i] : 1;
  };
  for (const part of loops(
    names.filter((n) => learns.has(n)),
    errorRoutes.map((b) => [b.from, b.to]),
  ))
    result.push({
      kind: "error",
      populations: part,
      gain: spectralRadius(loopMatrix(c, part, errorRoutes, (name, i) => factor(name, i) * slope(name, i))),
      prospectiveFactor: Math.max(...part.flatMap((name) => population.get(name)!.tauM.map((_, i) => factor(name, i)))),
    });
  return result;
}

/** One line per loop whose gain is >= 1: which loop, its gain, why it matters and what to change. */
export function loopWarnings(c: Circuit): string[] {
  const loop = (l: LoopGain) =>
    l.populations.length === 1 ? `${l.populations[0]} -> ${l.populations[0]}` : l.populations.join(", ");
  return loopGains(c)
    .filter((l) => l.gain >= 1)
    .map((l) =>
      l.kind === "forward"
        ? `warning: loop ${loop(l)}: forward loop gain ${l.gain.toPrecision(3)} >= 1 (spectral radius of phi'(bias) W at rest): activity around it need not decay and may run to the rails; scale its weights down by more than a factor ${l.gain.toPrecision(3)}`
        : `warning: error loop ${loop(l)}: prospective-error gain ${l.gain.toPrecision(3)} >= 1 (tau_m/tau_r up to ${l.prospectiveFactor!.toPrecision(3)} x the loop gain of its error routes): errors can grow without bound once a target drives them; bring tau_r closer to tau_m, shrink the feedback weights, or set prospective_errors: false`,
    );
}

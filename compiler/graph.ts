// The network graph between the description and the circuit: resolved values, then complete shapes, and its checks.
import { type Feedback, type Loss, type Phi, Rule, type Learning } from "../circuits/model.js";
import type { Matrix, PerNeuron } from "./reader.js";
import { fail, type Where } from "./source.js";

export type PopulationKind = "input" | "hidden" | "output";

/** How a matrix is drawn (see init.ts); `seed` is always set (derived from the description's seed when absent). */
export interface InitSpec {
  where: Where;
  kind: InitKind;
  scale: number;
  seed: number;
}
export type InitKind =
  | "zeros"
  | "constant"
  | "uniform"
  | "normal"
  | "xavier"
  | "xavier-normal"
  | "kaiming"
  | "lecun"
  | "torch";

/** A matrix source: explicit values or a seeded initializer. */
export interface MatrixSpec {
  weights?: Matrix;
  init?: InitSpec;
}

export interface PopulationSpec {
  where: Where;
  name: string;
  kind: PopulationKind;
  /** undefined until shape inference when the description leaves it out */
  size?: number;
  sizeWhere?: Where;
  tauM?: PerNeuron;
  tauR?: PerNeuron;
  bias?: PerNeuron;
  /** a seeded bias initializer instead of values; fan_in = the presynaptic neurons of every projection into it */
  biasInit?: InitSpec;
  phi: Phi;
  learnBias: boolean;
  learnTauM: boolean;
  gamma: number;
  /** the name of the target channel of an output population */
  target: string;
  /** input populations: the declared range of their values [lo, hi] */
  range?: [number, number];
  /** output populations: the declared bound on |r_hardware - r_ideal| (0: not declared) */
  /** output populations: the declared bound on |r_hardware - r_ideal|; undefined where not declared */
  tolerance?: number;
}

export interface ProjectionSpec extends MatrixSpec {
  where: Where;
  name: string;
  from: string;
  fromWhere: Where;
  to: string;
  toWhere: Where;
  plastic: boolean;
  feedback: { where: Where; kind: Feedback } & MatrixSpec;
}

export interface BroadcastSpec extends MatrixSpec {
  where: Where;
  from: string;
  fromWhere: Where;
  to: string;
  toWhere: Where;
}

/** The description with every unit, expression and default resolved; sizes may still be missing. */
export interface Description {
  file: string;
  name: string;
  dt: number;
  dtWhere: Where;
  /** the unit of dt when it had one: the model time unit */
  timeUnit?: string;
  seed: number;
  populations: PopulationSpec[];
  projections: ProjectionSpec[];
  broadcasts: BroadcastSpec[];
  loss: { where: Where; kind: Loss; beta: number };
  /** the declared rails of every membrane [lo, hi] */
  rails?: [number, number];
  /** the circuit's learning parameters, and gamma: the default strength of every error current */
  learning: { where: Where; ir: Learning; gamma: number };
}

/** A population with its size known and every per-neuron array expanded. */
export interface GraphPopulation extends PopulationSpec {
  size: number;
  tauMValues: number[];
  tauRValues: number[];
  biasValues: number[];
}
export interface GraphProjection extends ProjectionSpec {
  rows: number;
  cols: number;
}
export interface Graph extends Omit<Description, "populations" | "projections"> {
  populations: GraphPopulation[];
  projections: GraphProjection[];
}

/** Invariants of a complete graph, re-checked before lowering: a failure here names the description line. */
export function checkGraph(g: Graph): void {
  const byName = new Map(g.populations.map((p) => [p.name, p]));
  for (const p of g.populations) {
    if (!Number.isInteger(p.size) || p.size < 1)
      fail(g.file, p.sizeWhere ?? p.where, `size ${p.size} must be a positive whole number`);
    if (p.kind === "input") continue;
    for (const [values, spec, field] of [
      [p.tauMValues, p.tauM, "tau_m"],
      [p.tauRValues, p.tauR, "tau_r"],
      [p.biasValues, p.bias, "bias"],
    ] as const) {
      const where = spec?.where ?? { line: p.where.line, path: `${p.where.path}.${field}` };
      if (values.length !== p.size)
        fail(
          g.file,
          where,
          `${values.length} values for ${p.size} neurons`,
          "give one value per neuron or a single value for all",
        );
      if (field === "bias") continue;
      values.forEach((x, i) => {
        const at = spec?.list ? { line: where.line, path: `${where.path}[${i}]` } : where;
        // tau_r = 0: no prospective readout (a plain leaky integrator), where learning is undefined
        if (field === "tau_r" && x === 0) {
          if (g.learning.ir.rule !== Rule.NONE)
            fail(
              g.file,
              at,
              "0 (no prospective readout) runs inference only: its error cell, which integrates with tau_r, is undefined",
              "set learning: { rule: none }, or give tau_r >= dt to learn (tau_r = dt has the same forward dynamics)",
            );
          return;
        }
        if (!(x > 0))
          fail(g.file, at, `${x} must be positive${field === "tau_r" ? " (or 0: no prospective readout)" : ""}`);
        if (x < g.dt)
          fail(g.file, at, `${x} is smaller than dt = ${g.dt}`, "make dt at most the smallest time constant");
      });
    }
  }
  for (const x of g.projections) {
    const pre = byName.get(x.from),
      post = byName.get(x.to);
    if (!pre) fail(g.file, x.fromWhere, `unknown population '${x.from}'`);
    if (!post) fail(g.file, x.toWhere, `unknown population '${x.to}'`);
    if (x.rows !== post.size || x.cols !== pre.size)
      fail(g.file, x.where, `shape ${x.rows}x${x.cols} does not match ${post.size} post x ${pre.size} pre neurons`);
  }
}

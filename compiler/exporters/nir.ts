// Circuit -> NIR graph: populations as LI nodes, crossbars as Linear nodes, inputs and outputs as Input and Output.
import { VleError } from "../../circuits/errors.js";
import { Phi, enumName, type Circuit } from "../../circuits/model.js";
import type { NirArray, NirGraph, NirNode } from "../nir/file.js";

/** The NIR version the graphs are written in (the `nir` package's format this exporter follows). */
export const nirVersion = "1.0.7";

const vector = (xs: ArrayLike<number>): NirArray => ({ shape: [xs.length], data: Float64Array.from(xs) });

export interface NirExport {
  graph: NirGraph;
  /** what NIR cannot say about this circuit, one line each */
  warnings: string[];
}

/**
 * The circuit's forward network as NIR, its times in seconds (`timeUnitS` per model time unit: the circuit's own
 * time base unless given). A population is NIR's LI exactly when its phi is linear and it has no prospective readout
 * (tau_r = 0, or tau_r = dt, the same discrete dynamics); otherwise it is written as LI with its phi and tau_r in the
 * node's metadata, and a warning says so. Error cells and learning have no NIR form and are left out.
 */
export function exportNir(c: Circuit, timeUnitS = c.timeUnitS): NirExport {
  if (timeUnitS === undefined || !(timeUnitS > 0))
    throw new VleError(
      `circuit '${c.name}' is dimensionless, but NIR's times are in seconds; give --time-unit (seconds per model time unit) or compile with dt in a unit`,
    );
  const nodes = new Map<string, NirNode>();
  const edges: [string, string][] = [];
  const warnings: string[] = [];
  for (const p of c.inputs) nodes.set(p.name, { type: "Input", params: new Map([["shape", vector([p.size])]]) });
  for (const p of c.populations) {
    const params = new Map<string, NirArray>([
      ["tau", vector(p.tauM.map((t) => t * timeUnitS))],
      ["r", vector(Array(p.size).fill(1))],
      ["v_leak", vector(p.bias)],
    ]);
    const prospective = p.tauR.some((t) => t !== 0 && Math.abs(t - c.dt) > 1e-12 * c.dt);
    if (p.phi !== Phi.LINEAR || prospective) {
      warnings.push(
        `population '${p.name}': ${[p.phi !== Phi.LINEAR ? `phi ${enumName(Phi, p.phi)}` : "", prospective ? "a prospective readout (tau_r > dt)" : ""].filter(Boolean).join(" and ")} has no NIR form; written as LI (output = membrane) with vle_phi and vle_tau_r in its metadata`,
      );
    }
    nodes.set(p.name, {
      type: "LI",
      params,
      metadata: { vle_phi: enumName(Phi, p.phi), vle_tau_r: vector(p.tauR.map((t) => t * timeUnitS)) },
    });
  }
  for (const x of c.crossbars) {
    nodes.set(x.name, {
      type: "Linear",
      params: new Map([["weight", { shape: [x.rows, x.cols], data: Float64Array.from(x.weights) }]]),
    });
    edges.push([x.pre, x.name], [x.name, x.post]);
  }
  for (const o of c.outputs) {
    const p = c.populations.find((q) => q.name === o.population)!;
    nodes.set(o.name, { type: "Output", params: new Map([["shape", vector([p.size])]]) });
    edges.push([o.population, o.name]);
  }
  if (c.errorPopulations.length > 0 || c.broadcasts.length > 0)
    warnings.push(
      "error cells, feedback and the learning rule have no NIR form; the graph is the trained forward network",
    );
  return { graph: { version: nirVersion, nodes, edges }, warnings };
}

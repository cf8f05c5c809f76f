// Cross-validation: runs ngspice on the exported netlist and the ideal engine at refined dt on the same waveforms, and compares every signal.
//
// Both see the same piecewise-linear input and target. The engine runs at dt / k for each refinement k with
// the learning rates made continuous (eta and eta_tau scale with dt, Adam's betas become beta^(1/k) and its step
// counter starts at k, so its bias corrections run on the netlist's schedule), so as k grows it converges to the
// continuous dynamics ngspice solves. Signals are compared on the grid t = g * dt:
// states (u, v, parameters) after step g * k, prospective readouts (u~, r, e) computed at the start of step
// g * k + 1, which is when the engine evaluates them.
import { performance } from "node:perf_hooks";
import { VleError } from "../../circuits/errors.js";
import { cloneCircuit, Optimizer, type Circuit } from "../../circuits/model.js";
import {
  exportSpice,
  parameterQuantities,
  type SpiceNetlist,
  type SpiceOptions,
  type SpiceProbe,
  type Waveforms,
} from "../../compiler/exporters/spice.js";
import { Engine } from "../../simulator/engine.js";
import { stateArray } from "../../circuits/signals.js";
import { runNgspice, type NgspiceRun } from "./ngspice.js";
import { rawTime, vector } from "./rawfile.js";
import { Interpolator } from "./waveforms.js";

export interface CheckOptions extends SpiceOptions {
  /** engine time step = circuit dt / k, for each k (a convergence series); default [64] */
  refine?: number[];
  /** ngspice command (default: $NGSPICE or ngspice on PATH) */
  ngspice?: string;
  /** told as each stage starts (ngspice, then the engine at each refinement): progress for long checks */
  onStage?: (stage: string, index: number, count: number) => void;
}

/** One compared signal group, e.g. "l0.r" (all neurons of l0) or "x_to_l0.W". */
interface SignalComparison {
  signal: string;
  /** relative RMS difference ||engine - ngspice|| / ||ngspice|| over the grid, per refinement; null when ngspice's signal is all zero */
  relRms: (number | null)[];
  /** parameters: relative difference of the final values, and of the learned change (final - initial), per refinement */
  final?: number[];
  change?: (number | null)[];
  /** ngspice's RMS of the signal (its scale) */
  scale: number;
}

export interface CheckReport {
  circuit: string;
  learn: boolean;
  tstop: number;
  dt: number;
  gridPoints: number;
  ngspice: { seconds: number; points: number; warnings: string[]; nodes: number };
  simulator: { refine: number; dt: number; steps: number; seconds: number }[];
  signals: SignalComparison[];
  netlist: SpiceNetlist;
  /** per probe of netlist.probes: ngspice's values on the grid t = g * dt, and the engine's per refinement */
  traces: { reference: Float64Array[]; engine: Float64Array[][] };
}

/** Exports, runs ngspice, runs the engine per refinement, and compares. */
export function spiceCheck(circuit: Circuit, options: CheckOptions = {}): CheckReport {
  const netlist = exportSpice(circuit, options);
  const refine = options.refine ?? [64];
  for (const k of refine)
    if (!Number.isInteger(k) || k < 1)
      throw new VleError(`refine ${k} must be a positive integer (the engine runs at dt / refine)`);
  const dt = circuit.dt;
  const G = Math.floor(netlist.tstop / dt + 1e-9);
  if (G < 2) throw new VleError(`tstop ${netlist.tstop} spans fewer than 2 steps of dt = ${dt}`);
  // keep only the compared vectors in the rawfile (a netlist saves every node and branch current by default)
  const save = [...new Set(netlist.probes.map((p) => p.node))].map((n) => `.save v(${n})`).join("\n");
  const body = netlist.text.slice(0, netlist.text.lastIndexOf(".end"));
  let run: NgspiceRun;
  const stages = 1 + refine.length;
  options.onStage?.("ngspice", 0, stages);
  try {
    run = runNgspice(`${body}${save}\n.end\n`, options.ngspice);
  } catch (err) {
    if (err instanceof VleError && options.learn && circuit.learning.optimizer === Optimizer.ADAM) {
      throw new VleError(
        `${err.message}. Continuous-time Adam is ill-conditioned while its moments are near zero; if ngspice cannot start it, check learning with optimizer sgd`,
      );
    }
    throw err;
  }
  const grid = Float64Array.from({ length: G + 1 }, (_, g) => g * dt * netlist.timeUnit);
  const time = rawTime(run.raw);
  const reference = netlist.probes.map((p) => {
    const f = new Interpolator(time, vector(run.raw, p.node, "ngspice rawfile"));
    return grid.map((t) => f.at(t));
  });

  const simulator: CheckReport["simulator"] = [];
  const traces: Float64Array[][] = [];
  for (const [i, k] of refine.entries()) {
    options.onStage?.(`engine at dt/${k}`, 1 + i, stages);
    const start = performance.now();
    const { values, steps } = simulateOnGrid(circuit, netlist.probes, options, k, G, options.learn ?? false);
    simulator.push({ refine: k, dt: dt / k, steps, seconds: (performance.now() - start) / 1000 });
    traces.push(values);
  }
  const signals = compare(netlist.probes, reference, traces);
  const nodes = new Set(run.raw.names.filter((n) => n.startsWith("v("))).size;
  return {
    circuit: circuit.name,
    learn: options.learn ?? false,
    tstop: netlist.tstop,
    dt,
    gridPoints: G,
    ngspice: { seconds: run.seconds, points: time.length, warnings: run.warnings, nodes },
    simulator,
    signals,
    netlist,
    traces: { reference, engine: traces },
  };
}

/** The circuit as the engine runs it at dt / k with the same continuous-time learning. */
function refinedCircuit(c: Circuit, k: number): Circuit {
  const r = cloneCircuit(c);
  r.dt = c.dt / k;
  r.learning.eta = c.learning.eta / k;
  r.learning.etaTau = c.learning.etaTau / k;
  if (c.learning.optimizer === Optimizer.ADAM) {
    r.learning.adamBeta1 = c.learning.adamBeta1 ** (1 / k);
    r.learning.adamBeta2 = c.learning.adamBeta2 ** (1 / k);
  }
  return r;
}

/** Runs the engine at dt / k on the waveforms and samples every probe on the grid g * dt, g = 0..G. */
function simulateOnGrid(
  c: Circuit,
  probes: SpiceProbe[],
  options: SpiceOptions,
  k: number,
  G: number,
  learn: boolean,
): { values: Float64Array[]; steps: number } {
  const circuit = refinedCircuit(c, k);
  const engine = new Engine(circuit, { batch: 1 });
  // Adam's bias corrections follow the netlist's schedule 1 - beta^(t/dt + 1): k steps of dt/k are one step of dt
  engine.updater.steps = k;
  const dtS = circuit.dt;
  const feeds: (() => void)[] = [];
  let t = 0;
  if (options.input) {
    for (const port of c.inputs) {
      const buffer = engine.input(port.name);
      for (let i = 0; i < port.size; i++) {
        const column =
          options.input.columns.get(`${port.name}[${i}]`) ??
          (port.size === 1 ? options.input.columns.get(port.name) : undefined);
        if (!column) continue; // exportSpice has already rejected missing input columns
        const f = new Interpolator(options.input.times, column);
        feeds.push(() => {
          buffer[i] = f.at(t);
        });
      }
    }
  }
  if (options.target) {
    for (const o of c.outputs) {
      const n = c.populations.find((p) => p.name === o.population)!.size;
      const columns = Array.from({ length: n }, (_, i) => targetColumn(options.target!, o.name, o.population, i, n));
      if (columns.some((col) => !col)) continue;
      const present = Float64Array.from(columns[0]!, (y) => (Number.isFinite(y) ? 1 : 0));
      const out = engine.output(o.name);
      const mask = new Interpolator(options.target.times, present);
      const ys = columns.map(
        (col) =>
          new Interpolator(
            options.target!.times,
            Float64Array.from(col!, (y) => (Number.isFinite(y) ? y : 0)),
          ),
      );
      feeds.push(() => {
        out.mask[0] = mask.at(t);
        for (let i = 0; i < n; i++) out.target[i] = ys[i].at(t);
      });
    }
  }
  const readers = probes.map((p) => reader(engine, p));
  const values = probes.map(() => new Float64Array(G + 1));
  const stateProbes = probes.map((p, j) => (p.timing === "state" ? j : -1)).filter((j) => j >= 0);
  const prospectiveProbes = probes.map((p, j) => (p.timing === "prospective" ? j : -1)).filter((j) => j >= 0);
  for (const j of stateProbes) values[j][0] = readers[j]();
  const steps = G * k + 1;
  for (let n = 1; n <= steps; n++) {
    t = (n - 1) * dtS;
    for (const feed of feeds) feed();
    engine.advance(learn);
    if (n % k === 0) for (const j of stateProbes) values[j][n / k] = readers[j]();
    if ((n - 1) % k === 0) for (const j of prospectiveProbes) values[j][(n - 1) / k] = readers[j]();
  }
  return { values, steps };
}

function targetColumn(
  w: Waveforms,
  name: string,
  population: string,
  i: number,
  n: number,
): ArrayLike<number> | undefined {
  for (const key of [`${name}[${i}]`, `${population}[${i}]`, ...(n === 1 ? [name, population] : [])]) {
    const col = w.columns.get(key);
    if (col) return col;
  }
  return undefined;
}

/** Reads one probe's current value from the engine (the state arrays swap each step, so look them up each time). */
function reader(engine: Engine, p: SpiceProbe): () => number {
  const i = p.index;
  switch (p.quantity) {
    case "W": {
      const x = engine.crossbars.find((q) => q.spec.name === p.element);
      if (!x) throw new VleError(`no crossbar '${p.element}'`);
      return () => x.weights[i];
    }
    case "b": {
      const pop = engine.population(p.element);
      return () => pop.bias[i];
    }
    case "tau_m": {
      const pop = engine.population(p.element);
      return () => pop.tauM[i];
    }
    default: {
      const pop = engine.population(p.element);
      const key = stateArray[p.quantity];
      return () => pop.now[key][i];
    }
  }
}

/** Groups probes by element and quantity and computes the relative differences per refinement. */
function compare(probes: SpiceProbe[], reference: Float64Array[], traces: Float64Array[][]): SignalComparison[] {
  const groups = new Map<string, number[]>();
  probes.forEach((p, j) => {
    const key = `${p.element}.${p.quantity}`;
    groups.set(key, [...(groups.get(key) ?? []), j]);
  });
  const out: SignalComparison[] = [];
  for (const [signal, members] of groups) {
    let refSq = 0,
      count = 0;
    for (const j of members)
      for (let g = 1; g < reference[j].length; g++) {
        refSq += reference[j][g] ** 2;
        count++;
      }
    const scale = Math.sqrt(refSq / count);
    const relRms = traces.map((values) => {
      let diffSq = 0;
      for (const j of members)
        for (let g = 1; g < reference[j].length; g++) diffSq += (values[j][g] - reference[j][g]) ** 2;
      return refSq > 0 ? Math.sqrt(diffSq / refSq) : diffSq > 0 ? Infinity : null;
    });
    const comparison: SignalComparison = { signal, relRms, scale };
    if (parameterQuantities.includes(probes[members[0]].quantity)) {
      const last = reference[members[0]].length - 1;
      comparison.final = traces.map((values) =>
        relativeNorm(
          members.map((j) => values[j][last] - reference[j][last]),
          members.map((j) => reference[j][last]),
        ),
      );
      // the initial values are the IR's (the engine's state before its first step); ngspice's rawfile starts after its first step
      const initial = members.map((j) => traces[0][j][0]);
      const ref = members.map((j, m) => reference[j][last] - initial[m]);
      comparison.change = traces.map((values) =>
        ref.every((x) => x === 0)
          ? null
          : relativeNorm(
              members.map((j, m) => values[j][last] - initial[m] - ref[m]),
              ref,
            ),
      );
    }
    out.push(comparison);
  }
  return out;
}

const relativeNorm = (diff: number[], ref: number[]) => {
  const norm = (xs: number[]) => Math.sqrt(xs.reduce((sum, x) => sum + x * x, 0));
  const d = norm(diff),
    r = norm(ref);
  return r > 0 ? d / r : d > 0 ? Infinity : 0;
};

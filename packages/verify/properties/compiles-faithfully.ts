// Property `compiles-faithfully`: the compiled circuit, run in ideal mode, equals the oracle's direct evaluation of the description it came from.
//
// Every random drive (inputs, and targets on some segments so that errors flow and the local rule learns)
// runs through the ideal engine on the compiled circuit and through packages/verify/oracle.ts, which reads the
// description itself. After every step every population's u, u_prosp, r, v and e and every parameter
// (W, an own feedback matrix F, b, tau_m) must agree to 1e-9 (relative): the two evaluate the same equations
// in a different order. Circuits whose rule is not a local one (bptt, tbptt, eprop) are compared without
// targets, on their forward dynamics. A circuit file without its description is skipped.
//
// A chaotic or unstable network amplifies the last-bit differences of any two evaluation orders until they cross
// the tolerance, without any pass changing its meaning. So a difference is first set against the circuit's own
// amplification: the compiled circuit run against itself with its membranes nudged by 1e-15 after the first step.
// If that drifts, by the step where engine and oracle part, to within a thousandth of their gap, the gap is the
// network amplifying rounding (reported, not a failure); otherwise a compiler pass changed the circuit's meaning.
import { Rule, type Circuit } from "../../../circuits/model.js";
import { matrixColumn, neuronColumn, neuronSignals, stateArray } from "../../../circuits/signals.js";
import { Engine } from "../../../simulator/engine.js";
import { driveArbitrary, type Drive } from "../drive.js";
import { Oracle, readDescription, type OracleNetwork } from "../oracle.js";
import {
  close,
  searchDrives,
  skipped,
  type Failure,
  type Property,
  type PropertyResult,
  type VerifyTarget,
} from "../property.js";
import { runDrive } from "../run.js";

/** Relative agreement required between the engine and the oracle. */
const FAITHFUL_TOLERANCE = 1e-9;

/** The nudge that stands for rounding (relative, about 5 units in float64's last place). */
export const ROUNDING_NUDGE = 1e-15;
/** A gap is the network's amplification of rounding when the nudged self-comparison reaches this share of it. */
export const AMPLIFICATION_SHARE = 1e-3;

/** Largest relative difference of any state or parameter between two engines, `a` and `b`. */
function largestDifference(a: Engine, b: Engine): number {
  const rel = (x: number, y: number) => Math.abs(x - y) / Math.max(1, Math.abs(x), Math.abs(y));
  let d = 0;
  a.populations.forEach((p, k) => {
    const q = b.populations[k];
    for (const signal of neuronSignals)
      for (let i = 0; i < p.size; i++) d = Math.max(d, rel(p.now[stateArray[signal]][i], q.now[stateArray[signal]][i]));
    for (let i = 0; i < p.size; i++) d = Math.max(d, rel(p.bias[i], q.bias[i]), rel(p.tauM[i], q.tauM[i]));
  });
  a.crossbars.forEach((x, k) => {
    for (let i = 0; i < x.weights.length; i++) d = Math.max(d, rel(x.weights[i], b.crossbars[k].weights[i]));
  });
  return d;
}

/** How far the circuit, run on `drive` against itself with its membranes nudged by ROUNDING_NUDGE after step 1, has drifted at `step`. */
export function selfDivergence(c: Circuit, drive: Drive, step: number): number {
  const run = (nudge: boolean) => {
    const engine = new Engine(c);
    runDrive(engine, drive, (s) => {
      if (nudge && s === 1)
        for (const p of engine.populations)
          for (let i = 0; i < p.size; i++) p.now.u[i] += ROUNDING_NUDGE * Math.max(1, Math.abs(p.now.u[i]));
      return s >= step;
    });
    return engine;
  };
  return largestDifference(run(false), run(true));
}

/** The compiled circuit's elements that the description names, or the first one missing or of another shape. */
function structuralMismatch(t: VerifyTarget, net: OracleNetwork): string | undefined {
  const c = t.circuit;
  for (const p of net.populations) {
    if (p.kind === "input") {
      const port = c.inputs.find((q) => q.name === p.name);
      if (!port || port.size !== p.size)
        return `input '${p.name}' of ${p.size} channels ${port ? `has ${port.size} in the circuit` : "is missing from the circuit"}`;
      continue;
    }
    const q = c.populations.find((x) => x.name === p.name);
    if (!q || q.size !== p.size)
      return `population '${p.name}' of ${p.size} neurons ${q ? `has ${q.size} in the circuit` : "is missing from the circuit"}`;
    if (p.kind === "output" && !c.outputs.some((o) => o.population === p.name && o.name === p.target))
      return `output '${p.name}' (target '${p.target}') is not an output of the circuit`;
  }
  for (const x of net.projections) {
    const y = c.crossbars.find((k) => k.name === x.name);
    if (!y || y.pre !== x.from || y.post !== x.to)
      return `projection '${x.name}' (${x.from} -> ${x.to}) ${y ? `joins ${y.pre} -> ${y.post} in the circuit` : "is missing from the circuit"}`;
  }
  const extra = c.crossbars.find((k) => !net.projections.some((x) => x.name === k.name));
  if (extra) return `the circuit has crossbar '${extra.name}', which the description does not`;
  return undefined;
}

/** Compares engine and oracle after a step: the first signal that differs, in trace notation, with both values. */
function firstDifference(engine: Engine, oracle: Oracle, step: number): Failure | undefined {
  const differ = (signal: string, compiled: number, reference: number): Failure | undefined =>
    close(compiled, reference, FAITHFUL_TOLERANCE)
      ? undefined
      : {
          step,
          signal,
          value: compiled,
          expected: reference,
          message: `step ${step}: ${signal} = ${compiled} in the compiled circuit, but ${reference} by the description's equations (the oracle); a compiler pass changed the circuit's meaning`,
        };
  for (const p of engine.populations) {
    const name = p.spec.name,
      s = oracle.state.get(name)!;
    for (const signal of neuronSignals) {
      const a = p.now[stateArray[signal]],
        b = s[stateArray[signal]];
      for (let i = 0; i < p.size; i++) {
        const f = differ(neuronColumn(name, signal, i), a[i], b[i]);
        if (f) return f;
      }
    }
    for (const [signal, a, b] of [
      ["b", p.bias, oracle.bias.get(name)!],
      ["tau_m", p.tauM, oracle.tauM.get(name)!],
    ] as const) {
      for (let i = 0; i < p.size; i++) {
        const f = differ(neuronColumn(name, signal, i), a[i], b[i]);
        if (f) return f;
      }
    }
  }
  for (const x of engine.crossbars) {
    const name = x.spec.name,
      own = x.feedback !== x.weights;
    for (const [matrix, a, b] of [
      ["W", x.weights, oracle.weights.get(name)!],
      ...(own ? [["F", x.feedback, oracle.feedback.get(name)!] as const] : []),
    ] as const) {
      for (let k = 0; k < a.length; k++) {
        const f = differ(matrixColumn(name, matrix, Math.floor(k / x.cols), k % x.cols), a[k], b[k]);
        if (f) return f;
      }
    }
  }
  return undefined;
}

/** Row `step` of a drive as the oracle takes it: inputs by input name, targets by output population (absent rows left out). */
function rowOf(
  drive: Drive,
  net: OracleNetwork,
  step: number,
): { inputs: Map<string, number[]>; targets: Map<string, number[]> } {
  const inputs = new Map<string, number[]>(),
    targets = new Map<string, number[]>();
  for (const g of drive.input.groups)
    inputs.set(g.name, Array.from(g.values.subarray(step * g.size, (step + 1) * g.size)));
  for (const g of drive.target?.groups ?? []) {
    if (!g.present[step]) continue;
    const population = net.populations.find((p) => p.target === g.name);
    if (population) targets.set(population.name, Array.from(g.values.subarray(step * g.size, (step + 1) * g.size)));
  }
  return { inputs, targets };
}

export const compilesFaithfully: Property = {
  name: "compiles-faithfully",
  summary:
    "the compiled circuit in ideal mode equals a direct evaluation of the description's equations (the oracle of every compiler pass)",
  check(target, options): PropertyResult {
    const c = target.circuit;
    if (!target.source)
      return skipped(
        "compiles-faithfully",
        "needs the description: give the .yaml/.json description, or a circuit whose provenance source is unchanged",
      );
    const net = readDescription(target.source.text, target.source.file);
    const structure = structuralMismatch(target, net);
    if (structure) {
      return {
        property: "compiles-faithfully",
        status: "failed",
        runs: 0,
        note: "the circuit's elements differ from the description's",
        counterexample: {
          shrinks: 0,
          failure: { step: 0, message: `${structure}; a compiler pass changed the circuit's structure` },
        },
      };
    }
    // local rules learn from the targets as the engine would; others are compared on their forward dynamics
    const local =
      c.learning.rule === Rule.VLE || c.learning.rule === Rule.INSTANTANEOUS || c.learning.rule === Rule.NONE;
    const learns = local && net.learning.rule !== "none" && c.learning.rule !== Rule.NONE;
    let largest = 0;
    // drives where the gap was the network amplifying rounding: the comparison stops there, and the first is kept to report
    let amplified = 0,
      amplification: { step: number; gap: number; self: number; signal?: string } | undefined;
    const search = searchDrives(
      driveArbitrary(c, {
        maxSteps: options.maxSteps,
        maxHold: 8,
        targets: local && c.outputs.length > 0 ? "random" : "none",
      }),
      (drive) => {
        const engine = new Engine(c),
          oracle = new Oracle(net);
        let failure: Failure | undefined;
        runDrive(engine, drive, (step) => {
          const { inputs, targets } = rowOf(drive, net, step - 1);
          oracle.step(inputs, targets, learns && drive.target !== undefined);
          failure = firstDifference(engine, oracle, step);
          if (failure) failure.replay = { drive, mode: "ideal", record: failure.signal };
          for (const p of engine.populations) {
            const s = oracle.state.get(p.spec.name)!;
            for (let i = 0; i < p.size; i++)
              largest = Math.max(largest, Math.abs(p.now.u[i] - s.u[i]) / Math.max(1, Math.abs(s.u[i])));
          }
          return failure !== undefined;
        });
        if (failure) {
          const gap =
            Math.abs(failure.value! - failure.expected!) /
            Math.max(1, Math.abs(failure.value!), Math.abs(failure.expected!));
          const self = selfDivergence(c, drive, failure.step);
          if (self >= AMPLIFICATION_SHARE * gap) {
            amplified++;
            amplification ??= { step: failure.step, gap, self, signal: failure.signal };
            return undefined;
          }
          failure.message += ` (not rounding amplified by the network: the circuit run against itself, nudged by ${ROUNDING_NUDGE} at step 1, differs by only ${self.toExponential(1)} at step ${failure.step}, against a gap of ${gap.toExponential(1)})`;
        }
        return failure;
      },
      { ...options, stepLocal: true },
    );
    const details = { largestRelativeDeviation: largest, learning: learns, amplifiedDrives: amplified, amplification };
    if (search.failure) {
      return {
        property: "compiles-faithfully",
        status: "failed",
        runs: search.runs,
        note: "the compiled circuit departs from the description's equations",
        counterexample: { drive: search.drive, shrinks: search.shrinks, failure: search.failure },
        details,
      };
    }
    return {
      property: "compiles-faithfully",
      status: "passed",
      runs: search.runs,
      note: amplification
        ? `engine and oracle agreed until the network's own amplification of rounding took over, on ${amplified} of ${search.runs} drives: not a change of meaning but a chaotic or unstable network (e.g. ${amplification.signal} at step ${amplification.step}: gap ${amplification.gap.toExponential(1)}, and the circuit against itself nudged by ${ROUNDING_NUDGE} at step 1 drifts ${amplification.self.toExponential(1)}; see settles)`
        : `engine and oracle agreed on every state and parameter${learns ? " (learning on)" : ""}; largest relative deviation of u ${largest.toExponential(2)}`,
      details,
    };
  },
};

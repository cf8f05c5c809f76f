// Property `deterministic`: the same description and seeds give the same circuit byte for byte, and the same drive and chip seed give bit-identical traces.
//
// The description (when there is one) is compiled twice more and every encoding must equal the circuit's. Then
// each random drive (inputs, targets on some segments so that the circuit learns, and a chip seed in hardware
// mode) runs through two fresh engines side by side; after every step every state and parameter must be the
// same float64, bit for bit (Object.is: -0 and 0 differ too). Hardware circuits run in hardware mode, where
// mismatch, thermal noise and stochastic rounding draw from the seed; others in ideal mode.
import { encodeBinary } from "../../../circuits/codec.js";
import { VleError } from "../../../circuits/errors.js";
import { compileSource } from "../../../compiler/index.js";
import { createLearner } from "../../../simulator/learner.js";
import { Rule } from "../../../circuits/model.js";
import { matrixColumn, neuronColumn, neuronSignals, stateArray, type Matrix } from "../../../circuits/signals.js";
import type { Engine } from "../../../simulator/engine.js";
import { feedStimulus } from "../../../simulator/stimulus.js";
import { driveArbitrary, type Drive } from "../drive.js";
import { firstDifferingField } from "../difference.js";
import { searchDrives, type Failure, type Property, type PropertyResult } from "../property.js";
import { makeEngine, type Mode } from "../run.js";

/** Every state and parameter of an engine in a fixed order: the trace name of entry i, and its values. */
function* signals(engine: Engine): Generator<[(i: number) => string, Float64Array]> {
  for (const p of engine.populations) {
    const name = p.spec.name;
    for (const signal of neuronSignals) yield [(i) => neuronColumn(name, signal, i), p.now[stateArray[signal]]];
    yield [(i) => neuronColumn(name, "b", i), p.bias];
    yield [(i) => neuronColumn(name, "tau_m", i), p.tauM];
  }
  for (const x of engine.crossbars) {
    const entry = (matrix: Matrix) => (k: number) =>
      matrixColumn(x.spec.name, matrix, Math.floor(k / x.cols), k % x.cols);
    yield [entry("W"), x.weights];
    if (x.feedback !== x.weights) yield [entry("F"), x.feedback];
  }
}

/** Runs two engines on the same drive in lockstep; the first step and signal where they differ by a single bit. */
export function divergence(
  a: Engine,
  b: Engine,
  drive: Drive,
): { step: number; signal: string; values: [number, number] } | undefined {
  const learning = drive.target !== undefined && a.rule !== Rule.NONE;
  const runs = [a, b].map((engine) => ({
    engine,
    learner: createLearner(engine, learning),
    input: feedStimulus(drive.input, engine),
    target: drive.target && feedStimulus(drive.target, engine),
  }));
  const slot = Int32Array.of(0);
  for (let s = 0; s < drive.steps; s++) {
    for (const r of runs) {
      r.input(slot, s);
      r.target?.(slot, s);
      r.learner.step();
    }
    const left = [...signals(a)],
      right = [...signals(b)];
    for (let k = 0; k < left.length; k++) {
      const [name, x] = left[k],
        y = right[k][1];
      for (let i = 0; i < x.length; i++) {
        if (Object.is(x[i], y[i])) continue;
        return { step: a.step, signal: name(i), values: [x[i], y[i]] };
      }
    }
  }
  for (const r of runs) r.learner.endSequence();
  return undefined;
}

export const deterministic: Property = {
  name: "deterministic",
  summary:
    "the same description and seeds compile to the same bytes, and the same drive and chip seed give bit-identical traces",
  check(target, options): PropertyResult {
    const c = target.circuit;
    const fail = (failure: Failure, drive?: Drive, shrinks = 0, runs = 0): PropertyResult => ({
      property: "deterministic",
      status: "failed",
      runs,
      note: "two runs with the same seeds differ",
      counterexample: { drive, shrinks, failure },
    });
    if (target.source) {
      const bytes = encodeBinary(c);
      for (let k = 0; k < 2; k++) {
        const again = compileSource(target.source.text, target.source.file, target.pipeline);
        const where = firstDifferingField(c, again);
        if (where || Buffer.compare(Buffer.from(bytes), Buffer.from(encodeBinary(again))) !== 0) {
          return fail({
            step: 0,
            message: `compiling ${target.source.file} again gives a different circuit${where ? ` (first at ${where})` : " (same values, different bytes)"}`,
          });
        }
      }
    }
    let mode: Mode = "ideal";
    if (c.hardware) {
      try {
        makeEngine(c, "hardware");
        mode = "hardware";
      } catch (err) {
        if (!(err instanceof VleError)) throw err;
      }
    }
    const search = searchDrives(
      driveArbitrary(c, {
        maxSteps: options.maxSteps,
        maxHold: 8,
        targets: c.outputs.length ? "random" : "none",
        seed: mode === "hardware",
      }),
      (drive) => {
        const d = divergence(
          makeEngine(c, mode, { seed: drive.seed }),
          makeEngine(c, mode, { seed: drive.seed }),
          drive,
        );
        if (!d) return undefined;
        return {
          step: d.step,
          signal: d.signal,
          value: d.values[0],
          expected: d.values[1],
          message: `step ${d.step}: ${d.signal} is ${d.values[0]} in one run and ${d.values[1]} in another with the same drive${mode === "hardware" ? ` and chip seed ${drive.seed}` : ""}`,
          replay: { drive, mode, record: d.signal },
        };
      },
      { ...options, stepLocal: true },
    );
    if (search.failure) return fail(search.failure, search.drive, search.shrinks, search.runs);
    return {
      property: "deterministic",
      status: "passed",
      runs: search.runs,
      note: `${target.source ? "recompiling gave the same bytes; " : ""}every pair of ${mode}-mode runs was bit-identical`,
    };
  },
};

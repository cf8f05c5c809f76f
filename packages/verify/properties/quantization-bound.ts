// Property `quantization-bound`: hardware mode's output rates stay within each output's declared tolerance of ideal mode's, over random drives and random chips.
//
// Each case draws an input sequence in the declared ranges and a chip seed (mismatch draws, thermal noise,
// stochastic rounding), runs the compiled chip with its effects (simulator/hardware) and the same circuit in
// ideal mode, and compares every output neuron's rate after every step with the tolerance of circuits/envelope.ts
// (declared `tolerance`, or a tenth of the output's rate range). Inference only: no targets, so no learning.
// `vle simulate --mode hardware --seed S` and `--mode ideal` on the written input replay both sides.
import { outputTolerance } from "../../../circuits/envelope.js";
import { VleError } from "../../../circuits/errors.js";
import { neuronColumn } from "../../../circuits/signals.js";
import { driveArbitrary } from "../drive.js";
import { searchDrives, skipped, type Failure, type Property, type PropertyResult } from "../property.js";
import { makeEngine, runDrive } from "../run.js";

export const quantizationBound: Property = {
  name: "quantization-bound",
  summary:
    "hardware mode's output rates stay within each output's declared tolerance of ideal mode's, for random inputs and random chips (mismatch, noise, rounding)",
  check(target, options): PropertyResult {
    const c = target.circuit;
    if (!c.hardware)
      return skipped(
        "quantization-bound",
        "no hardware section: compile the description with a chip (hardware: or vle compile --chip <card>)",
      );
    if (c.outputs.length === 0) return skipped("quantization-bound", "the circuit has no outputs to compare");
    try {
      makeEngine(c, "hardware");
    } catch (err) {
      if (err instanceof VleError)
        return skipped("quantization-bound", `hardware mode cannot run this circuit: ${err.message}`);
      throw err;
    }
    const outputs = c.outputs.map((o) => ({ population: o.population, tolerance: outputTolerance(c, o) }));
    let worst = 0;
    const search = searchDrives(
      driveArbitrary(c, { maxSteps: options.maxSteps, seed: true }),
      (drive) => {
        const ideal = makeEngine(c, "ideal"),
          chip = makeEngine(c, "hardware", { seed: drive.seed });
        const expected = outputs.map((o) => ({
          ...o,
          pop: ideal.population(o.population),
          rows: new Float64Array(drive.steps * ideal.population(o.population).size),
        }));
        runDrive(
          ideal,
          drive,
          (step) => void expected.forEach((o) => o.rows.set(o.pop.now.r, (step - 1) * o.pop.size)),
        );
        let failure: Failure | undefined;
        runDrive(chip, drive, (step) => {
          for (const o of expected) {
            const r = chip.population(o.population).now.r,
              n = o.pop.size;
            for (let i = 0; i < n; i++) {
              const want = o.rows[(step - 1) * n + i],
                deviation = Math.abs(r[i] - want);
              worst = Math.max(worst, deviation / o.tolerance);
              if (deviation <= o.tolerance) continue;
              const signal = neuronColumn(o.population, "r", i);
              failure = {
                step,
                signal,
                value: r[i],
                expected: want,
                message: `step ${step}: ${signal} = ${r[i]} in hardware mode (chip seed ${drive.seed}) but ${want} in ideal mode: off by ${deviation.toPrecision(4)}, more than the tolerance ${o.tolerance}; use more weight or converter bits, or declare a larger tolerance`,
                replay: { drive, mode: "hardware", record: signal },
              };
              return true;
            }
          }
        });
        return failure;
      },
      { ...options, stepLocal: true },
    );
    const details = {
      tolerances: Object.fromEntries(outputs.map((o) => [o.population, o.tolerance])),
      worstDeviationOverTolerance: worst,
    };
    if (search.failure)
      return {
        property: "quantization-bound",
        status: "failed",
        runs: search.runs,
        note: "hardware mode strays from ideal mode by more than the tolerance",
        counterexample: { drive: search.drive, shrinks: search.shrinks, failure: search.failure },
        details,
      };
    return {
      property: "quantization-bound",
      status: "passed",
      runs: search.runs,
      note: `every output stayed within its tolerance (largest deviation ${(100 * worst).toFixed(1)} % of it)`,
      details,
    };
  },
};

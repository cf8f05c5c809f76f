// Property `bounded`: for inputs within their declared ranges, every membrane stays within the declared rails and every state stays finite, in ideal mode and on a chip with random mismatch.
//
// The rails are the circuit's (`rails: [lo, hi]` in the description) or, for a chip, its physical rails
// (circuits/envelope.ts); an ideal circuit that declares none is checked for finite states only. The check is
// the simulator's own guard (simulator/guard.ts) after every step of the ideal dynamics, so `vle simulate`
// on the written input stops at the same step with the same message. A chip is also run in hardware mode
// with a random chip seed (mismatch, noise): there the guard stops a membrane past the rails when rail
// saturation is off, and with saturation on a membrane held at a rail is the failure (the chip clips: the
// trace of `vle simulate --mode hardware --seed S` shows it at the rail at that step).
import { formatRail, railsOf } from "../../../circuits/envelope.js";
import { VleError } from "../../../circuits/errors.js";
import type { Engine } from "../../../simulator/engine.js";
import { checkFinite } from "../../../simulator/guard.js";
import { HardwareEngine } from "../../../simulator/hardware/engine.js";
import { driveArbitrary, type Drive } from "../drive.js";
import { searchDrives, type Failure, type Property } from "../property.js";
import { guardSignal, makeEngine, runDrive, type Mode } from "../run.js";

/** The value of a population signal named in trace notation (h.u[1]) in an engine's present state. */
function valueOf(engine: Engine, signal: string | undefined): number | undefined {
  const m = signal && /^(.*)\.(u|r|e)\[(\d+)\]$/.exec(signal);
  return m ? engine.population(m[1]).now[m[2] as "u" | "r" | "e"][Number(m[3])] : undefined;
}

/** Whether the circuit runs in hardware mode (a chip whose rule learns on chip, or none). */
function chipRuns(engine: () => Engine): boolean {
  try {
    engine();
    return true;
  } catch (err) {
    if (err instanceof VleError) return false;
    throw err;
  }
}

export const bounded: Property = {
  name: "bounded",
  summary:
    "for inputs in their declared ranges, every membrane stays within the declared rails and every state stays finite (on a chip also with random mismatch)",
  check(target, options) {
    const c = target.circuit,
      rails = railsOf(c);
    const ideal = makeEngine(c, "ideal");
    const onChip = c.hardware !== null && c.hardware !== undefined && chipRuns(() => makeEngine(c, "hardware"));
    let largest = 0;
    /** Runs the drive in one mode; the first step where the guard stops it, or a membrane sits at a clipping rail. */
    const run = (engine: Engine, drive: Drive, mode: Mode): Failure | undefined => {
      let failure: Failure | undefined;
      const clips = engine instanceof HardwareEngine && engine.effects.railSaturation && rails;
      const seed = mode === "hardware" ? ` (chip seed ${drive.seed})` : "";
      runDrive(engine, drive, (step) => {
        try {
          checkFinite(engine);
        } catch (err) {
          if (!(err instanceof VleError)) throw err;
          const signal = guardSignal(err);
          failure = {
            step,
            signal,
            value: valueOf(engine, signal),
            message: `${err.message}${seed}`,
            replay: { drive, mode, record: signal },
          };
          return true;
        }
        for (const p of engine.populations) {
          for (let i = 0; i < p.size; i++) {
            const u = p.now.u[i];
            largest = Math.max(largest, Math.abs(u));
            if (clips && (u <= clips[0] || u >= clips[1])) {
              const signal = `${p.spec.name}.u[${i}]`;
              failure = {
                step,
                signal,
                value: u,
                message: `step ${step}: population '${p.spec.name}' neuron ${i}: u = ${u} is held at the rail of [${formatRail(clips[0])}, ${formatRail(clips[1])}]: the chip saturates${seed}; shrink the weights, the bias or the input`,
                replay: { drive, mode, record: signal },
              };
              return true;
            }
          }
        }
      });
      return failure;
    };
    const search = searchDrives(
      driveArbitrary(c, { maxSteps: options.maxSteps, seed: onChip }),
      (drive) => {
        ideal.reset();
        return (
          run(ideal, drive, "ideal") ??
          (onChip ? run(makeEngine(c, "hardware", { seed: drive.seed }), drive, "hardware") : undefined)
        );
      },
      { ...options, stepLocal: true },
    );
    const within = rails
      ? `within the rails [${formatRail(rails[0])}, ${formatRail(rails[1])}]`
      : "finite (no rails declared: add rails: [lo, hi] to the description)";
    const modes = onChip ? "in ideal mode and on random chips" : "in ideal mode";
    const details = { rails: rails ?? null, largestMembrane: largest, hardwareMode: onChip };
    if (search.failure)
      return {
        property: "bounded",
        status: "failed",
        runs: search.runs,
        note: `a state left ${rails ? "the rails" : "the finite numbers"}`,
        counterexample: { drive: search.drive, shrinks: search.shrinks, failure: search.failure },
        details,
      };
    return {
      property: "bounded",
      status: "passed",
      runs: search.runs,
      note: `every state stayed ${within} ${modes}; largest |u| ${largest.toPrecision(4)}`,
      details,
    };
  },
};

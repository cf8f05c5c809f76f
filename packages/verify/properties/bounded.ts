// Property `bounded`: for inputs within their declared ranges, every membrane stays within the declared rails and every state stays finite.
//
// The rails are the circuit's (`rails: [lo, hi]` in the description) or, for a chip, its physical rails
// (circuits/envelope.ts); an ideal circuit that declares none is checked for finite states only. The check is
// the simulator's own guard (simulator/guard.ts) after every step of the ideal dynamics, so `vle simulate`
// on the written input stops at the same step with the same message.
import { railsOf } from "../../../circuits/envelope.js";
import { VleError } from "../../../circuits/errors.js";
import type { Engine } from "../../../simulator/engine.js";
import { checkFinite } from "../../../simulator/guard.js";
import { driveArbitrary } from "../drive.js";
import { searchDrives, type Failure, type Property } from "../property.js";
import { guardSignal, makeEngine, runDrive } from "../run.js";

/** The value of a population signal named in trace notation (h.u[1]) in an engine's present state. */
function valueOf(engine: Engine, signal: string | undefined): number | undefined {
  const m = signal && /^(.*)\.(u|r|e)\[(\d+)\]$/.exec(signal);
  return m ? engine.population(m[1]).now[m[2] as "u" | "r" | "e"][Number(m[3])] : undefined;
}

export const bounded: Property = {
  name: "bounded",
  summary: "for inputs in their declared ranges, every membrane stays within the declared rails and every state stays finite",
  check(target, options) {
    const c = target.circuit, rails = railsOf(c);
    const engine = makeEngine(c, "ideal");
    let largest = 0;
    const search = searchDrives(driveArbitrary(c, { maxSteps: options.maxSteps }), (drive) => {
      engine.reset();
      let failure: Failure | undefined;
      runDrive(engine, drive, (step) => {
        try {
          checkFinite(engine);
        } catch (err) {
          if (!(err instanceof VleError)) throw err;
          const signal = guardSignal(err);
          failure = { step, signal, value: valueOf(engine, signal), message: err.message, replay: { drive, mode: "ideal", record: signal } };
          return true;
        }
        for (const p of engine.populations) for (const u of p.now.u) largest = Math.max(largest, Math.abs(u));
      });
      return failure;
    }, { ...options, stepLocal: true });
    const within = rails ? `within the rails [${rails[0]}, ${rails[1]}]` : "finite (no rails declared: add rails: [lo, hi] to the description)";
    const details = { rails: rails ?? null, largestMembrane: largest };
    if (search.failure) return { property: "bounded", status: "failed", runs: search.runs, note: `a state left ${rails ? "the rails" : "the finite numbers"}`, counterexample: { drive: search.drive, shrinks: search.shrinks, failure: search.failure }, details };
    return { property: "bounded", status: "passed", runs: search.runs, note: `every state stayed ${within}; largest |u| ${largest.toPrecision(4)}`, details };
  },
};

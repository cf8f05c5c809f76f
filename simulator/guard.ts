// Stops a run whose state became NaN or infinite, naming the step, population, neuron and signal.
import { VleError } from "../circuits/errors.js";
import type { Engine } from "./engine.js";

/**
 * Throws a VleError when u, r or e of any neuron is not finite after the last step. Costs one pass over
 * those signals per step (a sum per population; the scan for the culprit runs only when the sum is not finite).
 * `samples[b]`, when given, names batch slot b's sample in the message.
 */
export function checkFinite(engine: Engine, samples?: ArrayLike<number>): void {
  for (const p of engine.populations) {
    const { u, r, e } = p.now;
    let sum = 0;
    for (let k = 0; k < u.length; k++) sum += u[k] + r[k];
    if (p.learns) for (let k = 0; k < e.length; k++) sum += e[k];
    if (Number.isFinite(sum)) continue;
    for (const [name, x] of [["u", u], ["r", r], ["e", e]] as const) {
      for (let k = 0; k < x.length; k++) {
        if (Number.isFinite(x[k])) continue;
        const b = Math.floor(k / p.size);
        const sample = samples ? `, sample ${samples[b]}` : engine.batch > 1 ? `, batch slot ${b}` : "";
        throw new VleError(
          `step ${engine.step}${sample}: population '${p.spec.name}' neuron ${k % p.size}: ${name} = ${x[k]}; the dynamics diverged ` +
            `(lower eta or eta_tau, shrink the weights or the input, or use a smaller dt)`,
        );
      }
    }
    // a sum of finite values can overflow to infinity: every value is finite, so carry on
  }
}

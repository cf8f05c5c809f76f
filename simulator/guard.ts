// Stops a run whose state became NaN or infinite, or whose membrane went past the declared rails, naming the step, population, neuron and signal.
import { formatRail, railsOf } from "../circuits/envelope.js";
import { VleError } from "../circuits/errors.js";
import type { Engine } from "./engine.js";
import { HardwareEngine } from "./hardware/engine.js";

/**
 * Throws a VleError when u, r or e of any neuron is not finite after the last step, or when a membrane u is
 * past the circuit's rails (circuits/envelope.ts: the declared rails, or a chip's) while nothing clips it
 * (ideal mode, or hardware mode with rail saturation off). Costs one pass over those signals per step (a sum
 * per population; the scan for the culprit runs only when the sum is not finite).
 * `samples[b]`, when given, names batch slot b's sample in the message.
 */
export function checkFinite(engine: Engine, samples?: ArrayLike<number>): void {
  const where = (p: Engine["populations"][number], k: number) => {
    const b = Math.floor(k / p.size);
    const sample = samples ? `, sample ${samples[b]}` : engine.batch > 1 ? `, batch slot ${b}` : "";
    return `step ${engine.step}${sample}: population '${p.spec.name}' neuron ${k % p.size}`;
  };
  for (const p of engine.populations) {
    const { u, r, e } = p.now;
    let sum = 0;
    for (let k = 0; k < u.length; k++) sum += u[k] + r[k];
    if (p.learns) for (let k = 0; k < e.length; k++) sum += e[k];
    if (Number.isFinite(sum)) continue;
    for (const [name, x] of [
      ["u", u],
      ["r", r],
      ["e", e],
    ] as const) {
      for (let k = 0; k < x.length; k++) {
        if (Number.isFinite(x[k])) continue;
        throw new VleError(
          `${where(p, k)}: ${name} = ${x[k]}; the dynamics diverged ` +
            `(lower eta or eta_tau, shrink the weights or the input, or use a smaller dt)`,
        );
      }
    }
    // a sum of finite values can overflow to infinity: every value is finite, so carry on
  }
  const rails = railsOf(engine.circuit);
  if (!rails || (engine instanceof HardwareEngine && engine.effects.railSaturation)) return;
  const [lo, hi] = rails;
  for (const p of engine.populations) {
    const u = p.now.u;
    for (let k = 0; k < u.length; k++) {
      if (u[k] >= lo && u[k] <= hi) continue;
      throw new VleError(
        `${where(p, k)}: u = ${u[k]} is past the rails [${formatRail(lo)}, ${formatRail(hi)}]; shrink the weights, the bias or the input, or widen the rails`,
      );
    }
  }
}

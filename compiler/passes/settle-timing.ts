// Pass 'settle-timing': the acceleration (the largest the pipeline allows when the description says auto) and the analog values that follow from it.
import { cyclesPerTick, pipelineBound, tickSeconds } from "../../circuits/hardware.js";
import { assembleChip } from "../chip.js";
import { definePass } from "../pass.js";
import { fail } from "../source.js";

/** Three significant digits, rounded down (an acceleration that still fits the pipeline). */
export function roundDown(x: number): number {
  const digits = 10 ** (Math.floor(Math.log10(x)) - 2);
  return Math.floor(x / digits) * digits;
}

export const settleTiming = definePass({
  name: "settle-timing",
  needs: ["source", "circuit", "target", "grids", "layout", "routes"],
  run({ source, circuit: c, target, grids, layout, routes }) {
    if (!target || !grids || !layout || !routes) return { timing: undefined };
    const untimed = { acceleration: target.acceleration ?? target.maxAcceleration, gLS: 0, iUnitA: 0, iBiasA: 0 };
    const h = assembleChip(c, target, grids, layout, routes, untimed);
    const bound = pipelineBound(c, h);
    const fit = (c.dt * c.timeUnitS! * h.clockHz) / Math.max(1, bound.total);
    h.acceleration = target.acceleration ?? roundDown(Math.min(target.maxAcceleration, fit));
    const available = cyclesPerTick(c, h);
    // an acceleration the description asks for may make ticks shorter than the pipeline (a warning where loaded);
    // the automatic one always fits
    if (available < 1 || (target.acceleration === undefined && available < bound.total)) {
      const where = target.acceleration === undefined ? target.where : target.accelerationWhere;
      fail(
        source.file,
        where,
        `clock ${h.clockHz / 1e6} MHz is too slow for the pipeline: a tick of ${(tickSeconds(c, h) * 1e9).toPrecision(3)} ns at acceleration ${h.acceleration} holds ${available} cycles but needs ${bound.total} ` +
          `(dac ${bound.forwardDac}, settle ${bound.crossbarSettle}, adc ${bound.adc}, route ${bound.route}, error dac ${bound.transposedDac}, error settle ${bound.transposedSettle}, integrate ${bound.integrate}, write ${bound.write})`,
        "raise hardware.clock, lower hardware.acceleration (or leave it out: auto), or give cores more converters",
      );
    }
    // the leak conductance and the transconductor's bias that realize the mean tau_m in chip time
    const taus = c.populations.flatMap((p) => p.tauM);
    const meanTau = taus.reduce((a, b) => a + b, 0) / Math.max(1, taus.length);
    const tauChip = (meanTau * c.timeUnitS!) / h.acceleration;
    const gL = target.physical.cM / tauChip;
    return {
      timing: {
        acceleration: h.acceleration,
        gLS: gL,
        iUnitA: gL * target.physical.vUnit,
        iBiasA: (target.physical.branches * gL) / target.physical.gmOverId,
      },
    };
  },
});

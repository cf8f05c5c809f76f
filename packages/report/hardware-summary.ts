// A compiled chip in a few lines: cores, tiles, routes, timing, and the weight grid chosen per crossbar.
import { cyclesPerTick, pipelineBound, tickSeconds } from "../../circuits/hardware.js";
import { enumName, Rounding, type Circuit } from "../../circuits/model.js";
import { si } from "../../circuits/validate-hardware.js";

/** Lines describing the circuit's hardware section; empty when it has none. */
export function hardwareSummary(c: Circuit): string[] {
  const h = c.hardware;
  if (!h) return [];
  const bound = pipelineBound(c, h);
  const lines = [
    `chip: card ${h.card}, ${h.cores.length} core(s) on a ${h.noc.width}x${h.noc.height} mesh, ${h.tiles.length} crossbar tile(s), ${h.routes.length} route(s) (${h.routes.reduce((a, r) => a + r.words * r.hops, 0)} packet-hops per tick)`,
    `timing: clock ${si(h.clockHz, "Hz")}, acceleration ${h.acceleration}, tick ${si(tickSeconds(c, h), "s")} = ${cyclesPerTick(c, h)} cycles, pipeline needs ${bound.total}`,
    `converters: dac ${h.dac.bits} bit / ${h.dac.conversionCycles} cycle(s), adc ${h.adc.bits} bit / ${h.adc.conversionCycles} cycle(s)`,
  ];
  for (const w of h.weights) {
    lines.push(
      `weights '${w.crossbar}': ${w.bits} bit, scale ${w.scale.toPrecision(4)} per level (top ${(w.scale * (w.bits <= 1 ? 1 : 2 ** (w.bits - 1) - 1)).toPrecision(4)}), ${enumName(Rounding, w.rounding)} rounding, initial max |w - q(w)| ${w.maxAbsError.toPrecision(3)}`,
    );
  }
  const on = Object.entries(h.effects)
    .filter(([, v]) => v)
    .map(([k]) => k);
  lines.push(`effects on: ${on.length ? on.join(", ") : "none (ideal)"}`);
  return lines;
}

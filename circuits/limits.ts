// What the simulator can allocate and run: bounds on every count, size, window, converter number and time scale of a circuit, safe names, and the memory a run needs before any of it is allocated.
import { cyclesPerTick, routeSender } from "./hardware.js";
import type { Circuit } from "./model.js";

/** Neurons of one population, channels of one input, steps of a tbptt window. */
export const MAX_SIZE = 2 ** 20;
/** Counts of chip resources (converters, mesh size, words, hops, cycles of one stage). */
export const MAX_COUNT = 2 ** 20;
/** Clock cycles of one tick: the hardware engine schedules them, so more would run for days per step. */
export const MAX_CYCLES_PER_TICK = 2 ** 24;
/** Memory a run may take for the circuit's state (bytes); beyond it a run is refused before it allocates. */
export const MEMORY_BUDGET = 8 * 2 ** 30;

/**
 * Element names: letters, digits, _ . - and the -> of crossbar names; they become CSV headers, VCD scopes and
 * shell arguments unquoted, so nothing else (no comma, quote, space or control character).
 */
export const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(->[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/;
export const MAX_NAME_LENGTH = 128;

/**
 * Bytes of typed arrays a run of `c` allocates, estimated from above: per neuron and batch slot about 24 float64
 * state, error and scratch values (ideal mode needs ~16, the chip adds mismatch, noise and converter state), per
 * synapse about 12 (weights, feedback, gradient, two Adam moments, the chip's mismatch, levels and accumulators),
 * and for BPTT the stored steps (4 values per neuron and step).
 */
export function estimateBytes(c: Circuit, options: { batch?: number; storedSteps?: number } = {}): number {
  const batch = options.batch ?? 1;
  const neurons = c.inputs.reduce((n, p) => n + p.size, 0) + c.populations.reduce((n, p) => n + p.size, 0);
  const synapses =
    c.crossbars.reduce((n, x) => n + x.rows * x.cols, 0) + c.broadcasts.reduce((n, b) => n + b.weights.length, 0);
  return 8 * (24 * neurons * batch + 12 * synapses + 4 * neurons * batch * (options.storedSteps ?? 0));
}

const gib = (bytes: number) => {
  const x = bytes / 2 ** 30;
  return `${x < 100 ? x.toFixed(2) : Math.round(x)} GiB`;
};

/** The refusal when a run would need more than the budget, or undefined. */
export function memoryProblem(c: Circuit, options: { batch?: number; storedSteps?: number } = {}): string | undefined {
  const bytes = estimateBytes(c, options);
  if (bytes <= MEMORY_BUDGET) return undefined;
  const batch = options.batch ?? 1;
  return `a run needs about ${gib(bytes)}${batch > 1 ? ` at batch ${batch}` : ""}${options.storedSteps ? ` storing ${options.storedSteps} steps` : ""}, beyond the budget of ${gib(MEMORY_BUDGET)}; make the network ${batch > 1 ? "or the batch " : ""}smaller`;
}

/** Checks every bound above; `fail(ok, message)` reports the first problem, naming the element. */
export function checkLimits(c: Circuit, fail: (ok: boolean, msg: string | (() => string)) => void): void {
  const count = (value: number, what: string, max = MAX_COUNT) =>
    fail(value <= max, () => `${what} = ${value} is beyond ${max}, the most the simulator runs`);
  for (const p of c.inputs) count(p.size, `input '${p.name}': size`, MAX_SIZE);
  for (const p of c.populations) count(p.size, `population '${p.name}': size`, MAX_SIZE);
  count(c.learning?.window ?? 0, "learning: window", MAX_SIZE);
  const h = c.hardware;
  if (h) {
    count(h.noc.width, "hardware.noc: width");
    count(h.noc.height, "hardware.noc: height");
    count(h.noc.cyclesPerHop, "hardware.noc: cycles_per_hop");
    count(h.noc.packetBits, "hardware.noc: packet_bits");
    for (const k of h.cores) {
      count(k.dacs, `hardware: core '${k.name}': dacs`);
      count(k.adcs, `hardware: core '${k.name}': adcs`);
      count(k.x, `hardware: core '${k.name}': x`);
      count(k.y, `hardware: core '${k.name}': y`);
    }
    for (const r of h.routes) {
      count(r.words, `hardware: route ${routeSender(r)}: words`, 2 ** 31);
      count(r.hops, `hardware: route ${routeSender(r)}: hops`);
    }
    count(h.dac.conversionCycles, "hardware: dac conversion_cycles");
    count(h.adc.conversionCycles, "hardware: adc conversion_cycles");
    count(h.plasticity.everyK, "hardware.plasticity: every_k");
    count(h.plasticity.writeCycles, "hardware.plasticity: write_cycles");
    count(h.pipeline.crossbarSettleCycles, "hardware.pipeline: crossbar_settle_cycles");
    count(h.pipeline.integrateCycles, "hardware.pipeline: integrate_cycles");
    const cycles = cyclesPerTick(c, h);
    fail(
      cycles <= MAX_CYCLES_PER_TICK,
      () =>
        `hardware: a tick of ${cycles} clock cycles (clock ${h.clockHz} Hz, acceleration ${h.acceleration}) is beyond ${MAX_CYCLES_PER_TICK}, the most the simulator schedules; raise the acceleration or lower the clock`,
    );
  }
}

// Shared arithmetic of the chip description: defaults for absent sections, the weight grid, tick timing and the pipeline's cycle bound.
import { vle } from "./generated/circuit.js";
import {
  Feedback,
  Flow,
  PlasticityMode,
  PlasticityRule,
  type Circuit,
  type Converter,
  type Hardware,
  type Route,
  type WeightStorage,
} from "./model.js";

const pbc = vle.circuit;
const completeOptions = { defaults: true, arrays: true, longs: Number, enums: Number } as const;

interface MessageType {
  create(): unknown;
  toObject(message: never, options: typeof completeOptions): object;
}

/** The singular sub-messages of Hardware, which decoding leaves null when absent. */
const sections: Record<string, MessageType> = {
  effects: pbc.Effects,
  physical: pbc.Physical,
  noc: pbc.Noc,
  dac: pbc.Converter,
  adc: pbc.Converter,
  plasticity: pbc.Plasticity,
  noise: pbc.Noise,
  mismatch: pbc.Mismatch,
  pipeline: pbc.Pipeline,
};

/**
 * Fills every absent section of a decoded hardware message with its defaults (all zero, every effect off, plasticity
 * continuous and SGD), in place.
 */
export function completeHardware(h: Hardware): Hardware {
  const loose = h as unknown as Record<string, unknown>;
  for (const [key, type] of Object.entries(sections)) {
    if (loose[key] === null || loose[key] === undefined) {
      loose[key] = type.toObject(type.create() as never, completeOptions);
      if (key === "plasticity") {
        h.plasticity.mode = PlasticityMode.CONTINUOUS;
        h.plasticity.rule = PlasticityRule.SGD;
      }
    }
  }
  return h;
}

/**
 * Largest level index of a weight store: signed levels k in [-(2^(bits-1) - 1), 2^(bits-1) - 1];
 * a 1-bit store is binary, k in {-1, +1} (no zero level).
 */
export function maxLevel(bits: number): number {
  return bits <= 1 ? 1 : (powersOfTwo[bits - 1] ?? 2 ** (bits - 1)) - 1;
}

/** 2^k for k = 0..32, looked up: `**` with a variable exponent costs ~100 ns, and hardware mode rounds millions of values. */
const powersOfTwo = Array.from({ length: 33 }, (_, k) => 2 ** k);

/** Nearest level index for weight w (clipped to the store). */
export function nearestLevel(w: number, store: WeightStorage): number {
  if (store.bits <= 1) return w >= 0 ? 1 : -1;
  const m = maxLevel(store.bits);
  return Math.max(-m, Math.min(m, Math.round(w / store.scale)));
}

/**
 * Stochastic rounding to the grid: rounds up with probability equal to the distance from the
 * level below, so E[q(w)] = w inside the range. `u` is a uniform draw in [0, 1).
 */
export function stochasticLevel(w: number, store: WeightStorage, u: number): number {
  const m = maxLevel(store.bits);
  const x = Math.max(-m, Math.min(m, w / store.scale));
  if (store.bits <= 1) return u < (x + 1) / 2 ? 1 : -1;
  const low = Math.floor(x);
  return u < x - low ? low + 1 : low;
}

/** The weight a stored level reads as. */
export function levelWeight(k: number, store: WeightStorage): number {
  return k * store.scale;
}

/** LSB of a converter over [lo, hi]. */
export function converterLsb(conv: Converter, lo: number, hi: number): number {
  return (hi - lo) / ((powersOfTwo[conv.bits] ?? 2 ** conv.bits) - 1);
}

/** Clips x to [lo, hi] and rounds it to the converter's grid. */
export function convert(x: number, conv: Converter, lo: number, hi: number): number {
  const lsb = converterLsb(conv, lo, hi);
  const clipped = Math.max(lo, Math.min(hi, x));
  return lo + Math.round((clipped - lo) / lsb) * lsb;
}

/** Chip time of one tick, in seconds: dt model units at the circuit's time_unit_s each, accelerated. */
export function tickSeconds(c: Circuit, h: Hardware): number {
  return (c.dt * (c.timeUnitS ?? Number.NaN)) / h.acceleration;
}

/** The label of tile `index` (of crossbar `crossbar`) in messages and in the hardware plan. */
export const tileLabel = (crossbar: string, index: number) => `${crossbar}#${index}`;

/** The sender of a route as one label: the population or input, or a crossbar's tile ("<crossbar>#<index>"). */
export const routeSender = (r: Route) => (r.tile === undefined ? r.element : tileLabel(r.element, r.tile));

/** Clock cycles available in one tick (whole cycles). */
export function cyclesPerTick(c: Circuit, h: Hardware): number {
  return Math.floor(tickSeconds(c, h) * h.clockHz + 1e-9);
}

/**
 * The warning for a tick shorter than its pipeline (undefined when it fits): with the latency effect on, values
 * arrive one or more ticks late (the timing report counts them); with it off, ticks stretch to wait for them.
 */
export function shortTickWarning(c: Circuit, h: Hardware): string | undefined {
  const need = pipelineBound(c, h).total,
    have = cyclesPerTick(c, h);
  if (have >= need) return undefined;
  return `a tick holds ${have} cycles but its pipeline needs ${need}: ${h.effects.latency ? "values arrive stale (see the stale-value count of the timing report)" : "ticks stretch to wait for late values (latency effect off)"}`;
}

/** The stages of one tick's pipeline and the cycles each needs without contention, busiest core first. */
export interface PipelineBound {
  /** DAC conversions of the forward (rate) lines, serialized over the busiest core's DACs */
  forwardDac: number;
  crossbarSettle: number;
  /** ADC conversions of rates, errors and partial sums on the busiest core */
  adc: number;
  /** the longest route, in hop cycles */
  route: number;
  /** DAC conversions of the transposed (error) lines, busiest core */
  transposedDac: number;
  transposedSettle: number;
  integrate: number;
  /** row writes of the busiest core's plastic tiles, spread over the write period */
  write: number;
  total: number;
}

/**
 * A lower bound on the cycles one tick needs: the stages in sequence, each unit fully busy,
 * no link contention. The validator requires the tick to hold at least this many cycles;
 * the cycle simulation may need more (contention), never fewer.
 */
export function pipelineBound(c: Circuit, h: Hardware): PipelineBound {
  const dacLines = new Map<string, number>();
  const dacErrorLines = new Map<string, number>();
  const adcWords = new Map<string, number>();
  const writeRows = new Map<string, number>();
  const add = (m: Map<string, number>, core: string, n: number) => m.set(core, (m.get(core) ?? 0) + n);
  const crossbars = new Map(c.crossbars.map((x) => [x.name, x]));
  const postCores = new Map<string, Set<string>>();
  for (const p of h.placements) {
    const set = postCores.get(p.element) ?? new Set<string>();
    set.add(p.core);
    postCores.set(p.element, set);
  }
  const learns = new Set(c.errorPopulations.map((e) => e.population));
  for (const p of h.placements) {
    const isPopulation = c.populations.some((q) => q.name === p.element);
    if (isPopulation) add(adcWords, p.core, p.count * (learns.has(p.element) ? 2 : 1));
  }
  for (const t of h.tiles) {
    const x = crossbars.get(t.crossbar);
    if (!x) continue;
    add(dacLines, t.core, t.cols);
    const local = postCores.get(x.post);
    const remote = !(local?.size === 1 && local.has(t.core));
    if (remote) add(adcWords, t.core, t.rows);
    if (x.feedback !== Feedback.NO_FEEDBACK) {
      add(dacErrorLines, t.core, t.rows);
      const preLocal = postCores.get(x.pre);
      if (!(preLocal?.size === 1 && preLocal.has(t.core))) add(adcWords, t.core, t.cols);
    }
    if (x.plastic) add(writeRows, t.core, t.rows * (x.feedback === Feedback.LEARNED ? 2 : 1));
  }
  const busiest = (m: Map<string, number>, units: (core: string) => number) =>
    Math.max(0, ...[...m].map(([core, n]) => Math.ceil(n / Math.max(1, units(core)))));
  const cores = new Map(h.cores.map((k) => [k.name, k]));
  const dacs = (core: string) => cores.get(core)?.dacs ?? 1;
  const adcs = (core: string) => cores.get(core)?.adcs ?? 1;
  const dac = h.dac?.conversionCycles ?? 0;
  const adc = h.adc?.conversionCycles ?? 0;
  const forwardDac = busiest(dacLines, dacs) * dac;
  const transposedDac = busiest(dacErrorLines, dacs) * dac;
  const settle = h.pipeline?.crossbarSettleCycles ?? 0;
  const anyTransposed = dacErrorLines.size > 0;
  const adcCycles = busiest(adcWords, adcs) * adc;
  const route = Math.max(0, ...h.routes.map((r) => r.hops)) * (h.noc?.cyclesPerHop ?? 0);
  const integrate = h.pipeline?.integrateCycles ?? 0;
  const period = h.plasticity && h.plasticity.mode === PlasticityMode.EVERY_K ? Math.max(1, h.plasticity.everyK) : 1;
  const write = Math.ceil((busiest(writeRows, () => 1) * (h.plasticity?.writeCycles ?? 0)) / period);
  const total =
    forwardDac + settle + adcCycles + route + transposedDac + (anyTransposed ? settle : 0) + integrate + write;
  return {
    forwardDac,
    crossbarSettle: settle,
    adc: adcCycles,
    route,
    transposedDac,
    transposedSettle: anyTransposed ? settle : 0,
    integrate,
    write,
    total,
  };
}

/** The flows a route may carry, by name as users and reports write them. */
export const flowNames: Record<number, string> = {
  [Flow.RATE]: "rate",
  [Flow.PARTIAL_SUM]: "partial-sum",
  [Flow.ERROR]: "error",
  [Flow.ERROR_PARTIAL_SUM]: "error-partial-sum",
  [Flow.BROADCAST]: "broadcast",
};

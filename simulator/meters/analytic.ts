// Operation counts derived from the compiled chip without simulating it: the per-tick dataflow (counts.ts definitions) times the ticks run.
import { cyclesPerTick } from "../../circuits/hardware.js";
import {
  Feedback,
  Flow,
  PlasticityMode,
  PlasticityRule,
  Rounding,
  Rule,
  type Circuit,
  type Hardware,
} from "../../circuits/model.js";
import { VleError } from "../../circuits/errors.js";
import { zeroCounts, type OpCounts } from "./counts.js";

export interface Workload {
  /** sequences (samples) run */
  samples: number;
  /** ticks per sample */
  ticks: number;
  /** ticks per sample at which a target is injected (default: every tick) */
  targetTicks?: number;
  /** whether the plasticity controller writes (default: unless the rule is none) */
  learn?: boolean;
}

/** The static dataflow of one tick, per core where it matters for idle cycles. */
export interface TickFlow {
  forwardReads: number;
  transposedReads: number;
  broadcastReads: number;
  /** DAC conversions without the targets (those depend on the target mask) */
  dacs: number;
  targetDacs: number;
  adcs: number;
  integrators: number;
  /** cells written per write event */
  writeCells: number;
  /** of those, cells whose storage rounds stochastically */
  stochasticWriteCells: number;
  /** e*r products per tick: synapses of plastic crossbars into populations with error cells */
  erProducts: number;
  parameterWrites: number;
  packets: number;
  packetHops: number;
  /** per core: cycles its units are busy in one tick without overlap between them (an upper bound on busy time) */
  coreBusy: Map<string, number>;
}

/** Whether a tile's crossbar is read transposed every tick: it has a feedback path and its post neurons have error cells. */
function transposed(c: Circuit, x: Circuit["crossbars"][number], learns: Set<string>): boolean {
  return x.feedback !== Feedback.NO_FEEDBACK && learns.has(x.post);
}

export function tickFlow(c: Circuit, h: Hardware): TickFlow {
  const learns = new Set(c.errorPopulations.map((e) => e.population));
  const crossbars = new Map(c.crossbars.map((x) => [x.name, x]));
  const flow: TickFlow = {
    forwardReads: 0,
    transposedReads: 0,
    broadcastReads: 0,
    dacs: 0,
    targetDacs: 0,
    adcs: 0,
    integrators: 0,
    writeCells: 0,
    stochasticWriteCells: 0,
    erProducts: 0,
    parameterWrites: 0,
    packets: 0,
    packetHops: 0,
    coreBusy: new Map(),
  };
  const cores = new Map(h.cores.map((k) => [k.name, k]));
  const dacOn = new Map<string, number>();
  const adcOn = new Map<string, number>();
  const arrayOn = new Map<string, number>();
  const linkOn = new Map<string, number>();
  const add = (m: Map<string, number>, core: string, n: number) => m.set(core, (m.get(core) ?? 0) + n);

  for (const x of c.crossbars) {
    flow.forwardReads += x.rows * x.cols;
    if (transposed(c, x, learns)) flow.transposedReads += x.rows * x.cols;
    if (x.plastic && learns.has(x.post)) {
      const cells = x.rows * x.cols * (x.feedback === Feedback.LEARNED ? 2 : 1);
      flow.writeCells += cells;
      flow.erProducts += x.rows * x.cols;
      if (h.weights.find((w) => w.crossbar === x.name)?.rounding === Rounding.STOCHASTIC)
        flow.stochasticWriteCells += cells;
    }
  }
  for (const b of c.broadcasts) flow.broadcastReads += b.weights.length;
  for (const p of c.populations) {
    flow.integrators += p.size * (learns.has(p.name) ? 2 : 1);
    flow.parameterWrites += (p.plasticBias ? p.size : 0) + (p.plasticTauM ? p.size : 0);
  }
  // cell outputs: every rate, every error of a population with an error cell, on the cell's core
  for (const p of h.placements) {
    if (!c.populations.some((q) => q.name === p.element)) continue;
    const n = p.count * (learns.has(p.element) ? 2 : 1);
    flow.adcs += n;
    add(adcOn, p.core, n);
  }
  const period =
    h.effects.plasticitySchedule && h.plasticity.mode === PlasticityMode.EVERY_K ? Math.max(1, h.plasticity.everyK) : 1;
  for (const t of h.tiles) {
    const x = crossbars.get(t.crossbar)!;
    flow.dacs += t.cols;
    add(dacOn, t.core, t.cols);
    add(arrayOn, t.core, h.pipeline.crossbarSettleCycles);
    if (transposed(c, x, learns)) {
      flow.dacs += t.rows;
      add(dacOn, t.core, t.rows);
      add(arrayOn, t.core, h.pipeline.crossbarSettleCycles);
    }
    if (x.plastic && learns.has(x.post))
      add(arrayOn, t.core, (t.rows * (x.feedback === Feedback.LEARNED ? 2 : 1) * h.plasticity.writeCycles) / period);
  }
  for (const r of h.routes) {
    flow.packets += r.words;
    flow.packetHops += r.words * r.hops;
    // each link a packet crosses is busy one cycle at the core it leaves
    for (let i = 0; i + 1 < r.path.length; i++) add(linkOn, r.path[i], r.words);
    // partial sums leaving their tile are digitized there and converted back into current at the neuron
    if (r.flow === Flow.PARTIAL_SUM || r.flow === Flow.ERROR_PARTIAL_SUM) {
      flow.adcs += r.words;
      add(adcOn, r.fromCore, r.words);
      flow.dacs += r.words;
      add(dacOn, r.toCore, r.words);
    }
  }
  // a broadcast's output errors drive the broadcast matrix's lines on each core holding target neurons
  for (const b of c.broadcasts) {
    const from = c.populations.find((p) => p.name === b.from)!;
    for (const core of new Set(h.placements.filter((p) => p.element === b.to).map((p) => p.core))) {
      flow.dacs += from.size;
      add(dacOn, core, from.size);
    }
  }
  for (const o of c.outputs) {
    for (const p of h.placements.filter((q) => q.element === o.population)) {
      flow.targetDacs += p.count;
      add(dacOn, p.core, p.count);
    }
  }
  const cellsOn = new Set(
    h.placements.filter((p) => c.populations.some((q) => q.name === p.element)).map((p) => p.core),
  );
  for (const [name, k] of cores) {
    const busy =
      Math.ceil((dacOn.get(name) ?? 0) / k.dacs) * h.dac.conversionCycles +
      Math.ceil((adcOn.get(name) ?? 0) / k.adcs) * h.adc.conversionCycles +
      (arrayOn.get(name) ?? 0) +
      (linkOn.get(name) ?? 0) +
      (cellsOn.has(name) ? h.pipeline.integrateCycles : 0);
    flow.coreBusy.set(name, busy);
  }
  return flow;
}

/** Counts of running `work` on the circuit's chip, from the per-tick dataflow. */
export function analyticCounts(c: Circuit, work: Workload): OpCounts {
  const h = c.hardware;
  if (!h)
    throw new VleError(
      `circuit '${c.name}' has no hardware section; compile it for a chip (vle compile --chip <card>)`,
    );
  const f = tickFlow(c, h);
  const ticks = work.samples * work.ticks;
  const targetTicks = work.samples * (work.targetTicks ?? work.ticks);
  const learn = work.learn ?? c.learning.rule !== Rule.NONE;
  const period =
    h.effects.plasticitySchedule && h.plasticity.mode === PlasticityMode.EVERY_K ? Math.max(1, h.plasticity.everyK) : 1;
  // write events per sample: every tick, or every K-th tick of the sample
  const writeEvents = learn ? work.samples * Math.floor(work.ticks / period) : 0;
  const cycles = cyclesPerTick(c, h);
  const counts = zeroCounts();
  counts.ticks = ticks;
  counts.samples = work.samples;
  counts.cycles = ticks * cycles;
  counts.crossbarForwardReads = ticks * f.forwardReads;
  counts.crossbarTransposedReads = ticks * f.transposedReads;
  counts.broadcastReads = ticks * f.broadcastReads;
  counts.dacConversions = ticks * f.dacs + targetTicks * f.targetDacs;
  counts.adcConversions = ticks * f.adcs;
  counts.integratorTicks = ticks * f.integrators;
  counts.weightWrites = writeEvents * f.writeCells;
  counts.cellParameterWrites = writeEvents * f.parameterWrites;
  // the plasticity circuit: every tick's e*r products (into an accumulator with every-K writes), the read of each
  // read-modify-write, the random bits of stochastic rounding (not under sign and ternary rules), Adam's updates
  const pl = h.plasticity;
  const levels = h.effects.plasticityCircuit && (pl.rule === PlasticityRule.SIGN || pl.rule === PlasticityRule.TERNARY);
  counts.erProducts = learn ? ticks * f.erProducts : 0;
  const accumulates = h.effects.plasticityCircuit && h.effects.plasticitySchedule && pl.mode === PlasticityMode.EVERY_K;
  counts.accumulatorUpdates = accumulates ? counts.erProducts : 0;
  counts.weightReads = counts.weightWrites;
  counts.randomBits =
    h.effects.weightQuantization && !levels ? writeEvents * f.stochasticWriteCells * pl.roundingBits : 0;
  counts.coprocessorUpdates =
    h.effects.plasticityCircuit && pl.rule === PlasticityRule.ADAM
      ? writeEvents * (f.writeCells + f.parameterWrites)
      : 0;
  counts.packets = ticks * f.packets;
  counts.packetHops = ticks * f.packetHops;
  let idle = 0;
  for (const busy of f.coreBusy.values()) idle += Math.max(0, cycles - busy);
  counts.idleCycles = ticks * idle;
  return counts;
}

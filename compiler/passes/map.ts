// Pass 'map to cores': places neurons on cores and tiles crossbars larger than a core's synapse array across cores (partial sums added at the neuron's core).
import { completeHardware, cyclesPerTick, pipelineBound, tickSeconds } from "../../circuits/hardware.js";
import {
  Feedback,
  PlasticityMode,
  type CellPlacement,
  type Circuit,
  type Core,
  type CrossbarTile,
  type Hardware,
} from "../../circuits/model.js";
import type { Compilation, Pass } from "../pipeline.js";
import { fail } from "../source.js";
import { hardwareSpec, type HardwareSpec } from "./hardware-spec.js";
import { quantization } from "./quantize.js";

/** Boltzmann constant (exact in SI since 2019). */
const BOLTZMANN = 1.380649e-23;

/** What a core holds and converts. */
export interface CoreShape {
  neurons: number;
  synapses: number;
  dacs: number;
  adcs: number;
}

interface CoreUse {
  core: Core;
  neurons: number;
  synapses: number;
}

/** Neurons of each population in order, filling cores; a population larger than the room left continues on the next core. */
function placeNeurons(c: Circuit, shape: CoreShape, cores: CoreUse[], newCore: () => CoreUse): CellPlacement[] {
  const placements: CellPlacement[] = [];
  for (const p of c.populations) {
    let first = 0;
    while (first < p.size) {
      let use = cores[cores.length - 1];
      if (!use || use.neurons >= shape.neurons) use = newCore();
      const count = Math.min(p.size - first, shape.neurons - use.neurons);
      placements.push({ element: p.name, first, count, core: use.core.name });
      use.neurons += count;
      first += count;
    }
  }
  return placements;
}

/**
 * Tiles every crossbar: for each slice of its post neurons, blocks of rows x cols that fit a core's synapse
 * array, first on the neurons' own core (their column currents add in place), the rest on cores with room or
 * new ones (their partial sums are digitized and routed to the neurons' core).
 */
function tileCrossbars(
  c: Circuit,
  shape: CoreShape,
  placements: CellPlacement[],
  cores: CoreUse[],
  newCore: () => CoreUse,
  tooSmall: (problem: string, fix: string) => never,
): CrossbarTile[] {
  const tiles: CrossbarTile[] = [];
  const byName = new Map(cores.map((u) => [u.core.name, u]));
  const capacity = shape.synapses;
  for (const x of c.crossbars) {
    const cellsPerSynapse = x.feedback === Feedback.RANDOM || x.feedback === Feedback.LEARNED ? 2 : 1;
    if (capacity < cellsPerSynapse) {
      tooSmall(
        `core synapses ${capacity} cannot hold one synapse of crossbar '${x.name}' (${cellsPerSynapse} cells with its own feedback matrix)`,
        `give hardware.core.synapses at least ${cellsPerSynapse}`,
      );
    }
    for (const slice of placements.filter((p) => p.element === x.post)) {
      const band = Math.min(slice.count, Math.floor(capacity / cellsPerSynapse));
      for (let r = slice.first; r < slice.first + slice.count; r += band) {
        const rows = Math.min(band, slice.first + slice.count - r);
        let col = 0;
        const place = (use: CoreUse) => {
          const cols = Math.min(x.cols - col, Math.floor((capacity - use.synapses) / (rows * cellsPerSynapse)));
          if (cols < 1) return;
          tiles.push({ crossbar: x.name, core: use.core.name, rowFirst: r, rows, colFirst: col, cols });
          use.synapses += rows * cols * cellsPerSynapse;
          col += cols;
        };
        place(byName.get(slice.core)!);
        if (col < x.cols) place(cores[cores.length - 1]);
        while (col < x.cols) {
          const use = newCore();
          byName.set(use.core.name, use);
          place(use);
        }
      }
    }
  }
  return tiles;
}

/** Each input port on the core holding most of the crossbar columns it drives (its DACs sit there). */
function placeInputs(c: Circuit, tiles: CrossbarTile[], cores: CoreUse[]): CellPlacement[] {
  return c.inputs.map((port) => {
    const columns = new Map<string, number>();
    for (const t of tiles) {
      const x = c.crossbars.find((k) => k.name === t.crossbar)!;
      if (x.pre === port.name) columns.set(t.core, (columns.get(t.core) ?? 0) + t.cols * t.rows);
    }
    const best = [...columns].sort((a, b) => b[1] - a[1])[0]?.[0] ?? cores[0].core.name;
    return { element: port.name, first: 0, count: port.size, core: best };
  });
}

/** Three significant digits, rounded down (an acceleration that still fits the pipeline). */
export function roundDown(x: number): number {
  const digits = 10 ** (Math.floor(Math.log10(x)) - 2);
  return Math.floor(x / digits) * digits;
}

/** Sets the acceleration (the largest that fits the pipeline when the description says auto) and the physical parameters that follow from it. */
export function settleTiming(c: Circuit, h: Hardware, spec: HardwareSpec, file: string): void {
  const bound = pipelineBound(c, h);
  if (spec.acceleration === undefined) {
    const fit = (c.dt * h.timeUnitS * h.clockHz) / Math.max(1, bound.total);
    h.acceleration = roundDown(Math.min(spec.maxAcceleration, fit));
  } else h.acceleration = spec.acceleration;
  const available = cyclesPerTick(c, h);
  if (available < bound.total) {
    const where = spec.acceleration === undefined ? spec.where : spec.accelerationWhere;
    fail(
      file,
      where,
      `clock ${h.clockHz / 1e6} MHz is too slow for the pipeline: a tick of ${(tickSeconds(c, h) * 1e9).toPrecision(3)} ns at acceleration ${h.acceleration} holds ${available} cycles but needs ${bound.total} ` +
        `(dac ${bound.forwardDac}, settle ${bound.crossbarSettle}, adc ${bound.adc}, route ${bound.route}, error dac ${bound.transposedDac}, error settle ${bound.transposedSettle}, integrate ${bound.integrate}, write ${bound.write})`,
      "raise hardware.clock, lower hardware.acceleration (or leave it out: auto), or give cores more converters",
    );
  }
  // the leak conductance and the transconductor's bias that realize the mean tau_m in chip time
  const taus = c.populations.flatMap((p) => p.tauM);
  const meanTau = taus.reduce((a, b) => a + b, 0) / Math.max(1, taus.length);
  const tauChip = (meanTau * h.timeUnitS) / h.acceleration;
  const gL = spec.physical.cM / tauChip;
  h.physical.gLS = gL;
  h.physical.iUnitA = gL * spec.physical.vUnit;
  h.physical.iBiasA = (spec.physical.branches * gL) / spec.physical.gmOverId;
}

/** Cores, neuron and input placements and crossbar tiles for cores of `shape` on a mesh (given, or the smallest near-square). */
export function layOut(
  c: Circuit,
  shape: CoreShape,
  mesh: { width: number; height: number } | undefined,
  tooSmall: (problem: string, fix: string) => never,
  meshTooSmall: (problem: string, fix: string) => never,
) {
  const uses: CoreUse[] = [];
  const newCore = (): CoreUse => {
    const use = {
      core: {
        name: `core${uses.length}`,
        x: 0,
        y: 0,
        neuronCapacity: shape.neurons,
        synapseCapacity: shape.synapses,
        dacs: shape.dacs,
        adcs: shape.adcs,
      },
      neurons: 0,
      synapses: 0,
    };
    uses.push(use);
    return use;
  };
  const neurons = placeNeurons(c, shape, uses, newCore);
  const tiles = tileCrossbars(c, shape, neurons, uses, newCore, tooSmall);
  const inputs = placeInputs(c, tiles, uses);
  const width = mesh?.width ?? Math.ceil(Math.sqrt(uses.length));
  const height = mesh?.height ?? Math.ceil(uses.length / width);
  if (width * height < uses.length)
    meshTooSmall(
      `a ${width}x${height} mesh holds ${width * height} cores but the circuit needs ${uses.length}`,
      "enlarge the mesh, or leave it out to size it automatically",
    );
  uses.forEach((u, i) => {
    u.core.x = i % width;
    u.core.y = Math.floor(i / width);
  });
  return { cores: uses.map((u) => u.core), width, height, neurons, tiles, inputs };
}

export const mapToCores: Pass = {
  name: "map to cores",
  run(comp: Compilation) {
    const spec = hardwareSpec(comp);
    if (!spec) return;
    const c = comp.circuit!;
    const layout = layOut(
      c,
      spec.core,
      spec.mesh,
      (problem, fix) => fail(comp.file, spec.core.where, problem, fix),
      (problem, fix) => fail(comp.file, spec.mesh!.where, problem, fix),
    );
    const { cores, width, height, neurons, tiles, inputs } = layout;
    const q = quantization(comp)!;
    const cells = c.inputs.reduce((a, p) => a + p.size, 0) + c.populations.reduce((a, p) => a + p.size, 0);
    const h = completeHardware({
      card: spec.card.name,
      clockHz: spec.clockHz,
      acceleration: spec.acceleration ?? spec.maxAcceleration,
      timeUnitS: spec.timeUnitS,
      seed: spec.seed,
      effects: {
        weightQuantization: spec.effects.weights,
        dacQuantization: spec.effects.dac,
        adcQuantization: spec.effects.adc,
        railSaturation: spec.effects.rails,
        thermalNoise: spec.effects.noise,
        mismatch: spec.effects.mismatch,
        drift: spec.effects.drift,
        plasticitySchedule: spec.effects.schedule,
        latency: spec.effects.latency,
      },
      physical: {
        cMF: spec.physical.cM,
        gLS: 0,
        vUnitV: spec.physical.vUnit,
        railLoV: -spec.physical.supply / 2,
        railHiV: spec.physical.supply / 2,
        vddV: spec.physical.supply,
        iUnitA: 0,
        iBiasA: 0,
        temperatureK: spec.physical.temperature,
      },
      // a packet carries one converted value and the address of its destination cell
      noc: {
        width,
        height,
        cyclesPerHop: spec.cyclesPerHop,
        packetBits: spec.adc.bits + Math.ceil(Math.log2(Math.max(2, cells))),
      },
      cores,
      placements: [...inputs, ...neurons],
      tiles,
      routes: [],
      dac: { bits: spec.dac.bits, conversionCycles: spec.dac.cycles },
      adc: { bits: spec.adc.bits, conversionCycles: spec.adc.cycles },
      ranges: q.ranges,
      weights: q.weights,
      plasticity: {
        mode: spec.plasticity.every > 1 ? PlasticityMode.EVERY_K : PlasticityMode.CONTINUOUS,
        everyK: spec.plasticity.every,
        writeCycles: spec.plasticity.writeCycles,
      },
      noise: spec.noise.thermal
        ? { membraneStd: thermalStd(spec), errorStd: thermalStd(spec) }
        : { membraneStd: spec.noise.membrane, errorStd: spec.noise.error },
      mismatch: {
        tauRelStd: spec.mismatch.tau,
        gainRelStd: spec.mismatch.gain,
        offsetStd: spec.mismatch.offset,
        synapseGainRelStd: spec.mismatch.synapse,
        stuckOffProb: spec.mismatch.stuckOff,
      },
      pipeline: { crossbarSettleCycles: spec.pipeline.settle, integrateCycles: spec.pipeline.integrate },
    } as Hardware);
    settleTiming(c, h, spec, comp.file);
    c.hardware = h;
  },
};

/** Stationary kT/C noise of an integrator capacitor, in model units of u. */
export function thermalStd(spec: HardwareSpec): number {
  return Math.sqrt((BOLTZMANN * spec.physical.temperature) / spec.physical.cM) / spec.physical.vUnit;
}

// Hardware mode: the same circuit run tick by tick through the chip's clocked pipeline (DAC -> crossbar -> integrate -> ADC -> route -> error path -> write), cycle by cycle.
//
// One tick k (design section 6), per tile of every crossbar, all driven by the event queue:
//   ADC e(k) and r(k) of every cell at the tick start -> packets along the routes (one link input per cycle,
//   cycles_per_hop per hop) -> DACs of the tile's lines -> transposed read with W(k-1) -> write of the
//   update of tick k-1 -> forward read with W(k) -> partial sums (analog on the post's core, else ADC ->
//   route -> DAC) -> registers at the cells. The integrators sample their registers integrate_cycles
//   before the tick ends: with effects.latency on, a value not there yet is used as it was (stale by whole
//   ticks); with latency off the tick waits for it (a stall the timing report shows). Each population then
//   takes the ideal engine's step (simulator/population-step.ts) with its inputs from the registers and the
//   cells' effects (mismatch, noise, rails) as hooks, so with every effect off hardware mode equals ideal mode.
import {
  convert,
  cyclesPerTick,
  levelWeight,
  nearestLevel,
  stochasticLevel,
  tickSeconds,
} from "../../circuits/hardware.js";
import { VleError } from "../../circuits/errors.js";
import {
  Loss,
  PlasticityMode,
  PlasticityRule,
  Rounding,
  Rule,
  Signal,
  enumName,
  type Circuit,
  type Converter,
  type Effects,
  type Hardware,
  type WeightStorage,
} from "../../circuits/model.js";
import { Random } from "../../circuits/random.js";
import type { ChipParts } from "./snapshot.js";
import { Engine, type CrossbarState, type EngineOptions, type PopulationState } from "../engine.js";
import { accumulateOuterProduct, addOutputError, broadcastRead, crossbarRead, transposedRead } from "../kernels.js";
import {
  accumulateLocalUpdates,
  stepPopulation,
  type PopulationEffects,
  type PopulationRoute,
  type SynapseUpdate,
} from "../population-step.js";
import { zeroCounts, type OpCounts } from "../meters/counts.js";
import { drawChip, drawErrorCells, factors, synapseFactors, type ChipDraws } from "./mismatch.js";
import { drawConverterLines, throughLine, type ConverterLines, type Lines } from "./converter-lines.js";
import { Flicker } from "./flicker.js";
import { PlasticityController } from "./plasticity/controller.js";
import { planChip, type ChipPlan, type Destination, type Path, type TilePlan } from "./plan.js";
import { BusyIntervals, EventQueue, Servers } from "./schedule.js";

export interface HardwareOptions extends EngineOptions {
  /** overrides hardware.seed: mismatch draws, thermal noise and stochastic rounding */
  seed?: number;
}

/** How the pipeline kept time, per chip (one sample), over every tick since construction. */
export interface TimingReport {
  cyclesPerTick: number;
  clockHz: number;
  /** chip seconds of one tick at the nominal cycles per tick */
  tickSeconds: number;
  ticks: number;
  /** cycles elapsed (ticks x cycles per tick, plus stalls when latency is off) */
  cycles: number;
  /** chip seconds elapsed: cycles / clock */
  seconds: number;
  /** cycles from a tick's start until its last integrator input arrived (the pipeline's critical path) */
  inputLatency: { mean: number; max: number };
  /** cycles from a tick's start to the end of its last piece of work (conversions, packets, reads, writes) */
  makespan: { mean: number; max: number };
  /** cycles per tick minus integrate cycles minus the largest input latency: negative when inputs come late */
  slack: number;
  /** integrator inputs (one per register line: partial sum, error partial sum, broadcast, target) used stale, summed over ticks */
  staleValues: number;
  /** ticks in which at least one integrator input was stale */
  staleTicks: number;
  /** largest age of a value used, in ticks (0: everything fresh) */
  maxLagTicks: number;
  /** with latency off: cycles by which ticks were stretched to wait for late values */
  stallCycles: number;
  /** busy fraction of each unit (core DACs/ADCs per unit, arrays, links) over the cycles elapsed */
  utilization: Record<string, number>;
}

/** A converted value on its way: B samples, shared by the consumers of one conversion. */
interface Payload {
  v: Float64Array;
  refs: number;
}

/** One register line per integrator input, for each tile and broadcast: its value (B) and the tick it belongs to. */
interface Register {
  values: Float64Array;
  width: number;
  tick: Int32Array;
}

/** Live state of a tile. */
interface TileState {
  plan: TilePlan;
  x: CrossbarState;
  /** the DAC levels on its forward lines (B x crossbar cols) and on its transposed lines (B x crossbar rows) */
  drive: Float64Array;
  eDrive: Float64Array;
  /** the forward lines as the last forward read saw them: the pre rates of the plasticity rule */
  readDrive: Float64Array;
  readOut: Float64Array;
  errorReadOut: Float64Array;
  /** forward partial sums per row, error partial sums per col, as the integrators see them */
  forward: Register;
  error: Register;
  array: Servers;
  /** an update waits to be written; a write task is queued or running */
  writePending: boolean;
  writeQueued: boolean;
}

/** One tick's progress on a tile. */
interface TileTick {
  forwardDacs: number;
  transposedDacs: number;
  errorsIn: number;
  transposedDone: boolean;
  writeDue: boolean;
  writeDone: boolean;
  forwardStarted: boolean;
}

interface TickWork {
  k: number;
  start: number;
  /** integrator inputs of this tick not delivered yet */
  pending: number;
  lastDelivery: number;
  lastDone: number;
  tiles: TileTick[];
}

/** Fixed-pattern parameters of a population's cells under mismatch. */
interface CellFactors {
  tauM: Float64Array;
  tauR: Float64Array;
  gain: Float64Array;
  offset: Float64Array;
  /** effective time constants of this tick (programmed x factor, at least dt) */
  tauMEff: Float64Array;
  tauREff: Float64Array;
  /** the error cell's own factors and effective time constants (separate devices) */
  errorTauM: Float64Array;
  errorTauR: Float64Array;
  errorTauMEff: Float64Array;
  errorTauREff: Float64Array;
}

interface CrossbarHardware {
  storage?: WeightStorage;
  /** the update computed but not yet written (W, and a learned F) */
  pendingW?: Float64Array;
  pendingF?: Float64Array;
  /** what the array reads: stored weight x synapse factor (the stored arrays themselves without mismatch) */
  readW: Float64Array;
  readF: Float64Array;
  synW?: Float64Array;
  synF?: Float64Array;
}

type Range = [number, number];
const signalKey = (signal: Signal, element: string) => `${signal}:${element}`;

export class HardwareEngine extends Engine {
  readonly hardware: Hardware;
  readonly effects: Effects;
  readonly seed: number;
  readonly plan: ChipPlan;
  readonly cyclesPerTick: number;
  private readonly draws: ChipDraws;
  private readonly cells: (CellFactors | undefined)[];
  /** per-line gain and offset of every DAC and ADC line (with mismatch on) */
  private readonly lines?: ConverterLines;
  /** flicker noise of each population's membrane inputs (with thermal noise on and flicker_std > 0) */
  private readonly flicker: (Flicker | undefined)[];
  private readonly xh: CrossbarHardware[];
  private readonly tiles: TileState[];
  private readonly dacs: Servers[];
  private readonly adcs: Servers[];
  private readonly links: Servers[];
  private readonly linkFrom: number[];
  private readonly coreBusy: BusyIntervals[];
  private readonly coreHasCells: boolean[];
  private readonly queue = new EventQueue();
  private readonly noise: Random;
  private readonly rounding: Random;
  private readonly ranges = new Map<string, Range>();
  /** the chip's plasticity circuit: what each write event writes */
  private readonly controller: PlasticityController;
  private readonly broadcastRegisters: Map<number, Register>[];
  private readonly targetRegisters: Register[];
  /** synapse-side errors (ADC codes of e) per population, B x n */
  private readonly errorCodes: (Float64Array | undefined)[];
  /** last ADC output of r and e per population (B x n), for waveforms */
  readonly rateAdc: Float64Array[];
  readonly errorAdc: (Float64Array | undefined)[];
  private readonly softmaxBuffer: Float64Array;
  /** scratch of the noise draws (B x largest population) and of their per-cell scale */
  private readonly noiseBuffer: Float64Array;
  private readonly noiseScale: Float64Array;
  private readonly payloads: Payload[] = [];
  private readonly counts: OpCounts = zeroCounts();
  private readonly report = {
    ticks: 0,
    cycles: 0,
    makespanSum: 0,
    makespanMax: 0,
    inputSum: 0,
    inputMax: 0,
    staleValues: 0,
    staleTicks: 0,
    maxLag: 0,
    stall: 0,
  };
  /** ticks since construction (never reset: registers compare against it) */
  private tick = 0;
  private tickStart = 0;
  /** the cycle being simulated: the time of the event that is firing, or the tick start */
  private cycle = 0;
  private sequenceStarted = false;
  private ticksSinceApply = 0;
  private readonly integrateCycles: number;

  constructor(circuit: Circuit, options: HardwareOptions = {}) {
    // the reference kernels: the tiles' buffers and the mismatched time constants live outside a kernel arena
    super(circuit, { ...options, kernels: "js" });
    if (!circuit.hardware)
      throw new VleError(
        `circuit '${circuit.name}' has no hardware section, so it cannot run in hardware mode; compile it with a target (vle compile --chip <card>)`,
      );
    if (!this.learnsOnline && this.rule !== Rule.NONE) {
      throw new VleError(
        `hardware mode runs the chip's local rules (vle, instantaneous) or none; rule ${enumName(Rule, this.rule)} is not on-chip learning`,
      );
    }
    const h = (this.hardware = circuit.hardware);
    this.effects = h.effects;
    this.seed = options.seed ?? h.seed;
    this.plan = planChip(circuit, h);
    this.cyclesPerTick = cyclesPerTick(circuit, h);
    this.integrateCycles = h.pipeline.integrateCycles;
    const B = this.batch;
    for (const r of h.ranges) this.ranges.set(signalKey(r.signal, r.element), [r.lo, r.hi]);
    this.noise = new Random((this.seed ^ 0x2545f491) | 0);
    this.rounding = new Random((this.seed ^ 0x68e31da4) | 0);
    this.draws = drawChip(circuit, this.seed);
    const m = h.mismatch;
    const errorDraws = drawErrorCells(circuit, this.seed);
    this.cells = this.populations.map((p, i) => {
      if (!this.effects.mismatch) return undefined;
      const d = this.draws.cells[i];
      return {
        tauM: factors(d.tauM, m.tauRelStd),
        tauR: factors(d.tauR, m.tauRelStd),
        gain: factors(d.gain, m.gainRelStd),
        offset: d.offset.map((z) => m.offsetStd * z),
        tauMEff: new Float64Array(p.size),
        tauREff: new Float64Array(p.size),
        errorTauM: factors(errorDraws[i].tauM, m.errorTauRelStd),
        errorTauR: factors(errorDraws[i].tauR, m.errorTauRelStd),
        errorTauMEff: new Float64Array(p.size),
        errorTauREff: new Float64Array(p.size),
      };
    });
    this.lines = this.effects.mismatch ? drawConverterLines(circuit, this.seed, m) : undefined;
    const flickerStd = this.effects.thermalNoise ? h.noise.flickerStd : 0;
    this.flicker = this.populations.map((p) =>
      flickerStd > 0 ? new Flicker(flickerStd, this.dt, B * p.size, this.noise) : undefined,
    );

    // weight storage: program the initial weights onto the grid (nearest level), then the arrays' read factors
    this.xh = this.crossbars.map((x, xi) => {
      const storage = h.weights.find((s) => s.crossbar === x.spec.name);
      const own = x.feedback !== x.weights;
      if (this.effects.weightQuantization) {
        for (let k = 0; k < x.weights.length; k++)
          x.weights[k] = levelWeight(nearestLevel(x.weights[k], storage!), storage!);
        if (own)
          for (let k = 0; k < x.feedback.length; k++)
            x.feedback[k] = levelWeight(nearestLevel(x.feedback[k], storage!), storage!);
      }
      const synW = this.effects.mismatch ? synapseFactors(this.draws.weights[xi], m) : undefined;
      const synF = this.effects.mismatch && own ? synapseFactors(this.draws.feedback[xi]!, m) : synW;
      const readW = synW ? new Float64Array(x.weights.length) : x.weights;
      const readF = !own ? readW : synF ? new Float64Array(x.feedback.length) : x.feedback;
      return { storage, readW, readF, synW, synF: own ? synF : undefined };
    });
    for (let xi = 0; xi < this.crossbars.length; xi++)
      this.refreshReads(xi, 0, this.crossbars[xi].rows, 0, this.crossbars[xi].cols);

    // the optimizer writes W (and a learned F) into pending buffers; the write task moves them into the array
    const controlled = this.parameters.map((p) => {
      const xi = this.crossbars.findIndex((x) => x.weightParam === p || x.feedbackParam === p);
      if (xi < 0) return { param: p };
      const xh = this.xh[xi],
        pending = new Float64Array(p.values.length);
      if (this.crossbars[xi].weightParam === p) xh.pendingW = pending;
      else xh.pendingF = pending;
      return { param: { ...p, values: pending }, storage: xh.storage };
    });
    this.controller = new PlasticityController(h, circuit.learning, controlled, this.updater);

    const coreCount = this.plan.cores.length;
    this.dacs = this.plan.cores.map((k) => new Servers(`${k.name}.dac`, k.dacs));
    this.adcs = this.plan.cores.map((k) => new Servers(`${k.name}.adc`, k.adcs));
    this.links = this.plan.links.map((name) => new Servers(`link ${name}`, 1));
    const coreIndex = new Map(this.plan.cores.map((k, i) => [k.name, i]));
    this.linkFrom = this.plan.links.map((name) => coreIndex.get(name.split("->")[0])!);
    this.coreBusy = Array.from({ length: coreCount }, () => new BusyIntervals());
    this.coreHasCells = Array.from({ length: coreCount }, () => false);
    for (const source of this.plan.rates.values()) for (const core of source.cores) this.coreHasCells[core] = true;

    const register = (width: number): Register => ({
      values: new Float64Array(B * width),
      width,
      tick: new Int32Array(width).fill(-1),
    });
    this.tiles = this.plan.tiles.map((t) => {
      const x = this.crossbars[t.crossbar];
      return {
        plan: t,
        x,
        drive: new Float64Array(B * x.cols),
        eDrive: new Float64Array(B * x.rows),
        readDrive: new Float64Array(B * x.cols),
        readOut: new Float64Array(B * t.rows),
        errorReadOut: new Float64Array(B * t.cols),
        forward: register(t.rows),
        error: register(t.cols),
        array: new Servers(`${t.id}.array`, 1),
        writePending: false,
        writeQueued: false,
      };
    });
    this.broadcastRegisters = this.circuit.broadcasts.map((b, bi) => {
      const m = this.population(b.from).size;
      return new Map(this.plan.broadcastCores[bi].map((core) => [core, register(m)]));
    });
    this.targetRegisters = this.outputs.map((o) => register(o.population.size));
    this.errorCodes = this.populations.map((p) =>
      p.learns && (this.effects.adcQuantization || this.effects.mismatch) ? new Float64Array(B * p.size) : undefined,
    );
    this.rateAdc = this.populations.map((p) => new Float64Array(B * p.size));
    this.errorAdc = this.populations.map((p) => (p.learns ? new Float64Array(B * p.size) : undefined));
    this.softmaxBuffer = new Float64Array(Math.max(1, ...this.populations.map((p) => p.size)));
    this.noiseBuffer = new Float64Array(B * this.softmaxBuffer.length);
    this.noiseScale = new Float64Array(this.softmaxBuffer.length);
    this.checkRanges();
    this.checkLinkLoad();
  }

  /** Every converter range the switched-on effects need, named when missing (ADCs: every cell output, remote partial sums; DACs: every line). */
  private checkRanges(): void {
    const { adcQuantization: adc, dacQuantization: dac } = this.effects;
    if (!adc && !dac) return;
    const need = (signal: Signal, element: string) => {
      if (this.ranges.has(signalKey(signal, element))) return;
      const name = enumName(Signal, signal)
        .replace(/-signal$/, "")
        .replace(/-/g, " ");
      throw new VleError(
        `hardware: no converter range for ${name} '${element}', needed by ${adc ? "adc" : "dac"} quantization; the quantize pass sets one (ranges: element ${element}, signal ${enumName(Signal, signal)})`,
      );
    };
    for (const p of this.populations) {
      need(Signal.RATE_SIGNAL, p.spec.name);
      if (p.learns) need(Signal.ERROR_SIGNAL, p.spec.name);
    }
    for (const port of this.circuit.inputs) if (dac) need(Signal.RATE_SIGNAL, port.name);
    for (const o of this.outputs) if (dac) need(Signal.TARGET_SIGNAL, o.spec.name);
    for (const t of this.plan.tiles) {
      const name = this.circuit.crossbars[t.crossbar].name;
      if (t.rowPaths.some((p) => p)) need(Signal.PARTIAL_SUM_SIGNAL, name);
      if (t.colPaths.some((p) => p)) need(Signal.ERROR_PARTIAL_SUM_SIGNAL, name);
    }
  }

  /** With latency on, a link that must carry more packets per tick than a tick has cycles falls behind without bound. */
  private checkLinkLoad(): void {
    if (!this.effects.latency) return;
    this.plan.linkLoad.forEach((load, l) => {
      if (load > this.cyclesPerTick) {
        throw new VleError(
          `hardware: link ${this.plan.links[l]} carries ${load} packets per tick but a tick has ${this.cyclesPerTick} cycles, so it falls behind without bound; raise clock_hz or spread the placement`,
        );
      }
    });
  }

  // ---- converters -------------------------------------------------------------------------------

  /** Quantizes a payload in place through a converter when that effect is on. */
  private quantize(v: Float64Array, on: boolean, conv: Converter, range: Range | undefined): void {
    if (!on || !range) return;
    for (let b = 0; b < v.length; b++) v[b] = convert(v[b], conv, range[0], range[1]);
  }

  private adc(v: Float64Array, signal: Signal, element: string): void {
    this.quantize(v, this.effects.adcQuantization, this.hardware.adc, this.ranges.get(signalKey(signal, element)));
  }

  private dacValue(x: number, range: Range | undefined): number {
    return this.effects.dacQuantization && range ? convert(x, this.hardware.dac, range[0], range[1]) : x;
  }

  /** A DAC line's output: the converted value through the line's own gain and offset (when it has them). */
  private dacLine(x: number, range: Range | undefined, lines: Lines | undefined, line: number): number {
    const v = this.dacValue(x, range);
    return lines ? throughLine(v, lines, line, this.hardware.dac.bits, range) : v;
  }

  /** The ADC lines of a cell output: gain and offset ahead of the conversion, sample by sample. */
  private adcLines(
    v: Float64Array,
    lines: Lines | undefined,
    line: (k: number) => number,
    range: Range | undefined,
  ): void {
    if (!lines) return;
    for (let k = 0; k < v.length; k++) v[k] = throughLine(v[k], lines, line(k), this.hardware.adc.bits, range);
  }

  private payload(): Payload {
    const p = this.payloads.pop();
    if (p) return p;
    return { v: new Float64Array(this.batch), refs: 0 };
  }

  private release(p: Payload): void {
    if (--p.refs === 0) this.payloads.push(p);
  }

  // ---- weights -------------------------------------------------------------------------------------

  /** Recomputes what the array reads for a block after a write or drift. */
  private refreshReads(xi: number, row0: number, rows: number, col0: number, cols: number): void {
    const x = this.crossbars[xi],
      xh = this.xh[xi],
      n = x.cols;
    for (let i = row0; i < row0 + rows; i++)
      for (let j = col0; j < col0 + cols; j++) {
        const k = i * n + j;
        if (xh.synW) xh.readW[k] = x.weights[k] * xh.synW[k];
        if (xh.synF && xh.readF !== xh.readW) xh.readF[k] = x.feedback[k] * xh.synF[k];
      }
  }

  /** The plasticity controller writes a tile's block: stored + pending, rounded to the storage grid. */
  private writeBlock(t: TileState): void {
    const { plan, x } = t,
      xh = this.xh[plan.crossbar],
      n = x.cols;
    const stochastic =
      this.effects.weightQuantization &&
      this.controller.roundsStochastically(xh.storage!.rounding === Rounding.STOCHASTIC);
    const store = (values: Float64Array, pending: Float64Array) => {
      for (let i = plan.row0; i < plan.row0 + plan.rows; i++)
        for (let j = plan.col0; j < plan.col0 + plan.cols; j++) {
          const k = i * n + j;
          let w = values[k] + pending[k];
          pending[k] = 0;
          if (this.effects.weightQuantization) {
            const s = xh.storage!;
            w = levelWeight(stochastic ? stochasticLevel(w, s, this.rounding.uniform()) : nearestLevel(w, s), s);
          }
          values[k] = w;
        }
    };
    if (xh.pendingW) store(x.weights, xh.pendingW);
    if (xh.pendingF) store(x.feedback, xh.pendingF);
    this.refreshReads(plan.crossbar, plan.row0, plan.rows, plan.col0, plan.cols);
    this.counts.weightWrites += this.batch * plan.writeCells;
    this.counts.weightReads += this.batch * plan.writeCells;
    if (stochastic) this.counts.randomBits += this.batch * plan.writeCells * this.hardware.plasticity.roundingBits;
  }

  /** Writes every pending update now (at a reset or an export, the controller finishes its writes). */
  private flushWrites(): void {
    for (const t of this.tiles)
      if (t.writePending) {
        this.writeBlock(t);
        t.writePending = false;
        t.writeQueued = false;
      }
  }

  /** Retention: every stored weight decays toward 0 by exp(-drift_per_s x tick seconds). */
  private drift(): void {
    const seconds = tickSeconds(this.circuit, this.hardware);
    this.crossbars.forEach((x, xi) => {
      const s = this.xh[xi].storage;
      if (!s || s.driftPerS === 0) return;
      const f = Math.exp(-s.driftPerS * seconds);
      for (let k = 0; k < x.weights.length; k++) x.weights[k] *= f;
      if (x.feedback !== x.weights) for (let k = 0; k < x.feedback.length; k++) x.feedback[k] *= f;
      this.refreshReads(xi, 0, x.rows, 0, x.cols);
    });
  }

  // ---- the tick ------------------------------------------------------------------------------------

  /** Zeroes the dynamic state between sequences; the chip first finishes the work in flight (so every tick's operations are counted). */
  override reset(): void {
    while (this.queue.size > 0) this.fire();
    super.reset();
    for (const f of this.flicker) f?.reset();
    this.flushWrites();
    for (const s of [...this.dacs, ...this.adcs, ...this.links, ...this.tiles.map((t) => t.array)]) s.reset();
    for (const b of this.coreBusy) b.clear();
    const clear = (r: Register) => {
      r.values.fill(0);
      r.tick.fill(-1);
    };
    for (const t of this.tiles) {
      clear(t.forward);
      clear(t.error);
      t.drive.fill(0);
      t.eDrive.fill(0);
      t.readDrive.fill(0);
    }
    for (const m of this.broadcastRegisters) for (const r of m.values()) clear(r);
    for (const r of this.targetRegisters) clear(r);
    this.sequenceStarted = false;
  }

  override advance(learn = this.learnsOnline, apply = true): void {
    const B = this.batch,
      C = this.cyclesPerTick,
      k = this.tick,
      T = this.tickStart;
    if (!this.sequenceStarted) {
      this.counts.samples += B;
      this.sequenceStarted = true;
    }
    if (this.effects.drift) this.drift();
    const work: TickWork = {
      k,
      start: T,
      pending: 0,
      lastDelivery: T,
      lastDone: T,
      tiles: this.tiles.map((t) => ({
        forwardDacs: t.plan.cols,
        transposedDacs: t.plan.transposed ? t.plan.rows : 0,
        errorsIn: t.plan.needsErrors ? t.plan.rows : 0,
        transposedDone: !t.plan.transposed,
        writeDue: t.writePending && !t.writeQueued,
        writeDone: false,
        forwardStarted: false,
      })),
    };
    for (const t of this.tiles)
      work.pending += t.plan.rows + (t.plan.transposed ? t.plan.colPaths.filter((p) => p !== null).length : 0);
    for (const m of this.broadcastRegisters) for (const r of m.values()) work.pending += r.width;
    this.outputs.forEach((o, oi) => {
      if (targeted(o.mask)) work.pending += this.targetRegisters[oi].width;
    });
    this.startTick(work);

    // the integrators sample their inputs integrate_cycles before the tick ends (latency on), or once every input is in
    const sample = T + C - this.integrateCycles;
    let at: number;
    if (this.effects.latency) {
      while (this.queue.next <= sample) this.fire();
      at = sample;
    } else {
      while (work.pending > 0 || this.queue.next <= sample) {
        if (this.queue.size === 0)
          throw new Error(`hardware tick ${k}: ${work.pending} integrator inputs never arrive`);
        this.fire();
      }
      at = Math.max(sample, work.lastDelivery);
    }
    this.integrateAll(work, learn, apply);
    const end = Math.max(T + C, at + this.integrateCycles);
    for (let core = 0; core < this.coreHasCells.length; core++)
      if (this.coreHasCells[core]) this.coreBusy[core].add(at, at + this.integrateCycles);
    while (this.queue.next < end) this.fire();

    // accounts of the tick
    const cycles = end - T;
    const r = this.report;
    r.ticks++;
    r.cycles += cycles;
    r.stall += cycles - C;
    const makespan = work.lastDone - T;
    r.makespanSum += makespan;
    r.makespanMax = Math.max(r.makespanMax, makespan);
    const c = this.counts;
    c.ticks += B;
    c.cycles += B * cycles;
    for (const busy of this.coreBusy) c.idleCycles += B * (cycles - busy.take(T, end));
    for (const p of this.populations) c.integratorTicks += B * p.size * (p.learns ? 2 : 1);
    for (const b of this.circuit.broadcasts) c.broadcastReads += B * b.weights.length;

    for (const p of this.populations) {
      const t = p.now;
      p.now = p.next;
      p.next = t;
    }
    this.step++;
    this.tick++;
    this.tickStart = end;
  }

  /** Runs the earliest event at its cycle. */
  private fire(): void {
    const e = this.queue.pop();
    this.cycle = e.t;
    e.fire();
  }

  /** Posts the work that starts at the tick boundary: error and rate conversions (errors first: their path is longer), input values, targets. */
  private startTick(work: TickWork): void {
    const T = (this.cycle = work.start),
      B = this.batch;
    this.populations.forEach((p, pi) => {
      const source = this.plan.errors.get(p.spec.name);
      if (!source) return;
      const e = p.now.e,
        n = p.size,
        codes = this.errorAdc[pi]!;
      const pls = this.snapshot(e, n);
      this.convertCells(source.cores, T, work, (j) => {
        const pl = pls[j];
        const range = this.ranges.get(signalKey(Signal.ERROR_SIGNAL, p.spec.name));
        this.adcLines(pl.v, this.lines?.error[pi], () => j, range);
        this.adc(pl.v, Signal.ERROR_SIGNAL, p.spec.name);
        for (let b = 0; b < B; b++) codes[b * n + j] = pl.v[b];
        this.dispatch(pl, source.destinations[j], this.errorConsumers, this.cycle, work, (d, at) =>
          this.deliverError(d, pl, at, work, p.spec.name),
        );
      });
    });
    this.populations.forEach((p, pi) => {
      const source = this.plan.rates.get(p.spec.name)!;
      const r = p.now.r,
        n = p.size,
        codes = this.rateAdc[pi];
      const pls = this.snapshot(r, n);
      this.convertCells(source.cores, T, work, (j) => {
        const pl = pls[j];
        const range = this.ranges.get(signalKey(Signal.RATE_SIGNAL, p.spec.name));
        this.adcLines(pl.v, this.lines?.rate[pi], () => j, range);
        this.adc(pl.v, Signal.RATE_SIGNAL, p.spec.name);
        for (let b = 0; b < B; b++) codes[b * n + j] = pl.v[b];
        this.dispatch(pl, source.destinations[j], rateConsumers, this.cycle, work, (d, at) =>
          this.deliverRate(d, pl, at, work, p.spec.name),
        );
      });
    });
    for (const port of this.circuit.inputs) {
      const source = this.plan.rates.get(port.name)!,
        x = this.input(port.name),
        n = port.size;
      for (let j = 0; j < n; j++) {
        const pl = this.payload();
        for (let b = 0; b < B; b++) pl.v[b] = x[b * n + j];
        this.dispatch(pl, source.destinations[j], rateConsumers, T, work, (d, at) =>
          this.deliverRate(d, pl, at, work, port.name),
        );
      }
    }
    // targets are driven in ticks where a sample has one (one conversion per sample that has)
    this.outputs.forEach((o, oi) => {
      if (!targeted(o.mask)) return;
      const n = o.population.size,
        reg = this.targetRegisters[oi],
        range = this.ranges.get(signalKey(Signal.TARGET_SIGNAL, o.spec.name));
      const cores = this.plan.targetCores[oi],
        samples = o.mask.reduce((a, m) => a + m, 0);
      for (let j = 0; j < n; j++) {
        const pl = this.payload();
        pl.refs = 1;
        for (let b = 0; b < B; b++) pl.v[b] = o.target[b * n + j];
        this.dacAt(cores[j], T, work, samples, () => {
          for (let b = 0; b < B; b++) reg.values[b * n + j] = this.dacValue(pl.v[b], range);
          this.release(pl);
          this.delivered(reg, j, work);
        });
      }
    });
  }

  /** The values of each cell (B x n, sample-major) as payloads: what the sample-and-holds take at the tick boundary. */
  private snapshot(x: Float64Array, n: number): Payload[] {
    const B = this.batch,
      pls: Payload[] = [];
    for (let j = 0; j < n; j++) {
      const pl = this.payload();
      for (let b = 0; b < B; b++) pl.v[b] = x[b * n + j];
      pls.push(pl);
    }
    return pls;
  }

  /**
   * ADC conversions of cells 0..n-1 on their cores, all ready at `ready`: one event per completion cycle runs
   * `each` for the cells done then, in submission order (the order one event per cell would give).
   */
  private convertCells(cores: number[], ready: number, work: TickWork, each: (cell: number) => void): void {
    const cycles = this.hardware.adc.conversionCycles,
      groups = new Map<number, number[]>();
    for (let j = 0; j < cores.length; j++) {
      const core = cores[j],
        start = this.adcs[core].submit(ready, cycles),
        done = start + cycles;
      this.coreBusy[core].add(start, done);
      const cells = groups.get(done);
      if (cells) cells.push(j);
      else groups.set(done, [j]);
    }
    this.counts.adcConversions += this.batch * cores.length;
    for (const [done, cells] of groups)
      this.queue.post(done, () => {
        this.finished(work, done);
        for (const j of cells) each(j);
      });
  }

  /** An ADC conversion on `core`, ready at `ready`; `done` runs when it completes. */
  private convertAt(core: number, ready: number, cycles: number, work: TickWork, done: () => void): void {
    const start = this.adcs[core].submit(ready, cycles);
    this.coreBusy[core].add(start, start + cycles);
    this.counts.adcConversions += this.batch;
    this.queue.post(start + cycles, () => {
      this.finished(work, start + cycles);
      done();
    });
  }

  /** A DAC conversion on `core` (for `samples` of the batch's chips). */
  private dacAt(core: number, ready: number, work: TickWork, samples: number, done: () => void): void {
    const cycles = this.hardware.dac.conversionCycles;
    const start = this.dacs[core].submit(ready, cycles);
    this.coreBusy[core].add(start, start + cycles);
    this.counts.dacConversions += samples;
    this.queue.post(start + cycles, () => {
      this.finished(work, start + cycles);
      done();
    });
  }

  /** An operation of a tile's array (read or write) of `cycles`. */
  private arrayOp(t: TileState, ready: number, cycles: number, work: TickWork, done: () => void): void {
    const start = t.array.submit(ready, cycles);
    this.coreBusy[t.plan.core].add(start, start + cycles);
    this.queue.post(start + cycles, () => {
      this.finished(work, start + cycles);
      done();
    });
  }

  private finished(work: TickWork, at: number): void {
    if (at > work.lastDone) work.lastDone = at;
  }

  /** Sends a packet along a path hop by hop: each link takes one packet per cycle, cycles_per_hop to the next router. */
  private send(path: Path, ready: number, work: TickWork, arrive: (at: number) => void, hop = 0): void {
    if (hop === path.links.length) {
      arrive(ready);
      return;
    }
    const l = path.links[hop],
      start = this.links[l].submit(ready, 1),
      next = start + this.hardware.noc.cyclesPerHop;
    this.coreBusy[this.linkFrom[l]].add(start, start + 1);
    this.queue.post(next, () => {
      this.finished(work, next);
      this.send(path, next, work, arrive, hop + 1);
    });
  }

  /**
   * Hands a converted value to each destination: on the same core at once, elsewhere as one packet per
   * destination core. `consumers` says how many conversions at a destination will read the payload.
   */
  private dispatch(
    pl: Payload,
    destinations: Destination[],
    consumers: (d: Destination) => number,
    now: number,
    work: TickWork,
    deliver: (d: Destination, at: number) => void,
  ): void {
    pl.refs = 1;
    for (const d of destinations) pl.refs += consumers(d);
    this.release(pl);
    for (const d of destinations) {
      if (!d.path) {
        deliver(d, now);
        continue;
      }
      this.counts.packets += this.batch;
      this.counts.packetHops += this.batch * d.path.hops;
      this.send(d.path, now, work, (at) => deliver(d, at));
    }
  }

  /** Conversions that read an error at its destination: transposed lines and broadcast registers. */
  private readonly errorConsumers = (d: Destination) =>
    d.tiles.filter(({ tile }) => this.tiles[tile].plan.transposed).length + d.broadcasts.length;

  /** A rate (or input value) reached a core: each tile there converts it onto its forward line. */
  private deliverRate(d: Destination, pl: Payload, at: number, work: TickWork, element: string): void {
    const B = this.batch,
      range = this.ranges.get(signalKey(Signal.RATE_SIGNAL, element));
    for (const { tile, line } of d.tiles) {
      const t = this.tiles[tile],
        cols = t.x.cols,
        col = t.plan.col0 + line;
      this.dacAt(t.plan.core, at, work, B, () => {
        const lines = this.lines?.forward[t.plan.crossbar];
        for (let b = 0; b < B; b++) t.drive[b * cols + col] = this.dacLine(pl.v[b], range, lines, col);
        this.release(pl);
        const tt = work.tiles[tile];
        if (--tt.forwardDacs === 0) this.tryForward(t, tt, work);
      });
    }
  }

  /** An error reached a core: transposed lines convert it, the plasticity controller counts it in, broadcast registers take it. */
  private deliverError(d: Destination, pl: Payload, at: number, work: TickWork, element: string): void {
    const B = this.batch,
      range = this.ranges.get(signalKey(Signal.ERROR_SIGNAL, element));
    for (const { tile, line } of d.tiles) {
      const t = this.tiles[tile],
        tt = work.tiles[tile];
      if (--tt.errorsIn === 0) this.tryWrite(t, tt, work);
      if (!t.plan.transposed) continue;
      const rows = t.x.rows,
        row = t.plan.row0 + line;
      this.dacAt(t.plan.core, at, work, B, () => {
        const lines = this.lines?.transposed[t.plan.crossbar];
        for (let b = 0; b < B; b++) t.eDrive[b * rows + row] = this.dacLine(pl.v[b], range, lines, row);
        this.release(pl);
        if (--tt.transposedDacs === 0) this.transposedRead(t, tt, work);
      });
    }
    for (const { broadcast, line } of d.broadcasts) {
      const reg = this.broadcastRegisters[broadcast].get(d.core)!,
        m = reg.width;
      this.dacAt(d.core, at, work, B, () => {
        for (let b = 0; b < B; b++) reg.values[b * m + line] = this.dacValue(pl.v[b], range);
        this.release(pl);
        this.delivered(reg, line, work);
      });
    }
  }

  private transposedRead(t: TileState, tt: TileTick, work: TickWork): void {
    const { plan, x } = t,
      B = this.batch;
    this.arrayOp(t, this.cycle, this.hardware.pipeline.crossbarSettleCycles, work, () => {
      this.counts.crossbarTransposedReads += B * plan.rows * plan.cols;
      t.errorReadOut.fill(0);
      transposedRead(
        B,
        this.xh[plan.crossbar].readF,
        x.cols,
        t.eDrive,
        x.rows,
        plan.row0,
        plan.rows,
        plan.col0,
        plan.cols,
        t.errorReadOut,
        plan.cols,
        0,
      );
      this.partialSums(
        t,
        t.errorReadOut,
        plan.cols,
        plan.colPaths,
        plan.colCores,
        t.error,
        Signal.ERROR_PARTIAL_SUM_SIGNAL,
        work,
      );
      tt.transposedDone = true;
      this.tryWrite(t, tt, work);
    });
  }

  /** The write of the last update waits for this tick's transposed read (which needs the old W) and for the errors. */
  private tryWrite(t: TileState, tt: TileTick, work: TickWork): void {
    if (!tt.writeDue || t.writeQueued || !tt.transposedDone || tt.errorsIn > 0) return;
    t.writeQueued = true;
    const { plan } = t;
    // one row per write_cycles; a learned feedback matrix doubles the rows
    this.arrayOp(t, this.cycle, (plan.writeCells / plan.cols) * this.hardware.plasticity.writeCycles, work, () => {
      this.writeBlock(t);
      t.writePending = false;
      t.writeQueued = false;
      tt.writeDone = true;
      this.tryForward(t, tt, work);
    });
  }

  /** The forward read waits for every forward line and for a due write. */
  private tryForward(t: TileState, tt: TileTick, work: TickWork): void {
    if (tt.forwardStarted || tt.forwardDacs > 0 || (tt.writeDue && !tt.writeDone)) return;
    tt.forwardStarted = true;
    const { plan, x } = t,
      B = this.batch,
      cols = x.cols;
    this.arrayOp(t, this.cycle, this.hardware.pipeline.crossbarSettleCycles, work, () => {
      this.counts.crossbarForwardReads += B * plan.rows * plan.cols;
      for (let b = 0; b < B; b++)
        for (let j = plan.col0; j < plan.col0 + plan.cols; j++) t.readDrive[b * cols + j] = t.drive[b * cols + j];
      t.readOut.fill(0);
      crossbarRead(
        B,
        this.xh[plan.crossbar].readW,
        cols,
        t.drive,
        plan.row0,
        plan.rows,
        plan.col0,
        plan.cols,
        t.readOut,
        plan.rows,
        0,
      );
      this.partialSums(
        t,
        t.readOut,
        plan.rows,
        plan.rowPaths,
        plan.rowCores,
        t.forward,
        Signal.PARTIAL_SUM_SIGNAL,
        work,
      );
    });
  }

  /**
   * Partial sums of a read go to their neurons' registers: on the same core as analog currents at once,
   * elsewhere through an ADC here, a packet, and a DAC there. Lines whose neuron takes no error (null) stop here.
   */
  private partialSums(
    t: TileState,
    out: Float64Array,
    width: number,
    paths: (Path | null | undefined)[],
    cores: number[],
    reg: Register,
    signal: Signal,
    work: TickWork,
  ): void {
    const B = this.batch,
      element = this.circuit.crossbars[t.plan.crossbar].name;
    const range = this.ranges.get(signalKey(signal, element)),
      now = this.cycle;
    for (let i = 0; i < width; i++) {
      const path = paths[i];
      if (path === null) continue;
      if (path === undefined) {
        for (let b = 0; b < B; b++) reg.values[b * width + i] = out[b * width + i];
        this.delivered(reg, i, work);
        continue;
      }
      const pl = this.payload();
      pl.refs = 1;
      for (let b = 0; b < B; b++) pl.v[b] = out[b * width + i];
      this.convertAt(t.plan.core, now, this.hardware.adc.conversionCycles, work, () => {
        this.adc(pl.v, signal, element);
        this.counts.packets += B;
        this.counts.packetHops += B * path.hops;
        this.send(path, this.cycle, work, (at) => {
          this.dacAt(cores[i], at, work, B, () => {
            for (let b = 0; b < B; b++) reg.values[b * width + i] = this.dacValue(pl.v[b], range);
            this.release(pl);
            this.delivered(reg, i, work);
          });
        });
      });
    }
  }

  /** A register line received this tick's value (never overwritten by an older one). */
  private delivered(reg: Register, line: number, work: TickWork): void {
    if (work.k >= reg.tick[line]) reg.tick[line] = work.k;
    work.lastDelivery = Math.max(work.lastDelivery, this.cycle);
    if (--work.pending === 0) {
      const r = this.report,
        latency = work.lastDelivery - work.start;
      r.inputSum += latency;
      r.inputMax = Math.max(r.inputMax, latency);
    }
  }

  // ---- integration and plasticity --------------------------------------------------------------------

  private integrateAll(work: TickWork, learn: boolean, apply: boolean): void {
    this.countStale(work.k);
    for (const p of this.populations) stepPopulation(this.context, p, this.registerRoute, this.cellEffects);
    if (learn && this.learnsOnline) this.plasticity(apply);
  }

  /** The chip's route: errors and inputs as its registers hold them when the integrators sample. */
  private readonly registerRoute: PopulationRoute = {
    error: (p, d) => {
      const B = this.batch,
        n = p.size;
      for (const x of p.backward) {
        for (const ti of this.plan.tilesOf[this.crossbars.indexOf(x)]) {
          const t = this.tiles[ti],
            w = t.plan.cols,
            c0 = t.plan.col0,
            v = t.error.values;
          for (let b = 0; b < B; b++) for (let j = 0; j < w; j++) d[b * n + c0 + j] += v[b * w + j];
        }
      }
      p.broadcasts.forEach(({ from, weights }) => {
        const bi = this.circuit.broadcasts.findIndex((b) => b.to === p.spec.name && b.from === from.spec.name);
        const cores = this.plan.rates.get(p.spec.name)!.cores;
        for (let i0 = 0; i0 < n; ) {
          let i1 = i0 + 1;
          while (i1 < n && cores[i1] === cores[i0]) i1++;
          broadcastRead(B, n, from.size, weights, this.broadcastRegisters[bi].get(cores[i0])!.values, d, i0, i1 - i0);
          i0 = i1;
        }
      });
      const o = p.output;
      if (o) {
        const oi = this.outputs.indexOf(o);
        addOutputError(
          B,
          n,
          p.now.r,
          this.targetRegisters[oi].values,
          o.mask,
          o.spec.beta,
          o.spec.loss === Loss.CROSS_ENTROPY,
          this.softmaxBuffer,
          d,
        );
      }
    },
    input: (p, I) => {
      const B = this.batch,
        n = p.size;
      for (const x of p.afferent) {
        for (const ti of this.plan.tilesOf[this.crossbars.indexOf(x)]) {
          const t = this.tiles[ti],
            w = t.plan.rows,
            r0 = t.plan.row0,
            v = t.forward.values;
          for (let b = 0; b < B; b++) for (let i = 0; i < w; i++) I[b * n + r0 + i] += v[b * w + i];
        }
      }
    },
  };

  /** The cells' effects on the population step: mismatched time constants, gains and offsets, thermal noise, rails. */
  private readonly cellEffects: PopulationEffects = {
    timeConstants: (p) => {
      const cell = this.cells[this.populations.indexOf(p)];
      if (!cell) return p;
      for (let i = 0; i < p.size; i++) {
        cell.tauMEff[i] = Math.max(this.dt, p.tauM[i] * cell.tauM[i]);
        cell.tauREff[i] = Math.max(this.dt, p.tauR[i] * cell.tauR[i]);
        cell.errorTauMEff[i] = Math.max(this.dt, p.tauM[i] * cell.errorTauM[i]);
        cell.errorTauREff[i] = Math.max(this.dt, p.tauR[i] * cell.errorTauR[i]);
      }
      return {
        tauM: cell.tauMEff,
        tauR: cell.tauREff,
        errorTauM: cell.errorTauMEff,
        errorTauR: cell.errorTauREff,
      };
    },
    inputOffset: (p, I) => {
      const pi = this.populations.indexOf(p),
        cell = this.cells[pi];
      if (cell) for (let k = 0; k < I.length; k++) I[k] += cell.offset[k % p.size];
      this.flicker[pi]?.addTo(I);
    },
    errorCell: (p, tauR) => {
      const noise = this.hardware.noise;
      if (this.effects.thermalNoise && noise.errorStd > 0) this.addNoise(p.next.v, noise.errorStd, tauR, p.size);
    },
    membrane: (p, tauM) => {
      const noise = this.hardware.noise,
        cell = this.cells[this.populations.indexOf(p)];
      if (this.effects.thermalNoise && noise.membraneStd > 0) this.addNoise(p.next.u, noise.membraneStd, tauM, p.size);
      if (this.effects.railSaturation) this.clipToRails(p);
      if (cell) for (let k = 0; k < p.next.r.length; k++) p.next.r[k] *= cell.gain[k % p.size];
    },
  };

  /**
   * Thermal noise of an integrator with time constant tau: the exact step of an Ornstein-Uhlenbeck process with
   * stationary std `std` adds std sqrt(1 - exp(-2 dt / tau)) N(0, 1) (the Euler increment sqrt(2 dt / tau) inflates
   * the stationary std by up to sqrt(2) where tau = dt).
   */
  private addNoise(x: Float64Array, std: number, tau: Float64Array, n: number): void {
    const z = this.noiseBuffer,
      scale = this.noiseScale,
      dt = this.dt;
    for (let i = 0; i < n; i++) scale[i] = std * Math.sqrt(1 - Math.exp((-2 * dt) / tau[i]));
    this.noise.fillNormal(z, 0, x.length);
    for (let k = 0; k < x.length; k++) x[k] += scale[k % n] * z[k];
  }

  /** Membrane and its prospective readout held within the rails (rate and phi' follow the clipped readout). */
  private clipToRails(p: PopulationState): void {
    const ph = this.hardware.physical,
      lo = ph.railLoV / ph.vUnitV,
      hi = ph.railHiV / ph.vUnitV,
      next = p.next,
      { phi, dphi } = p.transfer;
    for (let k = 0; k < next.u.length; k++) {
      if (next.u[k] < lo) next.u[k] = lo;
      else if (next.u[k] > hi) next.u[k] = hi;
      const up = next.uProsp[k];
      if (up < lo || up > hi) {
        const c = up < lo ? lo : hi;
        next.uProsp[k] = c;
        next.r[k] = phi(c);
        next.dphi[k] = dphi(c);
      }
    }
  }

  /**
   * The local rule: synapses learn from the ADC codes of e and the DAC levels their lines held in this tick's
   * forward read; biases and tau_m (cell-local) from the analog e. Applied every tick, or every K with the schedule on.
   */
  private plasticity(apply: boolean): void {
    const B = this.batch;
    this.populations.forEach((p, pi) => {
      if (!p.learns) return;
      let eSynapse = p.next.e;
      const codes = this.errorCodes[pi];
      if (codes) {
        const range = this.ranges.get(signalKey(Signal.ERROR_SIGNAL, p.spec.name)),
          n = p.size;
        codes.set(eSynapse);
        this.adcLines(codes, this.lines?.error[pi], (k) => k % n, range);
        this.quantize(codes, this.effects.adcQuantization, this.hardware.adc, range);
        eSynapse = codes;
      }
      accumulateLocalUpdates(this.context, p, this.tileUpdate, eSynapse);
      for (const x of p.afferent) {
        if (!x.weightParam) continue;
        this.counts.erProducts += B * x.rows * x.cols;
        if (this.controller.accumulates) this.counts.accumulatorUpdates += B * x.rows * x.cols;
      }
    });
    this.controller.gathered();
    if (!apply) return;
    const pl = this.hardware.plasticity;
    if (this.effects.plasticitySchedule && pl.mode === PlasticityMode.EVERY_K && ++this.ticksSinceApply < pl.everyK)
      return;
    this.ticksSinceApply = 0;
    this.controller.write(pl.ternaryThreshold);
    let cellWrites = 0;
    for (const p of this.populations) {
      if (p.biasParam) cellWrites += B * p.size;
      if (p.tauParam) cellWrites += B * p.size;
    }
    this.counts.cellParameterWrites += cellWrites;
    if (this.controller.on && pl.rule === PlasticityRule.ADAM) {
      const cells = this.tiles.reduce((a, t) => a + (t.plan.plastic ? t.plan.writeCells : 0), 0);
      this.counts.coprocessorUpdates += B * cells + cellWrites;
    }
    for (const t of this.tiles) if (t.plan.plastic) t.writePending = true;
  }

  /** Synapses learn per tile from the DAC levels their lines held in this tick's forward read. */
  private readonly tileUpdate: SynapseUpdate = (p, e, dW, xi) => {
    const x = p.afferent[xi];
    for (const ti of this.plan.tilesOf[this.crossbars.indexOf(x)]) {
      const t = this.tiles[ti].plan;
      accumulateOuterProduct(
        this.batch,
        p.size,
        x.cols,
        e,
        this.tiles[ti].readDrive,
        dW,
        t.row0,
        t.rows,
        t.col0,
        t.cols,
      );
    }
  };

  /** Counts register lines whose value belongs to an earlier tick than the one integrating. */
  private countStale(k: number): void {
    let stale = 0,
      lag = 0;
    const scan = (reg: Register, skip?: (i: number) => boolean) => {
      for (let i = 0; i < reg.width; i++) {
        if (skip?.(i)) continue;
        if (reg.tick[i] < k) {
          stale++;
          lag = Math.max(lag, k - reg.tick[i]);
        }
      }
    };
    for (const t of this.tiles) {
      scan(t.forward);
      if (t.plan.transposed) scan(t.error, (i) => t.plan.colPaths[i] === null);
    }
    for (const m of this.broadcastRegisters) for (const r of m.values()) scan(r);
    this.outputs.forEach((o, oi) => {
      if (targeted(o.mask)) scan(this.targetRegisters[oi]);
    });
    const r = this.report;
    r.staleValues += stale;
    if (stale > 0) r.staleTicks++;
    r.maxLag = Math.max(r.maxLag, lag);
  }

  // ---- reports -----------------------------------------------------------------------------------------

  /** Clock cycles elapsed since construction: the end of the last tick. */
  get cycles(): number {
    return this.tickStart;
  }

  /** Operation counts since construction, summed over the batch (counts.ts definitions). */
  opCounts(): OpCounts {
    return { ...this.counts };
  }

  timing(): TimingReport {
    const r = this.report,
      cycles = Math.max(1, r.cycles),
      utilization: Record<string, number> = {};
    const units = [...this.dacs, ...this.adcs, ...this.tiles.map((t) => t.array), ...this.links];
    for (const u of units) utilization[u.name] = u.busy / (cycles * u.count);
    return {
      cyclesPerTick: this.cyclesPerTick,
      clockHz: this.hardware.clockHz,
      tickSeconds: tickSeconds(this.circuit, this.hardware),
      ticks: r.ticks,
      cycles: r.cycles,
      seconds: r.cycles / this.hardware.clockHz,
      inputLatency: { mean: r.ticks ? r.inputSum / r.ticks : 0, max: r.inputMax },
      makespan: { mean: r.ticks ? r.makespanSum / r.ticks : 0, max: r.makespanMax },
      slack: this.cyclesPerTick - this.integrateCycles - r.inputMax,
      staleValues: r.staleValues,
      staleTicks: r.staleTicks,
      maxLagTicks: r.maxLag,
      stallCycles: r.stall,
      utilization,
    };
  }

  /** The circuit with the learned parameters, pending writes written first. */
  /**
   * The state a training checkpoint holds (simulator/hardware/snapshot.ts), after the work in flight is done: a
   * checkpoint falls between sequences, where reset would finish that work first anyway.
   */
  persistentParts(): ChipParts {
    while (this.queue.size > 0) this.fire();
    const engine = this;
    return {
      noise: this.noise,
      rounding: this.rounding,
      pending: this.xh.map((x) => ({ w: x.pendingW, f: x.pendingF })),
      tiles: this.tiles,
      counters: {
        get ticksSinceApply() {
          return engine.ticksSinceApply;
        },
        set ticksSinceApply(v) {
          engine.ticksSinceApply = v;
        },
        get tick() {
          return engine.tick;
        },
        set tick(v) {
          engine.tick = v;
        },
        get tickStart() {
          return engine.tickStart;
        },
        set tickStart(v) {
          engine.tickStart = v;
        },
        get cycle() {
          return engine.cycle;
        },
        set cycle(v) {
          engine.cycle = v;
        },
      },
      refreshReads: () => this.crossbars.forEach((x, xi) => this.refreshReads(xi, 0, x.rows, 0, x.cols)),
    };
  }

  override exportCircuit(): Circuit {
    this.flushWrites();
    return super.exportCircuit();
  }
}

/** Whether any sample of the batch has a target this tick. */
const targeted = (mask: Float64Array) => mask.some((m) => m !== 0);

/** Conversions that read a rate at its destination: one forward line per tile there. */
const rateConsumers = (d: Destination) => d.tiles.length;

// Energy and timing: analytic op counts against the cycle simulation, priced lines summing to the total, the BPTT baseline's spill, and the report.
import { describe, expect, it } from "vitest";
import { Flow, type Circuit } from "../circuits/model.js";
import { loadCard } from "../circuits/tech.js";
import { compileSource } from "../compiler/index.js";
import { analyticCounts, tickFlow } from "../simulator/meters/analytic.js";
import { bpttEnergy } from "../simulator/meters/bptt-baseline.js";
import { countKeys } from "../simulator/meters/counts.js";
import { chipEnergy } from "../simulator/meters/energy.js";
import { HardwareEngine } from "../simulator/hardware/engine.js";
import { energyDocument, formatEnergy, scaleHidden } from "../packages/report/energy.js";
import { energySvg } from "../packages/report/energy-svg.js";
import { accelergyActionCounts } from "../packages/report/accelergy.js";
import { crossover } from "../packages/report/crossover.js";
import { crossoverSvg } from "../packages/report/crossover-svg.js";
import { parse } from "yaml";
import { chipSection, tiledDescription } from "./helpers.js";

/** x (10) -> h (12, tanh, recurrent) -> y (3) on small cores, so crossbars tile and partial sums travel. */
const tiled = (hardware = "") =>
  compileSource(
    tiledDescription({
      learn: "[bias]",
      recurrent: 0.2,
      learning: "{ rule: vle, eta: 0.01 }",
      hardware: chipSection(`  core: { neurons: 8, synapses: 48, dacs: 4, adcs: 4 }\n${hardware}`),
    }),
    "tiled.yaml",
  );

const card = loadCard("analog-65nm");
const accelerator = loadCard("digital-accelerator");

describe("analytic op counts", () => {
  it("follow the per-tick dataflow of the tiled chip", () => {
    const c = tiled();
    const h = c.hardware!;
    const f = tickFlow(c, h);
    const partialWords = h.routes
      .filter((r) => r.flow === Flow.PARTIAL_SUM || r.flow === Flow.ERROR_PARTIAL_SUM)
      .reduce((a, r) => a + r.words, 0);
    expect(partialWords).toBeGreaterThan(0);
    expect(f.forwardReads).toBe(120 + 144 + 36);
    expect(f.transposedReads).toBe(144 + 36); // x -> h carries no error (its pre is an input)
    expect(f.integrators).toBe(2 * (12 + 3));
    expect(f.adcs).toBe(2 * (12 + 3) + partialWords);
    const lines = h.tiles.reduce(
      (a, t) => a + t.cols + (c.crossbars.find((x) => x.name === t.crossbar)!.pre === "x" ? 0 : t.rows),
      0,
    );
    expect(f.dacs).toBe(lines + partialWords);
    expect(f.targetDacs).toBe(3);
    expect(f.writeCells).toBe(120 + 144 + 36);
    expect(f.parameterWrites).toBe(12);
    expect(f.packetHops).toBe(h.routes.reduce((a, r) => a + r.words * r.hops, 0));
    const counts = analyticCounts(c, { samples: 3, ticks: 7, targetTicks: 2 });
    expect(counts.ticks).toBe(21);
    expect(counts.dacConversions).toBe(21 * f.dacs + 3 * 2 * 3);
    expect(counts.weightWrites).toBe(21 * f.writeCells);
  });

  // every plasticity circuit and schedule, so that each counted kind is non-zero in at least one run
  const configurations = [
    "  effects: none\n",
    "  effects: [latency, schedule]\n  plasticity: { every: 3 }\n",
    "  effects: [weights, schedule, plasticity]\n  plasticity: { every: 3, rule: ternary }\n",
    "  effects: [weights, plasticity]\n  plasticity: { rule: adam }\n",
    "  effects: [weights, schedule, plasticity]\n  plasticity: { every: 2, rule: sgd, accumulator_bits: 12 }\n",
    "  effects: [weights, plasticity]\n  plasticity: { rule: sign }\n",
  ];

  it("agree with the cycle simulation of the same chip, kind by kind", () => {
    const seen = new Set<string>();
    for (const effects of configurations) {
      const c = tiled(effects);
      const batch = 2,
        ticks = 12;
      const engine = new HardwareEngine(c, { batch });
      engine.reset();
      for (let s = 0; s < ticks; s++) {
        const x = engine.input("x");
        for (let k = 0; k < x.length; k++) x[k] = Math.sin(0.3 * s + k);
        const o = engine.output("y");
        o.target.fill(0.2);
        o.mask.fill(1);
        engine.advance(true);
      }
      // the controller writes an update during the next tick; exporting finishes the last one (a write like any other)
      engine.exportCircuit();
      const simulated = engine.opCounts();
      const analytic = analyticCounts(c, { samples: batch, ticks });
      for (const key of countKeys) {
        if (simulated[key] > 0) seen.add(key);
        if (key === "cycles" || key === "idleCycles") continue;
        expect([effects, key, simulated[key]]).toEqual([effects, key, analytic[key]]);
      }
      // the simulation may stall past the nominal tick (contention) and overlaps units, so idles at least as much
      expect(simulated.cycles).toBeGreaterThanOrEqual(analytic.cycles);
      expect(simulated.idleCycles).toBeGreaterThanOrEqual(analytic.idleCycles);
    }
    // broadcasts are not in this network (they are counted in test/hardware-effects.test.ts)
    expect(countKeys.filter((k) => !seen.has(k))).toEqual(["broadcastReads"]);
  });

  it("are all priced: the kinds the energy model prices are the kinds hardware mode counts", () => {
    const c = tiled(configurations[3]);
    const counts = analyticCounts(c, { samples: 1, ticks: 10 });
    const priced = new Set(chipEnergy(c, counts, card).lines.map((l) => l.count));
    // ticks and samples are not operations; a packet is priced per hop it crosses (packetHops)
    const counted = countKeys.filter((k) => k !== "ticks" && k !== "samples" && k !== "packets");
    expect([...priced].sort()).toEqual([...counted].sort());
  });
});

describe("chip energy", () => {
  /** x (1) -> y (1, linear, learning), one core, every effect off: its operations can be counted by hand. */
  const tiny = compileSource(
    `name: tiny
dt: 0.1
populations:
  - { name: x, kind: input, size: 1 }
  - { name: y, kind: output, size: 1, tau_m: 1, tau_r: 0.5, phi: linear }
projections:
  - { from: x, to: y, weights: [[0.5]], plastic: true }
learning: { rule: vle, eta: 0.01 }
hardware:
  card: analog-65nm
  clock: 100 MHz
  time_unit: 1 ms
  acceleration: 100
  effects: none
  weights: { bits: 6 }
  dac: { bits: 6 }
  adc: { bits: 10, cycles: 11 }
`,
    "tiny.yaml",
  );
  const T = 5;

  /** The cycle simulation's counts of T learning ticks of one sample. */
  function simulated(c: Circuit) {
    const engine = new HardwareEngine(c, { batch: 1 });
    engine.reset();
    for (let s = 0; s < T; s++) {
      engine.input("x")[0] = 0.3;
      const o = engine.output("y");
      o.target.fill(0.2);
      o.mask.fill(1);
      engine.advance(true);
    }
    engine.exportCircuit();
    return engine.opCounts();
  }

  it("prices a tiny circuit's run as counted and priced by hand", () => {
    // per tick: one synapse read forward (x is an input, so no transposed read); a DAC for the x line and one
    // for y's target; an ADC for y's rate and one for its error; y's membrane and error cell integrate; the
    // plastic synapse is read, multiplied (e*r) and written once. A tick is dt x time_unit / acceleration
    // = 0.1 x 1 ms / 100 = 1 us = 100 cycles at 100 MHz.
    const byHand = {
      ticks: T,
      samples: 1,
      cycles: 100 * T,
      crossbarForwardReads: T,
      crossbarTransposedReads: 0,
      broadcastReads: 0,
      dacConversions: 2 * T,
      adcConversions: 2 * T,
      integratorTicks: 2 * T,
      weightWrites: T,
      cellParameterWrites: 0,
      erProducts: T,
      weightReads: T,
      randomBits: 0,
      accumulatorUpdates: 0,
      coprocessorUpdates: 0,
      packets: 0,
      packetHops: 0,
    };
    const counted = simulated(tiny);
    expect({ ...counted, idleCycles: undefined }).toEqual({ ...byHand, idleCycles: undefined });
    expect({ ...analyticCounts(tiny, { samples: 1, ticks: T }), idleCycles: undefined }).toEqual({
      ...byHand,
      idleCycles: undefined,
    });

    // analog-65nm's entries, as the card file gives them
    const fJ = 1e-15,
      pJ = 1e-12;
    const card65 = {
      crossbar_read_energy: 40.5 * fJ,
      dac_energy_per_conversion: 0.0375 * pJ,
      dac_reference_bits: 8,
      adc_energy_per_conversion: 2.8 * pJ,
      adc_reference_bits: 8,
      integrator_ota_branches: 2,
      integrator_gm_over_id: 27.1,
      supply_voltage: 1.2,
      membrane_capacitance: 2 * pJ,
      weight_write_energy_per_bit: 0.156 * pJ,
      weight_read_energy_per_bit: 0.156 * pJ,
      plasticity_mac_energy: 0.748 * pJ,
      sram_leakage_per_bit: 8.4 * pJ,
      idle_cycle_energy: 0,
    };
    for (const [name, value] of Object.entries(card65))
      expect([name, card.entries.get(name as never)!.value]).toEqual([name, value]);
    // a 6-bit DAC costs 2^(6-8) of the 8-bit reference, a 10-bit ADC 2^(10-8); an integrator draws
    // branches x V_dd x C_m x dt/tau / (gm/I_D) per tick, averaged over the membrane (dt/tau_m = 0.1)
    // and the error cell (dt/tau_r = 0.2); 6 bits are read and written per weight update; 6 stored bits leak
    const integrator = (2 * 1.2 * (2 * pJ) * ((0.1 + 0.2) / 2)) / 27.1;
    const energy =
      T * 40.5 * fJ +
      2 * T * 0.0375 * pJ * 2 ** -2 +
      2 * T * 2.8 * pJ * 2 ** 2 +
      2 * T * integrator +
      T * 6 * 0.156 * pJ +
      T * 0.748 * pJ +
      T * 6 * 0.156 * pJ +
      (100 * T * 6 * 8.4 * pJ) / 100e6;
    const priced = chipEnergy(tiny, counted, card);
    expect(priced.total / energy - 1).toBeCloseTo(0, 12);
    expect(priced.seconds).toBeCloseTo((100 * T) / 100e6, 18);
    // every line names entries the card has (or the circuit's hardware fields)
    for (const l of priced.lines)
      for (const name of l.entries) expect(card.entries.has(name as never) || name.startsWith("hardware.")).toBe(true);
  });

  it("follows the converters' resolution: 2 bits more, 4x the ADC energy", () => {
    const c = tiled();
    const wide = tiled("  adc: { bits: 10, cycles: 11 }\n");
    const adc = (x: Circuit) =>
      chipEnergy(x, analyticCounts(x, { samples: 1, ticks: 1 }), card).lines.find(
        (l) => l.component === "ADC conversions",
      )!.unitEnergy;
    expect(adc(wide) / adc(c)).toBeCloseTo(4, 12);
  });

  it("grows linearly with T (no state is stored per step on the chip)", () => {
    const c = tiled();
    const e = (T: number) => chipEnergy(c, analyticCounts(c, { samples: 1, ticks: T }), card).total;
    expect(e(1000) / e(10)).toBeCloseTo(100, 9);
  });
});

describe("BPTT baseline", () => {
  const fp32 = (c: Circuit, T: number, batch = 8, chip?: typeof card) =>
    bpttEnergy(c, { ticks: T, batch, precision: "fp32" }, accelerator, chip);

  it("keeps weights in the register file when they fit, fills it, then the SRAM, then spills to DRAM", () => {
    const c = tiled();
    const small = fp32(c, 10);
    expect(small.storage.parameters).toBe("register file");
    // 8 sequences x 15 neurons x 2 values x 4 bytes = 960 bytes per step
    expect(small.storage.activationBytes).toBe(10 * 960);
    expect(small.storage.activations["register file"]).toBe(9600);
    expect(small.lines.find((l) => l.component === "forward MACs")!.energy).toBeCloseTo(8 * 10 * 300 * 4.6e-12, 20);
    expect(small.total).toBeCloseTo(
      small.lines.reduce((a, l) => a + l.energy, 0),
      20,
    );
    const rf = 84e3 - small.storage.parameterBytes;
    const long = fp32(c, Math.ceil((rf + 1e6 + 960 * 50) / 960));
    expect(long.storage.activations["register file"]).toBe(rf);
    expect(long.storage.activations.SRAM).toBe(1e6);
    expect(long.storage.spilledBytes).toBeGreaterThan(0);
    // spilled steps cost DRAM energy: energy per step grows past the knee
    expect(long.total / long.storage.activationBytes).toBeGreaterThan(small.total / small.storage.activationBytes);
    // a network whose weights and gradients exceed the register file keeps them in the SRAM
    expect(fp32(scaleHidden(c, 8), 10).storage.parameters).toBe("SRAM");
  });

  it("scales digital energies to the chip's node by the ratio of energy factors, DRAM unscaled", () => {
    const c = tiled();
    const T = 5000;
    const at45 = fp32(c, T);
    const at65 = fp32(c, T, 8, card);
    const factor =
      card.entries.get("digital_energy_factor")!.value / accelerator.entries.get("digital_energy_factor")!.value;
    expect(at65.nodeScale).toBeCloseTo(factor, 12);
    for (const [a, b] of at45.lines.map((l, i) => [l, at65.lines[i]] as const)) {
      expect(b.component).toBe(a.component);
      expect(b.unitEnergy / a.unitEnergy).toBeCloseTo(a.component.includes("DRAM") ? 1 : factor, 12);
    }
    expect(at65.lines.some((l) => l.component.includes("DRAM"))).toBe(true);
  });

  it("counts only the backward work BPTT needs, and prices fp16 and int8 below fp32", () => {
    const c = tiled();
    // x -> h is plastic but x is an input: no transposed read of it; h -> h and h -> y are read transposed
    const r = fp32(c, 1, 1);
    expect(r.lines.find((l) => l.component === "backward MACs")!.amount).toBe(144 + 36 + 300);
    const e = (p: "fp32" | "fp16" | "int8") => bpttEnergy(c, { ticks: 100, batch: 8, precision: p }, accelerator).total;
    expect(e("fp16")).toBeLessThan(e("fp32"));
    expect(e("int8")).toBeLessThan(e("fp16"));
  });

  it("takes T sequential steps: latency linear in T, each step a chain of operations on the MAC units", () => {
    const c = tiled();
    const a = fp32(c, 100, 1),
      b = fp32(c, 1000, 1);
    expect(a.latency.forwardStepCycles).toBe(b.latency.forwardStepCycles);
    // forward: 3 crossbar products and 2 populations' elementwise work, each ceil(work / 168) + 4 cycles
    const op = (w: number) => Math.ceil(w / 168) + 4;
    expect(a.latency.forwardStepCycles).toBe(op(120) + op(144) + op(36) + op(12 * 5) + op(3 * 5));
    const clock = 200e6;
    expect(b.latency.seconds).toBeCloseTo(
      (1000 * (b.latency.forwardStepCycles + b.latency.backwardStepCycles) + b.latency.updateCycles) / clock,
      15,
    );
  });
});

describe("energy report", () => {
  it("prints lines that sum to the total, with --vs bptt the ratio and sweeps, and an SVG", () => {
    const c = tiled();
    const run = { task: "test", ticks: 200, targetTicks: 200, samples: 50, batch: 10 };
    const doc = energyDocument(c, run, { vsBptt: true });
    // the training run counted as one: 50 samples of 200 ticks at once, not one sample scaled
    const whole = chipEnergy(c, analyticCounts(c, { samples: 50, ticks: 200, targetTicks: 200 }), card);
    expect(doc.perRun.energy / whole.total - 1).toBeCloseTo(0, 12);
    expect(doc.perRun.seconds / whole.seconds - 1).toBeCloseTo(0, 12);
    for (const p of ["fp32", "fp16", "int8"] as const)
      expect(doc.vs!.ratio[p]).toBeCloseTo(doc.vs!.bptt[p].perSample.energy / doc.perSample.energy, 12);
    expect(doc.vs!.bptt.fp32.lines.reduce((a, l) => a + l.energy, 0)).toBeCloseTo(
      doc.vs!.bptt.fp32.perSample.energy,
      18,
    );
    expect(doc.vs!.sweepT.map((r) => r.value)).toEqual([10, 100, 1000, 10000, 100000]);
    expect(doc.vs!.sweepSize.map((r) => r.neurons)).toEqual([6 + 3, 12 + 3, 24 + 3, 48 + 3, 96 + 3]);
    const text = formatEnergy(doc);
    expect(text).toMatch(/ADC conversions\s+\d+\s+x 2\.80 pJ/);
    expect(text).toMatch(/total \(sum of the lines\)/);
    expect(text).toMatch(
      /ratio BPTT \/ chip energy per sample \(same node\): fp32 [\d.]+x, fp16 [\d.]+x, int8 [\d.]+x/,
    );
    const svg = energySvg(doc);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(4);
  });

  it("exports the run's action counts in Accelergy's format: chip counts x samples, the baseline's x batches", () => {
    const c = tiled();
    const run = { task: "test", ticks: 20, targetTicks: 20, samples: 40, batch: 10 };
    const doc = energyDocument(c, run, { vsBptt: true });
    const file = parse(accelergyActionCounts(doc));
    expect(file.action_counts.version).toBe(0.4);
    // flatten as Accelergy does: subtree names joined with dots down to each local component
    const flat = new Map<string, number>();
    interface AccelergyNode {
      name: string;
      local?: { name: string; action_counts: { name: string; counts: number }[] }[];
      subtree?: AccelergyNode[];
    }
    const walk = (prefix: string, node: AccelergyNode) => {
      const here = prefix ? `${prefix}.${node.name}` : node.name;
      for (const l of node.local ?? [])
        for (const a of l.action_counts) flat.set(`${here}.${l.name}.${a.name}`, a.counts);
      for (const s of node.subtree ?? []) walk(here, s);
    };
    for (const s of file.action_counts.subtree) walk("", s);
    expect(flat.get("system.chip.crossbar.read_forward")).toBe(40 * doc.counts.perSample.crossbarForwardReads);
    expect(flat.get("system.chip.adc.convert")).toBe(40 * doc.counts.perSample.adcConversions);
    expect(flat.get("system.chip.noc.packet_hop")).toBe(40 * doc.counts.perSample.packetHops);
    const macs = doc.vs!.bptt.int8.lines.find((l) => l.component === "forward MACs")!.amount;
    expect(flat.get("system.bptt_int8.mac.forward_MACs")).toBe(Math.round(40 * macs));
    expect([...flat.values()].every((n) => Number.isInteger(n) && n > 0)).toBe(true);
  });

  it("locates where the chip/BPTT ratio crosses 1 over network size, T and precision, and plots it with axes", () => {
    const c = tiled();
    const card22 = loadCard("analog-22nm");
    const run = { task: "test", ticks: 100, targetTicks: 100, samples: 10, batch: 10 };
    const x = crossover(c, run, card22, accelerator, [0.5, 1, 4, 16, 64], [10, 1000]);
    expect(x.curves).toHaveLength(2 * 3);
    let crossed = 0;
    for (const curve of x.curves) {
      // every sign change of log(ratio) between neighbours yields one crossing, between their synapse counts
      const changes = curve.points.slice(1).filter((p, i) => Math.log(p.ratio) * Math.log(curve.points[i].ratio) < 0);
      expect(curve.crossings).toHaveLength(changes.length);
      for (const [i, s] of curve.crossings.entries()) {
        const b = changes[i],
          a = curve.points[curve.points.indexOf(b) - 1];
        expect(s).toBeGreaterThan(a.synapses);
        expect(s).toBeLessThan(b.synapses);
      }
      crossed += curve.crossings.length;
    }
    expect(crossed).toBeGreaterThan(0);
    const svg = crossoverSvg(x);
    expect(svg.match(/<polyline/g)).toHaveLength(6);
    expect(svg.match(/<circle/g)).toHaveLength(crossed);
    expect(svg).toContain("synapses (network grown by scaling its hidden populations)");
    expect(svg).toContain("chip energy / BPTT energy (log)");
    expect(svg).toContain("crossover: ratio 1");
  });

  it("lays a scaled network out again on more cores", () => {
    const c = tiled();
    const big = scaleHidden(c, 4);
    expect(big.populations.find((p) => p.name === "h")!.size).toBe(48);
    expect(big.hardware!.cores.length).toBeGreaterThan(c.hardware!.cores.length);
  });
});

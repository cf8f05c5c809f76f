// Tests of the hardware section of the IR: absent vs present, round trip, weight grid, and the validator's hardware errors.
import { describe, expect, it } from "vitest";
import { decodeBinary, encodeBinary, fromJSON } from "./codec.js";
import { levelWeight, maxLevel, nearestLevel, pipelineBound, shortTickWarning, stochasticLevel } from "./hardware.js";
import { Rounding, type Circuit, type WeightStorage } from "./model.js";
import { validate } from "./validate.js";

/** x (2) -> h (3) -> y (1) with a two-core chip: h on c0, y on c1, one route each way. */
function chip(): Circuit {
  return fromJSON({
    version: 1,
    name: "chip",
    dt: 0.1,
    inputs: [{ name: "x", size: 2 }],
    populations: [
      { name: "h", size: 3, tauM: [1, 1, 1], tauR: [0.5, 0.5, 0.5], bias: [0, 0, 0], phi: "TANH" },
      { name: "y", size: 1, tauM: [1], tauR: [0.5], bias: [0], phi: "LINEAR" },
    ],
    errorPopulations: [
      { name: "h_err", population: "h" },
      { name: "y_err", population: "y" },
    ],
    errorCurrents: [{ errorPopulation: "h_err", population: "h", gamma: 1 }],
    crossbars: [
      {
        name: "x_h",
        pre: "x",
        post: "h",
        rows: 3,
        cols: 2,
        weights: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
        plastic: true,
        feedback: "NO_FEEDBACK",
      },
      {
        name: "h_y",
        pre: "h",
        post: "y",
        rows: 1,
        cols: 3,
        weights: [0.5, -0.5, 0.25],
        plastic: true,
        feedback: "TRANSPOSE",
      },
    ],
    outputs: [{ name: "target", population: "y", loss: "MSE", beta: 0.1 }],
    learning: { rule: "VLE", eta: 0.01 },
    provenance: { source: "test" },
    hardware: {
      card: "test",
      clockHz: 1e8,
      acceleration: 100,
      timeUnitS: 1e-3, // v1 kept the time base here; the upgrade moves it to the circuit
      seed: 7,
      noc: { width: 2, height: 1, cyclesPerHop: 2, packetBits: 16 },
      cores: [
        { name: "c0", x: 0, y: 0, neuronCapacity: 4, synapseCapacity: 8, dacs: 2, adcs: 2 },
        { name: "c1", x: 1, y: 0, neuronCapacity: 4, synapseCapacity: 8, dacs: 2, adcs: 2 },
      ],
      placements: [
        { element: "x", first: 0, count: 2, core: "c0" },
        { element: "h", first: 0, count: 3, core: "c0" },
        { element: "y", first: 0, count: 1, core: "c1" },
      ],
      tiles: [
        { crossbar: "x_h", core: "c0", rowFirst: 0, rows: 3, colFirst: 0, cols: 2 },
        { crossbar: "h_y", core: "c1", rowFirst: 0, rows: 1, colFirst: 0, cols: 3 },
      ],
      routes: [
        { flow: "RATE", source: "h", fromCore: "c0", toCore: "c1", words: 3, path: ["c0", "c1"], hops: 1 },
        {
          flow: "ERROR_PARTIAL_SUM",
          source: "h_y#1",
          fromCore: "c1",
          toCore: "c0",
          words: 3,
          path: ["c1", "c0"],
          hops: 1,
        },
      ],
      dac: { bits: 8, conversionCycles: 2 },
      adc: { bits: 8, conversionCycles: 4 },
      weights: [
        { crossbar: "x_h", bits: 6, scale: 0.02, rounding: "STOCHASTIC" },
        { crossbar: "h_y", bits: 6, scale: 0.02, rounding: "NEAREST" },
      ],
      plasticity: { mode: "EVERY_K", everyK: 4, writeCycles: 3 },
      pipeline: { crossbarSettleCycles: 2, integrateCycles: 1 },
    },
  });
}

function mutate(edit: (c: Circuit) => void): Circuit {
  const c = chip();
  edit(c);
  return c;
}

describe("hardware IR", () => {
  it("is null when absent and completes absent sections (every effect off) when present", () => {
    const plain = fromJSON({ version: 1, name: "a", dt: 0.1 });
    expect(plain.hardware).toBeNull();
    const c = chip();
    expect(c.hardware!.effects).toEqual({
      weightQuantization: false,
      dacQuantization: false,
      adcQuantization: false,
      railSaturation: false,
      thermalNoise: false,
      mismatch: false,
      drift: false,
      plasticitySchedule: false,
      latency: false,
      plasticityCircuit: false,
    });
    expect(c.hardware!.noise).toEqual({ membraneStd: 0, errorStd: 0, otaExcessFactor: 0, flickerStd: 0 });
  });

  it("round-trips through binary", () => {
    const c = chip();
    validate(c, "test");
    expect(decodeBinary(encodeBinary(c))).toEqual(c);
  });

  it("rounds weights to the grid: nearest within scale/2, stochastic unbiased", () => {
    const store = {
      crossbar: "x",
      bits: 4,
      scale: 0.1,
      rounding: Rounding.NEAREST,
      driftPerS: 0,
      maxAbsError: 0,
    } as WeightStorage;
    expect(maxLevel(4)).toBe(7);
    for (const w of [-0.69, -0.04, 0, 0.05, 0.33, 0.7])
      expect(Math.abs(levelWeight(nearestLevel(w, store), store) - w)).toBeLessThanOrEqual(0.05 + 1e-15);
    expect(nearestLevel(5, store)).toBe(7);
    // E[q(0.33)] = 0.33: levels 3 and 4 with probabilities 0.7 and 0.3
    let sum = 0;
    const n = 10000;
    for (let i = 0; i < n; i++) sum += levelWeight(stochasticLevel(0.33, store, (i + 0.5) / n), store);
    expect(sum / n).toBeCloseTo(0.33, 10);
    const binary = { ...store, bits: 1 };
    expect([nearestLevel(-0.01, binary), nearestLevel(0.2, binary)]).toEqual([-1, 1]);
  });

  it("bounds the pipeline from the busiest core", () => {
    const c = chip();
    const b = pipelineBound(c, c.hardware!);
    // forward DAC: c1 drives 3 lines with 2 DACs -> 2 rounds x 2 cycles; ADC: c0 converts h's r and e (6) -> 3 rounds x 4;
    // c1 converts y (r, e: 2) + h_y transposed partial sums for remote h (3) = 5 -> 3 rounds x 4; route 1 hop x 2;
    // error DAC: c1 1 row -> 1 x 2; writes: c0 3 rows x 3 cycles / 4 ticks -> 3
    expect(b).toMatchObject({
      forwardDac: 4,
      crossbarSettle: 2,
      adc: 12,
      route: 2,
      transposedDac: 2,
      transposedSettle: 2,
      integrate: 1,
      write: 3,
      total: 28,
    });
  });

  it("allows a tick shorter than its pipeline, with a warning that says what follows", () => {
    const c = chip();
    expect(shortTickWarning(c, c.hardware!)).toBeUndefined();
    c.hardware!.clockHz = 2e7; // 20 cycles per tick for a pipeline of 28
    validate(c, "short.json");
    c.hardware!.effects.latency = true;
    expect(shortTickWarning(c, c.hardware!)).toBe(
      "a tick holds 20 cycles but its pipeline needs 28: values arrive stale (see the stale-value count of the timing report)",
    );
    c.hardware!.effects.latency = false;
    expect(shortTickWarning(c, c.hardware!)).toMatch(/ticks stretch to wait for late values/);
  });

  const bad: [string, (c: Circuit) => void, RegExp][] = [
    [
      "weight bits < 1",
      (c) => {
        c.hardware!.weights[0].bits = 0;
      },
      /weight storage of crossbar 'x_h': bits = 0 must be between 1 and 32/,
    ],
    [
      "adc bits < 1",
      (c) => {
        c.hardware!.adc.bits = 0;
      },
      /hardware: adc bits = 0/,
    ],
    [
      "a core too small for one neuron",
      (c) => {
        c.hardware!.cores[1].neuronCapacity = 0;
      },
      /core 'c1': neuron_capacity 0 is too small for one neuron/,
    ],
    [
      "a core over capacity",
      (c) => {
        c.hardware!.cores[0].neuronCapacity = 2;
      },
      /core 'c0' holds 3 neurons but its neuron_capacity is 2/,
    ],
    [
      "a tick that holds no whole clock cycle",
      (c) => {
        c.hardware!.clockHz = 5e5;
      },
      /holds no whole cycle of the 500 kHz clock; raise the clock or lower the acceleration/,
    ],
    [
      "a cell not placed",
      (c) => {
        c.hardware!.placements[1].count = 2;
      },
      /cell 2 of 'h' is not placed/,
    ],
    [
      "a crossbar cell in no tile",
      (c) => {
        c.hardware!.tiles[0].cols = 1;
      },
      /crossbar 'x_h' cell \[0,1\] is in no tile/,
    ],
    [
      "a route between non-neighbours",
      (c) => {
        c.hardware!.cores[1].x = 1;
        c.hardware!.noc.width = 3;
        c.hardware!.cores[1].x = 2;
      },
      /'c0' and 'c1' are not mesh neighbours/,
    ],
    [
      "no card",
      (c) => {
        c.hardware!.card = "";
      },
      /no technology card/,
    ],
    [
      "stuck-off probability 1",
      (c) => {
        c.hardware!.mismatch.stuckOffProb = 1;
      },
      /stuck_off_prob = 1 must be below 1/,
    ],
    [
      "every_k 0",
      (c) => {
        c.hardware!.plasticity.everyK = 0;
      },
      /every_k = 0 must be at least 1/,
    ],
    [
      "a missing range with adc quantization on",
      (c) => {
        c.hardware!.effects.adcQuantization = true;
      },
      /no converter range for rate 'h'/,
    ],
  ];
  for (const [what, edit, message] of bad) {
    it(`rejects ${what}, naming it`, () => {
      expect(() => validate(mutate(edit), "test")).toThrow(message);
    });
  }
});

// Tests of the hardware passes: quantize (scale per crossbar, error bound), place (tiling a projection larger than a core), route (XY hops), settle-timing, and compile-time errors naming the bad parameter.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cyclesPerTick, levelWeight, maxLevel, nearestLevel, pipelineBound } from "../../circuits/hardware.js";
import { decodeBinary, encodeBinary } from "../../circuits/codec.js";
import { Flow, Signal, type Route } from "../../circuits/model.js";
import { Random } from "../../circuits/random.js";
import { chipSection, tiledDescription } from "../../test/helpers.js";
import { compileSource, passes, withTarget } from "../index.js";
import { routes } from "./route.js";

/** examples/recurrent.yaml (recurrent h, random and transpose feedback, a broadcast) with another hardware section. */
const recurrent = (hardware: string) =>
  `${readFileSync(new URL("../../examples/recurrent.yaml", import.meta.url), "utf8")}\n${hardware}`;

/** x (10) -> h (12, tanh) -> y (3): h's input projection has 120 synapses. */
const network = (hardware: string) => tiledDescription({ learning: "{ rule: vle, eta: 0.01 }", hardware });

const chip = (extra = "") => network(chipSection(extra));

describe("quantize", () => {
  it("chooses a scale per crossbar from its largest weight and bounds the rounding error by scale/2", () => {
    const c = compileSource(chip("  weights: { bits: 5, headroom: 1.5 }\n"), "t.yaml");
    const h = c.hardware!;
    expect(h.weights.map((w) => w.crossbar)).toEqual(c.crossbars.map((x) => x.name));
    for (const x of c.crossbars) {
      const store = h.weights.find((w) => w.crossbar === x.name)!;
      const largest = Math.max(...x.weights.map(Math.abs));
      expect(store.bits).toBe(5);
      expect(store.scale).toBeCloseTo((1.5 * largest) / maxLevel(5), 15);
      const errors = x.weights.map((w) => Math.abs(w - levelWeight(nearestLevel(w, store), store)));
      expect(Math.max(...errors)).toBeLessThanOrEqual(store.scale / 2 + 1e-15);
      expect(store.maxAbsError).toBe(Math.max(...errors));
    }
    // two crossbars with different largest weights get different scales
    expect(h.weights[0].scale).not.toBe(h.weights[1].scale);
  });

  it("sets converter ranges from the transfer function, the given ranges and the output error", () => {
    const c = compileSource(chip("  ranges: { x: [-2, 2], error: 0.05 }\n"), "t.yaml");
    const range = (element: string, signal: number) =>
      c.hardware!.ranges.find((r) => r.element === element && r.signal === signal);
    expect(range("x", Signal.RATE_SIGNAL)).toMatchObject({ lo: -2, hi: 2 });
    expect(range("h", Signal.RATE_SIGNAL)).toMatchObject({ lo: -1, hi: 1 }); // tanh
    expect(range("h", Signal.ERROR_SIGNAL)).toMatchObject({ lo: -0.05, hi: 0.05 });
  });
});

describe("place, route and settle-timing", () => {
  it("keeps a small network on one core with no routes, and picks the largest acceleration that fits", () => {
    const c = compileSource(chip(), "t.yaml");
    const h = c.hardware!;
    expect(h.cores).toHaveLength(1);
    expect(h.routes).toHaveLength(0);
    expect(h.acceleration).toBeLessThanOrEqual(1000);
    expect(cyclesPerTick(c, h)).toBeGreaterThanOrEqual(pipelineBound(c, h).total);
  });

  it("tiles a projection larger than a core across cores, routes its partial sums, and the tiles add up to the crossbar", () => {
    const c = compileSource(chip("  core: { neurons: 8, synapses: 32 }\n"), "t.yaml");
    const h = c.hardware!;
    const xh = c.crossbars.find((x) => x.post === "h")!;
    const tiles = h.tiles.filter((t) => t.crossbar === xh.name);
    expect(tiles.length).toBeGreaterThan(3);
    expect(new Set(tiles.map((t) => t.core)).size).toBeGreaterThan(2);
    for (const t of tiles) expect(t.rows * t.cols).toBeLessThanOrEqual(32);
    // h is split over two cores (8 + 4 neurons)
    expect(h.placements.filter((p) => p.element === "h").map((p) => p.count)).toEqual([8, 4]);
    // every remote tile sends its partial sums to h's cores along XY paths of neighbouring cores
    const remote = tiles.filter(
      (t) =>
        !h.placements.some(
          (p) => p.element === "h" && p.core === t.core && p.first <= t.rowFirst && t.rowFirst < p.first + p.count,
        ),
    );
    expect(remote.length).toBeGreaterThan(0);
    for (const t of remote) {
      const index = h.tiles.indexOf(t);
      const r = h.routes.filter((q) => q.flow === Flow.PARTIAL_SUM && q.tile === index && q.element === t.crossbar);
      expect(r.reduce((a, q) => a + q.words, 0)).toBe(t.rows);
      for (const q of r) expect(q.hops).toBe(q.path.length - 1);
    }
    const pos = new Map(h.cores.map((k) => [k.name, k]));
    for (const q of h.routes) {
      const [a, b] = [pos.get(q.fromCore)!, pos.get(q.toCore)!];
      expect(q.hops).toBe(Math.abs(a.x - b.x) + Math.abs(a.y - b.y)); // XY paths are shortest
    }
    // partial sums of the tiles, added at the post neurons, equal the logical crossbar's product
    const rng = new Random(5);
    const r = Float64Array.from({ length: xh.cols }, () => 2 * rng.uniform() - 1);
    const whole = new Float64Array(xh.rows);
    const summed = new Float64Array(xh.rows);
    for (let i = 0; i < xh.rows; i++) for (let j = 0; j < xh.cols; j++) whole[i] += xh.weights[i * xh.cols + j] * r[j];
    for (const t of tiles) {
      for (let i = t.rowFirst; i < t.rowFirst + t.rows; i++) {
        let partial = 0;
        for (let j = t.colFirst; j < t.colFirst + t.cols; j++) partial += xh.weights[i * xh.cols + j] * r[j];
        summed[i] += partial;
      }
    }
    for (let i = 0; i < xh.rows; i++) expect(summed[i]).toBeCloseTo(whole[i], 12);
  });

  it("routes around the empty positions of a partly filled last mesh row along shortest paths", () => {
    const c = compileSource(
      recurrent("hardware:\n  card: analog-65nm\n  core: { neurons: 6, synapses: 40 }\n"),
      "recurrent.yaml",
    );
    const h = c.hardware!;
    expect(h.cores.length).toBeLessThan(h.noc.width * h.noc.height); // the last row has empty positions
    const pos = new Map(h.cores.map((k) => [k.name, k]));
    for (const q of h.routes) {
      const cores = q.path.map((name) => pos.get(name)!);
      expect(cores.every(Boolean)).toBe(true);
      for (let i = 1; i < cores.length; i++)
        expect(Math.abs(cores[i].x - cores[i - 1].x) + Math.abs(cores[i].y - cores[i - 1].y)).toBe(1);
      const [a, b] = [pos.get(q.fromCore)!, pos.get(q.toCore)!];
      expect(q.hops).toBe(Math.abs(a.x - b.x) + Math.abs(a.y - b.y));
    }
  });

  it("sends error partial sums only from tiles whose post and pre both have error cells", () => {
    const c = compileSource(
      recurrent("hardware:\n  card: analog-65nm\n  core: { neurons: 6, synapses: 40 }\n"),
      "recurrent.yaml",
    );
    const h = c.hardware!;
    const sums = (routesOf: Route[], post: string) =>
      routesOf.filter(
        (q) => q.flow === Flow.ERROR_PARTIAL_SUM && c.crossbars.find((x) => x.name === q.element)!.post === post,
      );
    expect(sums(h.routes, "y").length).toBeGreaterThan(0); // h -> y (transpose feedback): y learns, h has an error cell
    // without h's error cell, h -> y's transposed read has nowhere to go and h -> h's post does not learn
    c.errorPopulations = c.errorPopulations.filter((e) => e.population !== "h");
    const without = routes(c, h);
    expect(without.filter((q) => q.flow === Flow.ERROR_PARTIAL_SUM)).toEqual([]);
    expect(sums(without, "y")).toEqual([]);
    expect(without.filter((q) => q.flow === Flow.PARTIAL_SUM)).toEqual(
      h.routes.filter((q) => q.flow === Flow.PARTIAL_SUM),
    );
  });

  it("round-trips a compiled chip through the binary IR", () => {
    const c = compileSource(
      chip("  core: { neurons: 8, synapses: 32 }\n  mismatch: { tau: 0.1, stuck_off: 0.01 }\n  noise: thermal\n"),
      "t.yaml",
    );
    expect(decodeBinary(encodeBinary(c))).toEqual(c);
    expect(c.hardware!.noise.membraneStd).toBeGreaterThan(0);
  });

  it("reads weight drift as a rate in 1/s, with or without a unit", () => {
    const drift = (text: string) =>
      compileSource(chip(`  weights: { drift: ${text} }\n`), "t.yaml").hardware!.weights.map((w) => w.driftPerS);
    expect(drift("2000")).toEqual([2000, 2000]);
    expect(drift("2000 /s")).toEqual([2000, 2000]);
    expect(drift("2 kHz")).toEqual([2000, 2000]);
    expect(drift("2 / ms")).toEqual([2000, 2000]);
  });

  it("applies --chip to a description without a hardware section", () => {
    const c = compileSource(network(""), "t.yaml", withTarget(passes, "analog-22nm"));
    expect(c.hardware!.card).toBe("analog-22nm");
    expect(c.hardware!.weights[0].bits).toBe(6);
  });
});

describe("bad hardware parameters fail at compile time, naming them", () => {
  const cases: [string, string, RegExp][] = [
    [
      "weight bits < 1",
      "  weights: { bits: 0 }\n",
      /^t\.yaml:\d+: hardware\.weights\.bits: 0 bits: a weight needs at least 1 bit; give at least 1$/,
    ],
    ["adc bits < 1", "  adc: { bits: 0 }\n", /hardware\.adc\.bits: 0 bits: an ADC needs at least 1 bit/],
    [
      "a core too small for one neuron",
      "  core: { neurons: 0 }\n",
      /hardware\.core\.neurons: 0 neurons: a core too small for one neuron/,
    ],
    [
      "a clock too slow for the pipeline",
      "  clock: 100 kHz\n  acceleration: 1000\n",
      /^t\.yaml:\d+: hardware\.acceleration: clock 0\.1 MHz is too slow for the pipeline: a tick of 100 ns at acceleration 1000 holds 0 cycles but needs \d+/,
    ],
    ["an unknown card", "  card: nope\n", /^t\.yaml:\d+: hardware\.card: technology card 'nope' not found/],
    [
      "a clock in the wrong unit",
      "  clock: 2 pF\n",
      /hardware\.clock: '2 pF' has unit pF, expected a quantity like Hz/,
    ],
    [
      "a drift in the wrong unit",
      "  weights: { drift: 2000 s }\n",
      /^t\.yaml:\d+: hardware\.weights\.drift: '2000 s' has unit s, expected a quantity like 1\/s; give the value in 1\/s or a compatible unit$/,
    ],
    ["an unknown effect", "  effects: [weights, magic]\n", /hardware\.effects\[1\]: 'magic' is not an effect/],
    [
      "a mesh too small",
      "  core: { neurons: 4, synapses: 16 }\n  mesh: { width: 2, height: 1 }\n",
      /hardware\.mesh: a 2x1 mesh holds 2 cores but the circuit needs \d+/,
    ],
  ];
  for (const [what, extra, message] of cases) {
    it(what, () => {
      const text = extra.includes("card:") ? network(`hardware:\n${extra}`) : chip(extra);
      expect(() => compileSource(text, "t.yaml")).toThrow(message);
    });
  }

  it("a card missing an entry the energy model needs", async () => {
    const { mkdtempSync, writeFileSync, readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "vle-card-"));
    const full = readFileSync(new URL("../../circuits/tech/analog-65nm.yaml", import.meta.url), "utf8");
    const file = join(dir, "partial.yaml");
    writeFileSync(
      file,
      full.replace(/^ {2}adc_energy_per_conversion:.*\n/m, "").replace("card: analog-65nm", "card: partial"),
    );
    expect(() => compileSource(network(`hardware:\n  card: ${file}\n`), "t.yaml")).toThrow(
      /^t\.yaml:\d+: hardware\.card: technology card 'partial' \(.*\) is missing entry 'adc_energy_per_conversion' needed by the hardware passes and the energy model/,
    );
  });
});

// Hardware mode against oracles: ideal mode with every effect off (single core and tiled over cores), timing and staleness, counts.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cyclesPerTick, pipelineBound } from "../circuits/hardware.js";
import { Flow, Rule, type Circuit } from "../circuits/model.js";
import { compileSource } from "../compiler/index.js";
import type { Engine } from "../simulator/engine.js";
import { HardwareEngine } from "../simulator/hardware/engine.js";
import { compiled, divergence, tiledDescription } from "./helpers.js";

describe("hardware mode with every effect off equals ideal mode", () => {
  for (const example of ["lagline", "delayed-xor", "recurrent"]) {
    it(`${example} on one core`, () => {
      const c = compiled(example, "  card: analog-65nm\n  effects: none\n");
      expect(c.hardware!.cores).toHaveLength(1);
      expect(divergence(c, 300).max).toBe(0);
    });
  }

  it("a feedforward network tiled over five cores (partial sums, errors and error partial sums routed), learning with Adam", () => {
    const c = compileSource(tiledNetwork, "tiled.yaml");
    const h = c.hardware!;
    expect(h.cores).toHaveLength(5);
    expect(h.tiles.length).toBeGreaterThan(c.crossbars.length);
    for (const flow of [Flow.RATE, Flow.PARTIAL_SUM, Flow.ERROR, Flow.ERROR_PARTIAL_SUM])
      expect(h.routes.some((r) => r.flow === flow)).toBe(true);
    const { max, hw } = divergence(c, 1000);
    // tiles add their partial sums in another order than the untiled sum: equal up to float rounding
    expect(max).toBeLessThan(1e-12);
    expect(hw.opCounts().packets).toBeGreaterThan(0);
    expect(hw.timing().staleValues).toBe(0);
  });

  it("the recurrent example (random feedback, broadcast) tiled over 16 cores, inference", () => {
    const c = compiled("recurrent", "  card: analog-65nm\n  effects: none\n  core: { neurons: 5, synapses: 40 }\n");
    c.learning.rule = Rule.NONE;
    expect(c.hardware!.cores).toHaveLength(16);
    expect(c.hardware!.routes.some((r) => r.flow === Flow.BROADCAST)).toBe(true);
    // with learning on, this network amplifies any 1e-16 perturbation to 1e-7 within 300 steps (ideal mode
    // perturbed by one ulp does the same), so the tiled comparison is made on the dynamics alone
    expect(divergence(c, 300).max).toBeLessThan(1e-12);
  });
});

/** x (10) -> h (12, tanh) -> y (3), on cores of 8 neurons and 32 synapses: both crossbars are tiled. */
const tiledNetwork = tiledDescription({
  learn: "[bias, tau_m]",
  learning: "{ rule: vle, eta: 0.01, eta_tau: 0.001, optimizer: adam }",
  hardware: "hardware:\n  card: analog-65nm\n  effects: none\n  core: { neurons: 8, synapses: 32 }\n",
});

/**
 * An independent scalar re-implementation of the lagline chain x -> l0 -> l1 (design section 2, softplus,
 * inference): l0's back-projected error is w1 e1 of `errorLag` ticks before the reference's (0: ideal).
 */
function laglineReference(
  c: Circuit,
  xs: number[],
  ys: number[],
  errorLag: number,
): { r0: number[]; r1: number[]; e0: number[] } {
  const [l0, l1] = c.populations,
    dt = c.dt,
    beta = c.outputs[0].beta,
    gamma = c.errorCurrents[0].gamma;
  const w0 = c.crossbars[0].weights[0],
    w1 = c.crossbars[1].weights[0];
  const sp = (x: number) => (x > 30 ? x : Math.log1p(Math.exp(x))),
    sig = (x: number) => 1 / (1 + Math.exp(-x));
  let u0 = 0,
    u1 = 0,
    v0 = 0,
    v1 = 0,
    e0 = 0,
    e1 = 0,
    r0 = 0,
    r1 = 0,
    g0 = 0,
    g1 = 0;
  const e1History: number[] = [];
  const out = { r0: [] as number[], r1: [] as number[], e0: [] as number[] };
  for (let k = 0; k < xs.length; k++) {
    e1History.push(e1);
    const back = k - errorLag >= 0 ? w1 * e1History[k - errorLag] : 0;
    const d0 = g0 * back,
      d1 = g1 * (beta * (ys[k] - r1));
    const vd0 = (d0 - v0) / l0.tauR[0],
      vd1 = (d1 - v1) / l1.tauR[0];
    const e0n = v0 + l0.tauM[0] * vd0,
      e1n = v1 + l1.tauM[0] * vd1;
    v0 += dt * vd0;
    v1 += dt * vd1;
    const du0 = (w0 * xs[k] + gamma * e0n - u0) / l0.tauM[0],
      du1 = (w1 * r0 + gamma * e1n - u1) / l1.tauM[0];
    const up0 = u0 + l0.tauR[0] * du0,
      up1 = u1 + l1.tauR[0] * du1;
    u0 += dt * du0;
    u1 += dt * du1;
    [r0, g0, r1, g1, e0, e1] = [sp(up0), sig(up0), sp(up1), sig(up1), e0n, e1n];
    out.r0.push(r0);
    out.r1.push(r1);
    out.e0.push(e0);
  }
  return out;
}

describe("latency: a late value is a stale one", () => {
  // lagline with one neuron per core: l0 on core0, l1 with the l0 -> l1 tile on core1. The compiler picks the
  // largest acceleration whose tick holds the validator's bound (stages in sequence, one ADC stage); the error
  // path takes two conversions in a row (e of l1, then its transposed partial sum for l0) and arrives late.
  const source = (effects: string) =>
    `${readFileSync("examples/lagline.yaml", "utf8")}\nhardware:\n  card: analog-65nm\n  effects: ${effects}\n  core: { neurons: 1 }\n`;
  const steps = 400;
  const xs = Array.from({ length: steps }, (_, k) => 1 + Math.sin(k / 25));
  const ys = Array.from({ length: steps }, (_, k) => 0.8 + 0.3 * Math.cos(k / 40));
  const run = (c: Circuit) => {
    const hw = new HardwareEngine(c);
    const out = { r0: [] as number[], r1: [] as number[], e0: [] as number[] };
    hw.outputs[0].mask[0] = 1;
    for (let k = 0; k < steps; k++) {
      hw.input("x")[0] = xs[k];
      hw.outputs[0].target[0] = ys[k];
      hw.advance(false); // prospective errors (rule vle), no learning
      out.r0.push(hw.populations[0].now.r[0]);
      out.r1.push(hw.populations[1].now.r[0]);
      out.e0.push(hw.populations[0].now.e[0]);
    }
    return { out, timing: hw.timing() };
  };
  const gap = (a: Record<string, number[]>, b: Record<string, number[]>) =>
    Math.max(...Object.keys(a).flatMap((k) => a[k].map((x, i) => Math.abs(x - b[k][i]))));

  it("with latency on, l0 integrates l1's error of one tick before, and the timing report says so", () => {
    const c = compileSource(source("[latency]"), "lagline.yaml");
    const { out, timing } = run(c);
    expect(timing.slack).toBeLessThan(0);
    expect(timing.maxLagTicks).toBe(1);
    expect(timing.staleValues).toBe(steps);
    expect(gap(out, laglineReference(c, xs, ys, 1))).toBeLessThan(1e-12);
    // and it is not the ideal trajectory
    expect(gap(out, laglineReference(c, xs, ys, 0))).toBeGreaterThan(1e-6);
  });

  it("with latency off, the tick stretches until the error arrives: ideal dynamics, stall cycles reported", () => {
    const c = compileSource(source("none"), "lagline.yaml");
    const { out, timing } = run(c);
    expect(timing.staleValues).toBe(0);
    expect(timing.stallCycles).toBeGreaterThan(0);
    expect(timing.cycles).toBe(steps * timing.cyclesPerTick + timing.stallCycles);
    expect(gap(out, laglineReference(c, xs, ys, 0))).toBeLessThan(1e-12);
  });

  it("with a clock fast enough for the whole error path, nothing is late", () => {
    const c = compileSource(source("[latency]"), "lagline.yaml");
    c.hardware!.clockHz *= 2;
    const { out, timing } = run(c);
    expect(timing.slack).toBeGreaterThanOrEqual(0);
    expect(timing.staleValues).toBe(0);
    expect(gap(out, laglineReference(c, xs, ys, 0))).toBeLessThan(1e-12);
  });
});

describe("link contention and unit occupancy show in the timing report and in the dynamics", () => {
  // x -> h (n tanh cells, filling core0) -> y (on core1, with the h -> y tile): h's n rates cross one link per tick
  const source = (n: number, adcs: number) => `
name: contention
dt: 0.1
seed: 1
populations:
  - { name: x, kind: input, size: 1 }
  - { name: h, size: ${n}, tau_m: 1.0, tau_r: 0.5, phi: tanh }
  - { name: y, kind: output, size: 1, tau_m: 1.0, tau_r: 0.5, phi: linear }
projections:
  - { from: x, to: h, init: { kind: normal, scale: 1.0, seed: 1 } }
  - { from: h, to: y, init: { kind: normal, scale: 0.3, seed: 2 } }
loss: { kind: mse, beta: 0.1 }
learning: { rule: vle, eta: 0.01, optimizer: sgd }
hardware:
  card: analog-65nm
  effects: [latency]
  acceleration: 100
  core: { neurons: ${n}, dacs: 64, adcs: ${adcs} }
`;
  /** x = sin(k), target 0.5 on y every tick, no learning: errors flow back through the transposed h -> y tile */
  const drive = (e: Engine, k: number) => {
    e.input("x")[0] = Math.sin(k);
    e.outputs[0].target[0] = 0.5;
    e.outputs[0].mask[0] = 1;
    e.advance(false);
  };
  const timingOf = (c: Circuit, steps = 20) => {
    const hw = new HardwareEngine(c);
    for (let k = 0; k < steps; k++) drive(hw, k);
    return hw.timing();
  };

  it("n packets on one link arrive one cycle apart: the critical path grows by n - 1 cycles", () => {
    const one = compileSource(source(1, 64), "c.yaml"),
      many = compileSource(source(24, 64), "c.yaml");
    // h's rates cross core0 -> core1, y's error partial sums for h cross back: 24 words each way
    expect(many.hardware!.routes.map((r) => r.words)).toEqual([24, 24]);
    const [a, b] = [timingOf(one), timingOf(many)];
    expect(b.inputLatency.max - a.inputLatency.max).toBe(23);
    expect(b.utilization["link core0->core1"]).toBeGreaterThan(a.utilization["link core0->core1"]);
  });

  it("one ADC converting every output of a core serializes them (conversion cycles each)", () => {
    const wide = timingOf(compileSource(source(24, 64), "c.yaml")),
      narrow = timingOf(compileSource(source(24, 1), "c.yaml"));
    expect(narrow.inputLatency.max).toBeGreaterThan(wide.inputLatency.max + 20);
  });

  it("when the tick is too short for the contended link, h integrates stale error partial sums: the dynamics differ from ideal", () => {
    const c = compileSource(source(24, 64), "c.yaml");
    const fit = timingOf(c).inputLatency.max + c.hardware!.pipeline.integrateCycles,
      bound = pipelineBound(c, c.hardware!).total;
    // the validator's bound leaves contention out, so the contended path needs more than the shortest valid tick
    expect(fit).toBeGreaterThan(bound);
    c.hardware!.clockHz *= (bound + 0.5) / cyclesPerTick(c, c.hardware!);
    expect(cyclesPerTick(c, c.hardware!)).toBe(bound);
    const late = timingOf(c, 50);
    expect(late.slack).toBeLessThan(0);
    expect(late.staleValues).toBeGreaterThan(0);
    const ideal = structuredClone(c);
    ideal.hardware!.effects.latency = false;
    const gapToIdeal = (() => {
      const [a, b] = [new HardwareEngine(c), new HardwareEngine(ideal)];
      let max = 0;
      for (let k = 0; k < 50; k++) {
        for (const e of [a, b]) drive(e, k);
        a.population("h").now.e.forEach((x, i) => (max = Math.max(max, Math.abs(x - b.population("h").now.e[i]))));
      }
      return max;
    })();
    expect(gapToIdeal).toBeGreaterThan(1e-4);
  });
});

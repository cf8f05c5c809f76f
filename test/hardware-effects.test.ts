// Each hardware effect against an oracle: mismatch as a modified ideal circuit, OU noise statistics, rails, drift, the write schedule, the weight grid, converters, and op counts against the analytic estimate.
import { describe, expect, it } from "vitest";
import { converterLsb, levelWeight, nearestLevel, tickSeconds } from "../circuits/hardware.js";
import { Rounding, Rule, Signal } from "../circuits/model.js";
import { Random } from "../circuits/random.js";
import { compileSource } from "../compiler/index.js";
import { Engine } from "../simulator/engine.js";
import { HardwareEngine } from "../simulator/hardware/engine.js";
import { drawChip, factors, synapseFactors } from "../simulator/hardware/mismatch.js";
import { analyticCounts } from "../simulator/meters/analytic.js";

/** x (4) -> h (6, tanh) -> y (2, linear): h split over two cores of 4 neurons, so some partial sums travel. */
const network = (hardware: string, learning = "{ rule: vle, eta: 0.05, eta_tau: 0.01, optimizer: sgd }") =>
  compileSource(
    `
name: effects
dt: 0.05
seed: 4
populations:
  - { name: x, kind: input, size: 4 }
  - { name: h, size: 6, tau_m: 1.0, tau_r: 0.3, phi: tanh, learn: [bias, tau_m] }
  - { name: y, kind: output, size: 2, tau_m: 0.5, tau_r: 0.1, phi: linear }
projections:
  - { from: x, to: h, init: { kind: xavier, scale: 1.0, seed: 1 }, plastic: true }
  - { from: h, to: y, init: { kind: xavier, scale: 1.0, seed: 2 }, plastic: true }
loss: { kind: mse, beta: 0.2 }
learning: ${learning}
hardware:
  card: analog-65nm
  core: { neurons: 4, synapses: 64 }
${hardware}`,
    "effects.yaml",
  );

/** Feeds both engines the same seeded inputs (and targets when `targets`), `steps` times, calling `after` each step. */
function drive(
  engines: Engine[],
  steps: number,
  targets: boolean,
  after?: (k: number) => void,
  learn?: boolean[],
): void {
  const rng = new Random(9);
  const c = engines[0].circuit;
  for (let k = 0; k < steps; k++) {
    for (const port of c.inputs) {
      const n = engines[0].input(port.name).length;
      for (let i = 0; i < n; i++) {
        const v = rng.normal();
        for (const e of engines) e.input(port.name)[i] = v;
      }
    }
    for (const o of engines[0].outputs) {
      for (let i = 0; i < o.target.length; i++) {
        const v = rng.uniform();
        for (const e of engines) e.output(o.spec.name).target[i] = v;
      }
      for (const e of engines) e.output(o.spec.name).mask.fill(targets ? 1 : 0);
    }
    engines.forEach((e, i) => e.advance(learn?.[i] ?? e.learnsOnline));
    after?.(k);
  }
}

describe("mismatch is the ideal circuit with the chip's fixed pattern folded into its parameters", () => {
  it("tau, offset, synapse gain, stuck-off synapses and rate gain (inference)", () => {
    const c = network(
      "  effects: [mismatch]\n  mismatch: { tau: 0.2, gain: 0.15, offset: 0.1, synapse: 0.25, stuck_off: 0.1 }\n",
    );
    const h = c.hardware!,
      m = h.mismatch;
    // the oracle circuit: taus x factor, bias + offset, weights x synapse factor; the rate gain of h scales the
    // columns of h -> y, and the rate gain of y scales y's rate after the fact
    const draws = drawChip(c, h.seed);
    const oracle = structuredClone(c);
    oracle.hardware = null;
    const gains = oracle.populations.map((p, i) => {
      const d = draws.cells[i];
      const fm = factors(d.tauM, m.tauRelStd),
        fr = factors(d.tauR, m.tauRelStd);
      p.tauM = p.tauM.map((t, j) => Math.max(c.dt, t * fm[j]));
      p.tauR = p.tauR.map((t, j) => Math.max(c.dt, t * fr[j]));
      p.bias = p.bias.map((b, j) => b + m.offsetStd * d.offset[j]);
      return factors(d.gain, m.gainRelStd);
    });
    oracle.crossbars.forEach((x, xi) => {
      const syn = synapseFactors(draws.weights[xi], m);
      const preGain = gains[oracle.populations.findIndex((p) => p.name === x.pre)];
      x.weights = x.weights.map((w, k) => w * syn[k] * (preGain ? preGain[k % x.cols] : 1));
    });
    const stuck = draws.weights.flatMap((d) => Array.from(d.stuck)).filter((u) => u < m.stuckOffProb).length;
    expect(stuck).toBeGreaterThan(0);
    const hw = new HardwareEngine(c, { rule: Rule.NONE, batch: 3 });
    const ideal = new Engine(oracle, { rule: Rule.NONE, batch: 3 });
    let max = 0;
    drive([hw, ideal], 300, false, () => {
      hw.populations.forEach((p, pi) =>
        p.now.r.forEach(
          (r, k) => (max = Math.max(max, Math.abs(r - gains[pi][k % p.size] * ideal.populations[pi].now.r[k]))),
        ),
      );
    });
    expect(max).toBeLessThan(1e-12);
  });

  it("is the same chip for the same seed, another chip for another seed", () => {
    const c = network("  effects: [mismatch]\n  mismatch: { tau: 0.1, gain: 0.1 }\n");
    const run = (seed: number) => {
      const hw = new HardwareEngine(c, { seed });
      drive([hw], 50, true);
      return Array.from(hw.populations[1].now.r);
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
  });
});

describe("thermal noise", () => {
  it("gives each integrator an Ornstein-Uhlenbeck process with the stationary std of the noise section", () => {
    const sigma = 0.05;
    const c = network(`  effects: [noise]\n  noise: { membrane: ${sigma}, error: 0 }\n`);
    const hw = new HardwareEngine(c, { rule: Rule.NONE, batch: 64 });
    const h = hw.populations[0],
      tau = h.tauM[0],
      dt = c.dt;
    // no input, no bias: u is pure noise; the Euler-discretized OU process has variance sigma^2 / (1 - dt / (2 tau))
    let sum = 0,
      sum2 = 0,
      count = 0;
    for (let k = 0; k < 1500; k++) {
      hw.advance();
      if (k < 200) continue;
      for (const u of h.now.u) {
        sum += u;
        sum2 += u * u;
        count++;
      }
    }
    const mean = sum / count,
      variance = sum2 / count - mean * mean;
    expect(Math.abs(mean)).toBeLessThan(0.1 * sigma);
    expect(variance / (sigma ** 2 / (1 - dt / (2 * tau)))).toBeGreaterThan(0.93);
    expect(variance / (sigma ** 2 / (1 - dt / (2 * tau)))).toBeLessThan(1.07);
  });
});

describe("rails", () => {
  it("hold membranes and their readouts within rail / v_unit", () => {
    const c = network("  effects: [rails]\n  physical: { supply: 0.6 V, v_unit: 0.1 V }\n");
    const hw = new HardwareEngine(c, { rule: Rule.NONE });
    const hi = c.hardware!.physical.railHiV / c.hardware!.physical.vUnitV;
    expect(hi).toBeCloseTo(3, 12);
    let top = 0;
    for (let k = 0; k < 400; k++) {
      hw.input("x").fill(20);
      hw.advance();
      for (const p of hw.populations) for (const u of [...p.now.u, ...p.now.uProsp]) top = Math.max(top, u);
    }
    expect(top).toBe(hi);
    // y's membrane would reach well past 3 without rails (ideal mode)
    const ideal = new Engine(c, { rule: Rule.NONE });
    for (let k = 0; k < 400; k++) {
      ideal.input("x").fill(20);
      ideal.advance();
    }
    expect(Math.max(...ideal.populations.flatMap((p) => Array.from(p.now.u)))).toBeGreaterThan(3.5);
  });
});

describe("weight storage", () => {
  it("drift decays every stored weight by exp(-drift_per_s x chip seconds)", () => {
    const c = network("  effects: [drift]\n  weights: { drift: 200000 }\n");
    const hw = new HardwareEngine(c, { rule: Rule.NONE });
    const before = Array.from(hw.crossbars[0].weights);
    for (let k = 0; k < 100; k++) hw.advance();
    const f = Math.exp(-200000 * 100 * tickSeconds(c, c.hardware!));
    expect(f).toBeLessThan(0.99);
    hw.crossbars[0].weights.forEach((w, i) => expect(w).toBeCloseTo(before[i] * f, 14));
  });

  it("the write schedule every K ticks is the ideal rule with K ticks of updates summed, then applied", () => {
    const c = network("  effects: [schedule]\n  plasticity: { every: 5 }\n");
    const hw = new HardwareEngine(c, { batch: 2 });
    const ideal = new Engine(c, { batch: 2 });
    let k = 0;
    const rng = new Random(2);
    let max = 0;
    for (; k < 300; k++) {
      for (const e of [hw, ideal]) {
        e.input("x").fill(Math.sin(k / 10));
        e.outputs[0].target.fill(0.3 + 0.1 * Math.cos(k / 7));
        e.outputs[0].mask.fill(1);
      }
      rng.uniform();
      hw.advance();
      ideal.advance(true, (k + 1) % 5 === 0);
      hw.populations.forEach((p, i) =>
        p.now.u.forEach((u, j) => (max = Math.max(max, Math.abs(u - ideal.populations[i].now.u[j])))),
      );
    }
    expect(max).toBe(0);
    expect(hw.opCounts().weightWrites).toBe(2 * (300 / 5 - 1) * (6 * 4 + 2 * 6));
  });

  it("quantizes the initial weights to the nearest level and keeps every written weight on the grid", () => {
    const c = network("  effects: [weights]\n  weights: { bits: 5 }\n");
    const hw = new HardwareEngine(c);
    const grid = (xi: number) => c.hardware!.weights[xi];
    hw.crossbars.forEach((x, xi) =>
      x.weights.forEach((w, k) =>
        expect(w).toBe(levelWeight(nearestLevel(c.crossbars[xi].weights[k], grid(xi)), grid(xi))),
      ),
    );
    drive([hw], 200, true);
    const after = hw.exportCircuit();
    after.crossbars.forEach((x, xi) =>
      x.weights.forEach((w) =>
        expect(Math.abs(w / grid(xi).scale - Math.round(w / grid(xi).scale))).toBeLessThan(1e-9),
      ),
    );
    expect(after.crossbars[1].weights).not.toEqual(
      hw.circuit.crossbars[1].weights.map((w) => levelWeight(nearestLevel(w, grid(1)), grid(1))),
    );
  });

  it("stochastic rounding writes the update in expectation; nearest rounding drops an update below half a level", () => {
    // one tick of learning from the same state on many chips (seeds): the mean written change of each weight
    // matches the ideal update to within the sampling error, while nearest rounding writes nothing
    const source = network("  effects: [weights]\n  weights: { bits: 4 }\n", "{ rule: vle, eta: 0.5, optimizer: sgd }");
    const ideal = new Engine(source);
    const setStep = (e: Engine) => {
      e.input("x").fill(0.8);
      e.outputs[0].target.fill(1);
      e.outputs[0].mask.fill(1);
    };
    for (let k = 0; k < 30; k++) {
      setStep(ideal);
      ideal.advance(false);
    }
    const store = source.hardware!.weights[1];
    const start = ideal.exportCircuit();
    start.crossbars.forEach(
      (x, xi) =>
        (x.weights = x.weights.map((w) =>
          levelWeight(nearestLevel(w, start.hardware!.weights[xi]), start.hardware!.weights[xi]),
        )),
    );
    const reference = new Engine({ ...start, hardware: null });
    for (let k = 0; k < 30; k++) {
      setStep(reference);
      reference.advance(false);
    }
    const w0 = Array.from(reference.crossbars[1].weights);
    setStep(reference);
    reference.advance(true);
    const update = Array.from(reference.crossbars[1].weights).map((w, k) => w - w0[k]);
    expect(Math.max(...update.map(Math.abs))).toBeLessThan(store.scale / 2);
    expect(Math.max(...update.map(Math.abs))).toBeGreaterThan(store.scale / 50);

    const written = (rounding: Rounding, seed: number) => {
      const c = structuredClone(start);
      c.hardware!.weights[1].rounding = rounding;
      const hw = new HardwareEngine(c, { seed });
      for (let k = 0; k < 30; k++) {
        setStep(hw);
        hw.advance(false);
      }
      setStep(hw);
      hw.advance(true);
      return Array.from(hw.exportCircuit().crossbars[1].weights).map((w, k) => w - w0[k]);
    };
    expect(written(Rounding.NEAREST, 1).every((d) => d === 0)).toBe(true);
    const chips = 300,
      mean = update.map(() => 0);
    for (let s = 0; s < chips; s++) written(Rounding.STOCHASTIC, s).forEach((d, k) => (mean[k] += d / chips));
    update.forEach((u, k) => {
      // a Bernoulli(p) step of one level: std of the mean = scale sqrt(p (1 - p) / chips)
      const p = Math.abs(u) / store.scale;
      expect(Math.abs(mean[k] - u)).toBeLessThan(4 * store.scale * Math.sqrt((p * (1 - p)) / chips) + 1e-12);
    });
  });
});

describe("converters", () => {
  it("ADC codes lie on the converter grid of their range and clip at its ends", () => {
    const c = network("  effects: [adc, dac]\n  adc: { bits: 5 }\n  dac: { bits: 6 }\n");
    const h = c.hardware!;
    const hw = new HardwareEngine(c);
    drive([hw], 100, true, () => {
      hw.populations.forEach((p, pi) => {
        const r = h.ranges.find((x) => x.element === p.spec.name && x.signal === Signal.RATE_SIGNAL)!;
        const lsb = converterLsb(h.adc, r.lo, r.hi);
        for (const v of hw.rateAdc[pi]) {
          expect(v).toBeGreaterThanOrEqual(r.lo);
          expect(v).toBeLessThanOrEqual(r.hi);
          expect(Math.abs((v - r.lo) / lsb - Math.round((v - r.lo) / lsb))).toBeLessThan(1e-9);
        }
      });
    });
  });
});

describe("op counts", () => {
  it("match the analytic per-tick estimate of the energy model (counts.ts definitions)", () => {
    const c = network("  effects: none\n");
    const B = 3,
      sequences = 4,
      ticks = 50,
      targetTicks = 20;
    const hw = new HardwareEngine(c, { batch: B });
    for (let s = 0; s < sequences; s++) {
      hw.reset();
      for (let k = 0; k < ticks; k++) {
        hw.input("x").fill(Math.sin(k));
        hw.outputs[0].mask.fill(k < targetTicks ? 1 : 0);
        hw.advance();
      }
    }
    hw.reset();
    const counted = hw.opCounts(),
      estimate = analyticCounts(c, { samples: B * sequences, ticks, targetTicks });
    const { idleCycles, ...rest } = counted;
    const { idleCycles: idleEstimate, ...restEstimate } = estimate;
    expect(rest).toEqual(restEstimate);
    // the estimate adds the units' busy times without overlap, so it can only find fewer idle cycles
    expect(idleCycles).toBeGreaterThanOrEqual(idleEstimate);
    expect(idleCycles).toBeLessThan(counted.cycles * c.hardware!.cores.length);
  });
});

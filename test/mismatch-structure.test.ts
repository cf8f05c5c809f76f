// Mismatch and noise with the chip's structure: error cells with draws of their own, per-line DAC and ADC gain and offset, the exact OU step of thermal noise, flicker; each switchable.
import { describe, expect, it } from "vitest";
import type { Circuit } from "../circuits/model.js";
import { compileSource } from "../compiler/index.js";
import { drawChip } from "../simulator/hardware/mismatch.js";
import { HardwareEngine } from "../simulator/hardware/engine.js";
import { chipSection, divergence, tiledDescription } from "./helpers.js";

const chip = (hardware: string) =>
  compileSource(
    tiledDescription({
      learn: "[bias]",
      recurrent: 0.2,
      learning: "{ rule: vle, eta: 0.01, optimizer: sgd }",
      hardware: chipSection(hardware),
    }),
    "tiled.yaml",
  );

describe("mismatch structure", () => {
  it("with the mismatch effect on and every std 0 the chip is ideal mode bit for bit", () => {
    const c = chip("  effects: [mismatch]\n  mismatch: { tau: 0, gain: 0 }\n");
    expect(divergence(c, 60).max).toBe(0);
  });

  it("each of error-cell taus, DAC lines and ADC lines alone moves the trajectory off ideal", () => {
    for (const m of ["error_tau: 0.1", "dac_gain: 0.1", "dac_offset: 1", "adc_gain: 0.1", "adc_offset: 1"]) {
      const c = chip(`  effects: [mismatch]\n  mismatch: { tau: 0, gain: 0, ${m} }\n`);
      expect([m, divergence(c, 60).max > 1e-6]).toEqual([m, true]);
    }
  });

  it("draws the error cells and converter lines from streams of their own: the other draws of a seed do not move", () => {
    const a = chip("  mismatch: { tau: 0.1, gain: 0.1 }\n");
    const b = chip("  mismatch: { tau: 0.1, gain: 0.1, error_tau: 0.3, dac_gain: 0.2, adc_offset: 2 }\n");
    expect(drawChip(b, 9)).toEqual(drawChip(a, 9));
    // error cells default to the membrane's std, drawn independently
    expect(a.hardware!.mismatch.errorTauRelStd).toBe(0.1);
  });
});

/** Stationary variance of u under thermal noise alone (no input): the population's membranes, long run. */
function stationaryVariance(c: Circuit, ticks: number): number {
  const engine = new HardwareEngine(c, { batch: 16 });
  engine.reset();
  let sum = 0,
    sumSq = 0,
    n = 0;
  for (let s = 0; s < ticks; s++) {
    engine.input("x").fill(0);
    engine.output("y").mask.fill(0);
    engine.advance(false);
    if (s < 200) continue;
    for (const u of engine.populations[0].now.u) {
      sum += u;
      sumSq += u * u;
      n++;
    }
  }
  return sumSq / n - (sum / n) ** 2;
}

describe("thermal noise", () => {
  it("is the exact OU step: the stationary variance of u is that of its AR(1) recursion, not Euler's", () => {
    // with h at tau_m 0.2 and dt 0.1 (a = dt / tau = 0.5) the two steps differ clearly; x is held at 0, so h sees noise only
    const text = tiledDescription({
      learning: "{ rule: none }",
      hardware: chipSection("  effects: [noise]\n  noise: { membrane: 0.1 }\n"),
    }).replace("tau_m: 1.0, tau_r: 0.5", "tau_m: 0.2, tau_r: 0.2");
    const c = compileSource(text, "noise.yaml");
    const a = 0.5,
      sigma = 0.1;
    // u' = (1 - a) u + sigma sqrt(1 - e^{-2a}) z  =>  var = sigma^2 (1 - e^{-2a}) / (1 - (1 - a)^2)
    const exact = (sigma ** 2 * (1 - Math.exp(-2 * a))) / (1 - (1 - a) ** 2);
    const euler = (sigma ** 2 * 2 * a) / (1 - (1 - a) ** 2);
    const v = stationaryVariance(c, 2500);
    expect(Math.abs(v - exact) / exact).toBeLessThan(0.05);
    expect(Math.abs(v - euler) / euler).toBeGreaterThan(0.3);
  });

  it("multiplies kT/C by the card's OTA excess factor", () => {
    const plain = chip("  noise: thermal\n").hardware!.noise;
    expect(plain.otaExcessFactor).toBe(2);
    const quiet = chip("  noise: { thermal: true, excess: 1 }\n").hardware!.noise;
    expect(plain.membraneStd / quiet.membraneStd).toBeCloseTo(Math.SQRT2, 12);
  });

  it("adds flicker noise only when asked, and it changes the trajectory", () => {
    const c = chip("  effects: [noise]\n  noise: { membrane: 0, error: 0, flicker: 0.05 }\n");
    expect(divergence(c, 40).max).toBeGreaterThan(1e-4);
    const off = chip("  effects: [noise]\n  noise: { membrane: 0, error: 0 }\n");
    expect(divergence(off, 40).max).toBe(0);
  });
});

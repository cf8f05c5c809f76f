// Tests of `vle energy` in process: analytic and simulated counts agree on lagline's chip, the run shape comes from the task, bad options fail in one line.
import { describe, expect, it } from "vitest";
import { energyCommand } from "./energy.js";

describe("vle energy", () => {
  it("prices lagline's training run from the task, with simulated counts equal to the analytic ones", () => {
    const analytic = energyCommand("examples/lagline-chip.yaml", { task: "lagline" });
    expect(analytic.run.ticks).toBeGreaterThan(100);
    expect(analytic.perRun.energy).toBeCloseTo(analytic.perSample.energy * analytic.run.samples, 15);
    const simulated = energyCommand("examples/lagline-chip.yaml", { task: "lagline", counts: "simulated", samples: 1 });
    expect(simulated.counts.source).toBe("simulated");
    const { idleCycles: _a, ...a } = analytic.counts.perSample;
    const { idleCycles: _s, ...s } = simulated.counts.perSample;
    expect(s).toEqual(a);
  });

  it("rejects what it cannot do, in one line", () => {
    expect(() => energyCommand("examples/lagline-chip.yaml", { task: "lagline", vs: "gpu" })).toThrow(
      /^--vs 'gpu': the only baseline is bptt$/,
    );
    expect(() => energyCommand("examples/lagline-chip.yaml", { task: "lagline", counts: "guessed" })).toThrow(
      /^--counts 'guessed' must be analytic or simulated$/,
    );
    expect(() => energyCommand("examples/lagline.yaml", { task: "lagline" })).toThrow(
      /has no hardware section; add hardware: \{ card: analog-65nm \} to the description or give --chip analog-65nm$/,
    );
    expect(() => energyCommand("examples/lagline.yaml", { task: "lagline", chip: "digital-accelerator" })).toThrow(
      /^--chip digital-accelerator: technology card 'digital-accelerator' .* is missing entries .* needed by the hardware passes and the energy model/,
    );
  });
});

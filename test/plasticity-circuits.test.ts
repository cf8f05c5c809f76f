// The chip's plasticity circuits in hardware mode: SGD equals ideal SGD, sign moves one level per write, Adam only as the co-processor; unreached error cells gated off.
import { describe, expect, it } from "vitest";
import { compileFile, compileSource } from "../compiler/index.js";
import { HardwareEngine } from "../simulator/hardware/engine.js";
import { chipSection, tiledDescription } from "./helpers.js";

const chip = (optimizer: string, hardware: string) =>
  compileSource(
    tiledDescription({
      learn: "[bias]",
      learning: `{ rule: vle, eta: 0.05, optimizer: ${optimizer} }`,
      hardware: chipSection(hardware),
    }),
    "tiled.yaml",
  );

/** Runs `ticks` learning ticks of a fixed drive and returns W of every crossbar after each tick (or only the last). */
function run(engine: HardwareEngine, ticks: number, trace = true): Float64Array[][] {
  engine.reset();
  const after: Float64Array[][] = [];
  for (let s = 0; s < ticks; s++) {
    const x = engine.input("x");
    for (let k = 0; k < x.length; k++) x[k] = Math.sin(0.3 * s + k);
    const o = engine.output("y");
    o.target.fill(0.5);
    o.mask.fill(1);
    engine.advance(true);
    if (trace || s === ticks - 1) after.push(engine.exportCircuit().crossbars.map((c) => Float64Array.from(c.weights)));
  }
  return after;
}

describe("plasticity circuits", () => {
  it("SGD (the default) on a chip whose circuit says Adam: the chip runs SGD, equal to ideal SGD", () => {
    const onChip = run(new HardwareEngine(chip("adam", "  effects: [plasticity]\n"), {}), 20, false);
    const idealSgd = run(new HardwareEngine(chip("sgd", "  effects: none\n"), {}), 20, false);
    const idealAdam = run(new HardwareEngine(chip("adam", "  effects: none\n"), {}), 20, false);
    expect(onChip.at(-1)).toEqual(idealSgd.at(-1));
    expect(onChip.at(-1)).not.toEqual(idealAdam.at(-1));
  });

  it("sign: every write moves a synapse by exactly one level or not at all", () => {
    const c = chip("sgd", "  effects: [weights, plasticity]\n  plasticity: { rule: sign }\n");
    const levels = new Map(c.hardware!.weights.map((w) => [w.crossbar, w.scale]));
    const after = run(new HardwareEngine(c, {}), 12);
    let moved = 0;
    for (let t = 1; t < after.length; t++)
      c.crossbars.forEach((x, xi) => {
        const level = levels.get(x.name)!;
        for (let k = 0; k < x.weights.length; k++) {
          const steps = Math.abs(after[t][xi][k] - after[t - 1][xi][k]) / level;
          expect(Math.min(Math.abs(steps), Math.abs(steps - 1))).toBeLessThan(1e-9);
          if (steps > 0.5) moved++;
        }
      });
    expect(moved).toBeGreaterThan(0);
  });
});

describe("error cells", () => {
  it("a chip gates off the error cells no error reaches; the ideal circuit keeps them", () => {
    // delayed-xor: m -> h has feedback none, so no error reaches the memory population m
    const onChip = compileFile("examples/delayed-xor-chip.yaml");
    expect(onChip.errorPopulations.map((e) => e.population)).toEqual(["h", "y"]);
    expect(onChip.errorCurrents.map((l) => l.population)).toEqual(["h", "y"]);
    const ideal = compileFile("examples/delayed-xor.yaml");
    expect(ideal.errorPopulations.map((e) => e.population)).toEqual(["m", "h", "y"]);
  });
});

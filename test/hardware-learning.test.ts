// On-chip learning: lagline on a 4-bit chip learns with stochastic rounding, and with nearest rounding its weights never move (every update is below half a level).
import { describe, expect, it } from "vitest";
import type { Circuit } from "../circuits/model.js";
import { HardwareEngine } from "../simulator/hardware/engine.js";
import { createTask } from "../packages/tasks/index.js";
import { train } from "../packages/tasks/train.js";
import { compileConfig } from "../bench/hardware-sweep.js";

const setup = { description: "examples/lagline.yaml", epochs: 1, batch: 10, trainSize: 10, testSize: 4 };

function trainOnChip(rounding: "stochastic" | "nearest") {
  const seed = 1;
  const circuit = compileConfig(
    setup,
    { name: rounding, sweep: "rounding", value: 4, hardware: { bits: 4, rounding, mismatch: 0.1 } },
    seed,
  );
  const task = createTask("lagline", { seed, circuit, trainSize: setup.trainSize, testSize: setup.testSize });
  const start = new HardwareEngine(circuit).exportCircuit();
  const result = train(circuit, task, {
    seed,
    epochs: setup.epochs,
    batch: setup.batch,
    engine: (c: Circuit, o) => new HardwareEngine(c, { ...o, seed }),
  });
  return { start, ...result };
}

describe("on-chip learning with 4-bit weights (lagline, reference chip otherwise: 8-bit converters, 10 % mismatch, noise)", () => {
  it("stochastic rounding learns; nearest rounding drops every update and leaves the weights where they were programmed", () => {
    const stochastic = trainOnChip("stochastic");
    const nearest = trainOnChip("nearest");
    const mse = (r: typeof stochastic) => ({
      before: r.summary.initial.testMse as number,
      after: r.summary.final.testMse as number,
    });
    expect(mse(stochastic).after).toBeLessThan(0.2 * mse(stochastic).before);
    // nearest: the stored weights are exactly the initial levels after 2 x 2000 ticks of updates
    nearest.circuit.crossbars.forEach((x, i) => expect(x.weights).toEqual(nearest.start.crossbars[i].weights));
    expect(
      stochastic.circuit.crossbars.some((x, i) =>
        x.weights.some((w, k) => w !== stochastic.start.crossbars[i].weights[k]),
      ),
    ).toBe(true);
    // only tau_m (not stored on the weight grid) moves, which does not make up for frozen weights
    expect(mse(nearest).after).toBeGreaterThan(4 * mse(stochastic).after);
  });
});

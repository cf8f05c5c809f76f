// ReduceLROnPlateau against torch's documented rule, on a hand-made loss sequence.
import { describe, expect, it } from "vitest";
import { PlateauSchedule } from "./plateau.js";

describe("PlateauSchedule", () => {
  it("cuts after more than `patience` epochs without a relative improvement of 1e-4, then counts again", () => {
    const s = new PlateauSchedule({ patience: 2, factor: 0.5 });
    // 1.0 best; 0.99995 is not below 1.0 * (1 - 1e-4) = 0.9999, so it is a bad epoch
    const losses = [1.0, 0.99995, 1.2, 1.1, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95];
    expect(losses.map((l) => s.step(l))).toEqual([1, 1, 1, 0.5, 1, 1, 1, 0.5, 1, 1, 0.5]);
    expect(s.state).toEqual({ best: 0.9, badEpochs: 0, reductions: 3 });
  });

  it("never cuts while the loss keeps falling", () => {
    const s = new PlateauSchedule({ patience: 0, factor: 0.1 });
    expect([5, 4, 3, 2, 1].map((l) => s.step(l))).toEqual([1, 1, 1, 1, 1]);
  });
});

// Tests of the plasticity circuits' arithmetic: sign and ternary move one level, the every-K accumulator rounds and saturates.
import { describe, expect, it } from "vitest";
import { accumulatorFormat, holdInAccumulator } from "./accumulator.js";
import { levelSteps } from "./level-steps.js";

describe("sign and ternary updates", () => {
  it("move a synapse one level toward its update, ternary only past the threshold, and clear the update", () => {
    const pending = new Float64Array(4);
    const delta = Float64Array.from([0.3, -0.05, 0, -2]);
    // rate 0.5, level 0.1: updates 0.15, -0.025, 0, -1 -> threshold 0.5 levels = 0.05
    levelSteps(pending, delta, 0.5, 0.1, 0.5);
    expect([...pending]).toEqual([0.1, 0, 0, -0.1]);
    expect([...delta]).toEqual([0, 0, 0, 0]);
    const sign = new Float64Array(4);
    levelSteps(sign, Float64Array.from([0.3, -0.05, 0, -2]), 0.5, 0.1, 0);
    expect([...sign]).toEqual([0.1, -0.1, 0, -0.1]);
  });
});

describe("every-K accumulator", () => {
  it("holds the update on its grid: LSB = level / 2^(bits - weight bits), saturating at the largest code", () => {
    // 6-bit weights of level 0.02, an 8-bit accumulator: LSB 0.005, codes within +-127
    const f = accumulatorFormat(8, 6, 0.02);
    expect(f.lsb).toBeCloseTo(0.005, 15);
    expect(f.maxCode).toBe(127);
    const rate = 0.1;
    // updates (rate x delta) of 0.0123 -> 2 LSB, 0.0024 -> 0 (lost), -0.9 -> -127 LSB (saturated)
    const delta = Float64Array.from([0.123, 0.024, -9]);
    holdInAccumulator(delta, rate, f);
    expect(rate * delta[0]).toBeCloseTo(0.01, 15);
    expect(delta[1]).toBe(0);
    expect(rate * delta[2]).toBeCloseTo(-127 * 0.005, 15);
  });
});

// Checks the sequence-classification layout (inputs, shared one-hot targets, mask) and its scores against hand values.
import { describe, expect, it } from "vitest";
import { fromJSON } from "../../circuits/codec.js";
import { IR_VERSION } from "../../circuits/model.js";
import { classificationDataset, classificationScore, sequenceSteps } from "./classification.js";

const layout = { signalSteps: 3, channels: 2, tailSteps: 2, targetFrom: 3, classes: 3 };
const circuit = (loss: string) =>
  fromJSON({
    version: IR_VERSION,
    name: "c",
    dt: 0.1,
    inputs: [{ name: "x", size: 2 }],
    populations: [{ name: "y", size: 3, tauM: [1, 1, 1], tauR: [0.1, 0.1, 0.1], bias: [0, 0, 0], phi: "LINEAR" }],
    crossbars: [{ name: "x-y", pre: "x", post: "y", rows: 3, cols: 2, weights: [0, 0, 0, 0, 0, 0] }],
    outputs: [{ name: "y", population: "y", loss, beta: 1 }],
  });

describe("classification sequences", () => {
  const x = Float64Array.from({ length: 2 * 6 }, (_, i) => i + 1);
  const data = classificationDataset(x, Uint8Array.from([2, 0]), layout);

  it("copies each signal, appends zero answer steps, and targets the one-hot label there only", () => {
    expect(sequenceSteps(layout)).toBe(5);
    const a = data.sequence(0),
      b = data.sequence(1);
    expect(Array.from(a.input)).toEqual([1, 2, 3, 4, 5, 6, 0, 0, 0, 0]);
    expect(Array.from(b.input)).toEqual([7, 8, 9, 10, 11, 12, 0, 0, 0, 0]);
    expect(Array.from(a.mask)).toEqual([0, 0, 0, 1, 1]);
    expect(Array.from(a.target)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1]);
    expect(Array.from(b.target)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0]);
  });

  it("refuses a layout where no step carries the target", () => {
    expect(() => classificationDataset(x, Uint8Array.from([2, 0]), { ...layout, targetFrom: 5 })).toThrow(
      /targetFrom = 5; give a step in \[0, 5\)/,
    );
  });

  it("scores accuracy over the summed answer steps and the loss per answer step", () => {
    // sample 0 (label 2): answer steps vote 1 then 2 more strongly -> 2, right; sample 1 (label 0): all zero -> class 0 by the tie rule
    const y0 = Float64Array.from([9, 0, 0, 9, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 3]);
    const y1 = new Float64Array(15);
    const ce = classificationScore([y0, y1], data, layout, circuit("CROSS_ENTROPY"));
    expect(ce.accuracy).toBe(1);
    const lse = (v: number[]) => Math.log(v.reduce((s, u) => s + Math.exp(u), 0));
    const expected = lse([0, 1, 0]) - 0 + (lse([0, 0, 3]) - 3) + 2 * Math.log(3);
    expect(ce.loss).toBeCloseTo(expected / 4, 12);
    const mse = classificationScore([y0, y1], data, layout, circuit("MSE"));
    expect(mse.loss).toBeCloseTo((0.5 * (1 + 1) + 0.5 * 4 + 2 * 0.5) / 4, 12);
    expect(classificationScore([y1, y0], data, layout, circuit("MSE")).accuracy).toBe(0);
  });
});

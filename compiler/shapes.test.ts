// Shape inference: sizes come from size, per-neuron lists or explicit matrices, and must agree.
import { describe, expect, it } from "vitest";
import { Feedback } from "../circuits/model.js";
import { compileSource } from "./index.js";

const compile = (populations: string, projections: string, extra = "") =>
  compileSource(`dt: 0.01\npopulations:\n${populations}\nprojections:\n${projections}\n${extra}`, "net.yaml");

describe("shape inference", () => {
  it("infers sizes from per-neuron lists and explicit weights", () => {
    const c = compile(
      "  - { name: x, kind: input }\n  - { name: h, tau_m: [1, 2, 3] }\n  - { name: y, kind: output, tau_m: 1 }",
      "  - { from: x, to: h, weights: [[1, 2], [3, 4], [5, 6]] }\n  - { from: h, to: y, weights: [[1, 1, 1]] }",
    );
    expect(c.inputs).toEqual([{ name: "x", size: 2 }]);
    expect(c.populations.map((p) => p.size)).toEqual([3, 1]);
    expect(c.populations[1].tauM).toEqual([1]);
    expect(c.crossbars.map((x) => [x.rows, x.cols])).toEqual([
      [3, 2],
      [1, 3],
    ]);
    expect(c.crossbars[0].weights).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("infers a size from a broadcast or feedback matrix", () => {
    const c = compile(
      "  - { name: x, kind: input, size: 1 }\n  - { name: h, tau_m: 1 }\n  - { name: y, kind: output, size: 2, tau_m: 1 }",
      "  - { from: x, to: h }\n  - { from: h, to: y, feedback: { kind: random, weights: [[1, 2, 3], [4, 5, 6]] } }",
    );
    expect(c.populations[0].size).toBe(3);
    expect(c.crossbars[1].feedback).toBe(Feedback.RANDOM);
    expect(c.crossbars[1].feedbackWeights).toEqual([1, 2, 3, 4, 5, 6]);
    const b = compile(
      "  - { name: x, kind: input, size: 1 }\n  - { name: h, tau_m: 1 }\n  - { name: y, kind: output, size: 1, tau_m: 1 }",
      "  - { from: x, to: h }\n  - { from: h, to: y }",
      "broadcasts:\n  - { from: y, to: h, weights: [[0.5], [0.25]] }",
    );
    expect(b.populations[0].size).toBe(2);
    expect(b.broadcasts).toEqual([{ from: "y", to: "h", weights: [0.5, 0.25] }]);
  });

  it("a scalar weight fills the matrix", () => {
    const c = compile(
      "  - { name: x, kind: input, size: 2 }\n  - { name: y, kind: output, size: 3, tau_m: 1 }",
      "  - { from: x, to: y, weights: 0.5 }",
    );
    expect(c.crossbars[0].weights).toEqual(new Array(6).fill(0.5));
  });

  it("recurrent projections are square and get transpose feedback", () => {
    const c = compile(
      "  - { name: x, kind: input, size: 2 }\n  - { name: h, size: 4, tau_m: 1 }\n  - { name: y, kind: output, size: 1, tau_m: 1 }",
      "  - { from: x, to: h }\n  - { from: h, to: h }\n  - { from: h, to: y }",
    );
    const rec = c.crossbars.find((x) => x.name === "h_to_h")!;
    expect([rec.rows, rec.cols, rec.weights.length, rec.feedback]).toEqual([4, 4, 16, Feedback.TRANSPOSE]);
  });

  it("two projections between the same populations need names", () => {
    expect(() =>
      compile(
        "  - { name: x, kind: input, size: 2 }\n  - { name: y, kind: output, size: 1, tau_m: 1 }",
        "  - { from: x, to: y }\n  - { from: x, to: y }",
      ),
    ).toThrow(
      /^net\.yaml:7: projections\[1\]: the name 'x_to_y' is already used by projections\[0\]; give it a name of its own/,
    );
    const c = compile(
      "  - { name: x, kind: input, size: 2 }\n  - { name: y, kind: output, size: 1, tau_m: 1 }",
      "  - { from: x, to: y }\n  - { name: second, from: x, to: y }",
    );
    expect(c.crossbars.map((x) => x.name)).toEqual(["x_to_y", "second"]);
  });
});

describe("limits", () => {
  it("refuses populations and crossbars too large to be meant", () => {
    expect(() =>
      compile(
        "  - { name: x, kind: input, size: 2000000 }\n  - { name: y, kind: output, size: 1, tau_m: 1 }",
        "  - { from: x, to: y }",
      ),
    ).toThrow(/^net\.yaml:3: populations\[0\]\.size: 2000000 must be at most 1048576$/);
    expect(() =>
      compile(
        "  - { name: x, kind: input, size: 100000 }\n  - { name: y, kind: output, size: 1000, tau_m: 1 }",
        "  - { from: x, to: y }",
      ),
    ).toThrow(
      /^net\.yaml:6: projections\[0\]: 1000x100000 = 100000000 synapses in one crossbar, more than 67108864; use smaller populations$/,
    );
  });
});

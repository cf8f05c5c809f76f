// The learner's stored state: constant in the sequence length for vle, growing linearly with it for bptt (bytes, not timing).
import { describe, expect, it } from "vitest";
import { memoryLearner, memoryWorkload, runSequence, storedBytes } from "../bench/memory.js";
import { compileSource } from "../compiler/index.js";

describe("learner memory against sequence length", () => {
  const circuit = compileSource(memoryWorkload, "bench/memory.ts");
  // bptt's trajectory grows by doubling from 64 steps: at powers of two it holds exactly the steps taken
  const lengths = [128, 512, 2048];
  const held = (rule: "vle" | "bptt") =>
    lengths.map((T) => {
      const { engine, learner } = memoryLearner(circuit, rule);
      let bytes = 0;
      const end = learner.endSequence.bind(learner);
      learner.endSequence = () => {
        bytes = storedBytes(learner);
        end();
      };
      runSequence(engine, learner, T);
      return bytes;
    });

  it("vle holds the same bytes whatever the length", () => {
    const [a, b, c] = held("vle");
    expect(a).toBeGreaterThan(0);
    expect([b, c]).toEqual([a, a]);
  });

  it("bptt holds bytes growing linearly with the length, and more than vle", () => {
    const [a, b, c] = held("bptt");
    const perStep = (b - a) / (512 - 128);
    expect(perStep).toBeGreaterThan(0);
    expect((c - b) / (2048 - 512)).toBeCloseTo(perStep, 6);
    // at least rates, phi' and du/dt of the 132 neurons per step, in float64
    expect(perStep).toBeGreaterThanOrEqual(3 * 132 * 8);
    expect(a).toBeGreaterThan(held("vle")[0]);
  });

  it("counts each typed array once, through objects, arrays and maps", () => {
    const shared = new Float64Array(10);
    expect(
      storedBytes({ a: shared, b: [shared, new Uint8Array(3)], c: new Map([["k", { d: shared.subarray(2) }]]) }),
    ).toBe(83);
  });
});

import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/index.js";
import { hmmDefaults } from "../tasks/hmm/task.js";
import { ablate, silence, transitionRate } from "./ablation.js";
import { principalComponents, recordOrbit, residency, type Orbit } from "./orbits.js";

const description = (hy = 1.0) => `
name: emulator
dt: 0.25
seed: 1
populations:
  - { name: n, kind: input, size: 4 }
  - { name: h, size: 6, tau_m: 1.0, tau_r: 0.5, phi: tanh }
  - { name: y, kind: output, size: 3, tau_m: 0.25, tau_r: 0.25, phi: linear }
projections:
  - { from: n, to: h, init: { kind: lecun, scale: 1.0, seed: 1 } }
  - { from: h, to: h, init: { kind: lecun, scale: 0.8, seed: 2 } }
  - { from: h, to: y, init: { kind: lecun, scale: ${hy}, seed: 3 } }
loss: { kind: cross-entropy, beta: 1 }
learning: { rule: none }
`;
const settings = {
  ...hmmDefaults,
  architecture: "linear-chain" as const,
  states: 2,
  feedback: false,
  symbolsPerSequence: 30,
};

describe("orbits", () => {
  it("the first principal component of states on a line explains nearly all variance and points along it", () => {
    const direction = [1, 2, -1, 0.5].map((v) => v / Math.hypot(1, 2, -1, 0.5));
    const states = [0, 1].map((n) =>
      Float64Array.from({ length: 50 * 4 }, (_, k) => {
        const t = Math.floor(k / 4);
        return Math.sin(t * 0.3 + n) * direction[k % 4] * 3 + 1e-3 * Math.cos(k * 7.1);
      }),
    );
    const orbit: Orbit = { states, width: 4, emissions: [] };
    const pca = principalComponents(orbit, 2);
    expect(pca.explained[0]).toBeGreaterThan(0.999);
    const cos = Math.abs(pca.components[0].reduce((s, v, i) => s + v * direction[i], 0));
    expect(cos).toBeCloseTo(1, 5);
  });

  it("records one state per symbol and per sequence, the same emissions as the generator alone", () => {
    const circuit = compileSource(description(), "e.yaml");
    const orbit = recordOrbit(circuit, settings, 5, 3);
    expect(orbit.width).toBe(6);
    expect(orbit.states.map((s) => s.length)).toEqual([180, 180, 180, 180, 180]);
    expect(orbit.states[0].some((v) => v !== 0)).toBe(true);
  });

  it("residency: states held still, movement only at decoded changes", () => {
    const circuit = compileSource(description(), "e.yaml");
    // symbol 0 for 10 steps then symbol 2 for 10: a 2-state chain decodes state 0 then state 1, one change
    const x = Int32Array.from({ length: 20 }, (_, t) => (t < 10 ? 0 : 2));
    const states = [Float64Array.from({ length: 20 }, (_, t) => (t < 10 ? -1 : 1))];
    const orbit: Orbit = { states, width: 1, emissions: [x] };
    const projection = { components: [[1]], explained: [1], mean: [0], projected: [[...states[0]].map((v) => [v])] };
    const r = residency(circuit, { ...settings, symbolsPerSequence: 20 }, orbit, projection);
    expect(r.transitionRate).toBeCloseTo(1 / 19, 12);
    expect(r.transitionSpeed).toBeCloseTo(2, 12);
    expect(r.states.map((s) => s.speed)).toEqual([0, 0]);
    expect(r.states.map((s) => s.centroid[0])).toEqual([-1, 1]);
    expect(r.states.map((s) => s.share)).toEqual([0.5, 0.5]);
  });
});

describe("ablation", () => {
  it("silencing zeroes exactly the neuron's outgoing weights", () => {
    const circuit = compileSource(description(), "e.yaml");
    const c = silence(circuit, "h", 2);
    for (const x of c.crossbars) {
      const original = circuit.crossbars.find((o) => o.name === x.name)!;
      x.weights.forEach((w, k) => expect(w).toBe(x.pre === "h" && k % x.cols === 2 ? 0 : original.weights[k]));
    }
  });

  it("a neuron that sends nothing changes nothing; the ranking covers every hidden neuron", () => {
    const circuit = silence(compileSource(description(3), "e.yaml"), "h", 4);
    const result = ablate(circuit, settings, 40, 7);
    expect(result.neurons).toHaveLength(6);
    const silent = result.neurons.find((n) => n.neuron === 4)!;
    expect(silent.transitionRate).toBe(result.intactRate);
    expect(silent.emissionShift).toBe(0);
    expect(result.intactRate).toBe(transitionRate(circuit, settings, recordOrbit(circuit, settings, 40, 7).emissions));
  });

  it("names no kick neuron in a network that makes no transitions (a silencing cannot stop what never happens)", () => {
    // y ignores h and its bias all but fixes symbol 0: one decoded state throughout, with every neuron silenced or none
    const still = compileSource(
      description(0).replace("phi: linear }", "phi: linear, bias: [12, 0, 0] }"),
      "still.yaml",
    );
    const result = ablate(still, settings, 20, 3);
    expect(result.intactRate).toBe(0);
    expect(result.neurons.every((n) => n.transitionRate === 0)).toBe(true);
    expect(result.kick).toEqual([]);
  });
});

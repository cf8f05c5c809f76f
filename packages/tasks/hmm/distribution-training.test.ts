import { describe, expect, it } from "vitest";
import { cloneCircuit, type Circuit } from "../../../circuits/model.js";
import { Random } from "../../../circuits/random.js";
import { compileSource } from "../../../compiler/index.js";
import { DistributionObjective, trainOnDistribution } from "./distribution-training.js";
import { hmmDefaults } from "./task.js";

/** noise n (4) -> h (8, recurrent) -> y (3 logits), everything plastic. */
const description = `
name: hmm-noise
dt: 0.25
seed: 1
populations:
  - { name: n, kind: input, size: 4 }
  - { name: h, size: 8, tau_m: 1.0, tau_r: 0.5, phi: tanh }
  - { name: y, kind: output, size: 3, tau_m: 0.25, tau_r: 0.25, phi: linear }
projections:
  - { from: n, to: h, init: { kind: lecun, scale: 1.0, seed: 1 } }
  - { from: h, to: h, init: { kind: lecun, scale: 0.8, seed: 2 } }
  - { from: h, to: y, init: { kind: lecun, scale: 2.0, seed: 3 } }
loss: { kind: cross-entropy, beta: 1 }
learning: { rule: bptt, optimizer: adam, eta: 0.01 }
`;

const settings = { ...hmmDefaults, architecture: "linear-chain" as const, states: 2, feedback: false };

describe("the distribution objective (Sinkhorn divergence, bptt)", () => {
  it("has the gradient finite differences give, with relaxed samples (where the loss is differentiable)", () => {
    const circuit = compileSource(description, "noise.yaml");
    const short = { ...settings, symbolsPerSequence: 5 };
    const loss = (c: Circuit) => new DistributionObjective(c, short, 6, 1, 1, false).evaluate(new Random(7));
    const objective = new DistributionObjective(circuit, short, 6, 1, 1, false);
    objective.evaluate(new Random(7));
    const h = 1e-6;
    // three weights: one of each crossbar (input, recurrent, readout), and a bias
    const names = ["n", "h", "y"].map((_, k) => objective.engine.crossbars[k].spec.name);
    names.forEach((name, k) => {
      const at = (delta: number) => {
        const c = cloneCircuit(circuit);
        c.crossbars.find((x) => x.name === name)!.weights[1] += delta;
        return loss(c);
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      expect(objective.gradient.weights[k][1]).toBeCloseTo(fd, 6);
    });
    const hIndex = objective.engine.populations.findIndex((p) => p.spec.name === "h");
    const atBias = (delta: number) => {
      const c = cloneCircuit(circuit);
      c.populations.find((p) => p.name === "h")!.bias[2] += delta;
      return loss(c);
    };
    expect(objective.gradient.bias[hIndex][2]).toBeCloseTo((atBias(h) - atBias(-h)) / (2 * h), 6);
  });

  it("training lowers the divergence and brings the emissions toward the HMM's (straight-through samples)", () => {
    const circuit = compileSource(description, "noise.yaml");
    const short = { ...settings, symbolsPerSequence: 20 };
    const trained = trainOnDistribution(circuit, short, { seed: 3, batches: 40, batch: 24, every: 20, evaluate: 100 });
    const divergence = (c: Circuit) => new DistributionObjective(c, short, 64).evaluate(new Random(99));
    const before = divergence(circuit),
      after = divergence(trained.circuit),
      history = trained.history;
    expect(after).toBeLessThan(before);
    expect(history.at(-1)!.report.emissionKl).toBeLessThan(history[0].report.emissionKl + 1e-12);
  }, 120_000);
});

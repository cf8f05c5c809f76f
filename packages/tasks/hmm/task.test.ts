import { describe, expect, it } from "vitest";
import { compileSource } from "../../../compiler/index.js";
import { createTask } from "../index.js";
import { train } from "../train.js";
import { emissionFrequencies } from "./metrics.js";
import { generate, hmmDefaults, hmmLayout, parseHmmName, type HmmDataset } from "./task.js";

/** s (3 fed back) + n (noise) -> h -> y (3 logits); `bias` fixes y's bias, `weights` the scale of h -> y. */
const description = (o: { bias?: number[]; hy?: number } = {}) => `
name: hmm-test
dt: 0.25
seed: 1
populations:
  - { name: s, kind: input, size: 3 }
  - { name: n, kind: input, size: 4 }
  - { name: h, size: 12, tau_m: 1.0, tau_r: 1.0, phi: tanh }
  - { name: y, kind: output, size: 3, tau_m: 0.25, tau_r: 0.25, phi: linear${o.bias ? `, bias: [${o.bias.join(", ")}]` : ""} }
projections:
  - { from: s, to: h, init: { kind: lecun, scale: 1.0, seed: 1 } }
  - { from: n, to: h, init: { kind: lecun, scale: 0.5, seed: 2 }, plastic: false }
  - { from: h, to: h, init: { kind: lecun, scale: 0.5, seed: 3 }, feedback: none }
  - { from: h, to: y, init: { kind: lecun, scale: ${o.hy ?? 1.0}, seed: 4 } }
loss: { kind: cross-entropy, beta: 0.1 }
learning: { rule: bptt, optimizer: adam, eta: 0.01 }
`;

describe("task hmm", () => {
  it("parses its names and refuses unknown architectures or state counts", () => {
    expect(parseHmmName("hmm:cyclic:4")).toMatchObject({ architecture: "cyclic", states: 4 });
    expect(parseHmmName("hmm")).toEqual(hmmDefaults);
    expect(() => parseHmmName("hmm:ring")).toThrow(/unknown HMM architecture 'ring'/);
    expect(() => parseHmmName("hmm:cyclic:1")).toThrow(/from 2 to 16/);
  });

  it("feeds the previous symbol and noise, and targets the symbol in each period's second half", () => {
    const circuit = compileSource(description(), "hmm.yaml");
    const task = createTask("hmm:linear-chain:3", { seed: 2, circuit, trainSize: 4, testSize: 2 });
    const layout = hmmLayout(circuit);
    expect(layout).toEqual({ symbols: 3, fed: 3, noise: 4, stepsPerSymbol: 4, readFrom: 2 });
    const data = task.train as HmmDataset;
    const x = data.emissions[0],
      { input, target, mask } = data.sequence(0);
    for (let t = 0; t < x.length; t++)
      for (let k = 0; k < 4; k++) {
        const s = t * 4 + k;
        const fed = [...input.slice(s * 7, s * 7 + 3)];
        expect(fed).toEqual(t === 0 ? [0, 0, 0] : [0, 1, 2].map((m) => (m === x[t - 1] ? 1 : 0)));
        expect(mask[s]).toBe(k >= 2 ? 1 : 0);
        if (k >= 2) expect([...target.slice(s * 3, s * 3 + 3)]).toEqual([0, 1, 2].map((m) => (m === x[t] ? 1 : 0)));
      }
    // the noise channels: unit variance white noise
    const noise = Array.from({ length: input.length / 7 }, (_, s) => [...input.slice(s * 7 + 3, s * 7 + 7)]).flat();
    const variance = noise.reduce((a, v) => a + v * v, 0) / noise.length;
    expect(variance).toBeGreaterThan(0.7);
    expect(variance).toBeLessThan(1.3);
  });

  it("generates i.i.d. symbols from softmax(bias) when the output ignores its input", () => {
    const bias = [1, 0, -1];
    const circuit = compileSource(description({ bias, hy: 0 }), "hmm.yaml");
    const settings = { ...hmmDefaults, symbolsPerSequence: 50 };
    const paths = generate(circuit, settings, 200, 5);
    const z = bias.reduce((s, b) => s + Math.exp(b), 0);
    const freq = emissionFrequencies(paths, 3);
    bias.forEach((b, m) => expect(Math.abs(freq[m] - Math.exp(b) / z)).toBeLessThan(0.02));
    // seeded: the same seed gives the same sequences, another seed others
    expect(generate(circuit, settings, 200, 5)).toEqual(paths);
    expect(generate(circuit, settings, 200, 6)).not.toEqual(paths);
  });

  it("bptt on next-symbol likelihood brings the prediction near the HMM's own and the emissions near the HMM's", () => {
    const circuit = compileSource(description(), "hmm.yaml");
    const task = createTask("hmm:linear-chain:2", { seed: 1, circuit, trainSize: 200, testSize: 40 });
    const { summary } = train(circuit, task, { seed: 1, epochs: 6, batch: 20 });
    const first = summary.history[0].metrics,
      last = summary.history.at(-1)!.metrics;
    expect(last.nextSymbolNll as number).toBeLessThan(first.nextSymbolNll as number);
    expect((last.nextSymbolNll as number) - (last.hmmNll as number)).toBeLessThan(0.1);
    expect(last.emissionKl as number).toBeLessThan(0.05);
  }, 60_000);
});

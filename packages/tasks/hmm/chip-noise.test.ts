// The chip's own noise as the HMM task's noise source: inputs held at zero, emissions that vary only because the membranes are noisy.
import { describe, expect, it } from "vitest";
import { compileSource } from "../../../compiler/index.js";
import { HardwareEngine } from "../../../simulator/hardware/engine.js";
import { createTask } from "../index.js";
import { train } from "../train.js";
import { DistributionObjective } from "./distribution-training.js";
import { chipNoiseEngine, generate, hmmDefaults, parseHmmName, type HmmDataset, type HmmTaskSettings } from "./task.js";

/**
 * n (noise channels, held at zero here) -> h -> y (3 logits) on the analog card with only its noise switched on.
 * h reads its membrane prospectively with tau_r < tau_m, so the membrane's noise reaches its rate (`hears`).
 */
const description = (noise: string, fed = false, hears = true) => `
name: hmm-chip-noise
dt: 0.25
seed: 1
populations:
${fed ? "  - { name: s, kind: input, size: 3 }\n" : ""}  - { name: n, kind: input, size: 4 }
  - { name: h, size: 12, tau_m: 1.0, tau_r: ${hears ? 0.5 : 1.0}, phi: tanh }
  - { name: y, kind: output, size: 3, tau_m: 0.25, tau_r: 0.25, phi: linear }
projections:
${fed ? "  - { from: s, to: h, init: { kind: lecun, scale: 1.0, seed: 5 } }\n" : ""}  - { from: n, to: h, init: { kind: lecun, scale: 0.5, seed: 2 }, plastic: false }
  - { from: h, to: h, init: { kind: lecun, scale: 0.9, seed: 3 }, feedback: none }
  - { from: h, to: y, init: { kind: lecun, scale: 1.0, seed: 4 } }
loss: { kind: cross-entropy, beta: 0.1 }
learning: { rule: vle, optimizer: sgd, eta: 0.001 }
hardware:
  card: analog-65nm
  time_unit: 1 ms
  effects: [noise]
  noise: ${noise}
`;

const settings: HmmTaskSettings = {
  ...hmmDefaults,
  architecture: "cyclic",
  feedback: false,
  noiseSource: "chip",
  symbolsPerSequence: 30,
};

describe("hmm driven by the chip's own noise", () => {
  it("parses the chip-noise option and refuses others", () => {
    expect(parseHmmName("hmm:cyclic:3:chip-noise")).toMatchObject({ states: 3, noiseSource: "chip" });
    expect(parseHmmName("hmm:cyclic:3").noiseSource).toBe("input");
    expect(() => parseHmmName("hmm:cyclic:3:loud")).toThrow(/unknown option 'loud'.*chip-noise/);
  });

  it("varies its emissions only through the chip's noise: seeded by the chip, deaf to the generator's own seed", () => {
    const circuit = compileSource(description("{ membrane: 0.3 }"), "noisy.yaml");
    const paths = generate(circuit, settings, 32, 5, { engine: chipNoiseEngine(7) });
    // the same chip seed gives the same bits; the generator's seed (input noise, draws) plays no part
    expect(generate(circuit, settings, 32, 5, { engine: chipNoiseEngine(7) })).toEqual(paths);
    expect(generate(circuit, settings, 32, 6, { engine: chipNoiseEngine(7) })).toEqual(paths);
    // another chip seed, other noise, other sequences
    expect(generate(circuit, settings, 32, 5, { engine: chipNoiseEngine(8) })).not.toEqual(paths);
    // and the sequences differ among themselves and use more than one symbol
    expect(new Set(paths.map((x) => x.join(""))).size).toBeGreaterThan(16);
    expect(new Set(paths.flatMap((x) => [...x])).size).toBeGreaterThan(1);
  });

  it("with the chip's noise off emits the same sequence every time, whatever the seeds", () => {
    const circuit = compileSource(description("{ membrane: 0, error: 0 }"), "quiet.yaml");
    // the circuit's noise is off, so the task refuses it; the generator itself still runs
    expect(() => createTask("hmm:cyclic:3:chip-noise", { seed: 1, circuit })).toThrow(/chip noise off/);
    const paths = [
      ...generate(circuit, settings, 16, 5, { engine: chipNoiseEngine(7) }),
      ...generate(circuit, settings, 16, 6, { engine: chipNoiseEngine(8) }),
    ];
    for (const x of paths) expect(x).toEqual(paths[0]);
    // the same circuit with its noise on does vary: the quiet one is constant because the noise is off
    const noisy = compileSource(description("{ membrane: 0.3, error: 0 }"), "noisy.yaml");
    const varied = generate(noisy, settings, 16, 5, { engine: chipNoiseEngine(7) });
    expect(varied.some((x) => x.join("") !== paths[0].join(""))).toBe(true);
  });

  it("needs the chip: refuses an ideal circuit, and bptt (which has no chip noise) refuses it", () => {
    const ideal = compileSource(description("thermal").replace(/hardware:[\s\S]*$/, ""), "ideal.yaml");
    expect(() => createTask("hmm:cyclic:3:chip-noise", { seed: 1, circuit: ideal })).toThrow(
      /chip-noise needs the chip; .*hardware section/,
    );
    const circuit = compileSource(description("thermal"), "chip.yaml");
    expect(() => new DistributionObjective(circuit, settings, 4)).toThrow(/no chip noise/);
    // tau_r = tau_m everywhere: the readout is the input, the membrane noise never reaches a rate
    const deaf = compileSource(description("{ membrane: 0.3 }", false, false), "deaf.yaml");
    expect(() => createTask("hmm:cyclic:3:chip-noise", { seed: 1, circuit: deaf })).toThrow(/hears its membrane noise/);
    expect(new Set(generate(deaf, settings, 8, 5, { engine: chipNoiseEngine(7) }).map((x) => x.join(""))).size).toBe(1);
  });

  it("trains on the chip with vle: zero noise channels, the fed-back symbol, and chip-noise scoring", () => {
    const circuit = compileSource(description("{ membrane: 0.3 }", true), "fed.yaml");
    const task = createTask("hmm:cyclic:3:chip-noise", { seed: 2, circuit, trainSize: 8, testSize: 4 });
    expect(task.name).toBe("hmm:cyclic:3:chip-noise");
    const data = task.train as HmmDataset;
    const { input } = data.sequence(0);
    // 3 fed-back channels then 4 noise channels, all of them zero
    for (let s = 0; s < input.length / 7; s++) expect([...input.slice(s * 7 + 3, s * 7 + 7)]).toEqual([0, 0, 0, 0]);
    const run = () =>
      train(circuit, task, {
        seed: 2,
        epochs: 1,
        batch: 4,
        engine: (c, o) => new HardwareEngine(c, { ...o, seed: 3 }),
      }).summary.history.at(-1)!.metrics;
    const metrics = run();
    expect(Number.isFinite(metrics.emissionKl as number)).toBe(true);
    expect(run()).toEqual(metrics);
  }, 60_000);
});

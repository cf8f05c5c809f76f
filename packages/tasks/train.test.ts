// Checks batch feeding, inference recording and the training loop: exact resume (per-sequence and continuous tasks) and its one-line errors.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fromJSON } from "../../circuits/codec.js";
import { VleError } from "../../circuits/errors.js";
import { Optimizer, type Circuit } from "../../circuits/model.js";
import { Engine } from "../../simulator/engine.js";
import { loadCircuit } from "../load/load.js";
import { createLagline } from "./lagline.js";
import { Feeder, checkChannels, predict, type Dataset, type Sequence, type Task } from "./task.js";
import { train, type TrainOptions } from "./train.js";

const dir = mkdtempSync(join(tmpdir(), "vle-train-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Two input ports (1 + 2 channels) into one linear population of 2, the output. */
function twoPortCircuit(): Circuit {
  return fromJSON({
    version: 1,
    name: "ports",
    dt: 0.1,
    provenance: {},
    learning: { rule: "NONE" },
    inputs: [
      { name: "a", size: 1 },
      { name: "b", size: 2 },
    ],
    populations: [{ name: "p", size: 2, tauM: [1, 1], tauR: [0.1, 0.1], bias: [0, 0], phi: "LINEAR" }],
    crossbars: [
      { name: "a_to_p", pre: "a", post: "p", rows: 2, cols: 1, weights: [1, 2], feedback: "NO_FEEDBACK" },
      { name: "b_to_p", pre: "b", post: "p", rows: 2, cols: 2, weights: [0.5, -1, 3, 0.25], feedback: "NO_FEEDBACK" },
    ],
    outputs: [{ name: "p.target", population: "p", loss: "MSE", beta: 0.1 }],
  });
}

/** A task over given sequences, for checking the plumbing (3 input and 2 output channels). */
function fixedTask(sequences: Sequence[], steps: number): Task {
  const data: Dataset = { size: sequences.length, sequence: (i) => sequences[i] };
  return {
    name: "fixed",
    inputChannels: 3,
    outputChannels: 2,
    steps,
    resetPerSequence: true,
    train: data,
    test: data,
    headline: { name: "none", better: "lower" },
    defaults: { epochs: 1, batch: 1 },
    score: () => ({}),
  };
}

const ramp = (steps: number, channels: number, offset: number) =>
  Float64Array.from({ length: steps * channels }, (_, k) => offset + k);

describe("Feeder and predict", () => {
  const steps = 4;
  const sequences: Sequence[] = [0, 1].map((i) => ({
    input: ramp(steps, 3, 100 * i),
    target: ramp(steps, 2, 1000 + 100 * i),
    mask: Uint8Array.from([1, 0, 1, 1]),
  }));
  const task = fixedTask(sequences, steps);

  it("splits a step's channels over the input ports in order, pads missing samples with zeros and masks", () => {
    const engine = new Engine(twoPortCircuit(), { batch: 3 });
    const feeder = new Feeder(engine, task);
    feeder.load(sequences, 2);
    // step 2 of sequence i: channels 6..8 (+100 i); port a takes channel 0, port b channels 1-2
    expect(Array.from(engine.input("a"))).toStrictEqual([6, 106, 0]);
    expect(Array.from(engine.input("b"))).toStrictEqual([7, 8, 107, 108, 0, 0]);
    const out = engine.output("p.target");
    expect(Array.from(out.mask)).toStrictEqual([1, 1, 0]);
    expect(Array.from(out.target.subarray(0, 4))).toStrictEqual([1004, 1005, 1104, 1105]);
    expect(feeder.maskedCount()).toBe(2);
    feeder.load(sequences, 1);
    expect(Array.from(out.mask)).toStrictEqual([0, 0, 0]);
    feeder.load(sequences, 2, false);
    expect(Array.from(out.mask)).toStrictEqual([0, 0, 0]);
  });

  it("predict records, at step s, the output rate before step s reads its input (a hand-driven engine agrees)", () => {
    const c = twoPortCircuit();
    const recorded = predict(c, task, task.test, 1);
    const engine = new Engine(c, { batch: 1 });
    for (let i = 0; i < 2; i++) {
      engine.reset();
      for (let s = 0; s < steps; s++) {
        const x = sequences[i].input;
        engine.input("a")[0] = x[s * 3];
        engine.input("b").set([x[s * 3 + 1], x[s * 3 + 2]]);
        expect(recorded[i][s * 2]).toBe(engine.population("p").now.r[0]);
        expect(recorded[i][s * 2 + 1]).toBe(engine.population("p").now.r[1]);
        engine.advance(false);
      }
    }
    expect(recorded[1][2]).not.toBe(0);
  });

  it("checkChannels names the circuit's ports when the counts differ", () => {
    const c = twoPortCircuit();
    expect(() => checkChannels({ ...task, outputChannels: 3 }, c)).toThrow(
      /scores 3 output channel\(s\) but circuit 'ports' has 2 \(outputs: p.target\[2\]\)/,
    );
    expect(() => checkChannels({ ...task, inputChannels: 2 }, c)).toThrow(
      /feeds 2 input channel\(s\) but circuit 'ports' has 3 \(inputs: a\[1\], b\[2\]\)/,
    );
  });
});

describe("train: checkpoints and resume", () => {
  const circuit = loadCircuit("examples/lagline.yaml");
  const task = createLagline({ seed: 4, circuit, trainSize: 4, testSize: 2 });
  const short = { ...task, steps: 300, test: { size: 2, sequence: (i: number) => task.test.sequence(i) } };
  const options: TrainOptions = { seed: 4, epochs: 3, batch: 2 };

  for (const [label, t] of [
    ["per-sequence task", short],
    ["continuous-stream task", { ...short, resetPerSequence: false }],
  ] as const) {
    it(`${label}: 1 epoch, then --resume to 3 epochs, ends bit for bit where 3 epochs in one go do`, () => {
      const whole = train(circuit, t, options);
      const path = join(dir, `${label}.json`);
      const first = train(circuit, t, { ...options, epochs: 1, checkpoint: path });
      const ck = JSON.parse(readFileSync(path, "utf8"));
      expect(ck).toMatchObject({ format: "vle-train-checkpoint", epoch: 1, batch: 0, epochs: 1 });
      expect(ck.state === undefined).toBe(t.resetPerSequence);
      const resumed = train(circuit, t, { ...options, checkpoint: path, resume: true });
      expect(resumed.summary.resumedFrom).toStrictEqual({ epoch: 1, batch: 0 });
      expect(resumed.summary.parameters).toStrictEqual(whole.summary.parameters);
      expect(resumed.summary.history).toStrictEqual(whole.summary.history);
      expect(resumed.summary.initial).toStrictEqual(whole.summary.initial);
      expect(resumed.circuit).toStrictEqual(whole.circuit);
      expect(first.summary.history[0]).toStrictEqual(whole.summary.history[0]);
      // training moved the parameters, so equality above is not trivial
      expect(whole.summary.parameters).not.toStrictEqual(whole.summary.initial);
      expect(whole.circuit.crossbars[0].weights).not.toStrictEqual(circuit.crossbars[0].weights);
    });
  }

  it("resume is exact for the rules that learn per sequence or window too (bptt, tbptt:K, eprop)", () => {
    for (const rule of ["bptt", "tbptt:50", "eprop"]) {
      const o = { ...options, rule },
        path = join(dir, `${rule}.json`);
      const whole = train(circuit, short, o);
      train(circuit, short, { ...o, epochs: 1, checkpoint: path });
      const resumed = train(circuit, short, { ...o, checkpoint: path, resume: true });
      expect(resumed.summary.rule).toBe(rule);
      expect(resumed.circuit, rule).toStrictEqual(whole.circuit);
      expect(whole.circuit.crossbars[0].weights, rule).not.toStrictEqual(circuit.crossbars[0].weights);
    }
  });

  it("the continuous stream carries state across batches: it learns differently from resetting per sequence", () => {
    const reset = train(circuit, short, { ...options, epochs: 1 });
    const stream = train(circuit, { ...short, resetPerSequence: false }, { ...options, epochs: 1 });
    expect(stream.summary.parameters).not.toStrictEqual(reset.summary.parameters);
  });

  it("checkpoints every n batches name the next batch", () => {
    const path = join(dir, "every.json");
    // 4 sequences / batch 1 = 4 batches; with every 3 the last write of epoch 1 is batch 3, then the epoch end
    train(circuit, short, { ...options, batch: 1, epochs: 1, checkpoint: path, checkpointEvery: 3 });
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({ epoch: 1, batch: 0 });
  });

  it("refuses to resume with other settings, without a checkpoint file, or without --checkpoint, in one line", () => {
    const path = join(dir, "refuse.json");
    train(circuit, short, { ...options, epochs: 1, checkpoint: path });
    expect(() => train(circuit, short, { ...options, seed: 5, checkpoint: path, resume: true })).toThrow(
      /made with seed 4, this run has 5; resume with the same --seed/,
    );
    expect(() => train(circuit, short, { ...options, batch: 1, checkpoint: path, resume: true })).toThrow(
      /made with batch 2, this run has 1/,
    );
    expect(() => train(circuit, short, { ...options, rule: "instantaneous", checkpoint: path, resume: true })).toThrow(
      /made with rule "vle", this run has "instantaneous"/,
    );
    const missing = join(dir, "missing.json");
    expect(() => train(circuit, short, { ...options, checkpoint: missing, resume: true })).toThrow(
      /no checkpoint to resume; run without --resume first/,
    );
    expect(existsSync(missing)).toBe(false);
    expect(() => train(circuit, short, { ...options, resume: true })).toThrow(/--resume needs --checkpoint/);
  });

  it("stops a diverging run with a VleError that says what to lower", () => {
    const wild = structuredClone(circuit);
    wild.learning.optimizer = Optimizer.SGD;
    wild.learning.eta = 1e6;
    wild.learning.etaTau = 0;
    expect(() => train(wild, short, { ...options, epochs: 1 })).toThrow(VleError);
    expect(() => train(wild, short, { ...options, epochs: 1 })).toThrow(/lower/);
  });

  it("rejects a batch larger than the training set", () => {
    expect(() => train(circuit, short, { ...options, batch: 5 })).toThrow(
      /has 4 training sequences, fewer than one batch of 5; lower --batch/,
    );
  });
});

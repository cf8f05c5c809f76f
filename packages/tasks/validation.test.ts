// Training with a held-out validation split, the plateau schedule on its loss, and state carried across batches.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCircuit } from "../load/load.js";
import { createLagline } from "./lagline.js";
import { predict, recordedLoss } from "./task.js";
import { holdOut, train, type TrainOptions } from "./train.js";

const dir = mkdtempSync(join(tmpdir(), "vle-validation-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const circuit = loadCircuit("examples/lagline.yaml");
const task = createLagline({ seed: 4, circuit, trainSize: 6, testSize: 2 });
const short = { ...task, steps: 200 };
const options: TrainOptions = { seed: 4, epochs: 3, batch: 2 };

describe("holdOut", () => {
  it("splits the indices into disjoint sorted sets, seeded, of the asked sizes", () => {
    const a = holdOut(50, 10, 3);
    expect(a.validation).toHaveLength(10);
    expect([...a.train, ...a.validation].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a.validation).toEqual([...a.validation].sort((x, y) => x - y));
    expect(holdOut(50, 10, 3)).toEqual(a);
    expect(holdOut(50, 10, 4).validation).not.toEqual(a.validation);
    expect(holdOut(50, 0, 3)).toEqual({ train: Array.from({ length: 50 }, (_, i) => i), validation: [] });
  });
});

describe("train with --validation and --plateau", () => {
  it("reports the validation loss of the held-out sequences, computed as recordedLoss of the trained circuit", () => {
    const run = train(circuit, short, { ...options, epochs: 1, validation: 2 });
    expect(run.summary.trainSize).toBe(4);
    expect(run.summary.validationSize).toBe(2);
    const held = holdOut(6, 2, 4).validation;
    const data = { size: 2, sequence: (i: number) => short.train.sequence(held[i]) };
    const expected = recordedLoss(predict(run.circuit, short, data), data, run.circuit);
    expect(run.summary.history[0].validationLoss).toBe(expected);
    expect(expected).toBeGreaterThan(0);
  });

  it("cuts the rates when the validation loss stalls (eta 0: it never falls), and resume restores the schedule", () => {
    const frozen = structuredClone(circuit);
    frozen.learning.eta = 0;
    frozen.learning.etaTau = 0;
    const o = { ...options, validation: 2, plateau: { patience: 1, factor: 0.5 }, epochs: 5 };
    const whole = train(frozen, short, o);
    // epoch 1 sets the best; epochs 2, 3 are bad (3 > patience: cut); 4, 5 again
    expect(whole.summary.history.map((h) => h.rateScale)).toEqual([1, 1, 0.5, 0.5, 0.25]);
    const path = join(dir, "plateau.json");
    train(frozen, short, { ...o, epochs: 2, checkpoint: path });
    const resumed = train(frozen, short, { ...o, checkpoint: path, resume: true });
    expect(resumed.summary.history).toStrictEqual(whole.summary.history);
  });

  it("refuses a plateau without validation, a validation set as large as the training set, and a changed setting on resume", () => {
    expect(() => train(circuit, short, { ...options, plateau: { patience: 2, factor: 0.5 } })).toThrow(
      /--plateau needs --validation <n>/,
    );
    expect(() => train(circuit, short, { ...options, validation: 6 })).toThrow(
      /--validation 6: give a whole number of sequences from 0 to 5/,
    );
    const path = join(dir, "refuse.json");
    train(circuit, short, { ...options, epochs: 1, checkpoint: path, validation: 2 });
    expect(() => train(circuit, short, { ...options, checkpoint: path, resume: true, validation: 1 })).toThrow(
      /made with validation 2, this run has 1; resume with the same --validation/,
    );
  });
});

describe("train with --carry-state", () => {
  it("learns as the task's continuous stream does, and differently from starting each batch at zero", () => {
    const carried = train(circuit, short, { ...options, epochs: 1, carryState: true });
    const stream = train(circuit, { ...short, resetPerSequence: false }, { ...options, epochs: 1 });
    const reset = train(circuit, short, { ...options, epochs: 1 });
    expect(carried.summary.carryState).toBe(true);
    expect(carried.circuit).toStrictEqual(stream.circuit);
    expect(carried.circuit).not.toStrictEqual(reset.circuit);
  });
});

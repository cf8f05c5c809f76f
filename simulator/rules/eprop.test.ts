// e-prop against the exact gradient: exact where its learning signal is the total derivative, an approximation elsewhere.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VleError } from "../../circuits/errors.js";
import { Optimizer, Rule, type Circuit } from "../../circuits/model.js";
import { summedUpdate, type Drive } from "../alignment.js";
import { Engine } from "../engine.js";
import { createLearner } from "../learner.js";
import {
  forwardLoss,
  randomCircuit,
  randomDrive,
  relativeError,
  type CircuitShape,
} from "../../test/support/rule-fixtures.js";

const runs = Number(process.env.VLE_PROPERTY_RUNS ?? 12);

/** Relative error of e-prop's summed update (parameters frozen) against bptt's (-beta dL/dtheta / B), per array. */
function errors(c: Circuit, drive: Drive): Map<string, number> {
  const eprop = summedUpdate(c, drive, { rule: Rule.EPROP, name: "eprop" });
  const bptt = summedUpdate(c, drive, { rule: Rule.BPTT, name: "bptt" });
  return new Map([...bptt].map(([name, g]) => [name, relativeError(eprop.get(name)!, g)]));
}

const base = {
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
  inputs: fc.integer({ min: 1, max: 3 }),
  outputs: fc.integer({ min: 1, max: 3 }),
  crossEntropy: fc.boolean(),
  dt: fc.constantFrom(0.05, 0.1),
  spread: fc.double({ min: 2, max: 20, noNaN: true }),
};

describe("eprop equals the exact gradient where its learning signal is the total derivative", () => {
  it("single layer (input -> output, no recurrence): W, b and tau_m of the output are exact", () => {
    fc.assert(
      fc.property(
        fc.record({ ...base, hidden: fc.constant<number[]>([]), recurrent: fc.constant(false) }),
        fc.integer({ min: 2, max: 30 }),
        fc.integer({ min: 1, max: 3 }),
        (shape, steps, batch) => {
          const c = randomCircuit(shape, "EPROP");
          for (const [name, err] of errors(c, randomDrive(c, steps, batch, shape.seed)))
            if (!(err < 1e-10)) throw new Error(`${name}: relative error ${err}`);
        },
      ),
      { numRuns: runs },
    );
  });

  it("two layers, symmetric feedback, no recurrence, output neurons sharing tau_m and tau_r: every array is exact", () => {
    fc.assert(
      fc.property(
        fc.record({
          ...base,
          hidden: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 1 }),
          recurrent: fc.constant(false),
          feedback: fc.constant("TRANSPOSE" as const),
          uniformOutput: fc.constant(true),
        }),
        fc.integer({ min: 2, max: 30 }),
        fc.integer({ min: 1, max: 3 }),
        (shape, steps, batch) => {
          const c = randomCircuit(shape, "EPROP");
          for (const [name, err] of errors(c, randomDrive(c, steps, batch, shape.seed)))
            if (!(err < 1e-10)) throw new Error(`${name}: relative error ${err}`);
        },
      ),
      { numRuns: runs },
    );
  });

  const shape: CircuitShape = {
    seed: 21,
    inputs: 2,
    hidden: [4],
    outputs: 2,
    recurrent: false,
    crossEntropy: false,
    dt: 0.1,
    spread: 10,
    uniformOutput: true,
    feedback: "TRANSPOSE",
  };

  it("and only there: random feedback, unequal output time constants or recurrence make the hidden arrays approximate", () => {
    const cases: [string, CircuitShape][] = [
      ["random feedback", { ...shape, feedback: "RANDOM" }],
      ["output tau differ", { ...shape, uniformOutput: false }],
      ["recurrence", { ...shape, recurrent: true }],
    ];
    for (const [what, s] of cases) {
      const c = randomCircuit(s, "EPROP");
      const err = errors(c, randomDrive(c, 40, 2, 3));
      expect(err.get("x_to_h1.W"), what).toBeGreaterThan(1e-4);
      // without recurrence the output's own arrays stay exact
      if (!s.recurrent) expect(err.get("h1_to_out.W"), what).toBeLessThan(1e-10);
    }
    const exact = randomCircuit(shape, "EPROP");
    expect(errors(exact, randomDrive(exact, 40, 2, 3)).get("x_to_h1.W")).toBeLessThan(1e-10);
  });

  it("a plastic population no learning signal reaches is refused with a one-line error", () => {
    const c = randomCircuit({ ...shape, hidden: [3, 2] }, "EPROP");
    expect(() => createLearner(new Engine(c), true)).toThrow(VleError);
    expect(() => createLearner(new Engine(c), true)).toThrow(
      /eprop: population 'h1' has plastic parameters but no learning signal/,
    );
  });
});

describe("eprop online", () => {
  it("learns a two-layer regression online with SGD and with Adam (loss down by half in 20 passes)", () => {
    for (const optimizer of [Optimizer.SGD, Optimizer.ADAM]) {
      const c = randomCircuit(
        {
          seed: 8,
          inputs: 2,
          hidden: [4],
          outputs: 1,
          recurrent: false,
          crossEntropy: false,
          dt: 0.1,
          spread: 5,
          uniformOutput: true,
          feedback: "TRANSPOSE",
        },
        "EPROP",
      );
      Object.assign(c.learning, {
        optimizer,
        eta: optimizer === Optimizer.ADAM ? 0.01 : 0.2,
        etaTau: 0,
        adamBeta1: 0.9,
        adamBeta2: 0.999,
        adamEpsilon: 1e-8,
      });
      for (const p of c.populations) p.plasticTauM = false;
      const drive = randomDrive(c, 60, 4, 5);
      const before = forwardLoss(c, drive);
      const engine = new Engine(c, { batch: drive.batch });
      const learner = createLearner(engine);
      for (let epoch = 0; epoch < 20; epoch++) {
        engine.reset();
        for (let s = 0; s < drive.steps; s++) {
          drive.load(engine, s);
          learner.step();
        }
        learner.endSequence();
      }
      expect(forwardLoss(engine.exportCircuit(), drive)).toBeLessThan(0.5 * before);
    }
  });
});

// bptt and tbptt:K against finite differences of the engine's own forward pass, on random layered and recurrent circuits.
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { Optimizer, Rule, type Circuit } from "../../circuits/model.js";
import { Engine } from "../engine.js";
import { createLearner } from "../learner.js";
import { allocateGradient, Trajectory } from "./adjoint.js";
import {
  circuitParameters,
  finiteDifferences,
  forwardLoss,
  norm,
  randomCircuit,
  randomDrive,
  relativeError,
  type CircuitShape,
  type RandomDrive as Drive,
} from "../../test/support/rule-fixtures.js";

/** fast-check runs per property; VLE_PROPERTY_RUNS raises it for a longer search (and the time allowed). */
const runs = Number(process.env.VLE_PROPERTY_RUNS ?? 12);
const timeout = Math.max(120_000, runs * 2_000);

const shapes = (recurrent: boolean) =>
  fc.record({
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
    inputs: fc.integer({ min: 1, max: 3 }),
    hidden: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: recurrent ? 1 : 0, maxLength: 2 }),
    outputs: fc.integer({ min: 1, max: 3 }),
    recurrent: fc.constant(recurrent),
    crossEntropy: fc.boolean(),
    dt: fc.constantFrom(0.05, 0.1, 0.2),
    spread: fc.double({ min: 2, max: 20, noNaN: true }),
  });

/** The adjoint's gradient of the unit-weighted loss, by parameter name. */
function adjointGradient(c: Circuit, drive: Drive): { loss: number; grad: Map<string, Float64Array> } {
  const engine = new Engine(c, { batch: drive.batch, rule: Rule.BPTT });
  for (const p of engine.populations) p.gamma = 0;
  const trajectory = new Trajectory(engine, 2); // small capacity: exercises growth
  trajectory.start();
  for (let s = 0; s < drive.steps; s++) {
    drive.load(engine, s);
    engine.advance(false);
    trajectory.record();
  }
  const g = allocateGradient(engine);
  const loss = trajectory.backward(g, "unit");
  const grad = new Map<string, Float64Array>();
  engine.crossbars.forEach((x, k) => grad.set(`${x.spec.name}.W`, g.weights[k]));
  engine.populations.forEach((p, k) => {
    grad.set(`${p.spec.name}.b`, g.bias[k]);
    grad.set(`${p.spec.name}.tau_m`, g.tauM[k]);
  });
  return { loss, grad };
}

/** the largest relative error met, printed after the properties */
let worst = 0;
afterAll(() =>
  console.log(
    `bptt vs finite differences: largest relative error ${worst.toExponential(2)} over ${2 * runs} random circuits`,
  ),
);

function checkAgainstFiniteDifferences(shape: CircuitShape, steps: number, batch: number): void {
  const c = randomCircuit(shape);
  const drive = randomDrive(c, steps, batch, shape.seed);
  const { loss, grad } = adjointGradient(c, drive);
  const reference = forwardLoss(c, drive);
  // cross-entropy is log-sum-exp minus the target's logit, a difference of O(1) terms: a loss near zero keeps an
  // absolute rounding of a few ulps of those terms (2.3e-16 was met on a loss of 2e-4), hence the absolute floor
  expect(Math.abs(loss - reference)).toBeLessThanOrEqual(1e-12 * Math.abs(reference) + 1e-14);
  const fd = finiteDifferences(c, (probe) => forwardLoss(probe, drive));
  // an array whose gradient is below 1e-3 of the whole gradient's norm (or zero: one-logit softmax, a path
  // longer than T) is judged against 1e-3 of that norm
  const total = norm([...fd.values()].flatMap((g) => Array.from(g)));
  for (const [name, numeric] of fd) {
    const adjoint = grad.get(name)!,
      diff = norm(adjoint.map((g, i) => g - numeric[i]));
    const err = diff === 0 ? 0 : diff / Math.max(norm(numeric), 1e-3 * total);
    worst = Math.max(worst, err);
    if (!(err < 1e-6))
      throw new Error(
        `${name}: relative error ${err.toExponential(2)} (adjoint ${Array.from(grad.get(name)!)} vs fd ${Array.from(numeric)})`,
      );
  }
}

describe("bptt: the discrete adjoint equals finite differences (relative error < 1e-6)", () => {
  it(
    "on random layered circuits, for W, b and tau_m",
    () => {
      fc.assert(
        fc.property(
          shapes(false),
          fc.integer({ min: 2, max: 25 }),
          fc.integer({ min: 1, max: 2 }),
          (shape, steps, batch) => checkAgainstFiniteDifferences(shape, steps, batch),
        ),
        { numRuns: runs },
      );
    },
    timeout,
  );

  it(
    "on random recurrent circuits (self-recurrence and output -> first population), for W, b and tau_m",
    () => {
      fc.assert(
        fc.property(
          shapes(true),
          fc.integer({ min: 2, max: 25 }),
          fc.integer({ min: 1, max: 2 }),
          (shape, steps, batch) => checkAgainstFiniteDifferences(shape, steps, batch),
        ),
        { numRuns: runs },
      );
    },
    timeout,
  );

  it("the check itself fails on a wrong gradient (a tau_m derivative missing its u~ path)", () => {
    // the same circuit with tau_r perturbed in the reverse pass only would break it; here: compare against a shifted loss
    const shape: CircuitShape = {
      seed: 5,
      inputs: 2,
      hidden: [3],
      outputs: 2,
      recurrent: true,
      crossEntropy: false,
      dt: 0.1,
      spread: 8,
    };
    const c = randomCircuit(shape);
    const drive = randomDrive(c, 12, 1, 5);
    const { grad } = adjointGradient(c, drive);
    const shifted = randomDrive(c, 12, 1, 6); // other targets: another loss, another gradient
    const fd = finiteDifferences(c, (probe) => forwardLoss(probe, shifted));
    expect(relativeError(grad.get("h1.tau_m")!, fd.get("h1.tau_m")!)).toBeGreaterThan(1e-3);
  });
});

/** Runs one sequence through a learner and returns the circuit it leaves. */
function learnOnce(c: Circuit, drive: Drive, rule: Rule, window?: number, sequences = 2): Circuit {
  const engine = new Engine(c, { batch: drive.batch, rule });
  const learner = createLearner(engine, true, { window });
  for (let k = 0; k < sequences; k++) {
    engine.reset();
    for (let s = 0; s < drive.steps; s++) {
      drive.load(engine, s);
      learner.step();
    }
    learner.endSequence();
  }
  return engine.exportCircuit();
}

describe("bptt and tbptt:K learners", () => {
  const shape: CircuitShape = {
    seed: 11,
    inputs: 2,
    hidden: [3, 2],
    outputs: 2,
    recurrent: true,
    crossEntropy: false,
    dt: 0.1,
    spread: 10,
  };

  it("tbptt:K with K >= T equals bptt exactly (SGD and Adam, two sequences)", () => {
    for (const optimizer of ["SGD", "ADAM"] as const) {
      const c = randomCircuit(shape);
      c.learning.optimizer = optimizer === "SGD" ? Optimizer.SGD : Optimizer.ADAM;
      Object.assign(c.learning, { adamBeta1: 0.9, adamBeta2: 0.999, adamEpsilon: 1e-8 });
      const drive = randomDrive(c, 17, 2, 3);
      const bptt = learnOnce(c, drive, Rule.BPTT);
      for (const K of [17, 18, 1000]) expect(learnOnce(c, drive, Rule.TBPTT, K)).toEqual(bptt);
      expect(learnOnce(c, drive, Rule.TBPTT, 16)).not.toEqual(bptt);
    }
  });

  it("bptt's SGD step is -eta beta dL/dtheta / B (the weighted loss), tau_m with eta_tau", () => {
    const c = randomCircuit({ ...shape, recurrent: false });
    const drive = randomDrive(c, 15, 2, 4);
    const after = learnOnce(c, drive, Rule.BPTT, undefined, 1);
    const fd = finiteDifferences(c, (probe) => forwardLoss(probe, drive, true));
    const before = circuitParameters(c),
      learned = circuitParameters(after);
    before.forEach(({ name, values }, k) => {
      const rate = name.endsWith("tau_m") ? c.learning.etaTau : c.learning.eta;
      const step = values.map((v, i) => learned[k].values[i] - v);
      const expected = Array.from(fd.get(name)!, (g) => (-rate * g) / drive.batch);
      expect(relativeError(step, expected)).toBeLessThan(1e-6);
    });
  });

  it("tbptt:K's second window is the gradient of that window's loss, the state at its start held constant", () => {
    const c = randomCircuit({ ...shape, seed: 12 });
    const K = 6,
      drive = randomDrive(c, 2 * K, 1, 9);
    // after window 1 (K steps) the learner updates; window 2 starts from the state window 1 left
    const engine = new Engine(c, { batch: 1, rule: Rule.TBPTT });
    const learner = createLearner(engine, true, { window: K });
    engine.reset();
    for (let s = 0; s < K; s++) {
      drive.load(engine, s);
      learner.step();
    }
    const middle = engine.exportCircuit();
    for (let s = K; s < 2 * K; s++) {
      drive.load(engine, s);
      learner.step();
    }
    const after = engine.exportCircuit();

    // oracle: with the parameters of `middle`, run window 1 with the parameters window 1 ran with (c), then
    // window 2 with the probed parameters, and sum window 2's loss
    const second = (probe: Circuit) => {
      const e = new Engine(c, { batch: 1, rule: Rule.NONE });
      for (const p of e.populations) p.gamma = 0;
      for (let s = 0; s < K; s++) {
        drive.load(e, s);
        e.advance(false);
      }
      const values = circuitParameters(probe);
      e.crossbars.forEach((x) => {
        const v = values.find((q) => q.name === `${x.spec.name}.W`);
        if (v) x.weights.set(v.values);
      });
      e.populations.forEach((p) => {
        p.bias.set(values.find((q) => q.name === `${p.spec.name}.b`)!.values);
        p.tauM.set(values.find((q) => q.name === `${p.spec.name}.tau_m`)!.values);
      });
      const o = e.outputs[0],
        n = o.population.size;
      let loss = 0;
      for (let s = K; s < 2 * K; s++) {
        drive.load(e, s);
        e.advance(false);
        if (drive.masks[s][0])
          for (let i = 0; i < n; i++) loss += 0.5 * o.spec.beta * (drive.targets[s][i] - o.population.now.r[i]) ** 2;
      }
      return loss;
    };
    const fd = finiteDifferences(middle, second);
    const mid = circuitParameters(middle),
      learned = circuitParameters(after);
    mid.forEach(({ name, values }, k) => {
      const rate = name.endsWith("tau_m") ? c.learning.etaTau : c.learning.eta;
      const step = values.map((v, i) => learned[k].values[i] - v);
      expect(
        relativeError(
          step,
          Array.from(fd.get(name)!, (g) => -rate * g),
        ),
      ).toBeLessThan(1e-6);
    });
  });
});

// Checks the lagline task: seeded inputs, teacher targets against a scalar re-evaluation of the equations, and that VLE learns the teacher.
import { describe, expect, it } from "vitest";
import { VleError } from "../../circuits/errors.js";
import type { Circuit } from "../../circuits/model.js";
import { Random } from "../../circuits/random.js";
import { loadCircuit } from "../load/load.js";
import { createTask } from "./index.js";
import { createLagline, laglineInput, laglineTeacher } from "./lagline.js";
import { train } from "./train.js";

const example = (): Circuit => loadCircuit("examples/lagline.yaml");
const softplus = (x: number) => Math.log1p(Math.exp(x));

/**
 * The teacher chain evaluated directly from design section 2 with plain numbers: the value at step s is the
 * output rate the network holds before it reads input s (what the output error of step s compares).
 */
function scalarTeacher(x: Float64Array, dt: number): Float64Array {
  const [w0, w1] = laglineTeacher.weights,
    [t0, t1] = laglineTeacher.tauM,
    tr = laglineTeacher.tauR;
  let u0 = 0,
    u1 = 0,
    r0 = 0,
    r1 = 0;
  const out = new Float64Array(x.length);
  for (let s = 0; s < x.length; s++) {
    out[s] = r1;
    const du0 = (w0 * x[s] - u0) / t0,
      du1 = (w1 * r0 - u1) / t1;
    r0 = softplus(u0 + tr * du0);
    r1 = softplus(u1 + tr * du1);
    u0 += dt * du0;
    u1 += dt * du1;
  }
  return out;
}

describe("lagline data", () => {
  it("is a function of the seed: the same seed gives the same inputs and targets, another seed others", () => {
    const c = example();
    const a = createLagline({ seed: 5, circuit: c, trainSize: 3, testSize: 2 });
    const b = createLagline({ seed: 5, circuit: c, trainSize: 3, testSize: 2 });
    const d = createLagline({ seed: 6, circuit: c, trainSize: 3, testSize: 2 });
    for (let i = 0; i < 3; i++) {
      expect(b.train.sequence(i)).toStrictEqual(a.train.sequence(i));
      expect(d.train.sequence(i).input).not.toStrictEqual(a.train.sequence(i).input);
    }
    expect(b.test.sequence(1)).toStrictEqual(a.test.sequence(1));
    // test sequences are not training sequences
    expect(a.test.sequence(0).input).not.toStrictEqual(a.train.sequence(0).input);
  });

  it("inputs are smoothed steps within [-1, 1] that hold levels for about 1 to 3 time units", () => {
    const dt = 0.01,
      x = laglineInput(20_000, dt, new Random(3));
    expect(Math.max(...x)).toBeLessThanOrEqual(1);
    expect(Math.min(...x)).toBeGreaterThanOrEqual(-1);
    // smoothing (sigma 5 steps) leaves no jump between neighbouring steps larger than a level change / (sigma sqrt(2 pi)) ~ 2/12.5
    let maxJump = 0,
      flat = 0;
    for (let s = 1; s < x.length; s++) {
      const jump = Math.abs(x[s] - x[s - 1]);
      maxJump = Math.max(maxJump, jump);
      if (jump < 1e-9) flat++;
    }
    expect(maxJump).toBeLessThan(0.17);
    expect(maxJump).toBeGreaterThan(0.01);
    // holds of 1-3 time units: most steps are flat, about 200k / 200 = 100 level changes
    expect(flat / x.length).toBeGreaterThan(0.75);
  });

  it("targets are the teacher's output, equal to a direct scalar evaluation of the chain", () => {
    const c = example();
    const task = createLagline({ seed: 2, circuit: c, trainSize: 2, testSize: 1 });
    for (const seq of [task.train.sequence(0), task.train.sequence(1), task.test.sequence(0)]) {
      const oracle = scalarTeacher(seq.input, c.dt);
      let worst = 0;
      for (let s = 0; s < task.steps; s++) worst = Math.max(worst, Math.abs(seq.target[s] - oracle[s]));
      expect(worst).toBeLessThan(1e-12);
      expect(Math.max(...seq.target)).toBeGreaterThan(0.5); // the targets carry signal
      expect(Array.from(seq.mask).every((m) => m === 1)).toBe(true);
    }
  });

  it("rejects a circuit that is not the two-neuron chain, naming what it has", () => {
    const c = example();
    c.populations[0].size = 2;
    expect(() => createTask("lagline", { seed: 0, circuit: c })).toThrow(VleError);
    expect(() => createTask("lagline", { seed: 0, circuit: c })).toThrow(
      /lagline needs the chain x\[1\] -> l0\[1\] -> l1\[1\]/,
    );
  });
});

describe("lagline training with vle", () => {
  it("a short run (4 sequences, 2 epochs) lowers the test error and moves every parameter toward the teacher", () => {
    const c = example();
    const task = createLagline({ seed: 1, circuit: c, trainSize: 4, testSize: 2 });
    const { summary } = train(c, task, { seed: 1, epochs: 2, batch: 2 });
    const a = summary.initial,
      z = summary.final;
    expect(z.testMse as number).toBeLessThan((a.testMse as number) / 10);
    for (const k of ["w0Error", "w1Error", "tauM0Error", "tauM1Error"])
      expect(z[k] as number, k).toBeLessThan(a[k] as number);
  });

  it("examples/lagline.yaml with the task's defaults recovers the teacher: weights within 2 %, tau_m within 5 %, from >= 30 % away", () => {
    const c = example();
    const task = createTask("lagline", { seed: 0, circuit: c });
    const { summary } = train(c, task, { seed: 0, ...task.defaults });
    const a = summary.initial,
      z = summary.final;
    for (const k of ["w0Error", "w1Error", "tauM0Error", "tauM1Error"])
      expect(a[k] as number, k).toBeGreaterThanOrEqual(0.3);
    expect(z.maxWeightError as number).toBeLessThanOrEqual(0.02);
    expect(z.maxTauMError as number).toBeLessThanOrEqual(0.05);
    expect(z.recovered).toBe(true);
    expect(summary.parameters).toBeDefined();
  });
});

// Gradient alignment: how close each rule's summed update over a window comes to the exact gradient of the free network.
import { Rule, type Circuit } from "../circuits/model.js";
import { Engine } from "./engine.js";
import { createLearner, type RuleSpec } from "./learner.js";
import { allocateGradient, freeNetwork, Trajectory, type Gradient } from "./rules/adjoint.js";

/** What drives the engine: `steps` steps of a batch; `load` writes step s's inputs, targets and masks into the engine. */
export interface Drive {
  steps: number;
  batch: number;
  load(engine: Engine, s: number): void;
}

/** One learnable array's agreement with the reference. */
interface ArrayAlignment {
  /** the engine's parameter name: "<crossbar>.W", "<population>.b", "<population>.tau_m" */
  name: string;
  kind: "W" | "b" | "tau_m";
  /** cosine between the rule's summed update and the reference (NaN when either is zero) */
  cosine: number;
  /** |summed update| / |reference| */
  normRatio: number;
}

export interface RuleAlignment {
  rule: string;
  total: { cosine: number; normRatio: number };
  arrays: ArrayAlignment[];
}

export interface AlignmentReport {
  steps: number;
  batch: number;
  /** L = sum over steps and samples of the masked loss of r_out after each step (unit weights, as defined in adjoint.ts) */
  loss: number;
  /** dL/dparameters of that L, summed over the batch, for every crossbar and population (engine order) */
  gradient: Gradient;
  crossbars: string[];
  populations: string[];
  rules: RuleAlignment[];
}

/**
 * Every learnable array's summed update (descent direction, batch mean) of a rule over the drive, from the
 * zero state, parameters frozen, on the free network (gamma = 0; the local rules still compute their errors).
 * Learned feedback matrices are left out: they are not in the loss.
 */
export function summedUpdate(circuit: Circuit, drive: Drive, spec: RuleSpec): Map<string, Float64Array> {
  const engine = new Engine(circuit, { batch: drive.batch, rule: spec.rule });
  freeNetwork(engine);
  const learner = createLearner(engine, true, { frozen: true, window: spec.window });
  engine.reset();
  for (let s = 0; s < drive.steps; s++) {
    drive.load(engine, s);
    learner.step();
  }
  learner.endSequence();
  const feedback = new Set(engine.crossbars.map((x) => x.feedbackParam));
  return new Map(engine.parameters.filter((p) => !feedback.has(p)).map((p) => [p.name, Float64Array.from(p.delta)]));
}

/** L (unit weights) and its exact gradient for every crossbar and population, by the discrete adjoint of the free network. */
function exactGradient(circuit: Circuit, drive: Drive): { loss: number; gradient: Gradient; engine: Engine } {
  const engine = new Engine(circuit, { batch: drive.batch, rule: Rule.NONE });
  freeNetwork(engine);
  const trajectory = new Trajectory(engine, drive.steps);
  engine.reset();
  trajectory.start();
  for (let s = 0; s < drive.steps; s++) {
    drive.load(engine, s);
    engine.advance(false);
    trajectory.record();
  }
  const gradient = allocateGradient(engine);
  const loss = trajectory.backward(gradient, "unit");
  return { loss, gradient, engine };
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

function compare(update: Float64Array[], reference: Float64Array[]): { cosine: number; normRatio: number } {
  let ab = 0,
    aa = 0,
    bb = 0;
  update.forEach((a, k) => {
    ab += dot(a, reference[k]);
    aa += dot(a, a);
    bb += dot(reference[k], reference[k]);
  });
  return { cosine: aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : NaN, normRatio: Math.sqrt(aa / bb) };
}

const kindOf = (name: string): ArrayAlignment["kind"] =>
  name.endsWith(".W") ? "W" : name.endsWith(".b") ? "b" : "tau_m";

/**
 * For each rule, the cosine and norm ratio of its summed update against the negative exact gradient, per
 * learnable array and in total (all learnable arrays concatenated). The reference is bptt's summed update,
 * -sum_o beta_o dL_o/dtheta / B: the loss the local rules' output errors beta (y - r) descend, so the norm
 * ratio compares step sizes at the same eta (with one output, the cosine is that with -dL/dtheta itself).
 */
export function measureAlignment(circuit: Circuit, drive: Drive, specs: RuleSpec[]): AlignmentReport {
  const { loss, gradient, engine } = exactGradient(circuit, drive);
  const reference = summedUpdate(circuit, drive, { rule: Rule.BPTT, name: "bptt" });
  const names = [...reference.keys()];
  const rules = specs.map((spec) => {
    const update = spec.rule === Rule.BPTT ? reference : summedUpdate(circuit, drive, spec);
    const arrays = names.map((name) => ({
      name,
      kind: kindOf(name),
      ...compare([update.get(name)!], [reference.get(name)!]),
    }));
    return {
      rule: spec.name,
      total: compare(
        names.map((n) => update.get(n)!),
        names.map((n) => reference.get(n)!),
      ),
      arrays,
    };
  });
  return {
    steps: drive.steps,
    batch: drive.batch,
    loss,
    gradient,
    crossbars: engine.crossbars.map((x) => x.spec.name),
    populations: engine.populations.map((p) => p.spec.name),
    rules,
  };
}

// The lagline task (GLE paper, Ellenberger et al. 2024): a student chain x -> l0 -> l1 learns a teacher chain's weights and tau_m from its output.
import { fromJSON } from "../../circuits/codec.js";
import { VleError } from "../../circuits/errors.js";
import { IR_VERSION, type Circuit } from "../../circuits/model.js";
import { Random } from "../../circuits/random.js";
import { gaussianSmooth } from "./mnist1d.js";
import { modelUnitsPerTaskUnit, taskStep, wholeSteps, type TaskClock } from "./timing.js";
import {
  datasetSize,
  predict,
  type Dataset,
  type Metrics,
  type Sequence,
  type Task,
  type TaskFactory,
} from "./task.js";

/** The teacher of the GLE paper's lagline experiment (unibe-cns/gle-code experiments/mimic/lagline.py). */
export const laglineTeacher = { weights: [1, 2], tauM: [1, 2], tauR: 0.1 } as const;

/**
 * The task's time unit: 1 ms (its chip example, examples/lagline-chip.yaml, runs 1 model time unit = 1 ms). The
 * teacher's taus, the input's holds and smoothing and the sequence length are in it.
 */
export const laglineClock: TaskClock = { task: "lagline", seconds: 1e-3 };

/** The teacher's tau_m in the student circuit's model time units (its time base, or the task's when dimensionless). */
export function laglineTeacherTauM(circuit: Pick<Circuit, "dt" | "timeUnitS">): number[] {
  const scale = modelUnitsPerTaskUnit(laglineClock, circuit);
  return laglineTeacher.tauM.map((t) => t * scale);
}

/** Acceptance of a recovery: relative error of every weight and of every tau_m. */
export const laglineTolerance = { weight: 0.02, tauM: 0.05 } as const;

/**
 * The input: a random step function (levels uniform in [-1, 1], each held for a duration uniform in
 * [1, 3] task time units (ms): the reference's +-1 square wave has half-period 2) smoothed with a gaussian of
 * 0.05 time units (5 steps at the reference dt = 0.01), as the reference smooths its step function.
 */
const input = { level: 1, minHold: 1, maxHold: 3, smoothing: 0.05 } as const;

/** Sequence length in task time units (ms): several of the slowest teacher time constant, so lags show. */
const duration = 20;

/** The chain's parts in a student circuit, found by structure (names are free). */
interface LaglineChain {
  input: string;
  first: string;
  second: string;
  inputCrossbar: string;
  chainCrossbar: string;
}

/** Checks that the circuit is a two-neuron chain input -> first -> second (the output); names its parts. */
function laglineChain(c: Circuit): LaglineChain {
  const fail = (what: string) =>
    new VleError(
      `task 'lagline': circuit '${c.name}' ${what}; lagline needs the chain x[1] -> l0[1] -> l1[1] with l1 the output (see examples/lagline.yaml)`,
    );
  if (c.inputs.length !== 1 || c.inputs[0].size !== 1)
    throw fail(`has inputs ${c.inputs.map((p) => `${p.name}[${p.size}]`).join(", ") || "none"}`);
  if (c.populations.length !== 2 || c.populations.some((p) => p.size !== 1))
    throw fail(`has populations ${c.populations.map((p) => `${p.name}[${p.size}]`).join(", ")}`);
  if (c.outputs.length !== 1) throw fail(`has ${c.outputs.length} outputs`);
  const second = c.outputs[0].population;
  const first = c.populations.find((p) => p.name !== second)!.name;
  const into = (pre: string, post: string) => c.crossbars.find((x) => x.pre === pre && x.post === post);
  const a = into(c.inputs[0].name, first),
    b = into(first, second);
  if (!a || !b || c.crossbars.length !== 2)
    throw fail(`has crossbars ${c.crossbars.map((x) => `${x.pre}->${x.post}`).join(", ") || "none"}`);
  return { input: c.inputs[0].name, first, second, inputCrossbar: a.name, chainCrossbar: b.name };
}

/** The teacher: the student's chain with the teacher's parameters, softplus cells, inference only. */
function laglineTeacherCircuit(student: Circuit): Circuit {
  const chain = laglineChain(student);
  // the teacher's taus in the student's model time units
  const scale = modelUnitsPerTaskUnit(laglineClock, student);
  const population = (name: string, k: number) => ({
    name,
    size: 1,
    tauM: [laglineTeacher.tauM[k] * scale],
    tauR: [laglineTeacher.tauR * scale],
    bias: [0],
    phi: "SOFTPLUS",
  });
  return fromJSON({
    version: IR_VERSION,
    name: `${student.name}-teacher`,
    dt: student.dt,
    ...(student.timeUnitS !== undefined && { timeUnitS: student.timeUnitS }),
    inputs: [{ name: chain.input, size: 1 }],
    populations: [population(chain.first, 0), population(chain.second, 1)],
    crossbars: [
      {
        name: chain.inputCrossbar,
        pre: chain.input,
        post: chain.first,
        rows: 1,
        cols: 1,
        weights: [laglineTeacher.weights[0]],
        feedback: "NO_FEEDBACK",
      },
      {
        name: chain.chainCrossbar,
        pre: chain.first,
        post: chain.second,
        rows: 1,
        cols: 1,
        weights: [laglineTeacher.weights[1]],
        feedback: "NO_FEEDBACK",
      },
    ],
    outputs: [{ name: student.outputs[0].name, population: chain.second, loss: "MSE", beta: 0 }],
    learning: { rule: "NONE", optimizer: "SGD" },
    provenance: { source: "lagline teacher (packages/tasks/lagline.ts)" },
  });
}

/** One input sequence of `steps` steps at time step dt. */
export function laglineInput(steps: number, dt: number, random: Random): Float64Array {
  const x = new Float64Array(steps);
  for (let s = 0; s < steps; ) {
    const level = input.level * (2 * random.uniform() - 1);
    const hold = Math.max(1, Math.round((input.minHold + (input.maxHold - input.minHold) * random.uniform()) / dt));
    x.fill(level, s, Math.min(steps, s + hold));
    s += hold;
  }
  return gaussianSmooth(x, input.smoothing / dt);
}

/** Relative error of a learned value against the teacher's. */
const relative = (learned: number, teacher: number) => Math.abs(learned - teacher) / Math.abs(teacher);

export const createLagline: TaskFactory = ({ seed, circuit, trainSize, testSize }) => {
  const chain = laglineChain(circuit);
  const steps = wholeSteps(laglineClock, circuit, "sequence length", duration);
  const teacherTauM = laglineTeacherTauM(circuit);
  const random = new Random(seed);
  const inputs = (n: number) =>
    Array.from({ length: n }, () => laglineInput(steps, taskStep(laglineClock, circuit), random));
  const trainInputs = inputs(datasetSize("lagline", "trainSize", trainSize, 20));
  const testInputs = inputs(datasetSize("lagline", "testSize", testSize, 10));
  const mask = new Uint8Array(steps).fill(1);

  // datasets hold the inputs; their targets are the teacher's output, filled in below
  const dataset = (xs: Float64Array[]): Dataset & { sequences: Sequence[] } => {
    const sequences = xs.map((x) => ({ input: x, target: new Float64Array(steps), mask }));
    return { size: sequences.length, sequences, sequence: (i) => sequences[i] };
  };
  const train = dataset(trainInputs),
    test = dataset(testInputs);

  const task: Task = {
    name: "lagline",
    inputChannels: 1,
    outputChannels: 1,
    steps,
    resetPerSequence: true,
    train,
    test,
    headline: { name: "testMse", better: "lower" },
    defaults: { epochs: 10, batch: 10 },
    score(outputs: Float64Array[], c: Circuit): Metrics {
      let se = 0,
        n = 0;
      outputs.forEach((y, i) => {
        const target = test.sequences[i].target;
        for (let s = 0; s < y.length; s++) {
          se += (y[s] - target[s]) ** 2;
          n++;
        }
      });
      const weight = (name: string) => c.crossbars.find((x) => x.name === name)!.weights[0];
      const tau = (name: string) => c.populations.find((p) => p.name === name)!.tauM[0];
      const learned = {
        w0: weight(chain.inputCrossbar),
        w1: weight(chain.chainCrossbar),
        tauM0: tau(chain.first),
        tauM1: tau(chain.second),
      };
      const errors = {
        w0Error: relative(learned.w0, laglineTeacher.weights[0]),
        w1Error: relative(learned.w1, laglineTeacher.weights[1]),
        tauM0Error: relative(learned.tauM0, teacherTauM[0]),
        tauM1Error: relative(learned.tauM1, teacherTauM[1]),
      };
      const maxWeight = Math.max(errors.w0Error, errors.w1Error),
        maxTau = Math.max(errors.tauM0Error, errors.tauM1Error);
      return {
        testMse: se / n,
        ...learned,
        ...errors,
        maxWeightError: maxWeight,
        maxTauMError: maxTau,
        recovered: maxWeight <= laglineTolerance.weight && maxTau <= laglineTolerance.tauM,
      };
    },
  };

  // the teacher runs on our own engine, rule none, on the same inputs
  const teacher = laglineTeacherCircuit(circuit);
  for (const data of [train, test]) {
    predict(teacher, task, data).forEach((y, i) => data.sequences[i].target.set(y));
  }
  return task;
};

// A task from the user's arrays: x [N,T] or [N,T,C] with labels y [N] (classification) or targets [N,T,K] (regression).
import { VleError } from "../../../circuits/errors.js";
import type { Circuit } from "../../../circuits/model.js";
import { classificationDataset, classificationScore, sequenceSteps, withProtocol } from "../classification.js";
import type { Dataset, Metrics, ProtocolOptions, Sequence, Task } from "../task.js";
import type { Arrays, NamedArray } from "./arrays.js";

/** The arrays of one file and the name it is reported by. */
export interface DataFile {
  name: string;
  arrays: Arrays;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const portsOf = (c: Circuit) => ({
  inputs: sum(c.inputs.map((p) => p.size)),
  outputs: sum(c.outputs.map((o) => c.populations.find((p) => p.name === o.population)?.size ?? 0)),
});

interface Checked {
  x: NamedArray;
  N: number;
  T: number;
  C: number;
  y?: Uint8Array;
  targets?: NamedArray;
}

/** x, and y or targets, with their shapes checked against each other and the circuit; errors name array and shape. */
function check(file: DataFile, circuit: Circuit): Checked {
  const { inputs, outputs } = portsOf(circuit);
  const x = file.arrays.get("x");
  const names = [...file.arrays.keys()].join(", ") || "none";
  if (!x)
    throw new VleError(
      `${file.name}: no array 'x' (arrays: ${names}); give the inputs as x of shape [N, T] or [N, T, C]`,
    );
  if (x.shape.length !== 2 && x.shape.length !== 3)
    throw new VleError(
      `${file.name}: x has shape [${x.shape}]; expected [N, T] or [N, T, C] (sequences, steps, channels)`,
    );
  const [N, T] = x.shape,
    C = x.shape[2] ?? 1;
  if (N < 1 || T < 1)
    throw new VleError(`${file.name}: x has shape [${x.shape}]; give at least one sequence of one step`);
  if (C !== inputs)
    throw new VleError(
      `${file.name}: x has shape [${x.shape}] (${C} channel(s)) but circuit '${circuit.name}' has ${inputs} input channel(s); expected [${N}, ${T}, ${inputs}]`,
    );
  const y = file.arrays.get("y"),
    targets = file.arrays.get("targets");
  if (y && targets)
    throw new VleError(
      `${file.name}: holds both y and targets; give y [N] (classification) or targets [N, T, K] (regression)`,
    );
  if (!y && !targets)
    throw new VleError(
      `${file.name}: no array 'y' or 'targets' (arrays: ${names}); give labels y [${N}] or targets [${N}, ${T}, ${outputs}]`,
    );
  if (y) {
    if (y.shape.length !== 1 || y.shape[0] !== N)
      throw new VleError(`${file.name}: y has shape [${y.shape}]; expected [${N}] (one label per sequence of x)`);
    const labels = new Uint8Array(N);
    y.data.forEach((v, i) => {
      if (!Number.isInteger(v) || v < 0 || v >= outputs || v > 255)
        throw new VleError(
          `${file.name}: y[${i}] = ${v}; labels are whole numbers in [0, ${outputs}) (circuit '${circuit.name}' has ${outputs} output channel(s))`,
        );
      labels[i] = v;
    });
    return { x, N, T, C, y: labels };
  }
  const t = targets!;
  if (t.shape.length !== 3 || t.shape[0] !== N || t.shape[1] !== T || t.shape[2] !== outputs)
    throw new VleError(
      `${file.name}: targets has shape [${t.shape}]; expected [${N}, ${T}, ${outputs}] (x's sequences and steps, the circuit's ${outputs} output channel(s))`,
    );
  return { x, N, T, C, targets: t };
}

/** Regression sequences: x and targets held for `hold` steps each, NaN targets and the answer steps unmasked. */
function regressionDataset(
  d: Checked,
  hold: number,
  tail: number,
  targetFrom: number,
): Dataset & { sequences: Sequence[] } {
  const { N, T, C } = d,
    K = d.targets!.shape[2],
    steps = T * hold + tail;
  const sequences = Array.from({ length: N }, (_, n) => {
    const input = new Float64Array(steps * C),
      target = new Float64Array(steps * K),
      mask = new Uint8Array(steps);
    for (let t = 0; t < T; t++)
      for (let h = 0; h < hold; h++) {
        const s = t * hold + h;
        for (let c = 0; c < C; c++) input[s * C + c] = d.x.data[(n * T + t) * C + c];
        let known = s >= targetFrom;
        for (let k = 0; k < K; k++) {
          const v = d.targets!.data[(n * T + t) * K + k];
          if (Number.isNaN(v)) known = false;
          else target[s * K + k] = v;
        }
        mask[s] = known ? 1 : 0;
      }
    return { input, target, mask };
  });
  return { size: N, sequences, sequence: (i) => sequences[i] };
}

/** Mean squared error over the steps with a target, and the number of such steps. */
function regressionScore(outputs: Float64Array[], data: Dataset, K: number): Metrics {
  let se = 0,
    n = 0;
  outputs.forEach((y, i) => {
    const { target, mask } = data.sequence(i);
    for (let s = 0; s < mask.length; s++) {
      if (!mask[s]) continue;
      for (let k = 0; k < K; k++) se += (y[s * K + k] - target[s * K + k]) ** 2;
      n += K;
    }
  });
  return { mse: n ? se / n : 0 };
}

/**
 * The task over the user's data: `train` (and `test`; without it the training data are scored). The
 * protocol options apply: target window (classification default: every step, the outputs summed over the
 * window vote), answer steps after each sequence (default none), steps per input sample (default 1).
 */
export function createDataTask(
  circuit: Circuit,
  train: DataFile,
  test: DataFile | undefined,
  protocol: ProtocolOptions = {},
): Task {
  const a = check(train, circuit),
    b = test ? check(test, circuit) : a;
  if (test && (b.T !== a.T || Boolean(b.y) !== Boolean(a.y)))
    throw new VleError(
      `${test.name}: x has shape [${b.x.shape}] with ${b.y ? "labels y" : "targets"}; expected [N, ${a.T}, ${a.C}] with ${a.y ? "labels y" : "targets"}, as in ${train.name}`,
    );
  const { outputs } = portsOf(circuit);
  const layout = withProtocol(
    "data",
    { signalSteps: a.T, channels: a.C, tailSteps: 0, targetFrom: 0, classes: outputs },
    protocol,
  );
  const steps = sequenceSteps(layout),
    hold = layout.stepsPerSample ?? 1;
  const common = {
    name: "data",
    inputChannels: a.C,
    outputChannels: outputs,
    steps,
    resetPerSequence: true,
    defaults: { epochs: 10, batch: 32 },
  };
  if (a.y) {
    const trainSet = classificationDataset(a.x.data, a.y, layout),
      testSet = test ? classificationDataset(b.x.data, b.y!, layout) : trainSet;
    return {
      ...common,
      train: trainSet,
      test: testSet,
      headline: { name: "accuracy", better: "higher" },
      score: (out, c) => classificationScore(out, testSet, layout, c),
    };
  }
  const trainSet = regressionDataset(a, hold, layout.tailSteps, layout.targetFrom),
    testSet = test ? regressionDataset(b, hold, layout.tailSteps, layout.targetFrom) : trainSet;
  return {
    ...common,
    train: trainSet,
    test: testSet,
    headline: { name: "mse", better: "lower" },
    score: (out) => regressionScore(out, testSet, outputs),
  };
}

// The delayed-XOR task: two binary pulses separated by a random delay; after the second, report whether they differ.
import { Random } from "../../circuits/random.js";
import { taskStep, wholeSteps, type TaskClock } from "./timing.js";
import { datasetSize, type Dataset, type Metrics, type Sequence, type TaskFactory } from "./task.js";

/** The task's time unit: 1 ms (its chip example, examples/delayed-xor-chip.yaml, runs 1 model time unit = 1 ms). */
export const delayedXorClock: TaskClock = { task: "delayed-xor", seconds: 1e-3 };

/**
 * Timing in the task's time unit (delayedXorClock). Each pulse carries one bit by the channel it appears on (channel 0 for 0,
 * channel 1 for 1), so the two pulses look alike and the network must hold the first one's channel through
 * the delay. The target, class 1 when the bits differ and class 0 when they are equal (one-hot over two
 * output channels), is given only in the response window right after the second pulse; everything else
 * has no target.
 */
export const delayedXorTiming = { lead: 1, pulse: 1, minDelay: 2, maxDelay: 6, window: 2 } as const;

/** The bits a sequence was made from, so tests and reports can check labels independently. */
export interface XorSequence extends Sequence {
  bits: [number, number];
  /** gap between the end of the first pulse and the start of the second, in steps */
  delaySteps: number;
}

/** One sequence of `steps` steps at time step dt with random bits and delay. */
function delayedXorSequence(steps: number, dt: number, random: Random): XorSequence {
  const t = delayedXorTiming,
    n = (time: number) => Math.max(1, Math.round(time / dt));
  const bits: [number, number] = [random.int(2), random.int(2)];
  const minGap = n(t.minDelay),
    maxGap = n(t.maxDelay);
  const delaySteps = minGap + random.int(maxGap - minGap + 1);
  const input = new Float64Array(steps * 2),
    target = new Float64Array(steps * 2),
    mask = new Uint8Array(steps);
  const first = n(t.lead) + maxGap - delaySteps,
    second = first + n(t.pulse) + delaySteps,
    answer = second + n(t.pulse);
  for (let s = 0; s < n(t.pulse); s++) {
    input[(first + s) * 2 + bits[0]] = 1;
    input[(second + s) * 2 + bits[1]] = 1;
  }
  const label = bits[0] ^ bits[1];
  for (let s = answer; s < answer + n(t.window); s++) {
    mask[s] = 1;
    target[s * 2 + label] = 1;
  }
  return { input, target, mask, bits, delaySteps };
}

/** Steps per sequence: lead, two pulses, the longest delay and the response window. */
function delayedXorSteps(dt: number): number {
  const t = delayedXorTiming,
    n = (time: number) => Math.max(1, Math.round(time / dt));
  return n(t.lead) + 2 * n(t.pulse) + n(t.maxDelay) + n(t.window);
}

/** The class a two-channel output votes for at step s (argmax; ties go to class 0). */
const vote = (y: Float64Array, s: number) => (y[s * 2 + 1] > y[s * 2] ? 1 : 0);

export const createDelayedXor: TaskFactory = ({ seed, circuit, trainSize, testSize }) => {
  // dt in the task's unit; every fixed timing must be a whole number of steps of it
  const t = delayedXorTiming;
  for (const [what, time] of [
    ["lead", t.lead],
    ["pulse", t.pulse],
    ["shortest delay", t.minDelay],
    ["longest delay", t.maxDelay],
    ["response window", t.window],
  ] as const)
    wholeSteps(delayedXorClock, circuit, what, time);
  const dt = taskStep(delayedXorClock, circuit),
    steps = delayedXorSteps(dt),
    random = new Random(seed);
  const dataset = (n: number): Dataset & { sequences: XorSequence[] } => {
    const sequences = Array.from({ length: n }, () => delayedXorSequence(steps, dt, random));
    return { size: n, sequences, sequence: (i) => sequences[i] };
  };
  const train = dataset(datasetSize("delayed-xor", "trainSize", trainSize, 1000));
  const test = dataset(datasetSize("delayed-xor", "testSize", testSize, 500));
  return {
    name: "delayed-xor",
    inputChannels: 2,
    outputChannels: 2,
    steps,
    resetPerSequence: true,
    train,
    test,
    headline: { name: "accuracy", better: "higher" },
    defaults: { epochs: 3, batch: 20 },
    score(outputs: Float64Array[]): Metrics {
      let correct = 0,
        windowCorrect = 0,
        windowSteps = 0;
      outputs.forEach((y, i) => {
        const { mask, bits } = test.sequences[i],
          label = bits[0] ^ bits[1];
        let last = -1;
        for (let s = 0; s < steps; s++) {
          if (!mask[s]) continue;
          last = s;
          windowSteps++;
          if (vote(y, s) === label) windowCorrect++;
        }
        if (vote(y, last) === label) correct++;
      });
      return { accuracy: correct / outputs.length, windowAccuracy: windowCorrect / windowSteps };
    },
  };
};

// Checks the delayed-XOR generator: seeded, labels decoded independently from the input pulses, timing and masks, and the metric.
import { describe, expect, it } from "vitest";
import type { Circuit } from "../../circuits/model.js";
import { loadCircuit } from "../load/load.js";
import { createDelayedXor, delayedXorTiming, type XorSequence } from "./delayed-xor.js";
import { createTask } from "./index.js";
import { train } from "./train.js";

const example = (): Circuit => loadCircuit("examples/delayed-xor.yaml");

/** The pulses of a sequence read off its input alone: [first step, last step, channel] of each run of non-zero input. */
function pulses(input: Float64Array, steps: number): [number, number, number][] {
  const found: [number, number, number][] = [];
  for (let s = 0; s < steps; s++) {
    for (let c = 0; c < 2; c++) {
      if (input[s * 2 + c] === 0) continue;
      const last = found.at(-1);
      if (last && last[2] === c && last[1] === s - 1) last[1] = s;
      else found.push([s, s, c]);
    }
  }
  return found;
}

describe("delayed-xor data", () => {
  const c = example(),
    dt = c.dt;
  const task = createDelayedXor({ seed: 11, circuit: c, trainSize: 400, testSize: 50 });
  const n = (t: number) => Math.round(t / dt);

  it("is a function of the seed", () => {
    const again = createDelayedXor({ seed: 11, circuit: c, trainSize: 400, testSize: 50 });
    const other = createDelayedXor({ seed: 12, circuit: c, trainSize: 400, testSize: 50 });
    for (const i of [0, 17, 399]) expect(again.train.sequence(i)).toStrictEqual(task.train.sequence(i));
    expect(again.test.sequence(3)).toStrictEqual(task.test.sequence(3));
    const differs = [0, 1, 2, 3, 4, 5, 6, 7].some((i) =>
      other.train.sequence(i).input.some((v, k) => v !== task.train.sequence(i).input[k]),
    );
    expect(differs).toBe(true);
  });

  it("labels are the XOR of the two pulses' bits, decoded from the input alone; the target is given only right after the second pulse", () => {
    const t = delayedXorTiming,
      counts = [0, 0];
    const delays = new Set<number>();
    for (let i = 0; i < task.train.size; i++) {
      const seq = task.train.sequence(i);
      const p = pulses(seq.input, task.steps);
      expect(p, `sequence ${i}`).toHaveLength(2);
      for (const [first, last] of p) expect(last - first + 1).toBe(n(t.pulse));
      const gap = p[1][0] - p[0][1] - 1;
      expect(gap).toBeGreaterThanOrEqual(n(t.minDelay));
      expect(gap).toBeLessThanOrEqual(n(t.maxDelay));
      delays.add(gap);
      const label = p[0][2] === p[1][2] ? 0 : 1;
      counts[label]++;
      const window: number[] = [];
      for (let s = 0; s < task.steps; s++) {
        if (!seq.mask[s]) {
          expect(seq.target[s * 2] + seq.target[s * 2 + 1]).toBe(0);
          continue;
        }
        window.push(s);
        expect([seq.target[s * 2], seq.target[s * 2 + 1]]).toStrictEqual(label === 1 ? [0, 1] : [1, 0]);
      }
      // the window opens when the second pulse ends and lasts window time units
      expect(window[0]).toBe(p[1][1] + 1);
      expect(window.length).toBe(n(t.window));
      expect(window.at(-1)! - window[0] + 1).toBe(window.length);
    }
    // both classes and many delays occur (400 fair draws: each class 200 +- 60 at 6 sigma)
    expect(Math.min(...counts)).toBeGreaterThan(140);
    expect(delays.size).toBeGreaterThan(30);
  });

  it("scores accuracy from the argmax at the window's last step", () => {
    const perfect = Array.from({ length: task.test.size }, (_, i) => {
      const seq = task.test.sequence(i) as XorSequence;
      return Float64Array.from(seq.target); // one-hot target where it exists, 0 elsewhere
    });
    expect(task.score(perfect, c)).toStrictEqual({ accuracy: 1, windowAccuracy: 1 });
    const swapped = perfect.map((y) => Float64Array.from(y, (_, k) => y[k ^ 1]));
    expect(task.score(swapped, c)).toStrictEqual({ accuracy: 0, windowAccuracy: 0 });
    // right everywhere except at each window's last step: accuracy 0, window accuracy 1 - 1/window
    const lateMiss = perfect.map((y, i) => {
      const z = Float64Array.from(y),
        mask = task.test.sequence(i).mask;
      const last = mask.lastIndexOf(1);
      [z[last * 2], z[last * 2 + 1]] = [z[last * 2 + 1], z[last * 2]];
      return z;
    });
    const m = task.score(lateMiss, c);
    expect(m.accuracy).toBe(0);
    expect(m.windowAccuracy).toBeCloseTo(1 - 1 / n(delayedXorTiming.window), 12);
  });

  it("rejects a circuit with the wrong channel counts in one line", () => {
    expect(() => createTask("delayed-xor", { seed: 0, circuit: loadCircuit("examples/lagline.yaml") })).toThrow(
      /^task 'delayed-xor' feeds 2 input channel\(s\) but circuit 'lagline' has 1 \(inputs: x\[1\]\)/,
    );
  });
});

describe("delayed-xor training with vle", () => {
  it("examples/delayed-xor.yaml with the task's defaults reaches at least 95 % test accuracy", () => {
    const c = example();
    const task = createTask("delayed-xor", { seed: 0, circuit: c });
    const { summary } = train(c, task, { seed: 0, ...task.defaults });
    expect(summary.rule).toBe("vle");
    expect(summary.initial.accuracy as number).toBeLessThan(0.6);
    expect(summary.final.accuracy as number).toBeGreaterThanOrEqual(0.95);
  });

  it("needs the memory: with fast memory cells (tau_m 0.5 instead of 10) it stays at chance", () => {
    const c = example();
    c.populations.find((p) => p.name === "m")!.tauM.fill(0.5);
    const task = createTask("delayed-xor", { seed: 0, circuit: c, trainSize: 400, testSize: 200 });
    const { summary } = train(c, task, { seed: 0, epochs: 2, batch: 20 });
    expect(summary.final.accuracy as number).toBeLessThan(0.65);
  });
});

// Checks the sequential-MNIST tasks: the digits, the seeded split, the row and pixel sequences and their targets.
import { describe, expect, it } from "vitest";
import { fromJSON } from "../../circuits/codec.js";
import { VleError } from "../../circuits/errors.js";
import { IR_VERSION } from "../../circuits/model.js";
import { loadMnistDigits, createSmnistPixel, createSmnistRow, smnistProtocol, smnistSplitIndices } from "./smnist.js";
import { checkChannels } from "./task.js";

/** A circuit with the channels the row task wants; the tasks do not read its dynamics. */
const rowCircuit = fromJSON({
  version: IR_VERSION,
  name: "row",
  dt: 0.1,
  inputs: [{ name: "x", size: 28 }],
  populations: [
    {
      name: "y",
      size: 10,
      tauM: new Array(10).fill(1),
      tauR: new Array(10).fill(0.1),
      bias: new Array(10).fill(0),
      phi: "LINEAR",
    },
  ],
  crossbars: [{ name: "x-y", pre: "x", post: "y", rows: 10, cols: 28, weights: new Array(280).fill(0) }],
  outputs: [{ name: "y", population: "y", loss: "CROSS_ENTROPY", beta: 1 }],
});

describe("mnist digits", () => {
  const d = loadMnistDigits();

  it("are the package's 10 000 images of 28 x 28 grey levels in [0, 1]", () => {
    expect(d.count).toBe(10_000);
    expect(d.pixels.length).toBe(10_000 * 784);
    const counts = new Array(10).fill(0);
    for (const y of d.labels) counts[y]++;
    expect(counts).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    let min = Infinity,
      max = -Infinity;
    for (const v of d.pixels) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect([min, max]).toEqual([0, 1]);
    // digits are centred in the frame: the border is blank, the centre is not
    let border = 0,
      centre = 0;
    for (let k = 0; k < d.count; k++) {
      for (let i = 0; i < 28; i++) border += d.pixels[k * 784 + i] + d.pixels[k * 784 + 27 * 28 + i];
      centre += d.pixels[k * 784 + 14 * 28 + 14];
    }
    expect(border / d.count / 56).toBeLessThan(0.001);
    expect(centre / d.count).toBeGreaterThan(0.3);
  });

  it("carry their labels: nearest class mean on the default split gets about 80% (chance 10%)", () => {
    const { train, test } = smnistSplitIndices(1, 8000, 2000);
    const means = Array.from({ length: 10 }, () => new Float64Array(784)),
      n = new Array(10).fill(0);
    for (const i of train) {
      n[d.labels[i]]++;
      for (let p = 0; p < 784; p++) means[d.labels[i]][p] += d.pixels[i * 784 + p];
    }
    means.forEach((m, c) => m.forEach((_, p) => (m[p] /= n[c])));
    let right = 0;
    for (const i of test) {
      let best = 0,
        bestDistance = Infinity;
      means.forEach((m, c) => {
        let s = 0;
        for (let p = 0; p < 784; p++) s += (d.pixels[i * 784 + p] - m[p]) ** 2;
        if (s < bestDistance) [best, bestDistance] = [c, s];
      });
      if (best === d.labels[i]) right++;
    }
    expect(right / test.length).toBeGreaterThan(0.75);
    expect(right / test.length).toBeLessThan(0.86);
  });
});

describe("smnist split", () => {
  it("is a seeded shuffle: disjoint, the same for the same seed, another for another seed", () => {
    const a = smnistSplitIndices(5, 8000, 2000),
      b = smnistSplitIndices(5, 8000, 2000),
      c = smnistSplitIndices(6, 8000, 2000);
    expect(a).toEqual(b);
    expect(c.test).not.toEqual(a.test);
    expect(new Set([...a.train, ...a.test]).size).toBe(10_000);
  });

  it("keeps the test set when the train set is cut down, and stratifies by chance only (class shares near the whole set's)", () => {
    const full = smnistSplitIndices(5, 8000, 2000),
      small = smnistSplitIndices(5, 1000, 2000);
    expect(small.test).toEqual(full.test);
    expect(small.train).toEqual(full.train.slice(0, 1000));
    const labels = loadMnistDigits().labels,
      whole = new Array(10).fill(0),
      test = new Array(10).fill(0);
    for (const y of labels) whole[y]++;
    for (const i of full.test) test[labels[i]]++;
    const chi2 = test.reduce((s, o, c) => s + (o - (whole[c] * 2000) / 10_000) ** 2 / ((whole[c] * 2000) / 10_000), 0);
    expect(chi2).toBeLessThan(27.9); // df 9, p = 0.001
  });

  it("refuses more digits than there are, naming the fix", () => {
    expect(() => smnistSplitIndices(1, 9000, 2000)).toThrow(VleError);
    expect(() => smnistSplitIndices(1, 9000, 2000)).toThrow(
      /trainSize 9000 \+ testSize 2000 exceed the 10000 digits; give a sum of at most 10000/,
    );
    expect(() => createSmnistRow({ seed: 1, circuit: rowCircuit, trainSize: 0 })).toThrow(
      /trainSize = 0 must be a positive integer/,
    );
  });
});

describe("smnist tasks", () => {
  const digits = loadMnistDigits();
  const row = createSmnistRow({ seed: 3, circuit: rowCircuit, trainSize: 200, testSize: 100 });
  const split = smnistSplitIndices(3, 200, 100);

  it("smnist-row feeds 28 rows of 28 pixels, then zero input; the one-hot label is the target from row 14 on", () => {
    const A = smnistProtocol.row.answerSteps;
    expect([row.inputChannels, row.outputChannels, row.steps, row.train.size, row.test.size]).toEqual([
      28,
      10,
      28 + A,
      200,
      100,
    ]);
    expect(() => checkChannels(row, rowCircuit)).not.toThrow();
    for (const [data, indices] of [
      [row.train, split.train],
      [row.test, split.test],
    ] as const) {
      for (let k = 0; k < data.size; k += 17) {
        const seq = data.sequence(k),
          image = indices[k],
          label = digits.labels[image];
        for (let r = 0; r < 28; r++)
          for (let c = 0; c < 28; c++) expect(seq.input[r * 28 + c]).toBe(digits.pixels[image * 784 + r * 28 + c]);
        for (let s = 28; s < 28 + A; s++) for (let c = 0; c < 28; c++) expect(seq.input[s * 28 + c]).toBe(0);
        for (let s = 0; s < 28 + A; s++) {
          expect(seq.mask[s]).toBe(s >= 14 ? 1 : 0);
          for (let c = 0; c < 10; c++) expect(seq.target[s * 10 + c]).toBe(s >= 14 && c === label ? 1 : 0);
        }
      }
    }
  });

  it("smnist-pixel feeds the 784 pixels one per step in row-major order", () => {
    const pixelCircuit = structuredClone(rowCircuit);
    pixelCircuit.inputs[0].size = 1;
    pixelCircuit.crossbars[0].cols = 1;
    pixelCircuit.crossbars[0].weights = new Array(10).fill(0);
    const pixel = createSmnistPixel({ seed: 3, circuit: pixelCircuit, trainSize: 200, testSize: 100 });
    const A = smnistProtocol.pixel.answerSteps;
    expect([pixel.inputChannels, pixel.outputChannels, pixel.steps]).toEqual([1, 10, 784 + A]);
    const seq = pixel.train.sequence(7),
      image = split.train[7];
    expect(Array.from(seq.input.subarray(0, 784))).toEqual(
      Array.from(digits.pixels.subarray(image * 784, image * 784 + 784)),
    );
    expect(Array.from(seq.input.subarray(784))).toEqual(new Array(A).fill(0));
    expect(seq.mask.reduce((s, m) => s + m, 0)).toBe(784 + A - 392);
    expect(seq.mask[391]).toBe(0);
    expect(seq.target[(784 + A - 1) * 10 + digits.labels[image]]).toBe(1);
  });

  it("is the same task for the same seed", () => {
    const again = createSmnistRow({ seed: 3, circuit: rowCircuit, trainSize: 200, testSize: 100 });
    for (let k = 0; k < 200; k += 13) expect(again.train.sequence(k).input).toEqual(row.train.sequence(k).input);
  });

  it("scores 100% for outputs that put the label on top over the target steps, and about 10% for noise", () => {
    const A = smnistProtocol.row.answerSteps,
      steps = 28 + A;
    const labelOf = (k: number) => digits.labels[split.test[k]];
    const perfect = Array.from({ length: 100 }, (_, k) => {
      const y = new Float64Array(steps * 10);
      // before the target steps the outputs point at another class, more strongly: only the target steps count
      for (let s = 0; s < steps; s++) y[s * 10 + (s < 14 ? (labelOf(k) + 1) % 10 : labelOf(k))] = s < 14 ? 9 : 5;
      return y;
    });
    expect(row.score(perfect, rowCircuit).accuracy).toBe(1);
    let seed = 1;
    const noise = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const random = Array.from({ length: 100 }, () => Float64Array.from({ length: steps * 10 }, noise));
    expect(row.score(random, rowCircuit).accuracy).toBeLessThan(0.25);
  });
});

// Checks the MNIST-1D generator step by step, and the generated set against statistics of the published one.
import { loadCircuit } from "../load/load.js";
import { describe, expect, it } from "vitest";
import { VleError } from "../../circuits/errors.js";
import { Random } from "../../circuits/random.js";
import {
  gaussianSmooth,
  makeMnist1d,
  mnist1dDefaults,
  mnist1dTemplates,
  resample,
  transformTemplate,
  type LabelledSignals,
  type Mnist1dOptions,
} from "./mnist1d.js";

/** Every step off: the signal should be the template itself (stretched by the padding only). */
const quiet: Mnist1dOptions = {
  ...mnist1dDefaults,
  padding: [0, 0],
  scaleCoeff: 0,
  maxTranslation: 0,
  corrNoiseScale: 0,
  iidNoiseScale: 0,
  shearScale: 0,
  finalLength: 12,
};

/** Samples of one step switched on over `quiet`, with the clean signal drawn from the same seed. */
function samples(step: Partial<Mnist1dOptions>, count: number, seed = 1) {
  const templates = mnist1dTemplates(),
    on = { ...quiet, ...step },
    off = { ...quiet, padding: on.padding, finalLength: on.finalLength };
  const a = new Random(seed),
    b = new Random(seed);
  return Array.from({ length: count }, (_, k) => {
    const t = templates[k % 10];
    return { label: k % 10, with: transformTemplate(t, on, a), without: transformTemplate(t, off, b) };
  });
}

const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((s, v) => s + v, 0) / xs.length;
const std = (xs: ArrayLike<number>) => {
  const m = mean(xs);
  return Math.sqrt(mean(Array.from(xs, (v) => (v - m) ** 2)));
};

describe("mnist1d templates", () => {
  it("are ten 12-point curves that start and end at 0, unit std times 1/6, and keep the raw shape", () => {
    const ts = mnist1dTemplates();
    expect(ts).toHaveLength(10);
    for (const t of ts) {
      expect(t).toHaveLength(12);
      expect(t[0]).toBe(0);
      expect(Math.abs(t[11])).toBeLessThan(1e-15);
      expect(std(t) * 6).toBeCloseTo(1, 12);
    }
    // digit 3 is symmetric with two bumps, digit 6 a single dip: shape survives the normalization
    const three = ts[3],
      six = ts[6];
    for (let i = 0; i < 12; i++) expect(three[i]).toBeCloseTo(three[11 - i], 12);
    expect(Math.min(...six)).toBe(six[5]);
    expect(Math.max(...six)).toBeLessThanOrEqual(1e-15);
    // all ten are distinct
    for (let a = 0; a < 10; a++)
      for (let b = a + 1; b < 10; b++)
        expect(Math.max(...ts[a].map((v, i) => Math.abs(v - ts[b][i])))).toBeGreaterThan(0.05);
  });
});

describe("mnist1d procedure, one step at a time", () => {
  it("returns the template exactly with every step off", () => {
    for (const s of samples({}, 30)) expect(Array.from(s.with.signal)).toEqual(Array.from(mnist1dTemplates()[s.label]));
  });

  it("recovers the templates at zero noise and zero shift: the whole set is classified 100% by nearest template", () => {
    const d = makeMnist1d({ ...quiet, samples: 200 });
    const ts = mnist1dTemplates();
    for (const set of [d.train, d.test]) {
      for (let k = 0; k < set.count; k++) {
        const x = set.x.subarray(k * 12, k * 12 + 12);
        // the set is centred and scaled as a whole: compare shapes by correlation
        const corr = ts.map((t) => correlation(x, t));
        expect(corr.indexOf(Math.max(...corr))).toBe(set.labels[k]);
        expect(corr[set.labels[k]]).toBeCloseTo(1, 12);
      }
    }
  });

  it("pads with a uniform number of zeros in [36, 60]: the template ends where that padding says", () => {
    const ss = samples({ padding: [36, 60], finalLength: 72 }, 2500);
    const counts = new Map<number, number>();
    for (const { with: s, label } of ss) {
      counts.set(s.padding, (counts.get(s.padding) ?? 0) + 1);
      // the stretched template spans samples 0 .. 71*11/(11+p); beyond it, only the zeros of the padding
      const end = (71 * 11) / (11 + s.padding);
      let beyond = 0;
      for (let i = Math.ceil(end); i < 72; i++) beyond = Math.max(beyond, Math.abs(s.signal[i]));
      expect(beyond).toBeLessThan(1e-15);
      // reading the signal where template sample j landed (71 j / (11 + p)) gives the template back
      const t = mnist1dTemplates()[label];
      const back = t.map((_, j) => readAt(s.signal, (71 * j) / (11 + s.padding)));
      // (up to the error of interpolating twice: worst is digit 4's jump at p = 54, correlation 0.976)
      expect(correlation(back, t)).toBeGreaterThan(0.97);
      expect(Math.max(...back.map((v, j) => Math.abs(v - t[j])))).toBeLessThan(0.1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => 36 + i));
    expect(chiSquareUniform([...counts.values()], 2500)).toBeLessThan(51.2); // df 24, p = 0.001
  });

  it("scales by a uniform factor in [0.8, 1.2]", () => {
    const ss = samples({ scaleCoeff: 0.4 }, 2000);
    for (const { with: a, without: b } of ss) {
      expect(a.scale).toBeGreaterThanOrEqual(0.8);
      expect(a.scale).toBeLessThan(1.2);
      expect(
        maxDiff(
          a.signal,
          b.signal.map((v) => a.scale * v),
        ),
      ).toBeLessThan(1e-14);
    }
    const factors = ss.map((s) => s.with.scale);
    expect(mean(factors)).toBeCloseTo(1, 2);
    expect(std(factors)).toBeCloseTo(0.4 / Math.sqrt(12), 2);
  });

  it("shifts circularly by a uniform integer in [0, 48)", () => {
    const ss = samples({ padding: [60, 60], finalLength: 72, maxTranslation: 48 }, 2400);
    const counts = new Array(48).fill(0);
    for (const { with: a, without: b } of ss) {
      counts[a.shift]++;
      expect(b.signal.map((_, i) => a.signal[(i + a.shift) % 72])).toEqual(b.signal);
    }
    expect(chiSquareUniform(counts, 2400)).toBeLessThan(79.8); // df 47, p = 0.001
  });

  it("fills only the padding with noise smoothed over ~2 samples, std 0.25 before smoothing", () => {
    const ss = samples({ padding: [60, 60], finalLength: 72, corrNoiseScale: 0.25 }, 500);
    const tail: number[][] = [];
    for (const { with: a, without: b } of ss) {
      const end = (71 * 11) / 71; // p = 60: the template spans samples 0..11
      for (let i = 0; i <= end; i++) expect(a.signal[i]).toBe(b.signal[i]);
      tail.push(Array.from(a.signal.subarray(30, 60)));
    }
    const w = gaussianKernel(2, 8);
    const sumW2 = w.reduce((s, v) => s + v * v, 0);
    const flat = tail.flat();
    expect(std(flat) / (0.25 * Math.sqrt(sumW2))).toBeGreaterThan(0.95);
    expect(std(flat) / (0.25 * Math.sqrt(sumW2))).toBeLessThan(1.05);
    const lag1 =
      tail.reduce((s, r) => s + r.slice(1).reduce((q, v, i) => q + v * r[i], 0), 0) /
      tail.reduce((s, r) => s + r.slice(1).reduce((q, v) => q + v * v, 0), 0);
    const expected = w.slice(1).reduce((s, v, i) => s + v * w[i], 0) / sumW2; // about 0.94 for sigma 2
    expect(lag1).toBeGreaterThan(expected - 0.02);
    expect(lag1).toBeLessThan(expected + 0.02);
  });

  it("adds white noise of std 0.02 everywhere", () => {
    const ss = samples({ padding: [60, 60], finalLength: 72, iidNoiseScale: 0.02 }, 500);
    const diffs = ss.map(({ with: a, without: b }) => Array.from(a.signal, (v, i) => v - b.signal[i]));
    const flat = diffs.flat();
    expect(Math.abs(mean(flat))).toBeLessThan(0.001);
    expect(std(flat)).toBeGreaterThan(0.0195);
    expect(std(flat)).toBeLessThan(0.0205);
    const lag1 =
      diffs.reduce((s, r) => s + r.slice(1).reduce((q, v, i) => q + v * r[i], 0), 0) /
      flat.reduce((s, v) => s + v * v, 0);
    expect(Math.abs(lag1)).toBeLessThan(0.02);
  });

  it("shears by a straight line of slope uniform in [-0.375, 0.375] across the signal", () => {
    const ss = samples({ padding: [60, 60], finalLength: 72, shearScale: 0.75 }, 1000);
    for (const { with: a, without: b } of ss) {
      expect(Math.abs(a.shearSlope)).toBeLessThanOrEqual(0.375);
      expect(
        maxDiff(
          a.signal.map((v, i) => v - b.signal[i]),
          b.signal.map((_, i) => -a.shearSlope * (i / 71 - 0.5)),
        ),
      ).toBeLessThan(1e-14);
    }
    const slopes = ss.map((s) => s.with.shearSlope);
    expect(std(slopes)).toBeCloseTo(0.75 / Math.sqrt(12), 2);
  });

  it("resamples linearly: straight lines stay straight and the end points stay put", () => {
    const line = Array.from({ length: 72 }, (_, i) => 3 - 0.5 * i);
    const r = resample(line, 40);
    expect(r[0]).toBe(3);
    expect(r[39]).toBeCloseTo(3 - 0.5 * 71, 12);
    for (let i = 0; i < 40; i++) expect(r[i]).toBeCloseTo(3 - 0.5 * ((i * 71) / 39), 12);
  });

  it("smooths like scipy's gaussian_filter: constants stay, edges reflect", () => {
    const c = gaussianSmooth(new Float64Array(20).fill(2.5), 2);
    for (const v of c) expect(v).toBeCloseTo(2.5, 14);
    // a unit impulse at the first sample: its mirror image beyond the edge folds back onto samples 0, 1, ...
    const x = new Float64Array(30);
    x[0] = 1;
    const y = gaussianSmooth(x, 2),
      w = gaussianKernel(2, 8);
    for (let i = 0; i < 8; i++) expect(y[i]).toBeCloseTo(w[8 + i] + w[8 + i + 1], 14);
    expect(y[8]).toBeCloseTo(w[16], 14);
    expect(y[9]).toBe(0);
  });
});

describe("mnist1d data set", () => {
  const d = makeMnist1d();

  it("has the published shape: 4000 train and 1000 test signals of length 40, 500 per class", () => {
    expect([d.train.count, d.train.length, d.train.x.length, d.train.labels.length]).toEqual([4000, 40, 160000, 4000]);
    expect([d.test.count, d.test.length, d.test.x.length, d.test.labels.length]).toEqual([1000, 40, 40000, 1000]);
    const counts = new Array(10).fill(0);
    for (const y of [...d.train.labels, ...d.test.labels]) counts[y]++;
    expect(counts).toEqual(new Array(10).fill(500));
    // shuffled before the split: each class is roughly a tenth of the test set
    const test = new Array(10).fill(0);
    for (const y of d.test.labels) test[y]++;
    expect(chiSquareUniform(test, 1000)).toBeLessThan(27.9); // df 9, p = 0.001
  });

  it("is the same for the same seed and different for another", () => {
    const again = makeMnist1d();
    expect(again.train.x).toEqual(d.train.x);
    expect(again.test.labels).toEqual(d.test.labels);
    const other = makeMnist1d({ seed: 43 });
    expect(other.train.x).not.toEqual(d.train.x);
  });

  it("is centred with unit std over the whole set", () => {
    const all = [...d.train.x, ...d.test.x];
    expect(Math.abs(mean(all))).toBeLessThan(1e-12);
    expect(std(all)).toBeCloseTo(1, 12);
  });

  // Reference numbers computed once from the published data set (mnist1d_data.pkl in greydanus/mnist1d,
  // seed 42 of the reference generator): lag-1 autocorrelation of the per-signal-centred samples,
  // std per position, test accuracy of nearest class mean and of softmax regression (100 full-batch
  // gradient steps, rate 1, from zero).
  const reference = {
    lag1: 0.7736,
    positionStd: [
      1.107, 1.012, 1.023, 1.058, 1.09, 1.106, 1.117, 1.119, 1.099, 1.061, 1.058, 1.055, 1.031, 1.018, 1.009, 1.009,
      1.028, 1.03, 1.006, 1.003, 1.01, 1.01, 1.031, 1.028, 1.028, 1.048, 1.053, 1.049, 0.991, 0.905, 0.85, 0.808, 0.775,
      0.783, 0.787, 0.803, 0.834, 0.873, 0.962, 1.119,
    ],
    nearestMeanAccuracy: 0.274,
    softmaxRegressionAccuracy: 0.322,
  };

  it("matches the published set's smoothness and per-position spread", () => {
    const all = concat(d.train, d.test);
    let num = 0,
      den = 0;
    for (let k = 0; k < all.count; k++) {
      const row = all.x.subarray(k * 40, k * 40 + 40),
        m = mean(row);
      for (let t = 0; t < 40; t++) {
        den += (row[t] - m) ** 2;
        if (t) num += (row[t] - m) * (row[t - 1] - m);
      }
    }
    expect(Math.abs(num / den - reference.lag1)).toBeLessThan(0.01);
    for (let t = 0; t < 40; t++) {
      const col = Array.from({ length: all.count }, (_, k) => all.x[k * 40 + t]);
      expect(Math.abs(std(col) - reference.positionStd[t])).toBeLessThan(0.06);
    }
  });

  it("is as hard as the published set for linear classifiers (about 27% and 32%)", () => {
    expect(Math.abs(nearestMeanAccuracy(d.train, d.test) - reference.nearestMeanAccuracy)).toBeLessThan(0.05);
    expect(
      Math.abs(softmaxRegressionAccuracy(d.train, d.test, 100, 1) - reference.softmaxRegressionAccuracy),
    ).toBeLessThan(0.05);
  });

  it("names the option and the fix for bad options", () => {
    expect(() => makeMnist1d({ samples: 55 })).toThrow(VleError);
    expect(() => makeMnist1d({ samples: 55 })).toThrow(/mnist1d: option samples = 55: give a positive multiple of 10/);
    expect(() => makeMnist1d({ padding: [10, 5] })).toThrow(/option padding/);
    expect(() => makeMnist1d({ trainFraction: 1 })).toThrow(/option trainFraction/);
    expect(() => makeMnist1d({ iidNoiseScale: -1 })).toThrow(/option iidNoiseScale/);
    expect(() => makeMnist1d({ maxTranslation: 100 })).toThrow(
      /option maxTranslation = 100: give an integer in \[0, 72\]/,
    );
  });
});

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = mean(a),
    mb = mean(b);
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Linear interpolation of x at a fractional index. */
function readAt(x: ArrayLike<number>, pos: number): number {
  const k = Math.min(Math.floor(pos), x.length - 2),
    f = pos - k;
  return (1 - f) * x[k] + f * x[k + 1];
}

function chiSquareUniform(counts: number[], total: number): number {
  const e = total / counts.length;
  return counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
}

/** Normalized Gaussian weights at offsets -radius..radius, computed independently of the generator. */
function gaussianKernel(sigma: number, radius: number): number[] {
  const w = Array.from({ length: 2 * radius + 1 }, (_, k) => Math.exp(-((k - radius) ** 2) / (2 * sigma * sigma)));
  const s = w.reduce((a, v) => a + v, 0);
  return w.map((v) => v / s);
}

function concat(a: LabelledSignals, b: LabelledSignals): LabelledSignals {
  const x = new Float64Array(a.x.length + b.x.length);
  x.set(a.x);
  x.set(b.x, a.x.length);
  const labels = new Uint8Array(a.count + b.count);
  labels.set(a.labels);
  labels.set(b.labels, a.count);
  return { count: a.count + b.count, length: a.length, x, labels };
}

function nearestMeanAccuracy(train: LabelledSignals, test: LabelledSignals): number {
  const L = train.length,
    centres = Array.from({ length: 10 }, () => new Float64Array(L)),
    n = new Array(10).fill(0);
  for (let k = 0; k < train.count; k++) {
    n[train.labels[k]]++;
    for (let t = 0; t < L; t++) centres[train.labels[k]][t] += train.x[k * L + t];
  }
  centres.forEach((c, j) => c.forEach((_, t) => (c[t] /= n[j])));
  let right = 0;
  for (let k = 0; k < test.count; k++) {
    const dist = centres.map((c) => c.reduce((s, v, t) => s + (test.x[k * L + t] - v) ** 2, 0));
    if (dist.indexOf(Math.min(...dist)) === test.labels[k]) right++;
  }
  return right / test.count;
}

function softmaxRegressionAccuracy(train: LabelledSignals, test: LabelledSignals, steps: number, rate: number): number {
  const L = train.length,
    W = new Float64Array(10 * L),
    b = new Float64Array(10),
    gW = new Float64Array(10 * L),
    gb = new Float64Array(10),
    p = new Float64Array(10);
  const scores = (x: Float64Array, k: number) => {
    for (let j = 0; j < 10; j++) {
      let s = b[j];
      for (let t = 0; t < L; t++) s += W[j * L + t] * x[k * L + t];
      p[j] = s;
    }
  };
  for (let step = 0; step < steps; step++) {
    gW.fill(0);
    gb.fill(0);
    for (let k = 0; k < train.count; k++) {
      scores(train.x, k);
      const m = Math.max(...p);
      let z = 0;
      for (let j = 0; j < 10; j++) z += p[j] = Math.exp(p[j] - m);
      for (let j = 0; j < 10; j++) {
        const g = (p[j] / z - (train.labels[k] === j ? 1 : 0)) / train.count;
        gb[j] += g;
        for (let t = 0; t < L; t++) gW[j * L + t] += g * train.x[k * L + t];
      }
    }
    for (let i = 0; i < W.length; i++) W[i] -= rate * gW[i];
    for (let j = 0; j < 10; j++) b[j] -= rate * gb[j];
  }
  let right = 0;
  for (let k = 0; k < test.count; k++) {
    scores(test.x, k);
    if (p.indexOf(Math.max(...p)) === test.labels[k]) right++;
  }
  return right / test.count;
}

describe("mnist1d task", () => {
  it("streams each signal into one channel, then zero input; the one-hot class is the target from step 20 on", async () => {
    const { createMnist1d, mnist1dProtocol } = await import("./mnist1d.js");
    const A = mnist1dProtocol.answerSteps;
    const circuit = (await import("../../circuits/codec.js")).fromJSON({
      version: 1,
      name: "m",
      dt: 0.1,
      inputs: [{ name: "x", size: 1 }],
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
      crossbars: [{ name: "x-y", pre: "x", post: "y", rows: 10, cols: 1, weights: new Array(10).fill(0) }],
      outputs: [{ name: "y", population: "y", loss: "CROSS_ENTROPY", beta: 1 }],
    });
    const task = createMnist1d({ seed: 42, circuit, trainSize: 300, testSize: 100 });
    const d = makeMnist1d();
    expect([task.inputChannels, task.outputChannels, task.steps, task.train.size, task.test.size]).toEqual([
      1,
      10,
      40 + A,
      300,
      100,
    ]);
    for (const [data, set] of [
      [task.train, d.train],
      [task.test, d.test],
    ] as const) {
      for (let k = 0; k < data.size; k += 23) {
        const seq = data.sequence(k);
        expect(Array.from(seq.input.subarray(0, 40))).toEqual(Array.from(set.x.subarray(k * 40, k * 40 + 40)));
        expect(Array.from(seq.input.subarray(40))).toEqual(new Array(A).fill(0));
        expect(Array.from(seq.mask)).toEqual([...new Array(20).fill(0), ...new Array(20 + A).fill(1)]);
        expect(seq.target[20 * 10 + set.labels[k]]).toBe(1);
        expect(seq.target[(40 + A - 1) * 10 + set.labels[k]]).toBe(1);
        expect(seq.target.reduce((s, v) => s + v, 0)).toBe(20 + A);
      }
    }
    expect(() => createMnist1d({ seed: 42, circuit, trainSize: 4001 })).toThrow(
      /trainSize = 4001 is more than the 4000 signals of the set; give at most 4000/,
    );
  });

  it("the GLE protocol: length 360, target at every step, data seed 42 whatever the run seed", async () => {
    const { createMnist1d } = await import("./mnist1d.js");
    const circuit = loadCircuit("examples/mnist1d-gle.yaml");
    const protocol = { targetFrom: 0, answerSteps: 0 };
    const task = createMnist1d({ seed: 7, circuit, trainSize: 20, testSize: 10, length: 360, protocol });
    const d = makeMnist1d({ finalLength: 360, seed: 42 });
    expect(task.steps).toBe(360);
    for (let k = 0; k < 20; k += 7) {
      const seq = task.train.sequence(k);
      expect(Array.from(seq.input)).toEqual(Array.from(d.train.x.subarray(k * 360, (k + 1) * 360)));
      expect(Array.from(seq.mask)).toEqual(new Array(360).fill(1));
      expect(seq.target.reduce((s, v) => s + v, 0)).toBe(360);
    }
    const other = createMnist1d({ seed: 8, circuit, trainSize: 20, testSize: 10, length: 360, protocol });
    expect(other.train.sequence(3).input).toEqual(task.train.sequence(3).input);
    const reseeded = createMnist1d({
      seed: 7,
      circuit,
      trainSize: 20,
      testSize: 10,
      length: 360,
      dataSeed: 1,
      protocol,
    });
    expect(reseeded.train.sequence(3).input).not.toEqual(task.train.sequence(3).input);
  });

  it("steps per sample hold every sample; the target window may be the last step only", async () => {
    const { createMnist1d } = await import("./mnist1d.js");
    const circuit = loadCircuit("examples/mnist1d-gle.yaml");
    const task = createMnist1d({
      seed: 0,
      circuit,
      trainSize: 10,
      testSize: 10,
      length: 72,
      protocol: { stepsPerSample: 5, answerSteps: 2, targetFrom: "last" },
    });
    const d = makeMnist1d({ finalLength: 72 });
    expect(task.steps).toBe(362);
    const seq = task.train.sequence(4);
    for (let t = 0; t < 72; t++) for (let h = 0; h < 5; h++) expect(seq.input[t * 5 + h]).toBe(d.train.x[4 * 72 + t]);
    expect(Array.from(seq.input.subarray(360))).toEqual([0, 0]);
    expect(Array.from(seq.mask)).toEqual([...new Array(361).fill(0), 1]);
    expect(() => createMnist1d({ seed: 0, circuit, protocol: { targetFrom: 45 } })).toThrow(
      /task 'mnist1d': --target-from 45 must be a step in \[0, 45\) \(the sequence has 45 steps\), or 'last'/,
    );
  });
});

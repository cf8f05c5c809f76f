import { describe, expect, it } from "vitest";
import { Random } from "../../../circuits/random.js";
import { logLikelihood, viterbi } from "./inference.js";
import {
  compareWithHmm,
  dwellTimes,
  emissionFrequencies,
  estimateTransitions,
  klDivergence,
  ksTwoSample,
} from "./metrics.js";
import { architectures, hmmFromMatrices, makeHmm, samplePath, stationary, type Hmm } from "./model.js";

/** Every state path of length T (K^T of them), for brute-force oracles. */
function* allPaths(K: number, T: number): Generator<number[]> {
  const z = new Array<number>(T).fill(0);
  for (;;) {
    yield [...z];
    let t = T - 1;
    while (t >= 0 && ++z[t] === K) z[t--] = 0;
    if (t < 0) return;
  }
}

const pathProbability = (hmm: Hmm, z: number[], x: number[]) => {
  const K = hmm.states,
    M = hmm.symbols;
  let p = hmm.start[z[0]] * hmm.emission[z[0] * M + x[0]];
  for (let t = 1; t < z.length; t++) p *= hmm.transition[z[t - 1] * K + z[t]] * hmm.emission[z[t] * M + x[t]];
  return p;
};

describe("HMM architectures", () => {
  it("builds row-stochastic transitions with the stated structure", () => {
    const chain = makeHmm({ architecture: "linear-chain", states: 4, symbols: 3, stay: 0.9 });
    expect([...chain.transition.slice(0, 4)].map((v) => +v.toFixed(12))).toEqual([0.9, 0.1, 0, 0]);
    expect([...chain.transition.slice(4, 8)].map((v) => +v.toFixed(12))).toEqual([0.05, 0.9, 0.05, 0]);
    const ring = makeHmm({ architecture: "cyclic", states: 4, symbols: 3, stay: 0.9 });
    expect([...ring.transition.slice(0, 4)].map((v) => +v.toFixed(12))).toEqual([0.9, 0.05, 0, 0.05]);
    const full = makeHmm({ architecture: "fully-connected", states: 3, symbols: 3, stay: 0.94 });
    expect([...full.transition.slice(3, 6)].map((v) => +v.toFixed(12))).toEqual([0.03, 0.94, 0.03]);
    // linear emissions for M = 3: the paper's [0.99 (1 - a), 0.01, 0.99 a]
    expect([...chain.emission.slice(3, 6)].map((v) => +v.toFixed(12))).toEqual([0.66, 0.01, 0.33]);
  });

  it("rejects matrices that are not stochastic, naming the row", () => {
    expect(() =>
      hmmFromMatrices(
        [
          [0.5, 0.4],
          [0, 1],
        ],
        [[1], [1]],
      ),
    ).toThrow(/row 0 of transition sums to 0.9/);
    expect(() =>
      hmmFromMatrices(
        [
          [1, 0],
          [0, 1],
        ],
        [[1]],
      ),
    ).toThrow(/emission has 1 rows, expected 2/);
  });

  it("has the stationary distribution detailed balance gives ([1, 2, .., 2, 1] on a chain, uniform on a ring)", () => {
    const chain = stationary(makeHmm({ architecture: "linear-chain", states: 5, symbols: 3 }));
    [1, 2, 2, 2, 1].forEach((w, k) => expect(chain[k]).toBeCloseTo(w / 8, 12));
    for (const architecture of ["cyclic", "fully-connected"] as const) {
      const pi = stationary(makeHmm({ architecture, states: 4, symbols: 3 }));
      pi.forEach((p) => expect(p).toBeCloseTo(0.25, 12));
    }
  });
});

describe("HMM inference against brute-force enumeration", () => {
  const hmm = hmmFromMatrices(
    [
      [0.8, 0.15, 0.05],
      [0.1, 0.7, 0.2],
      [0.3, 0.3, 0.4],
    ],
    [
      [0.6, 0.3, 0.1],
      [0.1, 0.2, 0.7],
      [0.3, 0.4, 0.3],
    ],
    [0.5, 0.3, 0.2],
  );
  const random = new Random(3);
  for (let trial = 0; trial < 5; trial++) {
    const x = Array.from(samplePath(hmm, 6, random).emissions);
    it(`log-likelihood and Viterbi path of ${x.join("")}`, () => {
      let total = 0,
        best = -1,
        bestPath: number[] = [];
      for (const z of allPaths(3, x.length)) {
        const p = pathProbability(hmm, z, x);
        total += p;
        if (p > best) [best, bestPath] = [p, z];
      }
      expect(logLikelihood(hmm, x)).toBeCloseTo(Math.log(total), 12);
      expect([...viterbi(hmm, x)]).toEqual(bestPath);
    });
  }
});

describe("sampling and metrics", () => {
  it("samples emission frequencies pi E and geometric dwell times of mean 1 / (1 - stay)", () => {
    for (const architecture of architectures) {
      const hmm = makeHmm({ architecture, states: 3, symbols: 3, stay: 0.9 });
      const random = new Random(11);
      const paths = Array.from({ length: 200 }, () => samplePath(hmm, 500, random));
      const pi = stationary(hmm);
      const expected = [0, 1, 2].map((m) => [0, 1, 2].reduce((s, k) => s + pi[k] * hmm.emission[k * 3 + m], 0));
      const freq = emissionFrequencies(
        paths.map((p) => p.emissions),
        3,
      );
      freq.forEach((f, m) => expect(Math.abs(f - expected[m])).toBeLessThan(0.01));
      const dwell = dwellTimes(
        paths.map((p) => p.states),
        3,
      ).flat();
      expect(dwell.reduce((s, d) => s + d, 0) / dwell.length).toBeCloseTo(10, 0);
      const T = estimateTransitions(
        paths.map((p) => p.states),
        3,
      );
      T.forEach((p, i) => expect(Math.abs(p - hmm.transition[i])).toBeLessThan(0.01));
    }
  });

  it("counts only complete visits as dwell times", () => {
    expect(dwellTimes([[0, 0, 1, 1, 1, 0, 2, 2]], 3)).toEqual([[1], [3], []]);
  });

  it("KL divergence: zero for equal distributions, the closed form otherwise", () => {
    const p = Float64Array.from([0.5, 0.5]),
      q = Float64Array.from([0.9, 0.1]);
    expect(klDivergence(p, p)).toBe(0);
    expect(klDivergence(p, q)).toBeCloseTo(0.5 * Math.log(0.5 / 0.9) + 0.5 * Math.log(0.5 / 0.1), 14);
  });

  it("KS two-sample test: D by hand; large p for one distribution, tiny p for shifted ones", () => {
    expect(ksTwoSample([1, 2, 3], [2, 3, 4, 5]).d).toBeCloseTo(0.5, 14);
    const random = new Random(5);
    const draw = (shift: number) => Array.from({ length: 400 }, () => random.normal() + shift);
    expect(ksTwoSample(draw(0), draw(0)).p).toBeGreaterThan(0.01);
    expect(ksTwoSample(draw(0), draw(0.5)).p).toBeLessThan(1e-6);
  });

  it("an HMM compared with itself has small KL, matching dwell times and its own transitions", () => {
    const hmm = makeHmm({ architecture: "cyclic", states: 4, symbols: 3 });
    const random = new Random(8);
    const draw = () => Array.from({ length: 300 }, () => samplePath(hmm, 100, random).emissions);
    const report = compareWithHmm(hmm, draw(), draw());
    expect(report.emissionKl).toBeLessThan(1e-3);
    for (const d of report.dwell) expect(d.p).toBeGreaterThan(1e-3);
    expect(Math.abs(report.logLikelihoodPerStep.generated - report.logLikelihoodPerStep.hmm)).toBeLessThan(0.02);
    // a model that only ever emits symbol 0 is far off
    const stuck = Array.from({ length: 50 }, () => new Int32Array(100));
    expect(compareWithHmm(hmm, stuck, draw()).emissionKl).toBeGreaterThan(1);
  });
});

// Gradient alignment: exact where it must be, the GLE gain law on one neuron, and vle against bptt on a 3-layer tanh net.
import { describe, expect, it } from "vitest";
import { fromJSON } from "../circuits/codec.js";
import { Rule, type Circuit } from "../circuits/model.js";
import { Random } from "../circuits/random.js";
import { measureAlignment, summedUpdate, type Drive } from "./alignment.js";
import { Engine } from "./engine.js";
import {
  finiteDifferences,
  forwardLoss,
  randomCircuit,
  randomDrive,
  relativeError,
} from "../test/support/rule-fixtures.js";

const vle = { rule: Rule.VLE, name: "vle" };

describe("alignment against the exact gradient", () => {
  const c = randomCircuit(
    { seed: 4, inputs: 2, hidden: [3], outputs: 2, recurrent: true, crossEntropy: false, dt: 0.1, spread: 10 },
    "VLE",
  );
  const drive = randomDrive(c, 30, 2, 4);

  it("reports L and dL/dtheta of the free network (finite differences agree)", () => {
    const report = measureAlignment(c, drive, []);
    expect(report.loss).toBeCloseTo(forwardLoss(c, drive), 12);
    const fd = finiteDifferences(c, (probe) => forwardLoss(probe, drive));
    c.crossbars.forEach((x, k) =>
      expect(relativeError(report.gradient.weights[k], fd.get(`${x.name}.W`)!)).toBeLessThan(1e-6),
    );
    c.populations.forEach((p, k) => {
      expect(relativeError(report.gradient.bias[k], fd.get(`${p.name}.b`)!)).toBeLessThan(1e-6);
      expect(relativeError(report.gradient.tauM[k], fd.get(`${p.name}.tau_m`)!)).toBeLessThan(1e-6);
    });
  });

  it("bptt and tbptt:K with K >= T align exactly (cosine 1, norm ratio 1); K < T does not", () => {
    const report = measureAlignment(c, drive, [
      { rule: Rule.BPTT, name: "bptt" },
      { rule: Rule.TBPTT, window: 30, name: "tbptt:30" },
      { rule: Rule.TBPTT, window: 5, name: "tbptt:5" },
    ]);
    const [bptt, full, short] = report.rules;
    for (const r of [bptt, full]) {
      expect(r.total.cosine).toBeCloseTo(1, 14);
      expect(r.total.normRatio).toBe(1);
    }
    expect(short.total.cosine).toBeLessThan(0.999);
  });

  it("runs the free network: the circuit's gamma does not change any rule's summed update", () => {
    const nudged = structuredClone(c);
    for (const l of nudged.errorCurrents) l.gamma = 3;
    for (const spec of [vle, { rule: Rule.EPROP, name: "eprop" }, { rule: Rule.BPTT, name: "bptt" }]) {
      expect(summedUpdate(nudged, drive, spec)).toEqual(summedUpdate(c, drive, spec));
    }
  });
});

/** One linear neuron driven by three phase-shifted sinusoids of frequency omega, with a sinusoidal target. */
function oneNeuron(tauM: number, tauR: number, omega: number, periods: number): { circuit: Circuit; drive: Drive } {
  const dt = 0.01;
  const circuit = fromJSON({
    version: 1,
    name: "one",
    dt,
    provenance: {},
    inputs: [{ name: "x", size: 3 }],
    populations: [{ name: "out", size: 1, phi: "LINEAR", tauM: [tauM], tauR: [tauR], bias: [0] }],
    errorPopulations: [{ name: "e", population: "out" }],
    errorCurrents: [{ errorPopulation: "e", population: "out", gamma: 1 }],
    crossbars: [
      {
        name: "x_to_out",
        pre: "x",
        post: "out",
        rows: 1,
        cols: 3,
        weights: [0.3, -0.2, 0.5],
        plastic: true,
        feedback: "NO_FEEDBACK",
      },
    ],
    outputs: [{ name: "y", population: "out", loss: "MSE", beta: 1 }],
    learning: { rule: "VLE", prospectiveErrors: true },
  });
  const drive: Drive = {
    steps: Math.round((periods * 2 * Math.PI) / omega / dt),
    batch: 1,
    load(e, s) {
      const t = s * dt,
        x = e.input("x");
      [0, 1, 2.5].forEach((phase, j) => (x[j] = Math.sin(omega * t + phase)));
      e.outputs[0].target[0] = 0.8 * Math.sin(omega * t + 0.4);
      e.outputs[0].mask[0] = 1;
    },
  };
  return { circuit, drive };
}

describe("why vle is not bptt: the prospective error has the adjoint's phase but the inverse filter's gain", () => {
  // The exact adjoint of the membrane filter (1 + tau_r s)/(1 + tau_m s) is (1 - tau_r s)/(1 - tau_m s) (anti-causal);
  // vle's error cell applies the causal inverse (1 + tau_m s)/(1 + tau_r s). At s = i omega both have the same
  // phase, and their gains differ by the real factor kappa = (1 + tau_m^2 omega^2)/(1 + tau_r^2 omega^2): at one
  // frequency vle's update is the exact gradient times kappa; over a spectrum each frequency is re-weighted.
  it("at one frequency: cosine 1 and norm ratio (1 + tau_m^2 w^2)/(1 + tau_r^2 w^2), within 1 %", () => {
    for (const [tauM, tauR, omega] of [
      [1, 0.1, 1],
      [1, 0.1, 3],
      [2, 0.5, 0.5],
      [1, 1, 2],
    ]) {
      const { circuit, drive } = oneNeuron(tauM, tauR, omega, 50);
      const { total } = measureAlignment(circuit, drive, [vle]).rules[0];
      const kappa = (1 + (tauM * omega) ** 2) / (1 + (tauR * omega) ** 2);
      expect(total.cosine).toBeGreaterThan(0.9999);
      expect(Math.abs(total.normRatio / kappa - 1)).toBeLessThan(0.01);
    }
  });
});

/**
 * Teacher-student 3-layer tanh net x[2] -> h1[8] -> h2[8] -> out[2] (tau_m 1, tau_r 0.1, dt 0.01): the input
 * is three sinusoids per channel with periods drawn in [period/2, period] (model time units), the target the
 * teacher's output after each step; the window is three slowest periods.
 */
function tanhNet(period: number, tauR = 0.1): { circuit: Circuit; drive: Drive } {
  const dt = 0.01,
    sizes = [2, 8, 8, 2],
    names = ["h1", "h2", "out"];
  const net = (seed: number) => {
    const rng = new Random(seed);
    return fromJSON({
      version: 1,
      name: "tanh3",
      dt,
      provenance: {},
      inputs: [{ name: "x", size: 2 }],
      populations: names.map((name, k) => ({
        name,
        size: sizes[k + 1],
        phi: "TANH",
        tauM: Array(sizes[k + 1]).fill(1),
        tauR: Array(sizes[k + 1]).fill(tauR),
        bias: Array.from({ length: sizes[k + 1] }, () => 0.1 * rng.normal()),
        plasticBias: true,
      })),
      errorPopulations: names.map((n) => ({ name: `${n}.e`, population: n })),
      errorCurrents: names.map((n) => ({ errorPopulation: `${n}.e`, population: n, gamma: 1 })),
      crossbars: names.map((post, k) => {
        const pre = k === 0 ? "x" : names[k - 1];
        return {
          name: `${pre}_to_${post}`,
          pre,
          post,
          rows: sizes[k + 1],
          cols: sizes[k],
          weights: Array.from({ length: sizes[k + 1] * sizes[k] }, () => rng.normal() / Math.sqrt(sizes[k])),
          plastic: true,
          feedback: k === 0 ? "NO_FEEDBACK" : "TRANSPOSE",
        };
      }),
      outputs: [{ name: "y", population: "out", loss: "MSE", beta: 0.1 }],
      learning: { rule: "VLE", prospectiveErrors: true, eta: 0.01 },
    });
  };
  const student = net(1),
    teacher = net(2);
  const rng = new Random(3);
  const parts = Array.from({ length: 2 }, () =>
    Array.from({ length: 3 }, () => ({
      a: rng.normal(),
      f: (1 + rng.uniform()) / period,
      p: 2 * Math.PI * rng.uniform(),
    })),
  );
  const steps = Math.round((3 * period) / dt);
  const x = Array.from({ length: steps }, (_, s) =>
    parts.map((ps) => ps.reduce((v, q) => v + q.a * Math.sin(2 * Math.PI * q.f * s * dt + q.p), 0)),
  );
  const run = new Engine(teacher, { rule: Rule.NONE });
  const y = x.map((xs) => {
    run.input("x").set(xs);
    run.advance(false);
    return Float64Array.from(run.outputs[0].population.now.r);
  });
  const drive: Drive = {
    steps,
    batch: 1,
    load(e, s) {
      e.input("x").set(x[s]);
      e.outputs[0].target.set(y[s]);
      e.outputs[0].mask[0] = 1;
    },
  };
  return { circuit: student, drive };
}

describe("vle against bptt on a 3-layer tanh net", () => {
  it("slowly varying input (periods 10-20 tau_m): total alignment above 0.9", () => {
    const { circuit, drive } = tanhNet(20);
    const { total, arrays } = measureAlignment(circuit, drive, [vle]).rules[0];
    console.log(
      `3-layer tanh, periods 10-20 tau_m: vle total cosine ${total.cosine.toFixed(4)}, norm ratio ${total.normRatio.toFixed(3)}; ${arrays.map((a) => `${a.name} ${a.cosine.toFixed(3)}`).join(", ")}`,
    );
    expect(total.cosine).toBeGreaterThan(0.9);
  });

  it("the alignment falls as the input speeds up (the gain factor grows with w tau_m) and is 1 with tau_r = tau_m", () => {
    const cosine = (period: number, tauR = 0.1) => {
      const { circuit, drive } = tanhNet(period, tauR);
      return measureAlignment(circuit, drive, [vle]).rules[0].total.cosine;
    };
    const [slow, medium, fast] = [50, 20, 5].map((p) => cosine(p));
    console.log(
      `3-layer tanh vle total cosine by input period: 25-50 tau_m ${slow.toFixed(4)}, 10-20 ${medium.toFixed(4)}, 2.5-5 ${fast.toFixed(4)}`,
    );
    expect(slow).toBeGreaterThan(medium);
    expect(medium).toBeGreaterThan(fast);
    expect(fast).toBeLessThan(0.8);
    // latent equilibrium (tau_r = tau_m): no membrane lag, kappa = 1, only the one-step error delays remain
    expect(cosine(5, 1)).toBeGreaterThan(0.999);
  });
});

// The pieces vle verify rests on, each against an independent reference: Jacobians against finite differences of the engine's own step, the oracle against closed-form solutions, the oracle against the compiler on every example, and the detectors of nondeterminism and lossy encodings.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { transfers } from "../circuits/cells.js";
import { fromJSON } from "../circuits/codec.js";
import { Feedback, Rule, type Circuit } from "../circuits/model.js";
import { compileSource } from "../compiler/index.js";
import { Engine } from "../simulator/engine.js";
import { loadTarget } from "../packages/verify/index.js";
import { Oracle, readDescription } from "../packages/verify/oracle.js";
import { compilesFaithfully } from "../packages/verify/properties/compiles-faithfully.js";
import { divergence } from "../packages/verify/properties/deterministic.js";
import { roundtripProblem } from "../packages/verify/properties/roundtrip.js";
import { errorJacobian, jacobian, newton, zeroInputMap } from "../packages/verify/properties/settles.js";
import { driveArbitrary } from "../packages/verify/drive.js";
import fc from "fast-check";

/** Puts an engine at membranes u and prospective membranes p (rates and slopes from p), errors v, e and their back-projections. */
function place(engine: Engine, u: Float64Array, p: Float64Array, v?: Float64Array, e?: Float64Array): void {
  let k = 0;
  for (const pop of engine.populations) {
    const { phi, dphi } = transfers[pop.spec.phi];
    for (let i = 0; i < pop.size; i++, k++) {
      pop.now.u[i] = u[k];
      pop.now.uProsp[i] = p[k];
      pop.now.r[i] = phi(p[k]);
      pop.now.dphi[i] = dphi(p[k]);
      pop.now.v[i] = v ? v[k] : 0;
      pop.now.e[i] = e ? e[k] : 0;
    }
  }
  // what the previous step sent back: F^T e_post, with the feedback matrix each crossbar reads
  for (const x of engine.crossbars) {
    x.errorOut.fill(0);
    if (!x.carriesError) continue;
    for (let i = 0; i < x.rows; i++)
      for (let j = 0; j < x.cols; j++) x.errorOut[j] += x.feedback[i * x.cols + j] * x.post.now.e[i];
  }
}

/** One zero-input step of the engine from a placed state; the states after it, all neurons in population order. */
function stepFrom(c: Circuit, u: Float64Array, p: Float64Array, v?: Float64Array, e?: Float64Array) {
  const engine = new Engine(c);
  place(engine, u, p, v, e);
  engine.advance(false);
  const out = { u: [] as number[], p: [] as number[], v: [] as number[], e: [] as number[] };
  for (const pop of engine.populations) {
    out.u.push(...pop.now.u);
    out.p.push(...pop.now.uProsp);
    out.v.push(...pop.now.v);
    out.e.push(...pop.now.e);
  }
  return out;
}

const features = () => loadTarget(join("test", "fixtures", "verify-good-features.yaml")).circuit;

describe("settles' Jacobians equal central differences of the engine's own step", () => {
  it("the forward map (u, u_prosp) at the fixed point", () => {
    const c = features(),
      m = zeroInputMap(c),
      n = m.n;
    const fixed = newton(m, new Float64Array(n))!;
    expect(fixed).toBeDefined();
    const J = jacobian(m, c.dt, fixed),
      h = 1e-6;
    for (let k = 0; k < 2 * n; k++) {
      const shifted = (sign: number) => {
        const u = Float64Array.from(fixed),
          p = Float64Array.from(fixed);
        (k < n ? u : p)[k % n] += sign * h;
        const s = stepFrom(c, u, p);
        return [...s.u, ...s.p];
      };
      const [plus, minus] = [shifted(1), shifted(-1)];
      for (let row = 0; row < 2 * n; row++)
        expect(Math.abs((plus[row] - minus[row]) / (2 * h) - J[row][k]), `J[${row}][${k}]`).toBeLessThan(1e-7);
    }
  });

  it("the error cells' loop (v, e) at the fixed point, prospective and instantaneous", () => {
    for (const prospective of [true, false]) {
      const c = features();
      if (!prospective) c.learning.rule = Rule.INSTANTANEOUS;
      const m = zeroInputMap(c),
        n = m.n,
        fixed = newton(m, new Float64Array(n))!;
      const { J, names } = errorJacobian(c, m, fixed, prospective);
      const M = J.length / 2,
        h = 1e-6;
      expect(M).toBe(n); // every population of the fixture has an error cell
      expect(names[0]).toMatch(/\.v\[0\]$/);
      for (let k = 0; k < 2 * M; k++) {
        const shifted = (sign: number) => {
          const v = new Float64Array(n),
            e = new Float64Array(n);
          (k < M ? v : e)[k % M] += sign * h;
          const s = stepFrom(c, fixed, fixed, v, e);
          return [...s.v, ...s.e];
        };
        const [plus, minus] = [shifted(1), shifted(-1)];
        for (let row = 0; row < 2 * M; row++)
          expect(
            Math.abs((plus[row] - minus[row]) / (2 * h) - J[row][k]),
            `${prospective} J[${row}][${k}]`,
          ).toBeLessThan(1e-7);
      }
    }
  });
});

describe("the oracle", () => {
  const single = (extra: string) =>
    readDescription(
      `
dt: 0.1
populations:
  - { name: x, kind: input, size: 1 }
  - { name: y, kind: output, size: 1, tau_m: 0.5, tau_r: 0.2, bias: 0.3 }
projections:
  - { from: x, to: y, weights: [[2.0]], plastic: false }
loss: { kind: mse, beta: 0.5 }
${extra}`,
      "single.yaml",
    );

  it("integrates a leaky integrator in closed form: u(s) = A (1 - q^s), u~(s) = u(s-1) + tau_r (A - u(s-1)) / tau_m", () => {
    const oracle = new Oracle(single("learning: { rule: none }"));
    const A = 0.3 + 2 * 0.7,
      q = 1 - 0.1 / 0.5;
    for (let s = 1; s <= 30; s++) {
      oracle.step(new Map([["x", [0.7]]]), new Map(), false);
      const st = oracle.state.get("y")!,
        before = A * (1 - q ** (s - 1));
      expect(st.u[0]).toBeCloseTo(A * (1 - q ** s), 13);
      expect(st.uProsp[0]).toBeCloseTo(before + (0.2 * (A - before)) / 0.5, 13);
      expect(st.r[0]).toBe(st.uProsp[0]); // linear output
    }
  });

  it("integrates the prospective error cell in closed form for a constant error input", () => {
    // with y at rest (no input, no bias) and a target, d = phi' beta (y* - r) is constant from step 2 on
    const net = single("learning: { rule: vle, eta: 0, gamma: 0 }");
    net.populations[1].bias = [0];
    net.projections[0].weights = [0];
    const oracle = new Oracle(net),
      target = 0.8,
      d = 0.5 * target;
    oracle.step(new Map([["x", [0]]]), new Map([["y", [target]]]), false);
    expect(oracle.state.get("y")!.e[0]).toBe(0); // phi' starts at 0 (design section 2: the state starts at zero)
    let v = 0;
    for (let s = 2; s <= 20; s++) {
      oracle.step(new Map([["x", [0]]]), new Map([["y", [target]]]), false);
      const e = v + (0.5 * (d - v)) / 0.2; // e = v + tau_m (d - v) / tau_r with the v of the step before
      v += (0.1 * (d - v)) / 0.2;
      expect(oracle.state.get("y")!.v[0]).toBeCloseTo(v, 14);
      expect(oracle.state.get("y")!.e[0]).toBeCloseTo(e, 14);
    }
  });

  it("agrees with the compiler and the engine on every example description", () => {
    for (const file of readdirSync("examples")
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => join("examples", f))) {
      const target = loadTarget(file);
      const r = compilesFaithfully.check(target, { runs: 3, seed: 1, maxSteps: 12 });
      expect(r.status, `${file}: ${r.counterexample?.failure.message}`).toBe("passed");
    }
  });
});

describe("the detectors", () => {
  it("deterministic names the first step and signal where two runs differ by one bit", () => {
    const c = features();
    const [a, b] = [new Engine(c), new Engine(c)];
    const x = b.crossbars.find((k) => k.spec.name === "g_to_y")!;
    x.weights[1] = x.weights[1] * (1 + Number.EPSILON); // one ulp
    const drive = fc.sample(driveArbitrary(c, { maxSteps: 10, targets: "always" }), { seed: 3, numRuns: 1 })[0];
    const d = divergence(a, b, drive)!;
    expect(d).toBeDefined();
    // g's rates reach y through that weight in the first step with nonzero g rates; W itself differs from the start
    expect(d.signal).toMatch(/^(y\.(u|u_prosp|r|v|e)\[\d\]|g_to_y\.W\[0,1\])$/);
    expect(Object.is(d.values[0], d.values[1])).toBe(false);
  });

  it("roundtrip names the field an encoding loses", () => {
    const c = features();
    c.crossbars[2].weights[3] = NaN; // not a valid circuit, but encodable: NaN never equals itself after decoding
    expect(roundtripProblem(c)).toBe("decodeBinary(encodeBinary(c)) differs at crossbars[2].weights[3]: NaN vs NaN");
  });

  it("the drive arbitrary draws inputs within each declared range, on the grid, with targets only where present", () => {
    const c = compileSource(
      "dt: 0.1\npopulations:\n  - { name: x, kind: input, size: 2, range: [0.25, 3] }\n  - { name: y, kind: output, size: 1, tau_m: 1 }\nprojections:\n  - { from: x, to: y }\n",
      "range.yaml",
    );
    expect(c.inputs[0]).toMatchObject({ lo: 0.25, hi: 3 });
    for (const d of fc.sample(driveArbitrary(c, { maxSteps: 20, targets: "random" }), { seed: 1, numRuns: 200 })) {
      expect(d.steps).toBeGreaterThanOrEqual(1);
      expect(d.steps).toBeLessThanOrEqual(20);
      for (const x of d.input.groups[0].values) {
        expect(x).toBeGreaterThanOrEqual(0.25);
        expect(x).toBeLessThanOrEqual(3);
        expect(Number.isInteger((x * 1024) / 3)).toBe(true);
      }
      const t = d.target!.groups[0];
      t.present.forEach((present, s) => expect(Number.isNaN(t.values[s])).toBe(!present));
    }
  });
});

describe("the declared envelope in descriptions", () => {
  it("rejects a range on a non-input, a tolerance on a non-output, and rails with lo >= hi, naming the line", () => {
    const base = (pop: string, top = "") =>
      `dt: 0.1\n${top}populations:\n  - { name: x, kind: input, size: 1 }\n  - ${pop}\nprojections: []\nlearning: { rule: none }\n`;
    expect(() => compileSource(base("{ name: h, size: 1, tau_m: 1, range: [0, 1] }"), "e.yaml")).toThrow(
      /^e\.yaml:4: populations\[1\]\.range: only input populations have a declared range/,
    );
    expect(() => compileSource(base("{ name: h, size: 1, tau_m: 1, tolerance: 0.1 }"), "e.yaml")).toThrow(
      /^e\.yaml:4: populations\[1\]\.tolerance: only output populations have a tolerance/,
    );
    expect(() => compileSource(base("{ name: h, size: 1, tau_m: 1 }", "rails: [2, 1]\n"), "e.yaml")).toThrow(
      /^e\.yaml:2: rails: \[2, 1\] must have lo < hi/,
    );
    expect(() => compileSource(base("{ name: h, size: 1, tau_m: 1 }", "rails: [1]\n"), "e.yaml")).toThrow(
      /^e\.yaml:2: rails: 1 values; the membranes' rails are \[lo, hi\]/,
    );
    const c = compileSource(
      base("{ name: y, kind: output, size: 1, tau_m: 1, tolerance: 0.2 }", "rails: [-5, 5]\n"),
      "e.yaml",
    );
    expect([c.railLo, c.railHi, c.outputs[0].tolerance]).toEqual([-5, 5, 0.2]);
  });

  it("the validator rejects a declared interval with lo >= hi and text that UTF-8 cannot carry", async () => {
    const { validate } = await import("../circuits/validate.js");
    const c = features();
    expect(() => validate({ ...c, railLo: 1, railHi: 1 })).toThrow(
      /rails \[1, 1\] must be finite with rail_lo < rail_hi and rail_lo <= 0 <= rail_hi/,
    );
    expect(() => validate({ ...c, railLo: 0.5, railHi: 2 })).toThrow(
      /rails \[0\.5, 2\] .* around the rest state u = 0/,
    );
    expect(() => validate({ ...c, populations: null } as unknown as Circuit)).toThrow(
      /^circuit: malformed circuit: populations: null where a list is expected$/,
    );
    expect(() => validate({ ...c, populations: "x" } as unknown as Circuit)).toThrow(
      /^circuit: malformed circuit: Circuit\.populations: array expected$/,
    );
    expect(() =>
      validate({ ...c, populations: c.populations.map((p, k) => (k === 0 ? { ...p, size: -1 } : p)) }),
    ).toThrow(/^circuit: malformed circuit: populations\[0\]\.size: -1 cannot be stored/);
    expect(() => validate({ ...c, learning: { ...c.learning, eta: "0.1" } } as unknown as Circuit)).toThrow(
      /^circuit: malformed circuit: learning\.eta: "0\.1" where a number is expected$/,
    );
    expect(() => validate(null as unknown as Circuit)).toThrow(/^circuit: malformed circuit: null is not a circuit$/);
    expect(() => validate({ ...c, inputs: [{ ...c.inputs[0], lo: 2, hi: -2 }] })).toThrow(/input 'u': range \[2, -2\]/);
    expect(() => validate({ ...c, name: "a\ud800b" })).toThrow(/name: the text has a lone surrogate/);
    expect(() =>
      validate({
        ...c,
        crossbars: c.crossbars.map((x, k) => (k === 1 ? { ...x, feedback: Feedback.TRANSPOSE, name: "\udc00" } : x)),
      }),
    ).toThrow(/crossbars\[1\]\.name: the text has a lone surrogate/);
    validate(
      fromJSON({
        version: 1,
        name: "ok",
        dt: 0.1,
        provenance: {},
        learning: { rule: "NONE" },
        populations: [{ name: "a", size: 1, tauM: [1], tauR: [1], bias: [0] }],
      }),
    );
  });
});

import { describe, expect, it } from "vitest";
import { Rule } from "../../circuits/model.js";
import { compileSource } from "../../compiler/index.js";
import { Engine } from "../../simulator/engine.js";
import { autonomous, findFixedPoints, linearisation } from "./fixed-points.js";

const single = (w: number, tauR: number) =>
  compileSource(
    `
name: bistable
dt: 0.01
populations:
  - { name: x, kind: input, size: 1 }
  - { name: h, kind: output, size: 1, tau_m: 1.0, tau_r: ${tauR}, phi: tanh }
projections:
  - { from: x, to: h, weights: [[0]] }
  - { from: h, to: h, weights: [[${w}]] }
loss: { kind: mse, beta: 0.1 }
learning: { rule: none }
`,
    "bistable.yaml",
  );

const net = (scale: number) =>
  compileSource(
    `
name: small
dt: 0.05
populations:
  - { name: x, kind: input, size: 2 }
  - { name: h, size: 6, tau_m: 1.0, tau_r: 0.4, phi: tanh, bias: [0.3, -0.2, 0.1, 0.0, 0.5, -0.4] }
  - { name: y, kind: output, size: 2, tau_m: 0.5, tau_r: 0.5, phi: linear }
projections:
  - { from: x, to: h, init: { kind: lecun, scale: 1.0, seed: 1 } }
  - { from: h, to: h, init: { kind: normal, scale: ${scale}, seed: 2 } }
  - { from: h, to: y, init: { kind: lecun, scale: 1.0, seed: 3 } }
loss: { kind: mse, beta: 0.1 }
learning: { rule: none }
`,
    "small.yaml",
  );

describe("fixed points without input", () => {
  it("finds the three fixed points of u = 2 tanh(u): 0 unstable, +-1.915 stable", () => {
    const points = findFixedPoints(single(2, 0.2), { starts: 40 });
    expect(points).toHaveLength(3);
    const sorted = [...points].sort((a, b) => a.u[0] - b.u[0]);
    expect(sorted[2].u[0]).toBeCloseTo(1.915008, 6); // the root of u = 2 tanh(u)
    expect(sorted[0].u[0]).toBeCloseTo(-sorted[2].u[0], 12);
    expect(sorted.map((p) => p.stable)).toEqual([true, false, true]);
    // at 0: A = (tau_m - w tau_r)^-1 (w - 1) = 1 / 0.6
    expect(sorted[1].eigenvalues[0].re).toBeCloseTo(1 / 0.6, 12);
  });

  it("the linearisation at a fixed point equals finite differences of the implicit vector field", () => {
    const circuit = net(0.9),
      n = autonomous(circuit);
    // du/dt from tau_m du/dt = -u + W phi(u + tau_r du/dt) + b, solved by fixed-point iteration
    const field = (u: Float64Array) => {
      let v = new Float64Array(n.size);
      for (let it = 0; it < 2000; it++) {
        const r = Array.from(u, (x, i) => n.phi[i](x + n.tauR[i] * v[i]));
        const next = new Float64Array(n.size);
        for (let i = 0; i < n.size; i++) {
          let s = n.bias[i] - u[i];
          for (let j = 0; j < n.size; j++) s += n.W.get(i, j) * r[j];
          next[i] = s / n.tauM[i];
        }
        v = next;
      }
      return v;
    };
    const u0 = Float64Array.from(findFixedPoints(circuit, { starts: 8 })[0].u);
    const J = linearisation(n, u0);
    const h = 1e-6;
    for (let j = 0; j < n.size; j++) {
      const plus = Float64Array.from(u0),
        minus = Float64Array.from(u0);
      plus[j] += h;
      minus[j] -= h;
      const fp = field(plus),
        fm = field(minus);
      for (let i = 0; i < n.size; i++) expect(J.get(i, j)).toBeCloseTo((fp[i] - fm[i]) / (2 * h), 6);
    }
  });

  it("the engine run without input settles on the stable fixed point found", () => {
    const circuit = net(0.5);
    const points = findFixedPoints(circuit, { starts: 20 });
    expect(points).toHaveLength(1);
    expect(points[0].stable).toBe(true);
    const engine = new Engine(circuit, { batch: 1, rule: Rule.NONE });
    for (let s = 0; s < 4000; s++) engine.advance(false);
    const u = engine.populations.flatMap((p) => [...p.now.u]);
    u.forEach((v, i) => expect(v).toBeCloseTo(points[0].u[i], 8));
  });
});

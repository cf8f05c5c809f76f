// A population without prospective readout (tau_r = 0, r = phi(u), NIR's LI): exact inference, learning refused.
import { describe, expect, it } from "vitest";
import { fromJSON } from "../circuits/codec.js";
import { IR_VERSION, type Circuit } from "../circuits/model.js";
import { Engine } from "./engine.js";

/** x (1) -> l (1) -> y (1), linear, with the given tau_r on both populations; rule as given. */
function chain(tauR: number, rule = "NONE"): Circuit {
  const population = (name: string, tauM: number) => ({
    name,
    size: 1,
    tauM: [tauM],
    tauR: [tauR],
    bias: [0.25],
    phi: "LINEAR",
  });
  const crossbar = (pre: string, post: string, w: number) => ({
    name: `${pre}_${post}`,
    pre,
    post,
    rows: 1,
    cols: 1,
    weights: [w],
    feedback: "NO_FEEDBACK",
  });
  return fromJSON({
    version: IR_VERSION,
    name: "plain",
    dt: 0.1,
    inputs: [{ name: "x", size: 1 }],
    populations: [population("l", 2), population("y", 0.5)],
    errorPopulations: [{ name: "y.error", population: "y" }],
    errorCurrents: [{ errorPopulation: "y.error", population: "y", gamma: 1 }],
    crossbars: [crossbar("x", "l", 1.5), crossbar("l", "y", -0.8)],
    outputs: [{ name: "y.target", population: "y", loss: "MSE", beta: 0.1 }],
    learning: { rule, optimizer: "SGD", eta: 0.01, prospectiveErrors: true },
    provenance: {},
  });
}

describe("tau_r = 0: a plain leaky integrator", () => {
  it("reads out r = u of the new membrane: the closed-form step response of forward Euler, exactly", () => {
    const engine = new Engine(chain(0));
    engine.input("x")[0] = 1;
    const l = engine.population("l");
    // tau_m du/dt = -u + (1.5 x + 0.25) with x = 1, u(0) = 0: Euler gives u_k = s (1 - (1 - dt/tau)^k), s = 1.75
    for (let k = 1; k <= 40; k++) {
      engine.advance();
      const exact = 1.75 * (1 - (1 - 0.1 / 2) ** k);
      expect(Math.abs(l.now.r[0] - exact)).toBeLessThan(1e-12);
      expect(l.now.r[0]).toBe(l.now.u[0]);
    }
  });

  it("runs bit-identically to tau_r = dt, whose prospective readout u + dt du/dt is the next membrane", () => {
    const plain = new Engine(chain(0)),
      dt = new Engine(chain(0.1));
    for (let k = 0; k < 50; k++) {
      plain.input("x")[0] = dt.input("x")[0] = Math.sin(0.3 * k);
      plain.advance();
      dt.advance();
      expect(plain.population("y").now.r[0]).toBe(dt.population("y").now.r[0]);
    }
  });

  it("refuses learning with one line naming the population and the fix", () => {
    expect(() => new Engine(chain(0, "VLE"))).toThrow(
      /^population 'l' has tau_r = 0 \(no prospective readout\), where learning is undefined .*; run it with rule none, or give tau_r >= dt/,
    );
  });
});

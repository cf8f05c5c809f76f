// Units, expressions, constants and defaults resolve to the right model-time numbers.
import { describe, expect, it } from "vitest";
import { Feedback, Loss, Optimizer, Phi, Rule } from "../circuits/model.js";
import { compileSource } from "./index.js";

const net = (head: string, h: string, extra = "") => `${head}
populations:
  - { name: x, kind: input, size: 1 }
  - { name: h, size: 2, ${h} }
  - { name: y, kind: output, size: 1, tau_m: "1000*dt" }
projections:
  - { from: x, to: h }
  - { from: h, to: y }
${extra}`;

const population = (text: string, name = "h") =>
  compileSource(text, "net.yaml").populations.find((p) => p.name === name)!;

describe("units: dt's unit is the model time unit", () => {
  it("dt 10 us with tau 1 ms is 100 dt", () => {
    const c = compileSource(net("dt: 10 us", "tau_m: 1 ms, tau_r: 0.5 ms"), "net.yaml");
    expect(c.dt).toBe(10);
    const h = c.populations.find((p) => p.name === "h")!;
    expect(h.tauM.map((t) => t / c.dt)).toEqual([100, 100]);
    expect(h.tauR).toEqual([500, 500]);
  });

  it("times in other units convert to dt's unit", () => {
    const h = population(net("dt: 1 ms", "tau_m: [0.02 s, 20000 us], tau_r: 2 ms"));
    expect(h.tauM[0]).toBeCloseTo(20, 12);
    expect(h.tauM[1]).toBeCloseTo(20, 12);
    expect(h.tauR).toEqual([2, 2]);
  });

  it("plain numbers are model time units, with or without a unit on dt", () => {
    expect(population(net("dt: 0.01", "tau_m: 1.5, tau_r: 0.1")).tauM).toEqual([1.5, 1.5]);
    expect(population(net("dt: 10 us", "tau_m: 1.5e3, tau_r: 100")).tauM).toEqual([1500, 1500]);
  });
});

describe("expressions", () => {
  it("reference dt (a quantity when dt has a unit) and constants, in order", () => {
    const text = net(
      "dt: 10 us\nconstants:\n  tau: 2 ms\n  half: tau / 2\n  k: 3",
      "tau_m: '2*tau', tau_r: 'half + k*dt'",
    );
    const h = population(text);
    expect(h.tauM).toEqual([4000, 4000]);
    expect(h.tauR).toEqual([1030, 1030]);
  });

  it("with a plain dt, dt is a number", () => {
    const h = population(net("dt: 0.01", "tau_m: '50*dt', tau_r: 'max(0.1, 2*dt)', bias: 'sqrt(4) - 1'"));
    expect(h.tauM[0]).toBeCloseTo(0.5, 15);
    expect(h.tauR).toEqual([0.1, 0.1]);
    expect(h.bias).toEqual([1, 1]);
  });

  it("a dimensionless ratio of times is a plain number", () => {
    expect(population(net("dt: 1 ms", "tau_m: 5 ms, bias: '(10 ms) / (5 ms)'")).bias).toEqual([2, 2]);
  });

  it("weights, init scales and learning values take expressions", () => {
    const c = compileSource(
      net("dt: 0.1\nconstants: { w: 0.25 }", "tau_m: 1", "learning: { eta: '1/1000', eta_tau: 'eta_x' }\n")
        .replace("{ from: x, to: h }", "{ from: x, to: h, weights: [['w'], ['-w']] }")
        .replace("eta_tau: 'eta_x'", "eta_tau: '2*w'"),
      "net.yaml",
    );
    expect(c.crossbars[0].weights).toEqual([0.25, -0.25]);
    expect(c.learning.eta).toBe(0.001);
    expect(c.learning.etaTau).toBe(0.5);
  });

  it("a tbptt window may be a number of steps or a time", () => {
    expect(
      compileSource(net("dt: 10 us", "tau_m: 1 ms", "learning: { rule: tbptt, window: 0.5 ms }\n"), "n.yaml").learning
        .window,
    ).toBe(50);
    expect(
      compileSource(net("dt: 10 us", "tau_m: 1 ms", "learning: { rule: tbptt, window: 20 }\n"), "n.yaml").learning
        .window,
    ).toBe(20);
  });
});

describe("defaults", () => {
  it("tau_r = tau_m, bias 0, phi tanh for hidden and linear for outputs, nothing but weights learns", () => {
    const c = compileSource(net("dt: 0.01", "tau_m: [1, 2]"), "net.yaml");
    const [h, y] = c.populations;
    expect(h.tauR).toEqual([1, 2]);
    expect(h.bias).toEqual([0, 0]);
    expect(h.phi).toBe(Phi.TANH);
    expect(y.phi).toBe(Phi.LINEAR);
    expect([h.plasticBias, h.plasticTauM]).toEqual([false, false]);
    expect(c.crossbars.map((x) => [x.plastic, x.feedback])).toEqual([
      [true, Feedback.NO_FEEDBACK],
      [true, Feedback.TRANSPOSE],
    ]);
    expect(c.outputs).toEqual([{ name: "y.target", population: "y", loss: Loss.MSE, beta: 0.1 }]);
    expect(c.errorCurrents.map((e) => e.gamma)).toEqual([1, 1]);
    expect(c.learning).toEqual({
      rule: Rule.VLE,
      eta: 1e-3,
      etaTau: 1e-3,
      prospectiveErrors: true,
      optimizer: Optimizer.SGD,
      adamBeta1: 0.9,
      adamBeta2: 0.999,
      adamEpsilon: 1e-8,
      window: 0,
    });
    expect(c.name).toBe("net");
  });

  it("explicit values override: learn list, gamma per population, Adam betas, rule instantaneous", () => {
    const text = net(
      "dt: 0.01",
      "tau_m: 1, learn: [bias, tau_m], gamma: 0.5",
      "learning: { rule: instantaneous, optimizer: adam, betas: [0.8, 0.99], eps: 1e-6, gamma: 2 }\nloss: { kind: mse, beta: 0.01 }\n",
    );
    const c = compileSource(text, "net.yaml");
    expect([c.populations[0].plasticBias, c.populations[0].plasticTauM]).toEqual([true, true]);
    expect(c.errorCurrents.map((e) => e.gamma)).toEqual([0.5, 2]);
    expect(c.learning).toMatchObject({
      rule: Rule.INSTANTANEOUS,
      prospectiveErrors: false,
      optimizer: Optimizer.ADAM,
      adamBeta1: 0.8,
      adamBeta2: 0.99,
      adamEpsilon: 1e-6,
    });
    expect(c.outputs[0].beta).toBe(0.01);
  });
});

describe("tbptt window", () => {
  it("a time that is not a whole number of steps is an error", () => {
    expect(() =>
      compileSource(net("dt: 10 us", "tau_m: 1 ms", "learning: { rule: tbptt, window: 0.505 ms }\n"), "n.yaml"),
    ).toThrow(/^n\.yaml:9: learning\.window: is 50\.5 steps of dt = 10, not a whole number; use a multiple of dt/);
  });
});

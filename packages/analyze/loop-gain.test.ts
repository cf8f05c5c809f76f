import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/index.js";
import { loopGains, loopWarnings } from "./loop-gain.js";

/** x -> a (-> b) with the loop weights given, linear units (phi' = 1), tau_m / tau_r = ratio. */
const net = (loop: string, ratio: number, prospective = true) => `
name: loops
dt: 0.01
populations:
  - { name: x, kind: input, size: 1 }
  - { name: a, size: 1, tau_m: ${ratio * 0.1}, tau_r: 0.1, phi: linear }
  - { name: b, size: 1, tau_m: ${ratio * 0.1}, tau_r: 0.1, phi: linear }
  - { name: y, kind: output, size: 1, tau_m: 0.2, tau_r: 0.1, phi: linear }
projections:
  - { from: x, to: a, weights: [[1.0]] }
${loop}
  - { from: b, to: y, weights: [[1.0]] }
loss: { kind: mse, beta: 0.1 }
learning: { rule: vle, eta: 0.01, prospective_errors: ${prospective} }
`;

describe("loop gains", () => {
  it("a two-population loop a -> b -> a with weights p, q has gain sqrt(|p q|) forward, and tau_m/tau_r times that for errors", () => {
    const c = compileSource(
      net("  - { from: a, to: b, weights: [[0.8]] }\n  - { from: b, to: a, weights: [[-0.5]] }", 3),
      "l.yaml",
    );
    const [forward, error] = loopGains(c);
    expect(forward).toMatchObject({ kind: "forward", populations: ["a", "b"] });
    expect(forward.gain).toBeCloseTo(Math.sqrt(0.4), 12);
    expect(error).toMatchObject({ kind: "error", populations: ["a", "b"] });
    expect(error.prospectiveFactor).toBeCloseTo(3, 12);
    expect(error.gain).toBeCloseTo(3 * Math.sqrt(0.4), 12);
    // 3 x 0.632 = 1.9: the error loop warns, the forward loop does not
    const warnings = loopWarnings(c);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^warning: error loop a, b: prospective-error gain 1\.90 >= 1 \(tau_m\/tau_r up to 3\.00 x/,
    );
  });

  it("without prospective errors the error loop has the forward loop's gain; a self-loop of 1.5 warns forward", () => {
    const c = compileSource(
      net("  - { from: a, to: b, weights: [[1.0]] }\n  - { from: b, to: b, weights: [[1.5]] }", 4, false),
      "l.yaml",
    );
    const gains = loopGains(c);
    expect(gains.map((g) => [g.kind, g.populations, +g.gain.toFixed(12)])).toEqual([
      ["forward", ["b"], 1.5],
      ["error", ["b"], 1.5],
    ]);
    expect(loopWarnings(c)[0]).toMatch(/^warning: loop b -> b: forward loop gain 1\.50 >= 1/);
  });

  it("a feed-forward chain has no loops", () => {
    expect(loopGains(compileSource(net("  - { from: a, to: b, weights: [[5.0]] }", 10), "l.yaml"))).toEqual([]);
  });
});

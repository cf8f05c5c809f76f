// Per-neuron runs ("18 x 0.6") and seeded bias initializers: what they expand to, and their one-line errors.
import { describe, expect, it } from "vitest";
import { VleError } from "../circuits/errors.js";
import { Random } from "../circuits/random.js";
import { compileSource } from "./index.js";
import { deriveSeed } from "./init.js";

const net = (h: string, hSize = "") => `dt: 0.1
seed: 5
populations:
  - { name: x, kind: input, size: 4 }
  - { name: h, ${hSize}${h} }
  - { name: y, kind: output, size: 2, tau_m: 1 }
projections:
  - { from: x, to: h }
  - { from: h, to: y }
`;
const hOf = (text: string) => compileSource(text, "net.yaml").populations.find((p) => p.name === "h")!;
const errorOf = (text: string) => {
  try {
    compileSource(text, "net.yaml");
  } catch (err) {
    if (err instanceof VleError) return err.message;
    throw err;
  }
  throw new Error("compiled without an error");
};

describe("runs in per-neuron lists", () => {
  it("expand in order, mixed with single values and expressions, and set the size", () => {
    const h = hOf(net("tau_m: [2 x 0.6, 1.5, 3 x 2*dt], tau_r: [6 x 0.1]"));
    expect(h.size).toBe(6);
    expect(h.tauM).toEqual([0.6, 0.6, 1.5, 0.2, 0.2, 0.2]);
    expect(h.tauR).toEqual([0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
  });

  it("must agree with an explicit size", () => {
    expect(errorOf(net("tau_m: [2 x 0.6, 2 x 1.2]", "size: 3, "))).toMatch(
      /net\.yaml:\d+: populations\[1\]\.tau_m: a list of 4 values gives 4 for population 'h', which has 3 neurons/,
    );
  });

  it("refuse a zero count and a bad value with the item's path", () => {
    expect(errorOf(net("tau_m: [0 x 0.6, 1]"))).toMatch(/populations\[1\]\.tau_m\[0\]: a run of 0 neurons/);
    expect(errorOf(net("tau_m: [1, 2 x -1]"))).toMatch(/populations\[1\]\.tau_m\[1\]: -1 must be positive/);
  });
});

describe("bias initializers", () => {
  it("torch draws U(-1/sqrt(fan_in), 1/sqrt(fan_in)) from the seed derived from '<population>/bias'", () => {
    const h = hOf(net("size: 3, tau_m: 1, bias: { kind: torch }"));
    const rng = new Random(deriveSeed(5, "h/bias"));
    expect(h.bias).toEqual(Array.from({ length: 3 }, () => (2 * rng.uniform() - 1) / Math.sqrt(4)));
  });

  it("take a scale and a seed of their own", () => {
    const h = hOf(net("size: 3, tau_m: 1, bias: { kind: uniform, scale: 0.3, seed: 9 }"));
    const rng = new Random(9);
    expect(h.bias).toEqual(Array.from({ length: 3 }, () => 0.3 * (2 * rng.uniform() - 1)));
  });

  it("fan_in counts every projection into the population", () => {
    const text = net("size: 3, tau_m: 1, bias: { kind: torch, seed: 2 }").replace(
      "  - { from: h, to: y }",
      "  - { from: h, to: y }\n  - { from: h, to: h }",
    );
    const rng = new Random(2);
    expect(hOf(text).bias).toEqual(Array.from({ length: 3 }, () => (2 * rng.uniform() - 1) / Math.sqrt(4 + 3)));
  });

  it("refuse an unknown kind and a fan_in kind without projections", () => {
    expect(errorOf(net("size: 3, tau_m: 1, bias: { kind: torhc }"))).toMatch(
      /populations\[1\]\.bias\.kind: 'torhc' is not one of .*did you mean 'torch'/,
    );
    const orphan = net("size: 3, tau_m: 1").replace(
      "  - { name: y,",
      "  - { name: z, size: 2, tau_m: 1, bias: { kind: lecun } }\n  - { name: y,",
    );
    expect(errorOf(orphan)).toMatch(/bias init 'lecun' scales with fan_in, and no projection enters 'z'/);
  });
});

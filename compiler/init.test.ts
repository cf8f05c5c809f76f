// Seeded weight initialization: reproducible, seed-sensitive, stable under reordering, with the documented distributions.
import { describe, expect, it } from "vitest";
import { Random } from "../circuits/random.js";
import { compileSource } from "./index.js";
import { deriveSeed, drawMatrix } from "./init.js";

const text = (projections: string, seed = "") => `dt: 0.01\n${seed}populations:
  - { name: x, kind: input, size: 20 }
  - { name: h, size: 30, tau_m: 1 }
  - { name: y, kind: output, size: 5, tau_m: 1 }
projections:
${projections}`;

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const variance = (xs: number[]) => mean(xs.map((x) => x * x)) - mean(xs) ** 2;

describe("seeded initialization", () => {
  it("is reproducible and equals a direct draw from circuits/random.ts", () => {
    const src = text(
      "  - { from: x, to: h, init: { kind: uniform, scale: 0.5, seed: 11 } }\n  - { from: h, to: y, init: { kind: normal, scale: 2, seed: 12 } }",
    );
    const a = compileSource(src, "a.yaml"),
      b = compileSource(src, "a.yaml");
    expect(a.crossbars).toEqual(b.crossbars);
    const rng = new Random(11);
    expect(a.crossbars[0].weights).toEqual(Array.from({ length: 600 }, () => 0.5 * (2 * rng.uniform() - 1)));
    const rn = new Random(12);
    expect(a.crossbars[1].weights).toEqual(Array.from({ length: 150 }, () => 2 * rn.normal()));
  });

  it("differs with the seed; derived seeds depend on the description seed and the element name, not on order", () => {
    const p1 = "  - { from: x, to: h }\n  - { from: h, to: y }";
    const p2 = "  - { from: h, to: y }\n  - { from: x, to: h }";
    const a = compileSource(text(p1, "seed: 1\n"), "a.yaml");
    const b = compileSource(text(p2, "seed: 1\n"), "a.yaml");
    const c = compileSource(text(p1, "seed: 2\n"), "a.yaml");
    const w = (circuit: typeof a, name: string) => circuit.crossbars.find((x) => x.name === name)!.weights;
    expect(w(a, "x_to_h")).toEqual(w(b, "x_to_h"));
    expect(w(a, "h_to_y")).toEqual(w(b, "h_to_y"));
    expect(w(a, "x_to_h")).not.toEqual(w(c, "x_to_h"));
    expect(deriveSeed(1, "x->h")).not.toBe(deriveSeed(1, "h->y"));
    // an unnamed projection's seed is keyed by from->to, as before names became x_to_h: the same weights in every version
    expect(w(a, "x_to_h")).toEqual(drawMatrix("xavier", 1, deriveSeed(1, "x->h"), 30, 20));
  });

  it("draws the documented distributions (bounds and variances over many entries)", () => {
    const [rows, cols] = [200, 300];
    const n = rows * cols;
    const xavier = drawMatrix("xavier", 1, 5, rows, cols);
    const a = Math.sqrt(6 / (rows + cols));
    expect(Math.max(...xavier.map(Math.abs))).toBeLessThanOrEqual(a);
    expect(variance(xavier)).toBeCloseTo((a * a) / 3, 3);
    const kaiming = drawMatrix("kaiming", 1, 6, rows, cols);
    expect(variance(kaiming) / (2 / cols)).toBeGreaterThan(0.97);
    expect(variance(kaiming) / (2 / cols)).toBeLessThan(1.03);
    const torch = drawMatrix("torch", 2, 7, rows, cols);
    expect(Math.max(...torch.map(Math.abs))).toBeLessThanOrEqual(2 / Math.sqrt(cols));
    const normal = drawMatrix("normal", 3, 8, rows, cols);
    expect(Math.abs(mean(normal))).toBeLessThan((4 * 3) / Math.sqrt(n));
    expect(variance(normal) / 9).toBeGreaterThan(0.97);
    expect(variance(normal) / 9).toBeLessThan(1.03);
    expect(drawMatrix("constant", 0.3, 1, 2, 2)).toEqual([0.3, 0.3, 0.3, 0.3]);
    expect(drawMatrix("zeros", 5, 1, 1, 3)).toEqual([0, 0, 0]);
  });

  it("random feedback and broadcasts are seeded too, and differ from the forward weights", () => {
    const src =
      text("  - { from: x, to: h }\n  - { from: h, to: y, feedback: random }") +
      "\nbroadcasts:\n  - { from: y, to: h, init: { kind: normal, scale: 0.1, seed: 3 } }\n";
    const a = compileSource(src, "a.yaml"),
      b = compileSource(src, "a.yaml");
    expect(a.crossbars[1].feedbackWeights).toHaveLength(150);
    expect(a.crossbars[1].feedbackWeights).toEqual(b.crossbars[1].feedbackWeights);
    expect(a.crossbars[1].feedbackWeights).not.toEqual(a.crossbars[1].weights);
    expect(a.broadcasts[0].weights).toEqual(drawMatrix("normal", 0.1, 3, 30, 5));
  });
});

// Tests of the divergence guard: a run that overflows stops at the first non-finite state, naming step, population, neuron.
import { describe, expect, it } from "vitest";
import { fromJSON } from "../circuits/codec.js";
import { VleError } from "../circuits/errors.js";
import { Engine } from "./engine.js";
import { checkFinite } from "./guard.js";

// x -> a[2] (linear), a -> a recurrent with gain g on neuron 1 only: a[1] grows by (1 + dt (g - 1)/tau_m) per step
const circuit = (gain: number) =>
  fromJSON({
    version: 1,
    name: "runaway",
    dt: 0.5,
    provenance: {},
    learning: { rule: "NONE" },
    inputs: [{ name: "x", size: 1 }],
    populations: [{ name: "a", size: 2, tauM: [1, 1], tauR: [0.5, 0.5], bias: [0, 0], phi: "LINEAR" }],
    crossbars: [
      { name: "x_to_a", pre: "x", post: "a", rows: 2, cols: 1, weights: [1, 1], feedback: "NO_FEEDBACK" },
      { name: "a_to_a", pre: "a", post: "a", rows: 2, cols: 2, weights: [0, 0, 0, gain], feedback: "NO_FEEDBACK" },
    ],
  });

/** Steps until checkFinite throws; returns the step and the message. */
function runUntilCaught(engine: Engine, samples?: ArrayLike<number>): { step: number; message: string } {
  for (let k = 0; k < 10_000; k++) {
    engine.input("x").fill(1);
    engine.advance();
    try {
      checkFinite(engine, samples);
    } catch (err) {
      expect(err).toBeInstanceOf(VleError);
      return { step: engine.step, message: (err as Error).message };
    }
  }
  throw new Error("never diverged");
}

describe("checkFinite", () => {
  it("stops at the first step where a state is no longer finite, naming it", () => {
    const engine = new Engine(circuit(1e100));
    const { step, message } = runUntilCaught(engine);
    // the step before was still finite everywhere, and neuron 0 never diverged
    expect(message).toMatch(
      new RegExp(`^step ${step}: population 'a' neuron 1: (u|r) = (-?Infinity|NaN); the dynamics diverged`),
    );
    expect(Number.isFinite(engine.population("a").now.u[0])).toBe(true);
    expect(message).not.toContain("\n");
  });

  it("names the sample of the batch slot that diverged", () => {
    const engine = new Engine(circuit(1e100), { batch: 3 });
    const { message } = runUntilCaught(engine, [5, 6, 7]);
    expect(message).toMatch(/^step \d+, sample 5: population 'a' neuron 1/);
  });

  it("passes large but finite states (a sum that overflows is not a divergence)", () => {
    const engine = new Engine(circuit(1));
    engine.advance();
    engine.population("a").now.u.set([1.5e308, 1.5e308]);
    expect(() => checkFinite(engine)).not.toThrow();
    engine.population("a").now.r[0] = NaN;
    expect(() => checkFinite(engine)).toThrow("step 1: population 'a' neuron 0: r = NaN");
  });
});

// Tests of the trace recorder: selection parsing and its errors, row contents against the engine state, atomic writing.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fromJSON } from "../../circuits/codec.js";
import { VleError } from "../../circuits/errors.js";
import { Engine } from "../engine.js";
import { TraceRecorder, parseRecordSelection } from "./trace.js";

// x[1] -> l0[2] (no error cell) -> l1[1] (error cell, output), W of l0_to_l1 plastic, tau_m of l1 plastic
const circuit = () =>
  fromJSON({
    version: 1,
    name: "chain",
    dt: 0.1,
    provenance: {},
    inputs: [{ name: "x", size: 1 }],
    populations: [
      { name: "l0", size: 2, tauM: [1, 2], tauR: [0.1, 0.1], bias: [0, 0.5], phi: "TANH" },
      { name: "l1", size: 1, tauM: [1.5], tauR: [0.2], bias: [0], phi: "LINEAR", plasticTauM: true },
    ],
    errorPopulations: [{ name: "l1.error", population: "l1" }],
    errorCurrents: [{ errorPopulation: "l1.error", population: "l1", gamma: 1 }],
    crossbars: [
      { name: "x_to_l0", pre: "x", post: "l0", rows: 2, cols: 1, weights: [1, -1], feedback: "NO_FEEDBACK" },
      {
        name: "l0_to_l1",
        pre: "l0",
        post: "l1",
        rows: 1,
        cols: 2,
        weights: [0.5, 0.8],
        plastic: true,
        feedback: "TRANSPOSE",
      },
    ],
    outputs: [{ name: "y", population: "l1", loss: "MSE", beta: 1 }],
    learning: { rule: "VLE", prospectiveErrors: true, eta: 0.5, etaTau: 0.1 },
  });

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(VleError);
    expect((err as Error).message).not.toContain("\n");
    return (err as Error).message;
  }
  throw new Error("expected a VleError");
}

describe("--record selection", () => {
  const engine = new Engine(circuit());

  it("names columns population.signal[i], crossbar.W[i,j], population.tau_m[i]", () => {
    expect(parseRecordSelection("l1.r,l0.u,x_to_l0.W,l0.tau_m", engine).columns).toEqual([
      "l1.r[0]",
      "l0.u[0]",
      "l0.u[1]",
      "x_to_l0.W[0,0]",
      "x_to_l0.W[1,0]",
      "l0.tau_m[0]",
      "l0.tau_m[1]",
    ]);
    expect(parseRecordSelection(" l0.u_prosp[1] , l0_to_l1.W[0,1], l1.e, l1.v, l0.u_prosp[1]", engine).columns).toEqual(
      ["l0.u_prosp[1]", "l0_to_l1.W[0,1]", "l1.e[0]", "l1.v[0]"],
    );
  });

  it("a bare signal selects it in every population or crossbar that has it", () => {
    expect(parseRecordSelection("r", engine).columns).toEqual(["l0.r[0]", "l0.r[1]", "l1.r[0]"]);
    expect(parseRecordSelection("e,W", engine).columns).toEqual([
      "l1.e[0]",
      "x_to_l0.W[0,0]",
      "x_to_l0.W[1,0]",
      "l0_to_l1.W[0,0]",
      "l0_to_l1.W[0,1]",
    ]);
    expect(errorOf(() => parseRecordSelection("q", engine))).toMatch(/^--record 'q': no population or crossbar has/);
  });

  it("reads crossbar names in the old form (x->l0) as the shell-safe one (x_to_l0)", () => {
    expect(parseRecordSelection("x->l0.W[1,0]", engine).columns).toEqual(["x_to_l0.W[1,0]"]);
  });

  it("all: every signal the circuit has (v, e only with an error cell) and every parameter", () => {
    expect(parseRecordSelection("all", engine).columns).toEqual([
      "l0.u[0]",
      "l0.u[1]",
      "l0.u_prosp[0]",
      "l0.u_prosp[1]",
      "l0.r[0]",
      "l0.r[1]",
      "l1.u[0]",
      "l1.u_prosp[0]",
      "l1.r[0]",
      "l1.v[0]",
      "l1.e[0]",
      "l0.tau_m[0]",
      "l0.tau_m[1]",
      "l0.b[0]",
      "l0.b[1]",
      "l1.tau_m[0]",
      "l1.b[0]",
      "x_to_l0.W[0,0]",
      "x_to_l0.W[1,0]",
      "l0_to_l1.W[0,0]",
      "l0_to_l1.W[0,1]",
    ]);
  });

  it("unknown elements, signals and indices: one-line errors", () => {
    expect(errorOf(() => parseRecordSelection("l1.r,l1.q", engine))).toBe(
      "--record 'l1.q': unknown signal 'q' of population 'l1'; signals: u, u_prosp, r, v, e, tau_m, b",
    );
    expect(errorOf(() => parseRecordSelection("l0.e", engine))).toBe(
      "--record 'l0.e': population 'l0' has no error cell, so no e; signals: u, u_prosp, r, tau_m, b",
    );
    expect(errorOf(() => parseRecordSelection("zz.r", engine))).toBe(
      "--record 'zz.r': no population or crossbar named 'zz'; populations: l0, l1; crossbars: x_to_l0, l0_to_l1",
    );
    expect(errorOf(() => parseRecordSelection("x_to_l0.F", engine))).toBe(
      "--record 'x_to_l0.F': unknown signal 'F' of crossbar 'x_to_l0'; signals: W",
    );
    expect(errorOf(() => parseRecordSelection("l0.r[2]", engine))).toMatch(
      /population 'l0' has 2 neurons; index them \[0\]\.\.\[1\]/,
    );
    expect(errorOf(() => parseRecordSelection("x_to_l0.W[0]", engine))).toMatch(
      /crossbar 'x_to_l0' is 2x1; index it \[post,pre\]/,
    );
    expect(errorOf(() => parseRecordSelection("l1", engine))).toMatch(/--record 'l1': write <population>\.<signal>/);
    expect(errorOf(() => parseRecordSelection("l1.r,,l0.r", engine))).toMatch(/an empty item/);
  });
});

describe("trace rows", () => {
  it("hold the state after each step, bit-exact, and appear only when closed", () => {
    const dir = mkdtempSync(join(tmpdir(), "vle-trace-"));
    const path = join(dir, "trace.csv");
    const engine = new Engine(circuit(), { batch: 2 });
    const selection = parseRecordSelection("l1.r,l0.u,l1.e,l0_to_l1.W,l1.tau_m", engine);
    const recorder = new TraceRecorder(path, engine, selection, true);
    const expected: number[][] = [];
    const slots = Int32Array.of(4, 7);
    for (let k = 0; k < 30; k++) {
      engine.input("x").set([Math.sin(0.3 * k), Math.cos(0.2 * k)]);
      engine.output("y").target.set([0.5, -0.5]);
      engine.output("y").mask.fill(1);
      engine.advance();
      for (let b = 0; b < 2; b++) {
        const l0 = engine.population("l0").now,
          l1 = engine.population("l1").now;
        expected.push([
          engine.step,
          slots[b],
          l1.r[b],
          l0.u[2 * b],
          l0.u[2 * b + 1],
          l1.e[b],
          ...engine.crossbars[1].weights,
          engine.population("l1").tauM[0],
        ]);
      }
      recorder.record(slots);
    }
    expect(existsSync(path)).toBe(false); // streamed to a temporary file until close
    recorder.close();
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    expect(lines[0]).toBe(
      'step,t,sample,l1.r[0],l0.u[0],l0.u[1],l1.e[0],"l0_to_l1.W[0,0]","l0_to_l1.W[0,1]",l1.tau_m[0]',
    );
    expect(lines).toHaveLength(61);
    lines.slice(1).forEach((line, k) => {
      const cells = line.split(",").map(Number);
      const [step, sample, ...values] = expected[k];
      expect(cells[0]).toBe(step);
      expect(cells[1]).toBeCloseTo(step * 0.1, 12);
      expect(cells[2]).toBe(sample);
      expect(cells.slice(3)).toEqual(values);
    });
    expect(lines[3].split(",")[1]).toBe("0.2"); // t printed without float noise
    // learning moved W and tau_m, and the trace shows it
    expect(lines[1].split(",")[7]).not.toBe(lines[60].split(",")[7]);
    expect(lines[1].split(",")[9]).not.toBe(lines[60].split(",")[9]);
    expect(readdirSync(dir)).toEqual(["trace.csv"]);
  });

  it("abort leaves nothing behind", () => {
    const dir = mkdtempSync(join(tmpdir(), "vle-trace-"));
    const engine = new Engine(circuit());
    const recorder = new TraceRecorder(join(dir, "trace.csv"), engine, parseRecordSelection("all", engine), false);
    engine.advance();
    recorder.record([0]);
    recorder.abort();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("an unwritable path is a one-line error", () => {
    const engine = new Engine(circuit());
    expect(
      errorOf(
        () => new TraceRecorder("/nonexistent-dir/trace.csv", engine, parseRecordSelection("l1.r", engine), false),
      ),
    ).toMatch(/^\/nonexistent-dir\/trace\.csv: cannot write \(ENOENT\)$/);
  });
});

// `vle simulate` end to end: input rows drive steps, target rows drive errors and learning, batches, and one-line errors from the built CLI.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { fromJSON, writeCircuit } from "../circuits/codec.js";
import { simulate } from "../packages/cli/commands/simulate.js";

const dir = mkdtempSync(join(tmpdir(), "vle-simulate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);
const write = (name: string, text: string) => (writeFileSync(at(name), text), at(name));

/** The trace as rows of named numbers. */
function readTrace(path: string): { header: string[]; rows: Record<string, number>[] } {
  const [head, ...lines] = readFileSync(path, "utf8").trimEnd().split("\n");
  const header = head.match(/"[^"]*"|[^,]+/g)!.map((c) => c.replace(/^"(.*)"$/, "$1"));
  return { header, rows: lines.map((l) => Object.fromEntries(l.split(",").map((c, k) => [header[k], Number(c)]))) };
}

/**
 * x[2] -> a[2] (linear, tau_r = tau_m: each rate is exactly its input of the previous step, LE) and
 * an output o[1] (linear, at rest: no input) whose error cell sees d = beta (y - 0) with instantaneous errors,
 * so the trace shows exactly which input and target row drove which step. W of x_to_a is plastic.
 */
const probe = (rule: string) =>
  fromJSON({
    version: 1,
    name: "probe",
    dt: 0.1,
    provenance: {},
    inputs: [{ name: "x", size: 2 }],
    populations: [
      { name: "a", size: 2, tauM: [0.5, 0.7], tauR: [0.5, 0.7], bias: [0, 0], phi: "LINEAR" },
      { name: "o", size: 1, tauM: [1], tauR: [0.1], bias: [0], phi: "LINEAR" },
    ],
    errorPopulations: [
      { name: "a.error", population: "a" },
      { name: "o.error", population: "o" },
    ],
    crossbars: [
      {
        name: "x_to_a",
        pre: "x",
        post: "a",
        rows: 2,
        cols: 2,
        weights: [1, 2, -1, 0.5],
        plastic: true,
        feedback: "NO_FEEDBACK",
      },
    ],
    outputs: [{ name: "y", population: "o", loss: "MSE", beta: 0.5 }],
    learning: { rule, prospectiveErrors: false, eta: 0.1 },
  });
const probeFile = at("probe.json");
const inferenceFile = at("probe-none.json");
writeCircuit(probeFile, probe("VLE"));
writeCircuit(inferenceFile, probe("NONE"));

const xs = (k: number) => [Math.sin(0.5 * k), 0.1 * k];
const ys = (k: number) => (k % 3 === 2 ? undefined : Math.cos(0.3 * k));
const steps = 12;
const inputCsv = write(
  "in.csv",
  "x[0],x[1]\n" + Array.from({ length: steps }, (_, k) => xs(k).join(",")).join("\n") + "\n",
);
const targetCsv = write(
  "target.csv",
  "y[0]\n" + Array.from({ length: steps }, (_, k) => ys(k) ?? "").join("\n") + "\n",
);

describe("vle simulate (in process)", () => {
  it("input row k drives step k+1, target row k is the error of step k+1, empty rows have none", () => {
    const out = at("inference.csv");
    const s = simulate(inferenceFile, { input: inputCsv, target: targetCsv, record: "a.r,o.e,x_to_a.W", out });
    expect(s).toMatchObject({ samples: 1, steps: [steps], batch: 1, learned: undefined, rows: steps });
    const { header, rows } = readTrace(out);
    expect(header).toEqual([
      "step",
      "t",
      "a.r[0]",
      "a.r[1]",
      "o.e[0]",
      "x_to_a.W[0,0]",
      "x_to_a.W[0,1]",
      "x_to_a.W[1,0]",
      "x_to_a.W[1,1]",
    ]);
    rows.forEach((row, k) => {
      expect(row.step).toBe(k + 1);
      expect(row.t).toBeCloseTo(0.1 * (k + 1), 12);
      // LE: r after step k+1 = W x_k
      const [x0, x1] = xs(k);
      expect(row["a.r[0]"]).toBeCloseTo(1 * x0 + 2 * x1, 13);
      expect(row["a.r[1]"]).toBeCloseTo(-1 * x0 + 0.5 * x1, 13);
      // phi' is 0 in the zero state before step 1, 1 after; no target -> no error
      const y = ys(k);
      expect(row["o.e[0]"]).toBeCloseTo(k === 0 || y === undefined ? 0 : 0.5 * y, 14);
      expect(row["x_to_a.W[0,1]"]).toBe(2); // rule none: nothing learns
    });
  });

  it("learns with a target and a rule (W matches a scalar oracle), and not without a target", () => {
    // x[2] -> o[1] linear, instantaneous errors, no error current: e_k = phi'(t) beta (y_k - r(t)), W += eta e_k x_k
    const learner = at("learner.json");
    writeCircuit(
      learner,
      fromJSON({
        version: 1,
        name: "learner",
        dt: 0.1,
        provenance: {},
        inputs: [{ name: "x", size: 2 }],
        populations: [{ name: "o", size: 1, tauM: [0.4], tauR: [0.2], bias: [0], phi: "LINEAR" }],
        errorPopulations: [{ name: "o.error", population: "o" }],
        crossbars: [
          {
            name: "x_to_o",
            pre: "x",
            post: "o",
            rows: 1,
            cols: 2,
            weights: [0.3, -0.2],
            plastic: true,
            feedback: "NO_FEEDBACK",
          },
        ],
        outputs: [{ name: "y", population: "o", loss: "MSE", beta: 0.5 }],
        learning: { rule: "VLE", prospectiveErrors: false, eta: 0.2 },
      }),
    );
    const learned = at("learned.csv"),
      plain = at("plain.csv");
    expect(simulate(learner, { input: inputCsv, target: targetCsv, record: "x_to_o.W", out: learned }).learned).toBe(
      "vle",
    );
    const W = [0.3, -0.2];
    let u = 0,
      r = 0,
      dphi = 0;
    readTrace(learned).rows.forEach((row, k) => {
      const x = xs(k),
        y = ys(k);
      const e = y === undefined ? 0 : dphi * 0.5 * (y - r);
      const du = (W[0] * x[0] + W[1] * x[1] - u) / 0.4;
      r = u + 0.2 * du;
      u += 0.1 * du;
      dphi = 1;
      W[0] += 0.2 * e * x[0];
      W[1] += 0.2 * e * x[1];
      expect(row["x_to_o.W[0,0]"]).toBeCloseTo(W[0], 13);
      expect(row["x_to_o.W[0,1]"]).toBeCloseTo(W[1], 13);
    });
    expect(Math.abs(W[0] - 0.3)).toBeGreaterThan(0.01);
    // without a target there is nothing to learn from
    expect(simulate(learner, { input: inputCsv, record: "x_to_o.W", out: plain }).learned).toBeUndefined();
    for (const row of readTrace(plain).rows) expect([row["x_to_o.W[0,0]"], row["x_to_o.W[0,1]"]]).toEqual([0.3, -0.2]);
  });

  it("several samples: reset between them sequentially, and --batch gives the same inference rows", () => {
    const rowsOf = (k: number) => [...xs(k % 5)].join(",");
    const table = write(
      "samples.csv",
      "sample,x[0],x[1]\n" +
        Array.from({ length: 15 }, (_, k) => `${Math.floor(k / 5)},${rowsOf(k)}`).join("\n") +
        "\n",
    );
    const seq = at("seq.csv"),
      bat = at("bat.csv");
    simulate(inferenceFile, { input: table, record: "a.u,a.r", out: seq });
    simulate(inferenceFile, { input: table, record: "a.u,a.r", out: bat, batch: true });
    const a = readTrace(seq),
      b = readTrace(bat);
    expect(a.header).toEqual(["step", "t", "sample", "a.u[0]", "a.u[1]", "a.r[0]", "a.r[1]"]);
    // every sample got the same input from a reset state, so its rows repeat sample 0's
    for (let k = 5; k < 15; k++) expect({ ...a.rows[k], sample: 0 }).toEqual(a.rows[k % 5]);
    // batch rows come step by step (samples interleaved); as sets they equal the sequential rows
    const key = (r: Record<string, number>) => `${r.sample}/${r.step}`;
    const bySample = new Map(a.rows.map((r) => [key(r), r]));
    expect(b.rows.map((r) => r.sample).slice(0, 6)).toEqual([0, 1, 2, 0, 1, 2]);
    for (const r of b.rows) expect(r).toEqual(bySample.get(key(r)));
  });

  it("bad tables, selections and options: one-line errors and no trace", () => {
    const out = at("never.csv");
    const cases: [Partial<Parameters<typeof simulate>[1]>, RegExp][] = [
      [
        { input: write("bad-cell.csv", "x[0],x[1]\n1,2\n3,x\n") },
        /bad-cell\.csv:3: column 'x\[1\]': 'x' is not a number$/,
      ],
      [
        { input: inputCsv, target: write("bad-target.csv", "a[0]\n1\n") },
        /bad-target\.csv:1: column 'a\[0\]' names no output of circuit 'probe'; outputs: y\|o\[0\.\.0\]$/,
      ],
      [
        { input: inputCsv, record: "a.q" },
        /^--record 'a\.q': unknown signal 'q' of population 'a'; signals: u, u_prosp, r, v, e, tau_m, b$/,
      ],
      [{ input: inputCsv, steps: 0 }, /^--steps 0 must be a positive integer$/],
      [{}, /probe\.json: circuit 'probe' has inputs \(x\); give them with --input <csv\|json>$/],
    ];
    for (const [options, message] of cases) {
      expect(() => simulate(probeFile, { ...options, out })).toThrow(message);
      expect(existsSync(out)).toBe(false);
    }
    expect(readdirSync(dir).filter((f) => f.includes(".tmp"))).toEqual([]);
  });

  it("--steps cuts the run; too many steps or a short target is a one-line error", () => {
    expect(simulate(inferenceFile, { input: inputCsv, steps: 4, out: at("cut.csv") }).rows).toBe(4);
    expect(() => simulate(inferenceFile, { input: inputCsv, steps: 40, out: at("long.csv") })).toThrow(
      /in\.csv: has 12 rows, but --steps is 40/,
    );
    const short = write("short.csv", "y[0]\n1\n2\n");
    expect(() => simulate(inferenceFile, { input: inputCsv, target: short, out: at("x.csv") })).toThrow(
      /short\.csv: has 2 rows but .*in\.csv has 12; give a target row/,
    );
    expect(existsSync(at("long.csv"))).toBe(false);
  });
});

describe("the vle command", () => {
  // the CLI as users run it, built once per test run by test/setup-build.ts
  const vle = (...args: string[]) => spawnSync(process.execPath, [inject("vleCli"), ...args], { encoding: "utf8" });

  it("simulates a description with learning and writes the trace", () => {
    const input = write(
      "lag-in.csv",
      "x[0]\n" + Array.from({ length: 50 }, (_, k) => 0.5 + 0.5 * Math.sin(0.1 * k)).join("\n") + "\n",
    );
    const target = write(
      "lag-target.csv",
      "l1[0]\n" + Array.from({ length: 50 }, (_, k) => 1 + 0.3 * Math.sin(0.1 * k - 0.5)).join("\n") + "\n",
    );
    const out = at("lag-trace.csv");
    const run = vle(
      "simulate",
      join("examples", "lagline.yaml"),
      "--input",
      input,
      "--target",
      target,
      "--record",
      "l1.r,l0_to_l1.W,l0.tau_m",
      "--out",
      out,
    );
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      `simulated 'lagline': 1 sample, 50 steps, learning on (vle); wrote ${out} (50 rows x 5 columns)\n`,
    );
    const { header, rows } = readTrace(out);
    expect(header).toEqual(["step", "t", "l1.r[0]", "l0_to_l1.W[0,0]", "l0.tau_m[0]"]);
    expect(rows[49]["l0_to_l1.W[0,0]"]).not.toBe(1.3); // the example starts at 1.3 and learns
  });

  it("bad input: exit 1, one line on stderr, no trace", () => {
    const out = at("never.csv");
    const run = vle("simulate", probeFile, "--input", write("bad-header.csv", "x[0],q[0]\n1,2\n"), "--out", out);
    expect(run.stderr).toMatch(
      /^vle: .*bad-header\.csv:1: column 'q\[0\]' names no input of circuit 'probe'; inputs: x\[0\.\.1\]\n$/,
    );
    expect(run.status).toBe(1);
    expect(existsSync(out)).toBe(false);
  });

  it("a diverging run stops with the step, population and neuron, leaving no trace", () => {
    const runaway = at("runaway.json");
    writeCircuit(
      runaway,
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
          { name: "a_to_a", pre: "a", post: "a", rows: 2, cols: 2, weights: [0, 0, 0, 1e100], feedback: "NO_FEEDBACK" },
        ],
      }),
    );
    const input = write("ones.csv", "x[0]\n" + "1\n".repeat(100));
    const out = at("runaway-trace.csv");
    const run = vle("simulate", runaway, "--input", input, "--out", out);
    expect(run.stderr).toMatch(/^vle: step \d+: population 'a' neuron 1: u = (-?Infinity|NaN); the dynamics diverged/);
    expect(run.stderr.trimEnd()).not.toContain("\n");
    expect(run.status).toBe(1);
    expect(existsSync(out)).toBe(false);
  });

  it("usage errors exit 2", () => {
    const run = vle("simulate", probeFile, "--input", inputCsv);
    expect(run.stderr).toMatch(/required option '--out <trace.csv>' not specified/);
    expect(run.status).toBe(2);
  });
});

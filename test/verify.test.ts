// vle verify end to end: each known-bad fixture fails its property with a short shrunk counterexample that `vle simulate` replays to the same failure; known-good fixtures pass; broken compiler passes are caught by the oracle.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { writeCircuit } from "../circuits/codec.js";
import { definePass, passes, type Pass } from "../compiler/index.js";
import { loadTarget, verify, type PropertyResult } from "../packages/verify/index.js";

/** Random cases per property for the known-good fixtures: 200 in CI, 1000 with `npm run fuzz` (VLE_VERIFY_RUNS). */
const goodRuns = Number(process.env.VLE_VERIFY_RUNS ?? 200);
/** "A few dozen steps": the longest shrunk counterexample accepted. */
const SHORT = 36;

const dir = mkdtempSync(join(tmpdir(), "vle-verify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixture = (name: string) => join("test", "fixtures", `verify-${name}.yaml`);

function vle(...args: string[]) {
  return spawnSync(process.execPath, [inject("vleCli"), ...args], { encoding: "utf8" });
}

/** The trace's value of `column` at `step` (the trace's step column). */
function traced(path: string, column: string, step: number): number {
  const [head, ...lines] = readFileSync(path, "utf8").trimEnd().split("\n");
  const header = head.match(/"[^"]*"|[^,]+/g)!.map((c) => c.replace(/^"(.*)"$/, "$1"));
  const row = lines.map((l) => l.split(",")).find((cells) => Number(cells[0]) === step);
  if (!row) throw new Error(`${path}: no step ${step}`);
  return Number(row[header.indexOf(column)]);
}

/** Runs one property on a fixture, counterexamples into the test directory. */
function check(name: string, property: string, runs = 100, pipeline?: readonly Pass[]): PropertyResult {
  const target = loadTarget(fixture(name), pipeline);
  return verify(target, { properties: [property], runs, outDir: join(dir, name) }).results[0];
}

/** The `vle simulate` arguments that replay a failure (what its replay command says, without the leading `vle`). */
function replayArgs(r: PropertyResult, file: string, trace: string, extra: string[] = []): string[] {
  const cx = r.counterexample!,
    f = cx.failure;
  expect(cx.replayCommand).toContain(`--input ${cx.files!.input}`);
  return [
    "simulate",
    file,
    "--input",
    cx.files!.input!,
    ...(cx.files!.target ? ["--target", cx.files!.target] : []),
    ...(f.signal ? ["--record", f.signal] : []),
    "--out",
    trace,
    ...extra,
  ];
}

describe("known-bad fixtures fail the intended property with a short counterexample that replays", () => {
  it("bounded: a gain that saturates the rails; vle simulate stops at the same step with the same message", () => {
    const r = check("bad-saturating", "bounded");
    expect(r.status).toBe("failed");
    const cx = r.counterexample!;
    expect(cx.drive!.steps).toBeLessThanOrEqual(SHORT);
    expect(cx.failure.step).toBe(cx.drive!.steps);
    expect(cx.failure.signal).toBe("h.u[2]");
    expect(cx.failure.message).toMatch(/^step \d+: population 'h' neuron 2: u = -?\d.* is past the rails \[-2, 2\]/);
    const run = vle(...replayArgs(r, fixture("bad-saturating"), join(dir, "bounded.csv")));
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`vle: ${cx.failure.message}\n`);
  });

  it("settles: an unstable recurrent loop; the trace shows the state moving away at the reported step", () => {
    const r = check("bad-unstable", "settles");
    expect(r.status).toBe("failed");
    const cx = r.counterexample!;
    expect(cx.drive!.steps).toBeLessThanOrEqual(SHORT);
    // the written table: the shrunk input, then zero input up to the failing step
    expect(cx.failure.step).toBeLessThanOrEqual(SHORT);
    expect(cx.failure.message).toMatch(
      /moving away .*eigenvalue 4\.00000 of the discrete map .* modulus 4\.00000 >= 1/,
    );
    expect(r.details!.spectralRadius).toBeCloseTo(4, 9);
    const trace = join(dir, "settles.csv");
    const run = vle(...replayArgs(r, fixture("bad-unstable"), trace));
    expect(run.status, run.stderr).toBe(0);
    const value = traced(trace, cx.failure.signal!, cx.failure.step);
    expect(value).toBe(cx.failure.value);
    expect(Math.abs(value - cx.failure.expected!)).toBeGreaterThan(1e-6);
  });

  it("quantization-bound: weights too coarse; hardware and ideal mode replay both values", () => {
    const r = check("bad-coarse", "quantization-bound");
    expect(r.status).toBe("failed");
    const cx = r.counterexample!,
      f = cx.failure;
    expect(cx.drive!.steps).toBeLessThanOrEqual(SHORT);
    expect(f.signal).toBe("y.r[0]");
    expect(cx.replayCommand).toContain(`--mode hardware --seed ${cx.drive!.seed}`);
    const hardware = join(dir, "quant-hw.csv"),
      ideal = join(dir, "quant-ideal.csv");
    expect(
      vle(...replayArgs(r, fixture("bad-coarse"), hardware, ["--mode", "hardware", "--seed", String(cx.drive!.seed)]))
        .status,
    ).toBe(0);
    expect(vle(...replayArgs(r, fixture("bad-coarse"), ideal)).status).toBe(0);
    const [a, b] = [traced(hardware, f.signal!, f.step), traced(ideal, f.signal!, f.step)];
    expect(a).toBe(f.value);
    expect(b).toBe(f.expected);
    expect(Math.abs(a - b)).toBeGreaterThan(0.05);
  });

  it("descends: feedback that points uphill; the written window replays", () => {
    const r = check("bad-antifeedback", "descends");
    expect(r.status).toBe("failed");
    const cx = r.counterexample!;
    expect(cx.drive!.steps).toBeLessThanOrEqual(SHORT);
    expect(cx.failure.message).toMatch(/cosine with the exact descent direction -\d/);
    expect(cx.failure.signal).toBe("x_to_h.W");
    const trace = join(dir, "descends.csv");
    const run = vle(
      "simulate",
      fixture("bad-antifeedback"),
      "--input",
      cx.files!.input!,
      "--target",
      cx.files!.target!,
      "--out",
      trace,
    );
    expect(run.status, run.stderr).toBe(0);
    // the settling steps and the window, one trace row each
    expect(readFileSync(trace, "utf8").trimEnd().split("\n").length - 1).toBe(cx.failure.step);
  });
});

describe("known-good fixtures pass every property", () => {
  for (const name of ["good-chain", "good-features", "good-chip"]) {
    it(`${name} passes ${goodRuns} runs of every property that applies`, () => {
      const report = verify(loadTarget(fixture(name)), { runs: goodRuns, outDir: join(dir, name) });
      for (const x of report.results)
        expect(x.status, `${x.property}: ${x.counterexample?.failure.message ?? x.note}`).not.toBe("failed");
      const ran = report.results.filter((x) => x.status === "passed").map((x) => x.property);
      expect(ran).toEqual([
        "bounded",
        "settles",
        "compiles-faithfully",
        ...(name === "good-chip" ? ["quantization-bound"] : []),
        "descends",
        "deterministic",
        "roundtrip",
      ]);
      for (const x of report.results)
        if (x.status === "passed" && x.property !== "roundtrip") expect(x.runs).toBe(goodRuns);
    });
  }
});

/** A pipeline with `faulty` run right after the pass named `after`. */
const broken = (after: string, faulty: Pass) => passes.flatMap((p) => (p.name === after ? [p, faulty] : [p]));
const faults: { what: string; after: string; pass: Pass }[] = [
  {
    what: "resolve doubles the loss's beta",
    after: "resolve",
    pass: definePass({
      name: "faulty resolve",
      needs: ["description"],
      run: ({ description }) => void (description.loss.beta *= 2),
    }),
  },
  {
    what: "shapes reverses a per-neuron bias list",
    after: "shapes",
    pass: definePass({
      name: "faulty shapes",
      needs: ["graph"],
      run: ({ graph }) => void graph.populations.find((p) => p.name === "h")!.biasValues.reverse(),
    }),
  },
  {
    what: "lower swaps tau_m and tau_r",
    after: "lower",
    pass: definePass({
      name: "faulty lower",
      needs: ["circuit"],
      run: ({ circuit }) => {
        const p = circuit.populations[1];
        [p.tauM, p.tauR] = [p.tauR, p.tauM];
        return undefined;
      },
    }),
  },
  {
    what: "lower halves an error current's gamma",
    after: "lower",
    pass: definePass({
      name: "faulty lower",
      needs: ["circuit"],
      run: ({ circuit }) => void (circuit.errorCurrents[0].gamma /= 2),
    }),
  },
  {
    what: "error-paths flips the sign of a random feedback matrix",
    after: "error-paths",
    pass: definePass({
      name: "faulty error-paths",
      needs: ["circuit"],
      run: ({ circuit }) => {
        const x = circuit.crossbars.find((k) => k.name === "skip")!;
        x.feedbackWeights = x.feedbackWeights.map((w) => -w);
        return undefined;
      },
    }),
  },
  {
    what: "error-paths drops the broadcast",
    after: "error-paths",
    pass: definePass({
      name: "faulty error-paths",
      needs: ["circuit"],
      run: ({ circuit }) => void (circuit.broadcasts = []),
    }),
  },
  {
    what: "emit rounds the weights to float32",
    after: "emit",
    pass: definePass({
      name: "faulty emit",
      needs: ["circuit"],
      run: ({ circuit }) => {
        for (const x of circuit.crossbars) x.weights = x.weights.map(Math.fround);
        return undefined;
      },
    }),
  },
];

describe("compiles-faithfully is the oracle of every compiler pass", () => {
  for (const fault of faults) {
    it(`catches a broken pass: ${fault.what}; the faulty circuit replays its value, the right one the oracle's`, () => {
      const pipeline = broken(fault.after, fault.pass);
      const r = check("good-features", "compiles-faithfully", 100, pipeline);
      expect(r.status).toBe("failed");
      const cx = r.counterexample!,
        f = cx.failure;
      expect(cx.drive!.steps).toBeLessThanOrEqual(SHORT);
      expect(f.message).toMatch(/^step \d+: .* in the compiled circuit, but .* by the description's equations/);
      const faulty = join(dir, `faulty-${faults.indexOf(fault)}.pb`);
      writeCircuit(faulty, loadTarget(fixture("good-features"), pipeline).circuit);
      const [wrong, right] = [join(dir, "wrong.csv"), join(dir, "right.csv")];
      expect(vle(...replayArgs(r, faulty, wrong)).status).toBe(0);
      expect(vle(...replayArgs(r, fixture("good-features"), right)).status).toBe(0);
      expect(traced(wrong, f.signal!, f.step)).toBe(f.value);
      const oracle = traced(right, f.signal!, f.step);
      expect(Math.abs(oracle - f.expected!)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(oracle)));
    });
  }

  it("catches a pass that renames an element, before any step", () => {
    const pipeline = broken(
      "emit",
      definePass({
        name: "faulty rename",
        needs: ["circuit"],
        run: ({ circuit }) => void (circuit.crossbars[0].name = "renamed"),
      }),
    );
    const r = check("good-features", "compiles-faithfully", 10, pipeline);
    expect(r.status).toBe("failed");
    expect(r.counterexample!.failure.message).toMatch(
      /^projection 'u_to_h' \(u -> h\) is missing from the circuit; a compiler pass changed the circuit's structure/,
    );
  });
});

describe("vle verify on the command line", () => {
  it("exit 0 when every property passes, with one line per property", () => {
    const run = vle(
      "verify",
      fixture("good-chain"),
      "--runs",
      "5",
      "--property",
      "bounded",
      "--property",
      "roundtrip",
      "--out-dir",
      dir,
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^vle verify 'good-chain' .*\n {2}PASS bounded .*\n {2}PASS roundtrip .*\n2 passed, 0 failed, 0 skipped\n$/,
    );
  });

  it("exit 1 when a property fails, printing the counterexample, where it fails and the replay; --json gives the same as data", () => {
    const run = vle("verify", fixture("bad-saturating"), "--runs", "50", "--property", "bounded", "--out-dir", dir);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /FAIL bounded .*\n +counterexample: a drive of \d+ steps? \(shrunk \d+ times\); fails at step \d+, signal h\.u\[2\]\n +step \d+: population 'h' neuron 2: .*\n +wrote .*saturating-gain\.bounded\.input\.csv; replay: vle simulate /,
    );
    const json = vle(
      "verify",
      fixture("bad-saturating"),
      "--runs",
      "50",
      "--property",
      "bounded",
      "--out-dir",
      dir,
      "--json",
    );
    expect(json.status).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.passed).toBe(false);
    expect(report.results[0]).toMatchObject({
      property: "bounded",
      status: "failed",
      counterexample: { failure: { signal: "h.u[2]" } },
    });
  });

  it("exit 2 for usage errors, exit 1 with one line for a bad file", () => {
    for (const args of [["--property", "nonsense"], ["--runs", "0"], ["--max-steps", "x"], ["--unknown"]]) {
      const run = vle("verify", fixture("good-chain"), ...args);
      expect(run.status, args.join(" ")).toBe(2);
    }
    const missing = vle("verify", join(dir, "missing.yaml"));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^vle: .*missing\.yaml: cannot read \(ENOENT\)\n$/);
  });

  it("verifies a compiled circuit, finding its description through the provenance", () => {
    const pb = join(dir, "chain.pb");
    expect(vle("compile", fixture("good-chain"), "-o", pb).status).toBe(0);
    const run = vle("verify", pb, "--runs", "5", "--property", "compiles-faithfully", "--out-dir", dir);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain("PASS compiles-faithfully");
  });
});

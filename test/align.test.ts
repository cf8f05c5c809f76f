// `vle align` end to end: lagline from its task, a table-driven circuit whose printed gradient finite differences confirm, and one-line errors.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeCircuit } from "../circuits/codec.js";
import { vle } from "./cli.js";
import { align, type AlignOptions } from "../packages/cli/commands/align.js";
import { finiteDifferences, forwardLoss, randomCircuit, randomDrive, relativeError } from "./support/rule-fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "vle-align-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Json {
  loss: number;
  steps: number;
  batch: number;
  gradient: { projections: Record<string, number[][]>; populations: Record<string, { b: number[]; tau_m: number[] }> };
  rules: { rule: string; total: { cosine: number; normRatio: number }; arrays: { name: string; cosine: number }[] }[];
}

describe("vle align on lagline (the task's training sequences, examples/lagline.yaml)", () => {
  it("vle's total alignment with bptt is above 0.95 over the first 10 sequences as one batch; e-prop is exact on this chain", () => {
    const run = vle("align", "examples/lagline.yaml", "--task", "lagline", "--batch", "10", "--json");
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout) as Json;
    const rule = (name: string) => out.rules.find((r) => r.rule === name)!;
    console.log(
      `lagline, seed 0, sequences 0..9: ${out.rules.map((r) => `${r.rule} ${r.total.cosine.toFixed(4)} (norm ratio ${r.total.normRatio.toFixed(3)})`).join(", ")}`,
    );
    expect(out.steps).toBe(2000);
    expect(rule("vle").total.cosine).toBeGreaterThan(0.95);
    // every learned array of the chain gets the right sign from vle
    for (const a of rule("vle").arrays) expect(a.cosine).toBeCloseTo(1, 12);
    // two layers, no recurrence, symmetric feedback, one output neuron: e-prop's learning signal is the total derivative
    expect(rule("eprop").total.cosine).toBeCloseTo(1, 10);
    expect(rule("bptt").total.normRatio).toBe(1);
    // the gradient itself: [post][pre] per projection, b and tau_m per population
    expect(Object.keys(out.gradient.projections).sort()).toEqual(["l0_to_l1", "x_to_l0"].sort());
    expect(out.gradient.projections.x_to_l0).toHaveLength(1);
    expect(out.gradient.projections.x_to_l0[0]).toHaveLength(1);
    expect(out.gradient.populations.l1.tau_m).toHaveLength(1);
  });

  it("prints the table form", () => {
    const run = vle(
      "align",
      "examples/lagline.yaml",
      "--task",
      "lagline",
      "--window",
      "500",
      "--rules",
      "vle,tbptt:100,bptt",
    );
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/over 500 steps, batch 1/);
    expect(run.stdout).toMatch(/^ {2}total\s+\d\.\d{4}\s+\d\.\d{4}\s+1\.0000$/m);
    expect(run.stdout).toMatch(/tbptt:100/);
  });
});

describe("vle align on input and target tables", () => {
  const c = randomCircuit(
    { seed: 9, inputs: 2, hidden: [3], outputs: 2, recurrent: true, crossEntropy: false, dt: 0.1, spread: 8 },
    "VLE",
  );
  const drive = randomDrive(c, 25, 2, 9);
  const circuitFile = join(dir, "net.json");
  writeCircuit(circuitFile, c);
  const rows = (f: (s: number, b: number) => string) =>
    Array.from({ length: drive.batch }, (_, b) =>
      Array.from({ length: drive.steps }, (_, s) => `${b},${f(s, b)}`),
    ).flat();
  const inputFile = join(dir, "in.csv"),
    targetFile = join(dir, "target.csv");
  writeFileSync(
    inputFile,
    ["sample,x[0],x[1]", ...rows((s, b) => `${drive.inputs[s][2 * b]},${drive.inputs[s][2 * b + 1]}`)].join("\n") +
      "\n",
  );
  writeFileSync(
    targetFile,
    [
      "sample,y[0],y[1]",
      ...rows((s, b) => (drive.masks[s][b] ? `${drive.targets[s][2 * b]},${drive.targets[s][2 * b + 1]}` : ",")),
    ].join("\n") + "\n",
  );

  it("--json prints L and dL/dW [post][pre], dL/db, dL/dtau_m that finite differences confirm", () => {
    const run = vle("align", circuitFile, "--input", inputFile, "--target", targetFile, "--batch", "2", "--json");
    expect(run.stderr).toBe("");
    const out = JSON.parse(run.stdout) as Json;
    expect(out.batch).toBe(2);
    expect(out.loss).toBeCloseTo(forwardLoss(c, drive), 10);
    const fd = finiteDifferences(c, (probe) => forwardLoss(probe, drive));
    for (const x of c.crossbars)
      expect(relativeError(out.gradient.projections[x.name].flat(), fd.get(`${x.name}.W`)!)).toBeLessThan(1e-6);
    for (const p of c.populations) {
      expect(relativeError(out.gradient.populations[p.name].b, fd.get(`${p.name}.b`)!)).toBeLessThan(1e-6);
      expect(relativeError(out.gradient.populations[p.name].tau_m, fd.get(`${p.name}.tau_m`)!)).toBeLessThan(1e-6);
    }
    expect(out.rules.map((r) => r.rule)).toEqual(["vle", "instantaneous", "eprop", "bptt"]);
  });

  it("refuses bad requests with one line (exit 1 from the CLI)", () => {
    const cases: [Partial<AlignOptions>, RegExp][] = [
      [
        { task: "lagline", input: inputFile, target: targetFile },
        /give either --task <name> or --input <table> --target <table>/,
      ],
      [{ input: inputFile }, /give --input <table> and --target <table> together/],
      [{ input: inputFile, target: targetFile, window: 26 }, /--window 26 exceeds the 25 steps/],
      [
        { input: inputFile, target: targetFile, rules: "vle,tbptt" },
        /--rules: 'tbptt' needs a window of whole steps >= 1/,
      ],
      [{ input: inputFile, target: targetFile, sample: 1, batch: 2 }, /has 2 sample\(s\); lower them/],
    ];
    for (const [options, message] of cases) expect(() => align(circuitFile, options)).toThrow(message);
    const run = vle("align", circuitFile, "--input", inputFile, "--target", targetFile, "--window", "26");
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^vle: .*--window 26 exceeds the 25 steps of .*; lower --window\n$/);
  });
});

// `vle demo` end to end: the whole pipeline on examples/lagline-chip.yaml, a readable summary (JSON only with --json) and an HTML report.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { vle } from "./cli.js";

const dir = mkdtempSync(join(tmpdir(), "vle-demo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("vle demo", () => {
  it("prints each stage readably: the chip, teacher / start / ideal / chip values, energy against BPTT, verify; writes the report", () => {
    const page = join(dir, "demo.html");
    const run = vle("demo", "--report", page);
    expect(run.status, run.stderr).toBe(0);
    const out = run.stdout;
    expect(out).not.toContain("{");
    expect(out).toMatch(/^1\. compiled .*lagline-chip\.yaml for analog-65nm:$/m);
    expect(out).toMatch(/^ {3}effects on: .*thermalNoise.*mismatch/m);
    expect(out).toMatch(/^ {3}parameter +teacher +start +ideal mode +on chip$/m);
    expect(out).toMatch(/^ {3}w +x -> l0 +1 +0\.6000 +1\.00\d\d +\d\.\d{4}$/m);
    expect(out).toContain("ideal mode: recovered the teacher (weights within 2 %, tau_m within 5 %)");
    expect(out).toMatch(/^ {3}on chip: (recovered|not recovered)/m);
    expect(out).toMatch(/^ {3}BPTT fp32: [\d.e+-]+ J per sample, [\d.]+x the chip's$/m);
    expect(out).toMatch(/^ {3}bounded +passed$/m);
    expect(out).toMatch(/^5\. wrote .*demo\.html/m);
    expect(out).toMatch(/^done in [\d.]+ s$/m);
    const html = readFileSync(page, "utf8");
    for (const heading of ["Learning", "Weights", "Energy", "Timing", "Verification"])
      expect(html).toContain(`<h2>${heading}</h2>`);
    expect(html).toContain("the same description trained in ideal mode by this demo");
  });

  it("--json prints the results as JSON and nothing else", () => {
    const run = vle("demo", "--json", "--no-report");
    expect(run.status, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout);
    expect(r.ideal.final.recovered).toBe(true);
    expect(r.onChip.final.testMse).toBeGreaterThan(0);
    expect(r.energy.vs.ratio.fp32).toBeGreaterThan(1);
    expect(r.verify.results.map((x: { status: string }) => x.status)).toEqual(Array(7).fill("passed"));
    expect(r.report).toBeUndefined();
  });
});

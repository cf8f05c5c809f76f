import { describe, expect, it } from "vitest";
import { expectOneLineError, vle } from "./cli.js";

describe("vle analyze", () => {
  it("finds the fixed points of an untrained HMM emulator and analyses its orbit and neurons", () => {
    const run = vle(
      "analyze",
      "examples/hmm-noise.yaml",
      "--task",
      "hmm:cyclic:4",
      "--noise-only",
      "--sequences",
      "8",
      "--json",
    );
    expect(run.status, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout);
    expect(r.fixedPoints.length).toBeGreaterThan(0);
    for (const p of r.fixedPoints) expect(p.residual).toBeLessThan(1e-10);
    expect(r.hmm.explained).toHaveLength(3);
    expect(r.hmm.residency.states).toHaveLength(4);
    expect(r.hmm.ablation.neurons).toHaveLength(48);
  });

  it("refuses a task that is not an HMM and an unknown architecture, in one line", () => {
    expectOneLineError(
      vle("analyze", "examples/hmm.yaml", "--task", "lagline"),
      "vle: --task lagline: analyze reads HMM emulators only",
      2,
    );
    expectOneLineError(
      vle("analyze", "examples/hmm.yaml", "--task", "hmm:ring"),
      "vle: task 'hmm:ring': unknown HMM architecture 'ring'",
    );
  });
});

// `vle export-spice` from files: tables become PWL sources, bad input gives a one-line error and writes nothing (no ngspice needed).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { VleError } from "../circuits/errors.js";
import { exportSpiceFile } from "../packages/cli/commands/export-spice.js";

const dir = mkdtempSync(join(tmpdir(), "vle-spice-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe("exportSpiceFile", () => {
  it("compiles a description and writes PWL sources through the table's rows at t = row * dt", () => {
    const input = file("in.csv", "x[0]\n0\n0.5\n1\n");
    const target = file("target.csv", "l1[0]\n\n0.2\n0.3\n");
    const out = join(dir, "lagline.cir");
    const netlist = exportSpiceFile("examples/lagline.yaml", out, { input, target, learn: true });
    const text = readFileSync(out, "utf8");
    expect(text).toBe(netlist.text);
    expect(netlist.tstop).toBe(0.03);
    expect(text).toMatch(/^Vin_x_0 in_x_0 0 PWL\(0 0 1e-8 0\.5 2e-8 1\)$/m);
    expect(text).toMatch(/^Vm_l1_target m_l1_target 0 PWL\(0 0 1e-8 1 2e-8 1\)$/m);
    // learning: every plastic parameter of lagline is a node (two weights, two tau_m)
    expect(netlist.probes.filter((p) => p.quantity === "W" || p.quantity === "tau_m")).toHaveLength(4);
  });

  it("names the table, row or flag at fault and writes nothing", () => {
    const out = join(dir, "bad.cir");
    const cases: [() => unknown, RegExp][] = [
      [
        () => exportSpiceFile("examples/lagline.yaml", out, { input: file("wrong.csv", "z[0]\n1\n") }),
        /wrong\.csv:1: column 'z\[0\]' names no input/,
      ],
      [
        () => exportSpiceFile("examples/lagline.yaml", out, { input: file("text.csv", "x[0]\nabc\n") }),
        /text\.csv:2: column 'x\[0\]': 'abc' is not a number/,
      ],
      [
        () => exportSpiceFile("examples/lagline.yaml", out, { tstop: "soon" }),
        /--tstop soon must be a positive number/,
      ],
      [() => exportSpiceFile("examples/lagline.yaml", out, {}), /no end time; give --tstop/],
      [() => exportSpiceFile("examples/missing.yaml", out, { tstop: "1" }), /missing\.yaml: cannot read/],
    ];
    for (const [run, message] of cases) {
      expect(run).toThrow(VleError);
      expect(run).toThrow(message);
    }
    expect(existsSync(out)).toBe(false);
  });
});

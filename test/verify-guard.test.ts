// The simulator's guard against a membrane past the rails: the declared rails in ideal mode, the chip's rails in hardware mode unless rail saturation clips them, none where none are declared.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { railsOf } from "../circuits/envelope.js";
import { compileSource } from "../compiler/index.js";
import { simulate } from "../packages/cli/commands/simulate.js";

const dir = mkdtempSync(join(tmpdir(), "vle-guard-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** x -> h with gain 8: a held input of 1 drives u toward 8, past the chip's rails at +-6 (65 nm card: 1.2 V supply, 0.1 V per unit). */
const network = (extra: string) => `
name: gain
dt: 0.1
${extra}
populations:
  - { name: x, kind: input, size: 1 }
  - { name: h, size: 1, tau_m: 1, tau_r: 1, phi: tanh }
  - { name: y, kind: output, size: 1, tau_m: 1 }
projections:
  - { from: x, to: h, weights: [[8]] }
  - { from: h, to: y, weights: [[1]] }
learning: { rule: none }
`;
const chip = (effects: string) => network("") + `hardware: { card: analog-65nm, time_unit: 1 ms, effects: ${effects} }\n`;

function run(text: string, mode?: "ideal" | "hardware"): string | undefined {
  const file = join(dir, "net.yaml"), input = join(dir, "in.csv");
  writeFileSync(file, text);
  writeFileSync(input, "x[0]\n" + "1\n".repeat(60));
  try {
    simulate(file, { input, out: join(dir, "trace.csv"), mode });
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

describe("the rails guard", () => {
  it("declared rails stop an ideal run at the first step past them, naming population and neuron", () => {
    // u(s) = 8 (1 - 0.9^s) passes 3 at s = 5 (8 (1 - 0.9^5) = 3.28)
    expect(run(network("rails: [-3, 3]"))).toMatch(/^step 5: population 'h' neuron 0: u = 3\.27\d+ is past the rails \[-3, 3\]; /);
    expect(run(network(""))).toBeUndefined(); // no rails declared: none checked
  });

  it("a chip's rails: ideal mode and hardware mode without saturation stop, saturation on clips instead", () => {
    expect(railsOf(compileSource(chip("none"), "chip.yaml"))).toEqual([-6, 6]);
    // u passes 6 at s = 14 (8 (1 - 0.9^14) = 6.14)
    expect(run(chip("none"), "ideal")).toMatch(/^step 14: population 'h' neuron 0: u = 6\.1\d+ is past the rails \[-6, 6\]; /);
    expect(run(chip("none"), "hardware")).toMatch(/^step 14: population 'h' neuron 0: u = 6\.1\d+ is past the rails \[-6, 6\]; /);
    expect(run(chip("[rails]"), "hardware")).toBeUndefined();
  });
});

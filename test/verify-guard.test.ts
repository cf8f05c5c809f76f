// The simulator's guard against a membrane past the rails: the declared rails in ideal mode, the chip's rails in hardware mode unless rail saturation clips them, none where none are declared.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
const chip = (effects: string) =>
  network("") + `hardware: { card: analog-65nm, time_unit: 1 ms, effects: ${effects} }\n`;

function run(text: string, mode?: "ideal" | "hardware"): string | undefined {
  const file = join(dir, "net.yaml"),
    input = join(dir, "in.csv");
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
    expect(run(network("rails: [-3, 3]"))).toMatch(
      /^step 5: population 'h' neuron 0: u = 3\.27\d+ is past the rails \[-3, 3\]; /,
    );
    expect(run(network(""))).toBeUndefined(); // no rails declared: none checked
  });

  it("a chip's rails: ideal mode and hardware mode without saturation stop, saturation on clips instead", () => {
    const [lo, hi] = railsOf(compileSource(chip("none"), "chip.yaml"))!;
    expect(lo).toBeCloseTo(-6, 12);
    expect(hi).toBeCloseTo(6, 12);
    // u passes 6 at s = 14 (8 (1 - 0.9^14) = 6.14)
    expect(run(chip("none"), "ideal")).toMatch(
      /^step 14: population 'h' neuron 0: u = 6\.1\d+ is past the rails \[-6, 6\]; /,
    );
    expect(run(chip("none"), "hardware")).toMatch(
      /^step 14: population 'h' neuron 0: u = 6\.1\d+ is past the rails \[-6, 6\]; /,
    );
    expect(run(chip("[rails]"), "hardware")).toBeUndefined();
  });
});

describe("bounded on a chip", () => {
  it("finds a random chip whose mismatch drives a membrane onto a clipping rail, which ideal mode never reaches; the hardware trace replays it", async () => {
    const { loadTarget, verify } = await import("../packages/verify/index.js");
    // gain 5.9: ideal mode stays inside +-6 for inputs in [-1, 1]; a membrane offset (mismatch, std 0.5) pushes some chips past
    const file = join(dir, "clipping.yaml");
    writeFileSync(
      file,
      network("").replace("weights: [[8]]", "weights: [[5.9]]") +
        "hardware: { card: analog-65nm, time_unit: 1 ms, effects: [rails, mismatch], mismatch: { offset: 0.5 } }\n",
    );
    const r = verify(loadTarget(file), { properties: ["bounded"], runs: 200, outDir: dir }).results[0];
    expect(r.status).toBe("failed");
    const cx = r.counterexample!,
      f = cx.failure;
    expect(f.message).toMatch(
      new RegExp(
        `^step ${f.step}: population 'h' neuron 0: u = -?(6|5\\.9+) is held at the rail of \\[-6, 6\\]: the chip saturates \\(chip seed ${cx.drive!.seed}\\)`,
      ),
    );
    expect(f.replay!.mode).toBe("hardware");
    expect(cx.replayCommand).toContain(`--mode hardware --seed ${cx.drive!.seed} --record 'h.u[0]'`);
    // the replay: the chip's trace holds the membrane at the rail at that step
    const trace = join(dir, "clip-trace.csv");
    simulate(file, { input: cx.files!.input!, out: trace, mode: "hardware", seed: cx.drive!.seed, record: "h.u[0]" });
    const row = readFileSync(trace, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => l.split(","))
      .find((cells) => Number(cells[0]) === f.step)!;
    expect(Math.abs(Number(row[2]))).toBeCloseTo(6, 12);
    expect(Number(row[2])).toBe(f.value);
  });
});

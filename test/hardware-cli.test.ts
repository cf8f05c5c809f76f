// `vle simulate --mode hardware --seed --vcd`: the chip run from the command's entry point, its equality with ideal mode when every effect is off, and its one-line errors.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeCircuit } from "../circuits/codec.js";
import { compileSource } from "../compiler/index.js";
import { simulate } from "../packages/cli/commands/simulate.js";

const dir = mkdtempSync(join(tmpdir(), "vle-hw-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);

const lagline = readFileSync("examples/lagline.yaml", "utf8");
const chip = (effects: string) => {
  const file = at(`lagline-${effects.replace(/\W/g, "")}.pb`);
  writeCircuit(
    file,
    compileSource(
      `${lagline}\nhardware:\n  card: analog-65nm\n  effects: ${effects}\n  core: { neurons: 1 }\n`,
      "lagline.yaml",
    ),
  );
  return file;
};
const steps = 300;
writeFileSync(at("in.csv"), "x[0]\n" + Array.from({ length: steps }, (_, k) => 1 + Math.sin(k / 20)).join("\n") + "\n");
writeFileSync(
  at("target.csv"),
  "l1[0]\n" + Array.from({ length: steps }, (_, k) => 0.9 + 0.2 * Math.cos(k / 30)).join("\n") + "\n",
);
const run = (file: string, extra: Record<string, unknown>) =>
  simulate(file, {
    input: at("in.csv"),
    target: at("target.csv"),
    record: "l0.r,l1.r,l1.e,x_to_l0.W,l0_to_l1.W",
    ...extra,
  });

describe("vle simulate in hardware mode", () => {
  it("with every effect off writes the same trace as ideal mode (learning on, two cores)", () => {
    const file = chip("none");
    run(file, { out: at("ideal.csv") });
    const s = run(file, { out: at("hardware.csv"), mode: "hardware" });
    expect(s.timing!.ticks).toBe(steps);
    expect(s.learned).toBe("vle");
    // header names with commas (W[0,0]) are quoted
    const rows = (f: string) =>
      readFileSync(at(f), "utf8")
        .trimEnd()
        .split("\n")
        .map((l) => l.match(/"[^"]*"|[^,]+/g)!);
    const [ideal, hardware] = [rows("ideal.csv"), rows("hardware.csv")];
    expect(hardware[0]).toEqual(ideal[0]);
    const weights = ideal[0].map((name, k) => (name.includes(".W[") ? k : -1)).filter((k) => k >= 0);
    expect(weights).toHaveLength(2);
    for (let k = 1; k < ideal.length; k++) {
      // the states are the same numbers; the chip writes a tick's weight update during the next tick
      expect(hardware[k].filter((_, c) => !weights.includes(c))).toEqual(
        ideal[k].filter((_, c) => !weights.includes(c)),
      );
      if (k + 1 < ideal.length) expect(weights.map((c) => hardware[k + 1][c])).toEqual(weights.map((c) => ideal[k][c]));
    }
  });

  it("with effects on, writes VCD waveforms with ADC codes and weight levels, reproducibly under --seed", () => {
    const file = chip("all");
    const a = run(file, { vcd: at("a.vcd"), mode: "hardware", seed: 5, record: "all" });
    run(file, { vcd: at("b.vcd"), mode: "hardware", seed: 5, record: "all" });
    run(file, { vcd: at("c.vcd"), mode: "hardware", seed: 6, record: "all" });
    const body = (f: string) => readFileSync(at(f), "utf8").replace(/^\$date.*$/m, "");
    expect(body("a.vcd")).toBe(body("b.vcd"));
    expect(body("a.vcd")).not.toBe(body("c.vcd"));
    expect(body("a.vcd")).toMatch(/\$var wire \d+ \S+ r_code_0 \$end/);
    expect(body("a.vcd")).toMatch(/\$var wire \d+ \S+ W_code_0_0 \$end/);
    // lagline on two cores: l1's error reaches l0 a tick late (see test/hardware-engine.test.ts)
    expect(a.timing!.staleValues).toBeGreaterThan(0);
  });

  it("says in one line what is wrong with the options", () => {
    const file = chip("none");
    expect(() => run(file, { out: at("x.csv"), mode: "analog" })).toThrow("--mode analog: give ideal or hardware");
    expect(() => run(file, { out: at("x.csv"), seed: 3 })).toThrow(/--seed .* use it with --mode hardware/);
    expect(() => run(file, { mode: "hardware" })).toThrow(
      "nothing to write: give --out <trace.csv>, --vcd <waves.vcd>, or both",
    );
    const plain = at("plain.pb");
    writeCircuit(plain, compileSource(lagline, "lagline.yaml"));
    expect(() => run(plain, { out: at("x.csv"), mode: "hardware" })).toThrow(
      /has no hardware section, so it cannot run in hardware mode; compile it with a target/,
    );
  });
});

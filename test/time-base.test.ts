// One time base end to end: a `dt: 0.1 ms` network's VCD timescale, SPICE .tran, `vle inspect` and a task's step
// counts all come from the circuit's time_unit_s, and a task timing its dt cannot express is an error.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCircuit } from "../circuits/codec.js";
import { compileSource } from "../compiler/index.js";
import { createDelayedXor } from "../packages/tasks/delayed-xor.js";
import { createLagline, laglineTeacherTauM } from "../packages/tasks/lagline.js";
import { expectOneLineError, vle } from "./cli.js";

const dir = mkdtempSync(join(tmpdir(), "vle-time-"));
const example = readFileSync("examples/delayed-xor.yaml", "utf8");
/** examples/delayed-xor.yaml with dt in a unit: its plain-number taus are then in that unit too */
const withDt = (dt: string) => example.replace(/^dt: 0\.1$/m, `dt: ${dt}`);
const task = (dt: string) =>
  createDelayedXor({ seed: 1, circuit: compileSource(withDt(dt), "x.yaml"), trainSize: 2, testSize: 2 });

describe("one time base", () => {
  it("a dt: 0.1 ms network: inspect, VCD timescale, SPICE .tran and task steps agree on 100 us per step", () => {
    const yaml = join(dir, "net.yaml"),
      pb = join(dir, "net.pb"),
      input = join(dir, "in.csv"),
      vcd = join(dir, "w.vcd"),
      cir = join(dir, "net.cir");
    writeFileSync(yaml, withDt("0.1 ms"));
    expect(vle("compile", yaml, "-o", pb).status).toBe(0);
    const c = readCircuit(pb);
    expect([c.dt, c.timeUnitS]).toEqual([0.1, 1e-3]);

    const inspect = vle("inspect", pb);
    expect(inspect.stdout).toContain("dt = 100 us; 1 model time unit = 1 ms");
    expect(inspect.stdout).toMatch(/population m \[16\] tanh, tau_m 10 ms, tau_r 100 us/);

    // 30 steps of input: 3 ms
    writeFileSync(input, `x[0],x[1]\n${Array.from({ length: 30 }, (_, s) => `${s % 7 === 0 ? 1 : 0},0`).join("\n")}\n`);
    const sim = vle("simulate", pb, "--input", input, "--vcd", vcd);
    expect(sim.status, sim.stderr).toBe(0);
    const waves = readFileSync(vcd, "utf8");
    expect(waves).toContain("$timescale 100 us $end");
    expect(waves).toMatch(/\n#30\n/); // the last step at 30 x 100 us = 3 ms

    expect(vle("export-spice", pb, "--input", input, "-o", cir).status).toBe(0);
    const netlist = readFileSync(cir, "utf8");
    expect(netlist).toMatch(/^\.tran 1e-4 0\.003 /m); // step 100 us, stop 3 ms
    // 1 pF per us of the time unit: the currents C / time unit of a dimensionless circuit at 1 us
    expect(netlist).toContain("capacitance 1e-9 F; g_L = C / (tau * 0.001 s)");

    // delayed-xor times its sequences in ms: 11 ms = 110 steps of 0.1 ms, 220 of 0.05 ms
    expect(task("0.1 ms").steps).toBe(110);
    expect(task("0.05 ms").steps).toBe(220);
  });

  it("lagline (timings in ms): its teacher and sequence are the same in any unit dt is written in", () => {
    const lagline = readFileSync("examples/lagline.yaml", "utf8");
    const inMs = compileSource(lagline.replace(/^dt: 0\.01$/m, "dt: 0.01 ms"), "ms.yaml");
    const inUs = compileSource(
      lagline
        .replace(/^dt: 0\.01$/m, "dt: 10 us")
        .replace("tau_m: 0.6, tau_r: 0.1", "tau_m: 0.6 ms, tau_r: 0.1 ms")
        .replace("tau_m: 3.0, tau_r: 0.1", "tau_m: 3.0 ms, tau_r: 0.1 ms"),
      "us.yaml",
    );
    expect([inMs.timeUnitS, inUs.timeUnitS, inUs.dt, inUs.populations[0].tauM[0]]).toEqual([1e-3, 1e-6, 10, 600]);
    expect(laglineTeacherTauM(inMs)).toEqual([1, 2]);
    expect(laglineTeacherTauM(inUs)).toEqual([1000, 2000]);
    const [a, b] = [inMs, inUs].map((c) => createLagline({ seed: 3, circuit: c, trainSize: 1, testSize: 1 }));
    expect([a.steps, b.steps]).toEqual([2000, 2000]);
    // the same teacher output, up to the rounding of dt / tau computed in other units
    const [ya, yb] = [a.train.sequence(0).target, b.train.sequence(0).target];
    expect(ya.reduce((m, y, s) => Math.max(m, Math.abs(y - yb[s])), 0)).toBeLessThan(1e-12);
  });

  it("a dimensionless description takes the task's unit (its dt 0.1 is 0.1 ms): the same 110 steps", () => {
    expect(task("0.1").steps).toBe(110);
    expect(compileSource(withDt("0.1"), "x.yaml").timeUnitS).toBeUndefined();
  });

  it("a task timing that is not a whole number of steps is an error naming the timing and dt", () => {
    expect(() => task("0.03 ms")).toThrow(
      "task 'delayed-xor': its lead of 1 ms is 33.3333 steps of dt = 30 us, not a whole number; choose a dt that divides 1 ms",
    );
  });

  it("µs is a unit in descriptions, and hardware.time_unit contradicting dt's unit is an error", () => {
    const micro =
      "dt: 10 µs\npopulations:\n  - { name: x, kind: input, size: 1 }\n  - { name: y, kind: output, size: 1, tau_m: 1 ms }\nprojections:\n  - { from: x, to: y }\n";
    const c = compileSource(micro, "micro.yaml");
    expect([c.dt, c.timeUnitS, c.populations[0].tauM[0]]).toEqual([10, 1e-6, 1000]);
    const file = join(dir, "clash.yaml");
    writeFileSync(file, `${withDt("0.1 ms")}\nhardware: { card: analog-65nm, time_unit: 1 us }\n`);
    expectOneLineError(
      vle("compile", file, "-o", join(dir, "clash.pb")),
      /hardware\.time_unit: 0\.000001 s per model time unit, but dt's unit \(ms\) makes it 0\.001 s: a circuit has one time base/,
    );
  });
});

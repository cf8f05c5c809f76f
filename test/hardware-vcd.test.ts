// VCD output checked by an independent parser (structure, identifiers, monotonic time, values equal to the engine's) and, where GTKWave's tools are installed, by vcd2fst.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Rule, Signal } from "../circuits/model.js";
import { compileSource } from "../compiler/index.js";
import { Engine } from "../simulator/engine.js";
import { HardwareEngine } from "../simulator/hardware/engine.js";
import { bits, timescale, vcdIdentifier, VcdRecorder } from "../simulator/recorders/vcd.js";

interface Parsed {
  timescale: string;
  vars: Map<string, { type: string; width: number; path: string }>;
  /** per time stamp, the values set then (id -> text) */
  changes: { time: number; values: Map<string, string> }[];
}

/** A strict reader of the subset of VCD we write: declarations, then #time blocks of value changes. */
function parseVcd(text: string): Parsed {
  const tokens = text.split(/\s+/).filter(Boolean);
  const vars = new Map<string, { type: string; width: number; path: string }>();
  const scope: string[] = [],
    opened = new Set<string>();
  let ts = "",
    k = 0;
  const until = (end: string) => {
    const out: string[] = [];
    while (tokens[k] !== end) {
      if (k >= tokens.length) throw new Error(`no ${end}`);
      out.push(tokens[k++]);
    }
    k++;
    return out;
  };
  for (;;) {
    const t = tokens[k++];
    if (t === "$enddefinitions") {
      until("$end");
      break;
    }
    if (t === "$date" || t === "$version" || t === "$comment") until("$end");
    else if (t === "$timescale") ts = until("$end").join(" ");
    else if (t === "$scope") {
      const [kind, name] = until("$end");
      expect(kind).toBe("module");
      scope.push(name);
      expect(opened.has(scope.join(".")), `scope ${scope.join(".")} opened twice`).toBe(false);
      opened.add(scope.join("."));
    } else if (t === "$upscope") {
      until("$end");
      expect(scope.pop()).toBeDefined();
    } else if (t === "$var") {
      const [type, width, id, name, ...rest] = until("$end");
      expect(rest).toEqual([]);
      expect(["real", "wire"]).toContain(type);
      expect(vars.has(id)).toBe(false);
      vars.set(id, { type, width: Number(width), path: [...scope, name].join(".") });
    } else throw new Error(`unexpected token '${t}' in the header`);
  }
  expect(scope).toEqual([]);
  const changes: Parsed["changes"] = [];
  for (; k < tokens.length; k++) {
    const t = tokens[k];
    if (t === "$dumpvars" || t === "$end") continue;
    if (t.startsWith("#")) {
      changes.push({ time: Number(t.slice(1)), values: new Map() });
      continue;
    }
    const block = changes.at(-1)!;
    if (t.startsWith("r") || t.startsWith("b")) {
      const id = tokens[++k];
      const v = vars.get(id);
      expect(v, `value for undeclared id ${id}`).toBeDefined();
      if (t.startsWith("r")) {
        expect(v!.type).toBe("real");
        expect(Number.isFinite(Number(t.slice(1)))).toBe(true);
      } else {
        expect(v!.type).toBe("wire");
        expect(t.slice(1)).toMatch(new RegExp(`^[01]{${v!.width}}$`));
      }
      block.values.set(id, t);
    } else throw new Error(`unexpected token '${t}'`);
  }
  for (let i = 1; i < changes.length; i++) expect(changes[i].time).toBeGreaterThan(changes[i - 1].time);
  return { timescale: ts, vars, changes };
}

const network = compileSource(
  `
name: wave
dt: 0.01
seed: 2
populations:
  - { name: x, kind: input, size: 2 }
  - { name: h, size: 3, tau_m: 0.5, tau_r: 0.1, phi: tanh }
  - { name: y, kind: output, size: 1, tau_m: 0.5, tau_r: 0.1, phi: linear }
projections:
  - { from: x, to: h, init: { kind: xavier, seed: 1 } }
  - { from: h, to: y, init: { kind: xavier, seed: 2 } }
loss: { kind: mse, beta: 0.2 }
learning: { rule: vle, eta: 0.05, optimizer: sgd }
hardware:
  card: analog-65nm
  time_unit: 1 ms
  weights: { bits: 5 }
  effects: [weights, adc, dac]
`,
  "wave.yaml",
);

function record(engine: Engine, spec: string, steps: number): { text: string; values: Map<string, number>[] } {
  const dir = mkdtempSync(join(tmpdir(), "vle-vcd-"));
  const path = join(dir, "out.vcd");
  const vcd = new VcdRecorder(path, engine, spec);
  for (let k = 0; k < steps; k++) {
    engine.input("x").set([Math.sin(k / 5), Math.cos(k / 7)]);
    engine.outputs[0].target[0] = 0.5;
    engine.outputs[0].mask[0] = 1;
    engine.advance();
    vcd.record();
  }
  vcd.close();
  return { text: readFileSync(path, "utf8"), values: [] };
}

describe("VCD", () => {
  it("names identifiers in base 94 of printable ASCII and writes two's complement vectors", () => {
    expect([vcdIdentifier(0), vcdIdentifier(93), vcdIdentifier(94)]).toEqual(["!", "~", '!"']);
    expect(bits(5, 4)).toBe("0101");
    expect(bits(-3, 4)).toBe("1101");
    expect(timescale(1e-9)).toEqual({ unit: "1 ns", per: 1 });
    expect(timescale(4e-9)).toEqual({ unit: "1 ns", per: 4 });
    expect(timescale(1e-5)).toEqual({ unit: "10 us", per: 1 });
  });

  it("in hardware mode: reals for analog signals, vectors for ADC codes and weight levels, stamped in clock cycles", () => {
    const hw = new HardwareEngine(network);
    const { text } = record(hw, "all", 60);
    const vcd = parseVcd(text);
    expect(vcd.timescale).toBe("1 ns");
    const paths = [...vcd.vars.values()].map((v) => v.path);
    expect(paths).toContain("wave.h.u_0");
    expect(paths).toContain("wave.h.r_code_2");
    expect(paths).toContain("wave.x_to_h.W_code_1_0");
    // one stamp per tick, at the end of the tick in cycles
    expect(vcd.changes.at(-1)!.time).toBe(hw.cycles);
    expect(vcd.changes[1].time - vcd.changes[0].time).toBe(hw.cyclesPerTick);
    // the last value written for each variable is the engine's current value
    const last = new Map<string, string>();
    for (const c of vcd.changes) for (const [id, v] of c.values) last.set(id, v);
    const byPath = new Map([...vcd.vars].map(([id, v]) => [v.path, { ...v, value: last.get(id)! }]));
    const h = hw.population("h");
    for (let i = 0; i < 3; i++) expect(Number(byPath.get(`wave.h.u_${i}`)!.value.slice(1))).toBe(h.now.u[i]);
    const range = network.hardware!.ranges.find((r) => r.element === "h" && r.signal === Signal.RATE_SIGNAL)!;
    const lsb = (range.hi - range.lo) / (2 ** network.hardware!.adc.bits - 1);
    expect(parseInt(byPath.get("wave.h.r_code_2")!.value.slice(1), 2)).toBe(
      Math.round((hw.rateAdc[0][2] - range.lo) / lsb),
    );
    const store = network.hardware!.weights[0],
      w = hw.crossbars[0].weights[1 * 2 + 0];
    const code = byPath.get("wave.x_to_h.W_code_1_0")!.value.slice(1),
      width = code.length;
    const level = parseInt(code, 2) >= 2 ** (width - 1) ? parseInt(code, 2) - 2 ** width : parseInt(code, 2);
    expect(level * store.scale).toBeCloseTo(w, 12);
  });

  it("in ideal mode: model time dt x time unit (10 us steps here), several batch slots in scopes of their own", () => {
    const engine = new Engine(network, { batch: 2, rule: Rule.NONE });
    const { text } = record(engine, "h.r,y.u", 20);
    const vcd = parseVcd(text);
    expect(vcd.timescale).toBe("10 us");
    expect([...vcd.vars.values()].map((v) => v.path)).toEqual([
      "wave.s0.h.r_0",
      "wave.s0.h.r_1",
      "wave.s0.h.r_2",
      "wave.s0.y.u_0",
      "wave.s1.h.r_0",
      "wave.s1.h.r_1",
      "wave.s1.h.r_2",
      "wave.s1.y.u_0",
    ]);
    expect(vcd.changes.map((c) => c.time)).toEqual(Array.from({ length: 20 }, (_, k) => k + 1));
  });

  it("refuses converter codes in ideal mode and unknown elements, in one line", () => {
    const dir = mkdtempSync(join(tmpdir(), "vle-vcd-"));
    expect(() => new VcdRecorder(join(dir, "a.vcd"), new Engine(network), "h.r_code")).toThrow(
      /exist in hardware mode only; run with --mode hardware/,
    );
    expect(() => new VcdRecorder(join(dir, "a.vcd"), new HardwareEngine(network), "q.r_code")).toThrow(
      /no population named 'q'/,
    );
  });

  it.skipIf(!existsSync("/usr/bin/vcd2fst"))(
    "GTKWave's vcd2fst reads the file and fst2vcd gives back the same signals",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "vle-vcd-"));
      const hw = new HardwareEngine(network);
      const vcdPath = join(dir, "out.vcd");
      const vcd = new VcdRecorder(vcdPath, hw, "all");
      for (let k = 0; k < 40; k++) {
        hw.input("x").set([Math.sin(k / 5), 1]);
        hw.advance();
        vcd.record();
      }
      vcd.close();
      execFileSync("/usr/bin/vcd2fst", [vcdPath, join(dir, "out.fst")], { stdio: "pipe" });
      const back = parseVcd(execFileSync("/usr/bin/fst2vcd", [join(dir, "out.fst")], { encoding: "utf8" }));
      const mine = parseVcd(readFileSync(vcdPath, "utf8"));
      expect([...back.vars.values()].map((v) => v.path).sort()).toEqual(
        [...mine.vars.values()].map((v) => v.path).sort(),
      );
      expect(back.changes.at(-1)!.time).toBe(mine.changes.at(-1)!.time);
    },
  );
});

// The validator knows what the simulator can run: IR JSON that used to pass it and then crash the simulator (huge sizes, windows, converter counts, time scales; unsafe names; loose enums, integers and fields) is refused in one line naming the element, before anything is allocated.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { toJSON } from "../circuits/codec.js";
import { VleError } from "../circuits/errors.js";
import { compileFile, compileSource } from "../compiler/index.js";
import { simulate } from "../packages/cli/commands/simulate.js";
import { loadCircuit } from "../packages/load/load.js";
import { widened } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "vle-limits-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
type Json = Record<string, any>;
const lagline = toJSON(compileFile("examples/lagline.yaml")) as Json;
const chip = toJSON(compileFile("examples/lagline-chip.yaml")) as Json;

/** Writes `base` changed by `edit` as IR JSON and expects loading it to fail in one line matching `match`, fast. */
function refused(base: Json, edit: (c: Json) => void, match: RegExp): void {
  const c = structuredClone(base);
  edit(c);
  const file = join(dir, `c${n++}.json`);
  writeFileSync(file, JSON.stringify(c));
  const started = performance.now();
  let caught: unknown;
  try {
    loadCircuit(file);
  } catch (err) {
    caught = err;
  }
  expect(caught, JSON.stringify(match)).toBeInstanceOf(VleError);
  expect((caught as Error).message).not.toContain("\n");
  expect((caught as Error).message).toMatch(match);
  expect(performance.now() - started).toBeLessThan(2000);
}

describe("counts, sizes, windows, converters and time scales", () => {
  it("an unconnected input of 2^32 - 1 channels", () =>
    refused(
      lagline,
      (c) => c.inputs.push({ name: "z", size: 4294967295, lo: 0, hi: 0 }),
      /input 'z': size = 4294967295 is beyond 1048576/,
    ));
  it("a tbptt window of 2^32 - 1 steps", () =>
    refused(
      lagline,
      (c) => Object.assign(c.learning, { rule: "TBPTT", window: 4294967295 }),
      /learning: window = 4294967295 is beyond/,
    ));
  it("converter counts 2^32 - 1 and -1", () => {
    refused(chip, (c) => (c.hardware.cores[0].dacs = 4294967295), /core 'core0': dacs = 4294967295 is beyond/);
    refused(
      chip,
      (c) => (c.hardware.cores[0].adcs = -1),
      /hardware\.cores\[0\]\.adcs: -1 is not an integer in 0\.\.4294967295/,
    );
  });
  it("acceleration 3e-306 in a description's hardware section", () => {
    const text = readFileSync("examples/lagline-chip.yaml", "utf8");
    expect(text).toContain("  clock: 1 GHz\n");
    let caught: unknown;
    try {
      compileSource(text.replace("  clock: 1 GHz\n", "  clock: 1 GHz\n  acceleration: 3e-306\n"), "accel.yaml");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(VleError);
    expect((caught as Error).message).toMatch(/accel\.yaml.*(acceleration|a tick of)/);
  });
  it("a network beyond the memory budget is refused with the estimate", () =>
    refused(
      lagline,
      (c) => {
        const big = 2 ** 20;
        // l0 and l1 of 2^20 neurons each: 2^40 synapses between them, declared without a value
        for (const p of c.populations) Object.assign(p, { size: big, tauM: [], tauR: [], bias: [] });
        Object.assign(c.crossbars[0], { rows: big, weights: [] });
        Object.assign(c.crossbars[1], { rows: big, cols: big, weights: [] });
      },
      /a run needs about [\d.]+ GiB, beyond the budget of 8\.00 GiB/,
    ));
  it("a batch that would not fit is refused by simulate before it allocates", () => {
    const input = join(dir, "batch.csv");
    writeFileSync(input, "sample,x[0]\n" + Array.from({ length: 300_000 }, (_, k) => `${k},0`).join("\n") + "\n");
    const big = join(dir, "wide.yaml");
    writeFileSync(big, widened(1000));
    expect(() => simulate(big, { input, batch: true, out: join(dir, "never.csv") })).toThrow(
      /at batch 300000, beyond the budget/,
    );
  }, 60_000);
});

describe("names, enums, integers and fields", () => {
  for (const name of ["a,b", 'a"b', "a\nb", "a b", ""])
    it(`population name ${JSON.stringify(name)}`, () =>
      refused(
        lagline,
        (c) => {
          const old = c.populations[0].name;
          c.populations[0].name = name;
          for (const x of c.crossbars) for (const k of ["pre", "post"]) if (x[k] === old) x[k] = name;
          for (const e of c.errorPopulations) if (e.population === old) e.population = name;
        },
        name ? /not a safe name/ : /empty name/,
      ));
  it('"phi": "FOO" is not linear', () =>
    refused(lagline, (c) => (c.populations[0].phi = "FOO"), /populations\[0\]\.phi: "FOO" is not one of [A-Z_]+, /));
  it('"size": 4.5 is not 4', () =>
    refused(lagline, (c) => (c.inputs[0].size = 4.5), /inputs\[0\]\.size: 4\.5 is not an integer/));
  it("an unknown field is not ignored", () =>
    refused(lagline, (c) => (c.populations[0].tau = [1]), /populations\[0\]\.tau: unknown field of Population/));
});

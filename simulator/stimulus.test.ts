// Tests of the input/target table reader: values land on the right channel, row and sample; bad tables give one-line errors.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fromJSON } from "../circuits/codec.js";
import { Engine } from "./engine.js";
import { feedStimulus, readStimulus } from "./stimulus.js";

const dir = mkdtempSync(join(tmpdir(), "vle-stimulus-"));
let files = 0;
function file(ext: string, text: string): string {
  const path = join(dir, `t${files++}.${ext}`);
  writeFileSync(path, text);
  return path;
}

// x[2] -> h[3] -> o[2] (output 'y' on population o)
const circuit = fromJSON({
  version: 1,
  name: "net",
  dt: 0.1,
  provenance: {},
  learning: { rule: "VLE", prospectiveErrors: true },
  inputs: [{ name: "x", size: 2 }],
  populations: ["h", "o"].map((name, k) => ({
    name,
    size: 3 - k,
    tauM: Array(3 - k).fill(1),
    tauR: Array(3 - k).fill(0.1),
    bias: Array(3 - k).fill(0),
    phi: "TANH",
  })),
  errorPopulations: [{ name: "o.error", population: "o" }],
  crossbars: [
    { name: "x_to_h", pre: "x", post: "h", rows: 3, cols: 2, weights: [1, 0, 0, 1, 1, 1], feedback: "NO_FEEDBACK" },
    {
      name: "h_to_o",
      pre: "h",
      post: "o",
      rows: 2,
      cols: 3,
      weights: [1, 0, 0, 0, 1, 0],
      plastic: true,
      feedback: "NO_FEEDBACK",
    },
  ],
  outputs: [{ name: "y", population: "o", loss: "MSE", beta: 1 }],
});

/** The message of the VleError `fn` throws; fails when it throws nothing or a multi-line message. */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect((err as Error).name).toBe("VleError");
    const message = (err as Error).message;
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error("expected a VleError");
}

describe("reading tables", () => {
  it("puts CSV columns on their channels in any column order", () => {
    const s = readStimulus(file("csv", "x[1],x[0]\n1,2\n3,4e-1\r\n-5,.5\n"), circuit, "input");
    expect(s.samples).toBe(1);
    expect(s.steps).toEqual([3]);
    expect(s.groups).toHaveLength(1);
    expect(s.groups[0].name).toBe("x");
    expect(Array.from(s.groups[0].values)).toEqual([2, 1, 0.4, 3, 0.5, -5]);
  });

  it("reads the same table from JSON columns", () => {
    const csv = readStimulus(file("csv", "x[0],x[1]\n1,2\n3,4\n"), circuit, "input");
    const json = readStimulus(file("json", JSON.stringify({ "x[0]": [1, 3], "x[1]": [2, 4] })), circuit, "input");
    expect(json.groups[0].values).toEqual(csv.groups[0].values);
    expect(json.steps).toEqual(csv.steps);
  });

  it("targets: by output or population name; empty cells or null mean no target that step", () => {
    const csv = readStimulus(file("csv", "o[0],o[1]\n1,2\n,\n5,6\n"), circuit, "target");
    expect(Array.from(csv.groups[0].present)).toEqual([1, 0, 1]);
    // one column: every empty line is an empty cell, the last one too; only the final line break ends the table
    const oneChannel = fromJSON({
      version: 1,
      name: "one",
      dt: 0.1,
      provenance: {},
      learning: {},
      populations: [{ name: "o", size: 1, tauM: [1], tauR: [1], bias: [0] }],
      errorPopulations: [{ name: "o.error", population: "o" }],
      outputs: [{ name: "y", population: "o", beta: 1 }],
    });
    expect(Array.from(readStimulus(file("csv", "y[0]\n1\n\n2\n\n"), oneChannel, "target").groups[0].present)).toEqual([
      1, 0, 1, 0,
    ]);
    expect(Array.from(readStimulus(file("csv", "y[0]\n1\n\n2\n"), oneChannel, "target").groups[0].present)).toEqual([
      1, 0, 1,
    ]);
    expect(csv.groups[0].name).toBe("y");
    const json = readStimulus(
      file("json", JSON.stringify({ "y[0]": [1, null, 5], "y[1]": [2, null, 6] })),
      circuit,
      "target",
    );
    expect(Array.from(json.groups[0].present)).toEqual([1, 0, 1]);
    expect(Array.from(json.groups[0].values.filter((_, k) => k !== 2 && k !== 3))).toEqual([1, 2, 5, 6]);
  });

  it("splits samples by the sample column", () => {
    const s = readStimulus(
      file("csv", "sample,x[0],x[1]\n0,1,1\n0,2,2\n0,3,3\n1,4,4\n1,5,5\n2,6,6\n"),
      circuit,
      "input",
    );
    expect(s.samples).toBe(3);
    expect(s.offsets).toEqual([0, 3, 5]);
    expect(s.steps).toEqual([3, 2, 1]);
  });

  it("feeds inputs, targets and masks of each batch slot's sample into the engine", () => {
    const input = readStimulus(file("csv", "sample,x[0],x[1]\n0,1,2\n0,3,4\n1,5,6\n1,7,8\n"), circuit, "input");
    const target = readStimulus(
      file("csv", "sample,y[0],y[1]\n0,0.1,0.2\n0,,\n1,0.5,0.6\n1,0.7,0.8\n"),
      circuit,
      "target",
    );
    const engine = new Engine(circuit, { batch: 2 });
    const feedIn = feedStimulus(input, engine),
      feedTarget = feedStimulus(target, engine);
    const slots = Int32Array.of(1, 0); // slot 0 runs sample 1, slot 1 runs sample 0
    feedIn(slots, 1);
    feedTarget(slots, 1);
    expect(Array.from(engine.input("x"))).toEqual([7, 8, 3, 4]);
    expect(Array.from(engine.output("y").mask)).toEqual([1, 0]);
    expect(Array.from(engine.output("y").target.subarray(0, 2))).toEqual([0.7, 0.8]);
  });
});

describe("bad tables give one-line errors naming file, line and column", () => {
  it("bad headers", () => {
    expect(errorOf(() => readStimulus(file("csv", "x[0],z[0]\n1,2\n"), circuit, "input"))).toMatch(
      /t\d+\.csv:1: column 'z\[0\]' names no input of circuit 'net'; inputs: x\[0\.\.1\]/,
    );
    expect(errorOf(() => readStimulus(file("csv", "x0,x[1]\n1,2\n"), circuit, "input"))).toMatch(
      /\.csv:1: column 'x0' is not <input>\[<index>\]/,
    );
    expect(errorOf(() => readStimulus(file("csv", "x[0],x[2]\n1,2\n"), circuit, "input"))).toMatch(
      /\.csv:1: column 'x\[2\]': input 'x' has 2 channels, indices 0\.\.1/,
    );
    expect(errorOf(() => readStimulus(file("csv", "x[0],x[0]\n1,2\n"), circuit, "input"))).toMatch(
      /\.csv:1: column 'x\[0\]' and 'x\[0\]' are the same channel/,
    );
    expect(errorOf(() => readStimulus(file("csv", "x[0]\n1\n"), circuit, "input"))).toMatch(
      /\.csv:1: no column for input channel x\[1\]/,
    );
    expect(errorOf(() => readStimulus(file("csv", "sample\n0\n"), circuit, "input"))).toMatch(
      /\.csv:1: no columns for input 'x'; add x\[0\]\.\.x\[1\]/,
    );
    expect(errorOf(() => readStimulus(file("csv", "h[0]\n1\n"), circuit, "target"))).toMatch(
      /names no output of circuit 'net'; outputs: y\|o\[0\.\.1\]/,
    );
    expect(errorOf(() => readStimulus(file("json", '{"x[0]": [1], "w[1]": [2]}'), circuit, "input"))).toMatch(
      /t\d+\.json: column 'w\[1\]' names no input/,
    );
  });

  it("wrong column count, non-number and empty cells", () => {
    expect(errorOf(() => readStimulus(file("csv", "x[0],x[1]\n1,2\n3\n"), circuit, "input"))).toMatch(
      /\.csv:3: 1 cell, but the header has 2 columns/,
    );
    expect(errorOf(() => readStimulus(file("csv", "x[0],x[1]\n1,2\n3,4,5\n"), circuit, "input"))).toMatch(
      /\.csv:3: 3 cells, but the header has 2 columns/,
    );
    expect(errorOf(() => readStimulus(file("csv", "x[0],x[1]\n1,2\n3,4\n5,abc\n"), circuit, "input"))).toMatch(
      /\.csv:4: column 'x\[1\]': 'abc' is not a number/,
    );
    expect(errorOf(() => readStimulus(file("csv", "x[0],x[1]\n1,0x10\n"), circuit, "input"))).toMatch(
      /\.csv:2: column 'x\[1\]': '0x10' is not a number/,
    );
    expect(errorOf(() => readStimulus(file("csv", "x[0],x[1]\n1,2\n,4\n"), circuit, "input"))).toMatch(
      /\.csv:3: column 'x\[0\]': empty cell; inputs need a value every step/,
    );
    expect(errorOf(() => readStimulus(file("csv", "y[0],y[1]\n1,2\n3,\n"), circuit, "target"))).toMatch(
      /\.csv:3: column 'y\[1\]': empty, but other channels of output 'y' have values/,
    );
    expect(errorOf(() => readStimulus(file("json", '{"x[0]": [1, 2], "x[1]": [2, "a"]}'), circuit, "input"))).toMatch(
      /\.json: column 'x\[1\]', element 1: "a" is not a finite number/,
    );
    expect(errorOf(() => readStimulus(file("json", '{"x[0]": [1, 2], "x[1]": [2]}'), circuit, "input"))).toMatch(
      /\.json: column 'x\[1\]' has 1 values but 'x\[0\]' has 2/,
    );
    expect(errorOf(() => readStimulus(file("json", '[{"x[0]": 1}]'), circuit, "input"))).toMatch(
      /\.json: expected an object of columns/,
    );
    expect(errorOf(() => readStimulus(file("json", '{"x[0]": [1,'), circuit, "input"))).toMatch(/\.json: invalid JSON/);
  });

  it("bad sample numbering, missing or unknown files", () => {
    expect(errorOf(() => readStimulus(file("csv", "sample,x[0],x[1]\n0,1,1\n2,1,1\n"), circuit, "input"))).toMatch(
      /\.csv:3: column 'sample': sample 2 after sample 0/,
    );
    expect(errorOf(() => readStimulus(file("csv", "sample,x[0],x[1]\n0,1,1\n0.5,1,1\n"), circuit, "input"))).toMatch(
      /\.csv:3: column 'sample': '0.5' is not a sample number/,
    );
    expect(errorOf(() => readStimulus(file("csv", "x[0],x[1]\n"), circuit, "input"))).toMatch(/\.csv:1: no rows/);
    expect(errorOf(() => readStimulus(join(dir, "missing.csv"), circuit, "input"))).toMatch(
      /missing\.csv: cannot read \(ENOENT\)/,
    );
    expect(errorOf(() => readStimulus(file("txt", "x[0]\n"), circuit, "input"))).toMatch(
      /\.txt: unknown table format; give a \.csv or \.json file/,
    );
  });
});

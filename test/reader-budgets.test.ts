// Readers with budgets: devices and endless pipes, YAML aliases that multiply ("billion laughs"), unresolved tags, deep or duplicate-key JSON, BOMs and UTF-16, and data-sized populations and tables end in one line or run, never in a hang or a stack overflow.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { toJSON } from "../circuits/codec.js";
import { VleError } from "../circuits/errors.js";
import { readBounded } from "../circuits/read.js";
import { compileFile, compileSource } from "../compiler/index.js";
import { summarize } from "../packages/cli/commands/inspect.js";
import { simulate } from "../packages/cli/commands/simulate.js";
import { loadCircuit } from "../packages/load/load.js";
import { loadTarget, verify } from "../packages/verify/index.js";
import { readStimulus } from "../simulator/stimulus.js";
import { readCsv } from "../packages/tasks/data/csv.js";
import { readIdx } from "../packages/tasks/data/idx.js";
import { readNpy, readNpz } from "../packages/tasks/data/numpy.js";
import { widened } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "vle-budgets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);
const write = (name: string, text: string | Buffer) => (writeFileSync(at(name), text), at(name));
const lagline = compileFile("examples/lagline.yaml");

/** Runs `f`, expecting a one-line VleError matching `match`, within `ms`. */
function refuses(f: () => unknown, match: RegExp, ms = 2000): void {
  const started = performance.now();
  let caught: unknown;
  try {
    f();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(VleError);
  expect((caught as Error).message).not.toContain("\n");
  expect((caught as Error).message).toMatch(match);
  expect(performance.now() - started).toBeLessThan(ms);
}

describe("files that never end", () => {
  for (const device of ["/dev/zero", "/dev/urandom"]) {
    it(`${device} as a description, a circuit, an input table, a JSON table and a data file`, () => {
      const name = device.slice(5);
      for (const ext of ["yaml", "json", "pb"]) {
        const link = at(`${name}.${ext}`);
        symlinkSync(device, link);
        refuses(() => loadCircuit(link), /: not a regular file/);
      }
      for (const ext of ["csv", "json"]) {
        const link = at(`${name}-table.${ext}`);
        symlinkSync(device, link);
        refuses(() => readStimulus(link, lagline, "input"), /: not a regular file/);
      }
      // data files of the training tasks
      for (const [ext, read] of [
        ["idx", readIdx],
        ["npy", (p: string) => readNpy(p, "x")],
        ["npz", readNpz],
        ["data.csv", readCsv],
      ] as const) {
        const link = at(`${name}-data.${ext}`);
        symlinkSync(device, link);
        refuses(() => read(link), /: not a regular file/);
      }
    });
  }

  it("a pipe that keeps giving is cut at the byte cap", async () => {
    const fifo = at("endless.fifo");
    await new Promise((done) => spawn("mkfifo", [fifo]).on("exit", done));
    const writer = spawn("sh", ["-c", `yes > ${JSON.stringify(fifo)}`]);
    try {
      refuses(() => readBounded(fifo, 1 << 20), /endless\.fifo: larger than 1 MiB/);
    } finally {
      writer.kill();
    }
  });
});

describe("YAML", () => {
  // nine levels of ten aliases: 10^9 values from under 1 KB
  const laughs = (key: string) =>
    `${key}:\n  a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n` +
    "bcdefghi"
      .split("")
      .map((k, i) => `  ${k}: &${k} [${Array(10).fill(`*${"abcdefghi"[i]}`).join(", ")}]`)
      .join("\n") +
    "\n" +
    readFileSync("examples/lagline.yaml", "utf8");

  for (const key of ["constants", "an_unknown_key"])
    it(`a billion laughs under ${key}: refused at once, naming the line`, () => {
      expect(laughs(key).length).toBeLessThan(2000);
      refuses(
        () => compileSource(laughs(key), "laughs.yaml"),
        /^laughs\.yaml:\d+: aliases expand to more than/,
        10_000,
      );
    });

  it("an unresolved tag is refused, not read as a string", () => {
    const text = readFileSync("examples/lagline.yaml", "utf8").replace("dt: 0.01", "dt: !foo 0.01");
    refuses(() => compileSource(text, "tag.yaml"), /^tag\.yaml:6: .*Unresolved tag: !foo/);
  });

  it("a list of 2^20 + 1 time constants without size is refused like size: 2^20 + 1", () => {
    const text = widened(`tau_m: [${Array(2 ** 20 + 1).fill("0.6")}]`).replace("tau_m: 0.6, ", "");
    refuses(
      () => compileSource(text, "long.yaml"),
      /^long\.yaml:10: populations\[1\]\.tau_m\[1048576\]: the list runs past 1048576 neurons/,
      // parsing 2^20 list items is slow on a loaded machine; the point is the refusal, not its speed
      600_000,
    );
  }, 900_000);
});

describe("JSON", () => {
  it("a stimulus nested 100 000 deep", () => {
    const file = write("deep.json", `{"x[0]": ${"[".repeat(100_000)}${"]".repeat(100_000)}}`);
    refuses(() => readStimulus(file, lagline, "input"), /deep\.json: nested more than 64 levels/);
  });

  it("a stimulus naming a column twice", () => {
    const file = write("twice.json", `{"x[0]": [1, 2], "x[0]": [3, 4]}`);
    refuses(() => readStimulus(file, lagline, "input"), /twice\.json: key "x\[0\]" appears twice/);
  });

  it("a circuit with a byte-order mark loads; a UTF-16 one is one line without its NUL bytes", () => {
    const json = JSON.stringify(toJSON(lagline));
    expect(loadCircuit(write("bom.json", "\uFEFF" + json)).name).toBe("lagline");
    const utf16 = write("utf16.json", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, "utf16le")]));
    refuses(() => loadCircuit(utf16), /utf16\.json: (not UTF-8 text|contains NUL bytes)/);
  });
});

describe("data-sized populations and tables", () => {
  const big = write("big.yaml", widened(150_000));
  it("150 000 neurons: inspect, simulate --out and verify --property settles run without overflowing the stack", () => {
    const circuit = loadCircuit(big);
    expect(summarize(circuit)).toContain("[150000]");
    const input = write("three.csv", "x[0]\n0.1\n0.2\n0.3\n");
    expect(simulate(big, { input, out: at("big.csv"), record: "l0.r" }).columns).toBe(150_002);
    const settles = verify(loadTarget(big), { properties: ["settles"], runs: 1, outDir: dir }).results[0];
    expect(settles.status).toBe("skipped");
  }, 120_000);

  it("200 001 samples of one row each, as one batch", () => {
    const rows = Array.from({ length: 200_001 }, (_, k) => `${k},0.1`);
    const input = write("many.csv", "sample,x[0]\n" + rows.join("\n") + "\n");
    expect(simulate("examples/lagline.yaml", { input, batch: true, out: at("many-out.csv") }).samples).toBe(200_001);
  }, 120_000);
});

// Writes that cannot lose data: a short write, ENOSPC or EIO at every write call of compile, simulate (trace and VCD), export-spice and train leaves the previous files intact and no temporary file; outputs never overwrite inputs; several outputs commit all or none; links are followed everywhere; killed runs' temporary files are cleaned.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { VleError } from "../circuits/errors.js";
import { type Fault, injectFaults, io } from "../circuits/files.js";
import { compileCommand } from "../packages/cli/commands/compile.js";
import { exportSpiceFile } from "../packages/cli/commands/export-spice.js";
import { simulate } from "../packages/cli/commands/simulate.js";
import { trainCommand } from "../packages/cli/commands/train.js";

const dir = mkdtempSync(join(tmpdir(), "vle-writes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let cases = 0;
/** A fresh directory per case, holding a lagline input table. */
function fresh(): { at: (name: string) => string; input: string } {
  const d = join(dir, `case-${cases++}`);
  mkdirSync(d);
  const at = (name: string) => join(d, name);
  const rows = Array.from({ length: 300 }, (_, k) => Math.sin(k / 9).toFixed(6));
  writeFileSync(at("in.csv"), "x[0]\n" + rows.join("\n") + "\n");
  return { at, input: at("in.csv") };
}

/** Expects a one-line VleError naming `path`. */
async function expectWriteError(run: () => unknown, path: string): Promise<void> {
  let caught: unknown;
  try {
    await run();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(VleError);
  const message = (caught as Error).message;
  expect(message).not.toContain("\n");
  expect(message.startsWith(path), message).toBe(true);
}

/** Files in the case directory other than the ones the case wrote itself: temporary or backup files. */
const leftovers = (d: string, known: string[]) => readdirSync(d).filter((f) => !known.includes(f));

interface Command {
  name: string;
  /** output files (names in the case directory) and the run that writes them */
  outputs: string[];
  run: (at: (name: string) => string, input: string) => unknown;
}

const commands: Command[] = [
  { name: "compile", outputs: ["c.pb"], run: (at) => compileCommand("examples/lagline.yaml", at("c.pb")) },
  {
    name: "simulate --out --vcd",
    outputs: ["t.csv", "w.vcd"],
    run: (at, input) => simulate("examples/lagline.yaml", { input, out: at("t.csv"), vcd: at("w.vcd") }),
  },
  {
    name: "export-spice",
    outputs: ["n.cir"],
    run: (at, input) => exportSpiceFile("examples/lagline.yaml", at("n.cir"), { input }),
  },
  {
    name: "train --checkpoint -o",
    outputs: ["ck.json", "trained.json"],
    run: (at) =>
      trainCommand("examples/lagline.yaml", {
        task: "lagline",
        epochs: 1,
        trainSize: 4,
        testSize: 1,
        batch: 1,
        checkpoint: at("ck.json"),
        checkpointEvery: 1,
        out: at("trained.json"),
        progress: false,
      }),
  },
];

describe("a failing write at every write call of a command", () => {
  for (const command of commands) {
    it(`${command.name}: short write, ENOSPC, EIO at each write leave the previous files and no temporary file`, async () => {
      // count the write calls of a clean run
      const clean = fresh();
      const stop = injectFaults(undefined, "EIO");
      let writes: number;
      try {
        await command.run(clean.at, clean.input);
      } finally {
        writes = stop();
      }
      expect(writes).toBeGreaterThan(0);
      for (const fault of ["short", "ENOSPC", "EIO"] as Fault[]) {
        for (let k = 1; k <= writes; k++) {
          const { at, input } = fresh();
          for (const o of command.outputs) writeFileSync(at(o), `previous ${o}`);
          const undo = injectFaults(k, fault);
          try {
            await expectWriteError(() => command.run(at, input), join(at("")));
          } finally {
            undo();
          }
          // a checkpoint may have been replaced by a complete later one before the fault; every other output is as before
          for (const o of command.outputs) {
            const text = readFileSync(at(o), "utf8");
            if (o === "ck.json" && text !== `previous ${o}`)
              expect(JSON.parse(text).format, `${fault} at write ${k}`).toBe("vle-train-checkpoint");
            else expect(text, `${fault} at write ${k}: ${o}`).toBe(`previous ${o}`);
          }
          expect(leftovers(at(""), ["in.csv", ...command.outputs]), `${fault} at write ${k}`).toEqual([]);
        }
      }
    }, 600_000);
  }

  it("a failing fsync or rename leaves the previous file and no temporary file", async () => {
    for (const call of ["fsyncSync", "renameSync"] as const) {
      const { at } = fresh();
      writeFileSync(at("c.pb"), "previous");
      const real = io[call];
      io[call] = (() => {
        throw Object.assign(new Error("EIO"), { code: "EIO" });
      }) as never;
      try {
        await expectWriteError(() => compileCommand("examples/lagline.yaml", at("c.pb")), at("c.pb"));
      } finally {
        io[call] = real as never;
      }
      expect(readFileSync(at("c.pb"), "utf8")).toBe("previous");
      expect(leftovers(at(""), ["in.csv", "c.pb"])).toEqual([]);
    }
  });
});

describe("several outputs: all or none", () => {
  it("simulate --out --vcd: when the second rename fails, the first output is put back", async () => {
    const { at, input } = fresh();
    writeFileSync(at("t.csv"), "previous trace");
    writeFileSync(at("w.vcd"), "previous vcd");
    const real = io.renameSync;
    let renames = 0;
    io.renameSync = ((from: string, to: string) => {
      // the first rename of the commit succeeds, the second fails
      if (!String(from).endsWith(".bak") && ++renames === 2) throw Object.assign(new Error("EIO"), { code: "EIO" });
      return real(from, to);
    }) as typeof real;
    try {
      await expectWriteError(
        () => simulate("examples/lagline.yaml", { input, out: at("t.csv"), vcd: at("w.vcd") }),
        at(""),
      );
    } finally {
      io.renameSync = real;
    }
    expect(readFileSync(at("t.csv"), "utf8")).toBe("previous trace");
    expect(readFileSync(at("w.vcd"), "utf8")).toBe("previous vcd");
    expect(leftovers(at(""), ["in.csv", "t.csv", "w.vcd"])).toEqual([]);
  });
});

describe("outputs never overwrite inputs or each other", () => {
  it("simulate --input same.csv --out same.csv, --out w --vcd w, train --out <the circuit>, compile -o <the description> via a link", async () => {
    const { at, input } = fresh();
    const before = readFileSync(input, "utf8");
    await expectWriteError(() => simulate("examples/lagline.yaml", { input, out: input }), input);
    await expectWriteError(
      () => simulate("examples/lagline.yaml", { input, out: at("w.csv"), vcd: at("./w.csv") }),
      at("./w.csv"),
    );
    compileCommand("examples/lagline.yaml", at("lag.pb"));
    const circuit = readFileSync(at("lag.pb"));
    await expectWriteError(
      () => trainCommand(at("lag.pb"), { task: "lagline", epochs: 1, trainSize: 2, testSize: 1, out: at("lag.pb") }),
      at("lag.pb"),
    );
    writeFileSync(at("desc.yaml"), readFileSync("examples/lagline.yaml"));
    symlinkSync(at("desc.yaml"), at("desc-link.pb"));
    await expectWriteError(() => compileCommand(at("desc.yaml"), at("desc-link.pb")), at("desc-link.pb"));
    expect(readFileSync(input, "utf8")).toBe(before);
    expect(readFileSync(at("lag.pb")).equals(circuit)).toBe(true);
  });
});

describe("links and temporary files", () => {
  it("a link at the output is followed by every writer (the link stays, its file gets the contents)", () => {
    const { at, input } = fresh();
    for (const [name, write] of [
      ["c.pb", () => compileCommand("examples/lagline.yaml", at("c-link.pb"))],
      ["t.csv", () => simulate("examples/lagline.yaml", { input, out: at("t-link.csv") })],
    ] as const) {
      writeFileSync(at(name), "previous");
      symlinkSync(at(name), at(name.replace(".", "-link.")));
      write();
      expect(lstatSync(at(name.replace(".", "-link."))).isSymbolicLink()).toBe(true);
      expect(readFileSync(at(name), "utf8")).not.toBe("previous");
    }
  });

  it("refuses a non-regular file as output instead of replacing it", async () => {
    const { at } = fresh();
    mkdirSync(at("d.pb"));
    await expectWriteError(() => compileCommand("examples/lagline.yaml", at("d.pb")), at("d.pb"));
  });

  it("temporary files of a killed run (its process gone) are removed by the next write to the same output", () => {
    const { at, input } = fresh();
    // pid 2^22 + 1 is above Linux's pid_max, so no process has it
    const stale = at(`.t.csv.vle-${2 ** 22 + 1}-0badcafe.tmp`);
    const live = at(`.t.csv.vle-${process.pid}-0badcafe.tmp`);
    writeFileSync(stale, "x".repeat(1000));
    writeFileSync(live, "a run still writing");
    simulate("examples/lagline.yaml", { input, out: at("t.csv") });
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });
});

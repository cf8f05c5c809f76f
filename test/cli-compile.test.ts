// `vle compile` and `vle inspect` end to end through the built CLI: good inputs write circuits, bad inputs give exit 1, one line on stderr and no file.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readCircuit } from "../circuits/codec.js";
import { compileFile } from "../compiler/index.js";
import { version } from "../compiler/version.js";
import { expectOneLineError, vle } from "./cli.js";

const dir = mkdtempSync(join(tmpdir(), "vle-compile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);

describe("vle compile", () => {
  it("warns when an error loop amplifies (prospective-error gain >= 1)", () => {
    const run = vle("compile", "test/fixtures/verify-bad-error-loop.yaml", "-o", at("bad-loop.json"));
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^vle: warning: error loop h -> h: prospective-error gain 3\.79 >= 1 .*\n$/);
  });

  for (const [example, ext] of [
    ["lagline", "pb"],
    ["recurrent", "json"],
    ["delayed-xor", "pb"],
  ]) {
    it(`writes examples/${example}.yaml as .${ext}, equal to the library's compilation, readable by inspect`, () => {
      const out = at(`${example}.${ext}`);
      const run = vle("compile", `examples/${example}.yaml`, "-o", out);
      expect(run.status, run.stderr).toBe(0);
      // every example's loops are stable (recurrent.yaml was tuned for it): compile warns about none
      expect(run.stderr).toBe("");
      expect(readCircuit(out)).toStrictEqual(compileFile(`examples/${example}.yaml`));
      expect(readCircuit(out).provenance.compilerVersion).toBe(version);
      const inspect = vle("inspect", out);
      expect(inspect.status, inspect.stderr).toBe(0);
      expect(inspect.stdout).toContain(`circuit '${example}'`);
    });
  }

  const fixtures = readdirSync("test/fixtures").filter((f) => f.startsWith("bad-") && f.endsWith(".yaml"));
  for (const f of fixtures) {
    it(`${f}: exit 1, one line naming file:line: field, nothing written`, () => {
      const path = `test/fixtures/${f}`;
      const expected = /^# expect: (.*)$/m.exec(readFileSync(path, "utf8"))![1];
      const out = at(`${f}.pb`);
      expectOneLineError(vle("compile", path, "-o", out), `vle: ${path}${expected}`);
      expect(existsSync(out)).toBe(false);
    });
  }

  it("leaves an existing output untouched when compilation fails", () => {
    const out = at("kept.pb");
    writeFileSync(out, "previous contents");
    expectOneLineError(
      vle("compile", "test/fixtures/bad-negative-tau.yaml", "-o", out),
      "vle: test/fixtures/bad-negative-tau.yaml:7:",
    );
    expect(readFileSync(out, "utf8")).toBe("previous contents");
    expect(readdirSync(dir).filter((f) => f.startsWith("kept.pb"))).toEqual(["kept.pb"]); // no temporary file left behind
  });

  it("a missing description", () => {
    const out = at("missing.pb");
    expectOneLineError(
      vle("compile", at("no-such.yaml"), "-o", out),
      `vle: ${at("no-such.yaml")}: cannot read (ENOENT)`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("an output that is neither .pb nor .json", () => {
    expectOneLineError(
      vle("compile", "examples/lagline.yaml", "-o", at("out.txt")),
      `vle: ${at("out.txt")}: the output must end in .pb (binary) or .json`,
      2,
    );
    expect(existsSync(at("out.txt"))).toBe(false);
  });
});

describe("vle inspect on bad files", () => {
  it("a missing file", () => {
    expectOneLineError(vle("inspect", at("nothing.pb")), `vle: ${at("nothing.pb")}: cannot read (ENOENT)`);
  });

  it("a truncated .pb", () => {
    expect(vle("compile", "examples/delayed-xor.yaml", "-o", at("whole.pb")).status).toBe(0);
    const bytes = readFileSync(at("whole.pb"));
    writeFileSync(at("truncated.pb"), bytes.subarray(0, Math.floor(bytes.length / 2)));
    expectOneLineError(vle("inspect", at("truncated.pb")), `vle: ${at("truncated.pb")}: `);
  });

  it("foreign files: text, random bytes, JSON that is not a circuit (a description is compiled)", () => {
    writeFileSync(at("text.pb"), "this is not a circuit\n");
    expectOneLineError(vle("inspect", at("text.pb")), `vle: ${at("text.pb")}: `);
    writeFileSync(at("noise.pb"), Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 151 + 7) % 256)));
    expectOneLineError(vle("inspect", at("noise.pb")), `vle: ${at("noise.pb")}: `);
    // a description is not foreign: inspect compiles it on the fly
    const described = vle("inspect", "examples/lagline.yaml");
    expect(described.status, described.stderr).toBe(0);
    expect(described.stdout).toMatch(/^circuit 'lagline'/);
    writeFileSync(at("other.json"), JSON.stringify({ hello: "world" }));
    expectOneLineError(vle("inspect", at("other.json")), `vle: ${at("other.json")}`);
  });
});

// One line always: control characters in what a message echoes (names, file text) are escaped, long echoes are cut, and a bad option value is a usage error (exit 2) in every command.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { VleError } from "../circuits/errors.js";
import { compileSource } from "../compiler/index.js";
import { expectOneLineError, vle } from "./cli.js";

const dir = mkdtempSync(join(tmpdir(), "vle-one-line-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("messages that echo what the user gave", () => {
  for (const [field, from, to, echoed] of [
    [
      "a population name",
      "{ name: l0, size: 1,",
      `{ name: "l0\\nnext line\\u0000\\u001b[31m", size: 1,`,
      "l0\\nnext line",
    ],
    ["a transfer function", "phi: softplus, learn", `phi: "soft\\nplus\\u0007", learn`, "soft\\nplus"],
  ])
    it(`${field} with a newline and control characters is echoed escaped, on one line`, () => {
      const text = readFileSync("examples/lagline.yaml", "utf8").replace(from, to);
      expect(text).not.toBe(readFileSync("examples/lagline.yaml", "utf8"));
      let message = "";
      try {
        compileSource(text, "names.yaml");
      } catch (err) {
        expect(err).toBeInstanceOf(VleError);
        message = (err as Error).message;
      }
      expect(message).toMatch(/^names\.yaml/);
      expect(message).toContain(echoed);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters
      expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    });

  it("a message echoing a whole file is cut", () => {
    expect(new VleError(`x: ${"y".repeat(10_000)}`).message.length).toBeLessThan(2100);
  });
});

describe("usage errors exit 2 in every command", () => {
  const input = join(dir, "in.csv");
  writeFileSync(input, "x[0]\n0.1\n");
  const cases: [string, string[]][] = [
    ["simulate --steps", ["simulate", "examples/lagline.yaml", "--input", input, "--steps", "abc", "--out", "o.csv"]],
    ["simulate --mode", ["simulate", "examples/lagline.yaml", "--input", input, "--mode", "fast", "--out", "o.csv"]],
    ["train --epochs", ["train", "examples/lagline.yaml", "--task", "lagline", "--epochs", "-1"]],
    ["train --batch", ["train", "examples/lagline.yaml", "--task", "lagline", "--batch", "0"]],
    ["verify --runs", ["verify", "examples/lagline.yaml", "--runs", "abc"]],
    ["energy --seed", ["energy", "examples/lagline-chip.yaml", "--seed", "x"]],
    ["an unknown option", ["compile", "examples/lagline.yaml", "--frobnicate"]],
  ];
  for (const [name, args] of cases) it(name, () => expectOneLineError(vle(...args), /^vle: /, 2), 60_000);
});

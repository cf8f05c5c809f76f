// Any edit of a valid description either compiles to a valid circuit or fails with one VleError line naming the file: never an internal error.
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { VleError } from "../circuits/errors.js";
import { validate } from "../circuits/validate.js";
import { compileSource } from "./index.js";

const sources = ["examples/lagline.yaml", "examples/recurrent.yaml", "examples/delayed-xor.yaml"].map((f) =>
  readFileSync(f, "utf8"),
);
const fragments = [
  "-1",
  "0",
  "1e300",
  "[]",
  "{}",
  "null",
  "~",
  "abc",
  "1 ms",
  "'2*dt'",
  "[1, 2]",
  "[[1], [2]]",
  "tau_m",
  "x",
  ":",
  ",",
  "[",
  "]",
  "{",
  "}",
  "\n",
  "  ",
  "- ",
  "&a",
  "*a",
  "true",
  "'import(1)'",
  "'1/0'",
  "nan",
  ".inf",
];

/** An edit: at a position, delete some characters and insert a fragment. */
const edit = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  remove: fc.integer({ min: 0, max: 8 }),
  insert: fc.constantFrom(...fragments),
});

describe("robustness to arbitrary edits", () => {
  it("compiles or throws a one-line VleError naming the file", () => {
    fc.assert(
      fc.property(fc.constantFrom(...sources), fc.array(edit, { minLength: 1, maxLength: 3 }), (source, edits) => {
        let text = source;
        for (const e of edits) {
          const i = Math.floor(e.at * text.length);
          text = text.slice(0, i) + e.insert + text.slice(i + e.remove);
        }
        try {
          validate(compileSource(text, "edited.yaml"), "edited.yaml");
        } catch (err) {
          expect(err, String((err as Error).stack)).toBeInstanceOf(VleError);
          const message = (err as Error).message;
          expect(message).not.toContain("\n");
          expect(message.startsWith("edited.yaml"), message).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});

// Property tests of the codec over generated valid circuits: binary and JSON forms round-trip exactly.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { arbitraryCircuit } from "../test/support/arbitrary-circuit.js";
import { decodeBinary, encodeBinary, fromJSON, toJSON } from "./codec.js";
import { validate } from "./validate.js";

describe("codec round trip over generated circuits", () => {
  it("generates only valid circuits", () => {
    fc.assert(
      fc.property(arbitraryCircuit(), (c) => validate(c, "generated")),
      { numRuns: 100 },
    );
  });

  it("decode(encode(x)) deep-equals x", () => {
    fc.assert(
      fc.property(arbitraryCircuit(), (c) => {
        expect(decodeBinary(encodeBinary(c))).toStrictEqual(c);
      }),
      { numRuns: 100 },
    );
  });

  it("fromJSON(toJSON(x)) deep-equals x, also through JSON text as in a .json file", () => {
    fc.assert(
      fc.property(arbitraryCircuit(), (c) => {
        expect(fromJSON(toJSON(c))).toStrictEqual(c);
        expect(fromJSON(JSON.parse(JSON.stringify(toJSON(c))))).toStrictEqual(c);
      }),
      { numRuns: 100 },
    );
  });
});

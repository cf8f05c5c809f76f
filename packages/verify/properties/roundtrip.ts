// Property `roundtrip`: the circuit, and random edits of its values, decode from the binary and from the JSON encoding to the same circuit.
//
// For the circuit itself and for each random edit of it (weights, biases, gains, time constants set to extreme
// doubles: -0, subnormals, +-1.8e308; the name and provenance set to any UTF-16 text), both
// decodeBinary(encodeBinary(c)) and fromJSON(JSON text of toJSON(c)) must equal c field by field, and
// re-encoding the decoded circuit must give the same bytes. A failure names the field that changed.
import fc from "fast-check";
import { decodeBinary, encodeBinary, fromJSON, toJSON } from "../../../circuits/codec.js";
import { VleError } from "../../../circuits/errors.js";
import { cloneCircuit, type Circuit } from "../../../circuits/model.js";
import { validate } from "../../../circuits/validate.js";
import { firstDifferingField } from "../difference.js";
import type { Property, PropertyResult } from "../property.js";

/** A value of the circuit an edit may change: where it is and what may be written there. */
interface Slot {
  path: string;
  set(c: Circuit, x: number | string): void;
  kind: "real" | "time" | "text";
}

function slotsOf(c: Circuit): Slot[] {
  const slots: Slot[] = [
    {
      path: "name",
      kind: "text",
      set: (k, x) => {
        k.name = String(x);
      },
    },
    {
      path: "provenance.source",
      kind: "text",
      set: (k, x) => {
        k.provenance.source = String(x);
      },
    },
  ];
  const array = (path: string, length: number, get: (k: Circuit) => number[], kind: Slot["kind"]) => {
    for (let i = 0; i < length; i++)
      slots.push({
        path: `${path}[${i}]`,
        kind,
        set: (k, x) => {
          get(k)[i] = x as number;
        },
      });
  };
  c.crossbars.forEach((x, j) => {
    array(`crossbars[${j}].weights`, x.weights.length, (k) => k.crossbars[j].weights, "real");
    array(`crossbars[${j}].feedbackWeights`, x.feedbackWeights.length, (k) => k.crossbars[j].feedbackWeights, "real");
  });
  c.broadcasts.forEach((b, j) =>
    array(`broadcasts[${j}].weights`, b.weights.length, (k) => k.broadcasts[j].weights, "real"),
  );
  c.populations.forEach((p, j) => {
    array(`populations[${j}].bias`, p.size, (k) => k.populations[j].bias, "real");
    array(`populations[${j}].tauM`, p.size, (k) => k.populations[j].tauM, "time");
    array(`populations[${j}].tauR`, p.size, (k) => k.populations[j].tauR, "time");
  });
  c.errorCurrents.forEach((_, j) =>
    slots.push({
      path: `errorCurrents[${j}].gamma`,
      kind: "real",
      set: (k, x) => {
        k.errorCurrents[j].gamma = x as number;
      },
    }),
  );
  return slots;
}

/** The first way the encodings fail to carry `c`, or undefined. */
export function roundtripProblem(c: Circuit): string | undefined {
  try {
    return encodingsDiffer(c);
  } catch (err) {
    return `encoding or decoding throws: ${(err as Error).message}`;
  }
}

function encodingsDiffer(c: Circuit): string | undefined {
  const bytes = encodeBinary(c);
  const binary = decodeBinary(bytes, "roundtrip");
  const viaBinary = firstDifferingField(c, binary);
  if (viaBinary) return `decodeBinary(encodeBinary(c)) differs at ${viaBinary}`;
  const json = fromJSON(JSON.parse(JSON.stringify(toJSON(c))), "roundtrip");
  const viaJson = firstDifferingField(c, json);
  if (viaJson) return `fromJSON(toJSON(c)) through JSON text differs at ${viaJson}`;
  const again = encodeBinary(binary);
  if (Buffer.compare(Buffer.from(bytes), Buffer.from(again)) !== 0)
    return `re-encoding the decoded circuit gives other bytes (${again.length} vs ${bytes.length})`;
  return undefined;
}

export const roundtrip: Property = {
  name: "roundtrip",
  summary:
    "the circuit, and random edits of its values (extreme doubles, any text), decode from the binary and the JSON encoding to the same circuit",
  check(target, options): PropertyResult {
    const c = target.circuit;
    const own = roundtripProblem(c);
    if (own)
      return {
        property: "roundtrip",
        status: "failed",
        runs: 1,
        note: "the circuit does not survive its encodings",
        counterexample: { shrinks: 0, failure: { step: 0, message: own } },
      };
    const slots = slotsOf(c);
    const edit = fc.record({
      slot: fc.nat({ max: slots.length - 1 }),
      real: fc.double({ noNaN: true, noDefaultInfinity: true }),
      time: fc.double({ min: 1, max: 1e300, noNaN: true }),
      // any UTF-16 code units, lone surrogates included
      text: fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)), maxLength: 12 }),
    });
    let problem: string | undefined;
    const edited = (edits: { slot: number; real: number; time: number; text: string }[]) => {
      const k = cloneCircuit(c);
      for (const e of edits) {
        const s = slots[e.slot];
        s.set(k, s.kind === "text" ? e.text : s.kind === "time" ? k.dt * e.time : e.real);
      }
      return k;
    };
    const details = fc.check(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 6 }), (edits) => {
        const k = edited(edits);
        try {
          validate(k, "edited circuit");
        } catch (err) {
          if (err instanceof VleError) return true; // an edit the validator rejects is not a circuit
          throw err;
        }
        return roundtripProblem(k) === undefined;
      }),
      { numRuns: options.runs, seed: options.seed },
    );
    if (details.failed && details.counterexample) {
      const edits = details.counterexample[0];
      problem = roundtripProblem(edited(edits)) ?? `an internal error: ${String(details.errorInstance)}`;
      const what = edits
        .map(
          (e) =>
            `${slots[e.slot].path} = ${slots[e.slot].kind === "text" ? JSON.stringify(e.text) : slots[e.slot].kind === "time" ? `${e.time} dt` : e.real}`,
        )
        .join(", ");
      return {
        property: "roundtrip",
        status: "failed",
        runs: details.numRuns,
        note: "an edited circuit does not survive its encodings",
        counterexample: { shrinks: details.numShrinks, failure: { step: 0, message: `with ${what}: ${problem}` } },
      };
    }
    return {
      property: "roundtrip",
      status: "passed",
      runs: details.numRuns + 1,
      note: `the circuit and ${details.numRuns} edits of it came back field for field and byte for byte from both encodings`,
    };
  },
};

// The shape every circuit must have before its values are checked: each field present, of the type circuit.proto declares, carried unchanged by the binary form.
import { vle } from "./generated/circuit.js";
import { completeHardware } from "./hardware.js";
import type { Hardware } from "./model.js";

const Message = vle.circuit.Circuit;
const completeOptions = { defaults: true, arrays: true, longs: Number, enums: Number } as const;
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The first place where `c` is not a circuit as decoding produces it (a field missing or of another type, a
 * number the binary form would change such as a negative size, text with a lone surrogate that UTF-8 cannot
 * carry), as "<path>: <problem>"; undefined when the shape is right. Values are not judged here: a NaN weight
 * has the right shape and the validator reports it by name.
 */
export function shapeProblem(c: unknown): string | undefined {
  if (c === null || typeof c !== "object" || Array.isArray(c)) return `${describe(c)} is not a circuit`;
  const bare = skeleton(c) as Record<string, unknown>;
  let normal: Record<string, unknown>;
  try {
    normal = Message.toObject(Message.fromObject(bare), completeOptions) as Record<string, unknown>;
  } catch (err) {
    // protobufjs names the field: ".vle.circuit.Population.tauM: array expected"
    return (err as Error).message.replace(/^\.vle\.circuit\./, "");
  }
  if (normal.hardware) completeHardware(normal.hardware as Hardware);
  return difference(bare, normal, "");
}

/** Longer lists of numbers (weights, per-neuron values: repeated doubles in the IR, where any number has the right shape) are checked here, not copied through protobufjs. */
const LONG = 64;

/** The circuit with every long all-number list emptied, so the shape check costs a pass over the weights, not two copies. */
function skeleton(x: unknown): unknown {
  if (Array.isArray(x)) {
    if (x.length > LONG) {
      let numbers = true;
      for (let i = 0; i < x.length && numbers; i++) numbers = typeof x[i] === "number";
      if (numbers) return [];
    }
    return x.map(skeleton);
  }
  if (x === null || typeof x !== "object") return x;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(x)) out[key] = skeleton(value);
  return out;
}

function difference(a: unknown, b: unknown, path: string): string | undefined {
  const at = path || "circuit";
  if (b === null)
    return a === null || a === undefined ? undefined : `${at}: ${describe(a)} where an absent section is null`;
  if (Array.isArray(b)) {
    if (!Array.isArray(a)) return `${at}: ${describe(a)} where a list is expected`;
    if (a.length !== b.length)
      return `${at}: a list the binary form does not carry (${a.length} vs ${b.length} elements)`;
    for (let i = 0; i < b.length; i++) {
      // lists of numbers: the common case, checked without a call per element
      if (
        typeof b[i] === "number" &&
        typeof a[i] === "number" &&
        (a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i])))
      )
        continue;
      const d = difference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (typeof b === "object") {
    if (a === null || typeof a !== "object" || Array.isArray(a))
      return `${at}: ${describe(a)} where a section (an object) is expected`;
    for (const [key, value] of Object.entries(b as Record<string, unknown>)) {
      const next = path ? `${path}.${key}` : key;
      if (!(key in (a as object))) return `${next}: missing`;
      const d = difference((a as Record<string, unknown>)[key], value, next);
      if (d) return d;
    }
    return undefined;
  }
  if (typeof a !== typeof b) return `${at}: ${describe(a)} where a ${typeof b} is expected`;
  if (typeof b === "number")
    return a === b || (Number.isNaN(a) && Number.isNaN(b))
      ? undefined
      : `${at}: ${a} cannot be stored (the binary form would carry ${b}); give a whole number in range`;
  if (typeof b === "string" && loneSurrogate.test(b))
    return `${at}: the text has a lone surrogate, which the binary form (UTF-8) cannot carry; use well-formed text`;
  return a === b ? undefined : `${at}: ${describe(a)} cannot be stored (the binary form would carry ${describe(b)})`;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === "object") return "a section";
  if (typeof v === "string") return JSON.stringify(v.length > 24 ? `${v.slice(0, 24)}...` : v);
  return String(v);
}

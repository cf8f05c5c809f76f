// Reads a version-1 circuit (binary or JSON) and upgrades it to the current IR, saying what changed.
import { vle as v1 } from "./generated/circuit-v1.js";
import { VleError } from "./errors.js";

const V1 = v1.circuit.Circuit;
const plain = { defaults: true, arrays: true, longs: Number, enums: Number } as const;

type Obj = Record<string, unknown>;

/** The note a reader prints when it upgrades a file. */
export const upgradeNote = (where: string) =>
  `${where}: IR version 1, upgraded to version 2 on load (enums renumbered, undeclared ranges and tolerances absent, tile routes structured, time base from hardware.time_unit_s); 'vle compile' or writing the circuit again stores version 2`;

/** Version 2 shifted every enum up by one to make room for its *_UNSPECIFIED zero; v1 wrote every zero explicitly. */
const shift = (x: unknown) => (typeof x === "number" ? x + 1 : x);

const list = (x: unknown) => (Array.isArray(x) ? (x as Obj[]) : []);

/** A version-1 circuit as a complete plain object (every field with its v1 default, enums as numbers). */
function readV1(bytes: Uint8Array | undefined, json: Obj | undefined, where: string): Obj {
  try {
    const message = bytes ? V1.decode(bytes) : V1.fromObject(json!);
    return V1.toObject(message, plain) as Obj;
  } catch (err) {
    throw new VleError(`${where}: not a version-1 vle circuit (${(err as Error).message}); recompile its description`);
  }
}

/** Upgrades a complete version-1 object to a version-2 object for `Circuit.fromObject`. */
function upgrade(c: Obj): Obj {
  const out: Obj = { ...c, version: 2 };
  // v1: lo = hi = 0 (rails, input ranges) and tolerance 0 meant "not declared"; v2 leaves them absent
  if (c.railLo === 0 && c.railHi === 0) {
    delete out.railLo;
    delete out.railHi;
  }
  out.inputs = list(c.inputs).map((p) => {
    const q = { ...p };
    if (p.lo === 0 && p.hi === 0) {
      delete q.lo;
      delete q.hi;
    }
    return q;
  });
  out.populations = list(c.populations).map((p) => ({ ...p, phi: shift(p.phi) }));
  out.crossbars = list(c.crossbars).map((x) => ({ ...x, feedback: shift(x.feedback) }));
  out.outputs = list(c.outputs).map((o) => {
    const q: Obj = { ...o, loss: shift(o.loss) };
    if (o.tolerance === 0) delete q.tolerance;
    return q;
  });
  const learning = c.learning as Obj | null;
  if (learning) out.learning = { ...learning, rule: shift(learning.rule), optimizer: shift(learning.optimizer) };
  const h = c.hardware as Obj | null;
  if (h) {
    // v1 kept the time base in the hardware section only; v2 makes it the circuit's
    const hardware: Obj = { ...h };
    delete hardware.timeUnitS;
    if (typeof h.timeUnitS === "number" && h.timeUnitS > 0) out.timeUnitS = h.timeUnitS;
    const plasticity = h.plasticity as Obj | null;
    if (plasticity) hardware.plasticity = { ...plasticity, mode: shift(plasticity.mode), rule: shift(plasticity.rule) };
    hardware.ranges = list(h.ranges).map((r) => ({ ...r, signal: shift(r.signal) }));
    hardware.weights = list(h.weights).map((w) => ({ ...w, rounding: shift(w.rounding) }));
    // v1 named a tile "<crossbar>#<index in tiles>" in one string
    hardware.routes = list(h.routes).map((r) => {
      const { source, ...rest } = r;
      const tile = /^(.*)#(\d+)$/.exec(String(source));
      const flow = shift(r.flow);
      return tile ? { ...rest, flow, element: tile[1], tile: Number(tile[2]) } : { ...rest, flow, element: source };
    });
    out.hardware = hardware;
  }
  return out;
}

/** Upgrades version-1 protobuf bytes to a version-2 plain object. */
export function upgradeBinaryV1(bytes: Uint8Array, where: string): Obj {
  return upgrade(readV1(bytes, undefined, where));
}

/** Upgrades a version-1 JSON circuit to a version-2 plain object. */
export function upgradeJsonV1(json: Obj, where: string): Obj {
  return upgrade(readV1(undefined, json, where));
}

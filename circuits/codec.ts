// Binary and JSON encodings of the circuit IR, and reading/writing them to files.
import { vle } from "./generated/circuit.js";
import { VleError } from "./errors.js";
import type { Circuit } from "./model.js";
import { writeFileAtomic } from "./files.js";
import { decodeText, parseJson, readBounded } from "./read.js";
import { completeHardware } from "./hardware.js";
import { checkCircuitJson } from "./strict-json.js";
import { upgradeBinaryV1, upgradeJsonV1, upgradeNote } from "./upgrade.js";

const Message = vle.circuit.Circuit;
const completeOptions = { defaults: true, arrays: true, longs: Number, enums: Number } as const;

/** Fills every absent field with its default so the result is a complete Circuit. */
function complete(message: vle.circuit.Circuit): Circuit {
  const c = Message.toObject(message, completeOptions) as unknown as Circuit;
  if (c.hardware) completeHardware(c.hardware);
  return c;
}

export function encodeBinary(c: Circuit): Uint8Array {
  return Message.encode(Message.fromObject(c)).finish();
}

/** Where a reader says what it did beyond reading (an upgrade of an old version); silent when absent. */
export type Notes = (note: string) => void;

/** Decodes protobuf bytes (a version-1 circuit is upgraded, with a note); `where` names the source in errors. */
export function decodeBinary(bytes: Uint8Array, where = "circuit", notes?: Notes): Circuit {
  let message: vle.circuit.Circuit;
  try {
    message = Message.decode(bytes);
  } catch (err) {
    throw new VleError(
      `${where}: not a vle circuit (protobuf decode failed: ${(err as Error).message}); compile a description with 'vle compile'`,
    );
  }
  // field 1 (version) means the same in every version, so the current schema reads it from any file
  if (message.version === 1) {
    notes?.(upgradeNote(where));
    return fromObjectChecked(upgradeBinaryV1(bytes, where), where);
  }
  return complete(message);
}

function fromObjectChecked(json: Record<string, unknown>, where: string): Circuit {
  // strict where fromObject is lenient: unknown fields, enum names, integers
  checkCircuitJson(json, where);
  let message: vle.circuit.Circuit;
  try {
    message = Message.fromObject(json);
  } catch (err) {
    throw new VleError(`${where}: ${(err as Error).message}`);
  }
  return complete(message);
}

/** The JSON form: enums by name, defaults included, for humans and diffs. */
export function toJSON(c: Circuit): object {
  return Message.toObject(Message.fromObject(c), { defaults: true, arrays: true, longs: Number, enums: String });
}

/** The circuit of a JSON object (a version-1 object is upgraded, with a note). */
export function fromJSON(json: unknown, where = "circuit", notes?: Notes): Circuit {
  if (json === null || typeof json !== "object" || Array.isArray(json))
    throw new VleError(`${where}: expected a JSON object holding a circuit`);
  const object = json as Record<string, unknown>;
  if (object.version === 1) {
    notes?.(upgradeNote(where));
    return fromObjectChecked(upgradeJsonV1(object, where), where);
  }
  return fromObjectChecked(object, where);
}

/** Reads a circuit from a .pb (binary) or .json file; `notes` hears of an upgrade from an older version. */
export function readCircuit(path: string, notes?: Notes): Circuit {
  const bytes = readBounded(path);
  if (path.endsWith(".json")) return fromJSON(parseJson(decodeText(bytes, path), path), path, notes);
  return decodeBinary(bytes, path, notes);
}

/** Writes a circuit atomically: binary unless the path ends in .json. */
export function writeCircuit(path: string, c: Circuit): void {
  writeFileAtomic(path, circuitFileData(path, c));
}

/** A circuit's file contents: binary unless the path ends in .json. */
export function circuitFileData(path: string, c: Circuit): string | Uint8Array {
  return path.endsWith(".json") ? JSON.stringify(toJSON(c), null, 2) + "\n" : encodeBinary(c);
}

// The IR's JSON form checked against circuit.proto before protobufjs converts it: unknown fields, enum names, integers and types are strict (fromObject would ignore, zero or truncate them).
import { dirname, join } from "node:path";
import protobuf from "protobufjs";
import { VleError } from "./errors.js";
import { cardDir } from "./tech.js";

const root = protobuf.loadSync(join(dirname(cardDir), "circuit.proto"));
const circuitType = root.lookupType("vle.circuit.Circuit");

const integerRange: Record<string, [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  sint32: [-(2 ** 31), 2 ** 31 - 1],
  sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  fixed32: [0, 2 ** 32 - 1],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  sint64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  sfixed64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
  fixed64: [0, Number.MAX_SAFE_INTEGER],
};

const show = (v: unknown) => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
};

function checkValue(field: protobuf.Field, value: unknown, path: string, fail: (msg: string) => never): void {
  const resolved = field.resolve().resolvedType;
  if (resolved instanceof protobuf.Enum) {
    const names = Object.keys(resolved.values);
    const ok =
      (typeof value === "string" && names.includes(value)) ||
      (typeof value === "number" && Object.values(resolved.values).includes(value));
    if (!ok) fail(`${path}: ${show(value)} is not one of ${names.join(", ")}`);
  } else if (resolved instanceof protobuf.Type) {
    checkMessage(resolved, value, path, fail);
  } else if (field.type in integerRange) {
    const [lo, hi] = integerRange[field.type];
    if (typeof value !== "number" || !Number.isInteger(value) || value < lo || value > hi)
      fail(`${path}: ${show(value)} is not an integer in ${lo}..${hi}`);
  } else if (field.type === "double" || field.type === "float") {
    if (typeof value !== "number") fail(`${path}: ${show(value)} is not a number`);
  } else if (field.type === "bool") {
    if (typeof value !== "boolean") fail(`${path}: ${show(value)} is not true or false`);
  } else if (field.type === "string") {
    if (typeof value !== "string") fail(`${path}: ${show(value)} is not a string`);
  }
}

function checkMessage(type: protobuf.Type, value: unknown, path: string, fail: (msg: string) => never): void {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    fail(`${path || "the circuit"}: expected an object (${type.name})`);
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const field = type.fields[key] ?? type.fields[protobuf.util.camelCase(key)];
    const at = path ? `${path}.${key}` : key;
    if (!field) fail(`${at}: unknown field of ${type.name}; fields: ${Object.keys(type.fields).join(", ")}`);
    if (v === null) continue;
    if (field.repeated) {
      if (!Array.isArray(v)) fail(`${at}: expected a list`);
      (v as unknown[]).forEach((item, i) => checkValue(field, item, `${at}[${i}]`, fail));
    } else checkValue(field, v, at, fail);
  }
}

/** Throws a one-line VleError at the first field of `json` that circuit.proto does not allow. */
export function checkCircuitJson(json: unknown, where: string): void {
  checkMessage(circuitType, json, "", (msg) => {
    throw new VleError(`${where}: ${msg}`);
  });
}

// The TypeScript model of the circuit IR: the types generated from circuit.proto, with every field present.
import { vle } from "./generated/circuit.js";

export const pb = vle.circuit;
export const { Phi, Feedback, Loss, Rule, Optimizer, Flow, Signal, Rounding, PlasticityMode } = vle.circuit;
/** What the chip's plasticity circuit writes (Plasticity.Rule in the schema). */
export const PlasticityRule = vle.circuit.Plasticity.Rule;
export type Phi = vle.circuit.Phi;
export type Feedback = vle.circuit.Feedback;
export type Loss = vle.circuit.Loss;
export type Rule = vle.circuit.Rule;
export type Optimizer = vle.circuit.Optimizer;
export type Flow = vle.circuit.Flow;
export type Signal = vle.circuit.Signal;
export type Rounding = vle.circuit.Rounding;
export type PlasticityMode = vle.circuit.PlasticityMode;
export type PlasticityRule = vle.circuit.Plasticity.Rule;

/** The IR version this build writes (older versions are read and upgraded: circuits/upgrade.ts). */
export const IR_VERSION = 2;

/** A generated message type with every field required and non-null, recursively (decoding fills defaults);
 * protobufjs's bookkeeping keys ($unknowns) are left out: decoded objects never carry them. */
type Complete<T> = {
  [K in keyof T as K extends `$${string}` ? never : K]-?: NonNullable<T[K]> extends (infer U)[]
    ? (U extends object ? Complete<U> : U)[]
    : NonNullable<T[K]> extends object
      ? Complete<NonNullable<T[K]>>
      : NonNullable<T[K]>;
};

/** A proto3 `optional` field: absent (undefined) means "not declared"; decoding never fills it with a default. */
type Declared<T, K extends keyof T> = Omit<T, K> & { [P in K]?: number };

/**
 * `hardware` is absent (null or undefined) for a circuit that only runs ideal: check `if (c.hardware)`; rails and
 * the time base are absent where not declared.
 */
export type Circuit = Omit<
  Complete<vle.circuit.Circuit.$Properties>,
  "hardware" | "railLo" | "railHi" | "timeUnitS" | "inputs" | "outputs"
> & {
  hardware?: Hardware | null;
  railLo?: number;
  railHi?: number;
  timeUnitS?: number;
  inputs: InputPort[];
  outputs: OutputPort[];
};
export type InputPort = Declared<Complete<vle.circuit.InputPort.$Properties>, "lo" | "hi">;
export type Population = Complete<vle.circuit.Population.$Properties>;
export type Crossbar = Complete<vle.circuit.Crossbar.$Properties>;
export type Broadcast = Complete<vle.circuit.Broadcast.$Properties>;
export type OutputPort = Declared<Complete<vle.circuit.OutputPort.$Properties>, "tolerance">;
export type Learning = Complete<vle.circuit.Learning.$Properties>;
export type Provenance = Complete<vle.circuit.Provenance.$Properties>;
export type Hardware = Omit<Complete<vle.circuit.Hardware.$Properties>, "routes"> & { routes: Route[] };
export type Core = Complete<vle.circuit.Core.$Properties>;
export type CellPlacement = Complete<vle.circuit.CellPlacement.$Properties>;
export type CrossbarTile = Complete<vle.circuit.CrossbarTile.$Properties>;
export type Route = Declared<Complete<vle.circuit.Route.$Properties>, "tile">;
export type Converter = Complete<vle.circuit.Converter.$Properties>;
export type SignalRange = Complete<vle.circuit.SignalRange.$Properties>;
export type WeightStorage = Complete<vle.circuit.WeightStorage.$Properties>;
export type Effects = Complete<vle.circuit.Effects.$Properties>;
export type Mismatch = Complete<vle.circuit.Mismatch.$Properties>;

/** Every enum's zero is its *_UNSPECIFIED value ("not set"), never a value users choose. */
const unspecified = (key: string) => key.endsWith("_UNSPECIFIED");

/** Whether `value` is one of the enum's declared values (not its zero, *_UNSPECIFIED). */
export function isDeclared(e: Record<string, string | number>, value: number): boolean {
  return value !== 0 && Object.keys(e).some((k) => e[k] === value && !unspecified(k));
}

/** Lower-case names of enum values as users write them ("softplus", "cross-entropy", "vle"). */
export function enumName(e: Record<string, string | number>, value: number): string {
  const key = Object.keys(e).find((k) => e[k] === value);
  return key === undefined ? String(value) : key.toLowerCase().replace(/_/g, "-");
}

/** Parses a user-facing enum name back to its value; undefined when unknown (or the *_UNSPECIFIED zero). */
export function enumValue(e: Record<string, string | number>, name: string): number | undefined {
  const key = name.toUpperCase().replace(/-/g, "_");
  const v = e[key];
  return typeof v === "number" && !unspecified(key) ? v : undefined;
}

/** Names an enum's values for error messages: "linear|tanh|softplus". */
export function enumChoices(e: Record<string, string | number>): string {
  return Object.keys(e)
    .filter((k) => typeof e[k] === "number" && !unspecified(k))
    .map((k) => k.toLowerCase().replace(/_/g, "-"))
    .join("|");
}

/** Finds the source of a crossbar's rows: an input port or a population. */
export function findSource(
  c: Circuit,
  name: string,
): { kind: "input"; port: InputPort } | { kind: "population"; population: Population } | undefined {
  const port = c.inputs.find((p) => p.name === name);
  if (port) return { kind: "input", port };
  const population = c.populations.find((p) => p.name === name);
  return population ? { kind: "population", population } : undefined;
}

/** Deep copy of a circuit (plain data, no shared arrays). */
export function cloneCircuit(c: Circuit): Circuit {
  return structuredClone(c);
}

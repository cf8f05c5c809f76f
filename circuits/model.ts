// The TypeScript model of the circuit IR: the types generated from circuit.proto, with every field present.
import { vle } from "./generated/circuit.js";

export const pb = vle.circuit;
export const { Phi, Feedback, Loss, Rule, Optimizer, Flow, Signal, Rounding, PlasticityMode, PlasticityRule } =
  vle.circuit;
export type Phi = vle.circuit.Phi;
export type Feedback = vle.circuit.Feedback;
export type Loss = vle.circuit.Loss;
export type Rule = vle.circuit.Rule;
export type Optimizer = vle.circuit.Optimizer;
export type Flow = vle.circuit.Flow;
export type Signal = vle.circuit.Signal;
export type Rounding = vle.circuit.Rounding;
export type PlasticityMode = vle.circuit.PlasticityMode;
export type PlasticityRule = vle.circuit.PlasticityRule;

/** The IR version this build reads and writes. */
export const IR_VERSION = 1;

/** A generated message type with every field required and non-null, recursively (decoding fills defaults);
 * protobufjs's bookkeeping keys ($unknowns) are left out: decoded objects never carry them. */
export type Complete<T> = {
  [K in keyof T as K extends `$${string}` ? never : K]-?: NonNullable<T[K]> extends (infer U)[]
    ? (U extends object ? Complete<U> : U)[]
    : NonNullable<T[K]> extends object
      ? Complete<NonNullable<T[K]>>
      : NonNullable<T[K]>;
};

/** `hardware` is absent (null or undefined) for a circuit that only runs ideal: check `if (c.hardware)`. */
export type Circuit = Omit<Complete<vle.circuit.Circuit.$Properties>, "hardware"> & { hardware?: Hardware | null };
export type InputPort = Complete<vle.circuit.InputPort.$Properties>;
export type Population = Complete<vle.circuit.Population.$Properties>;
export type ErrorPopulation = Complete<vle.circuit.ErrorPopulation.$Properties>;
export type ErrorCurrent = Complete<vle.circuit.ErrorCurrent.$Properties>;
export type Crossbar = Complete<vle.circuit.Crossbar.$Properties>;
export type Broadcast = Complete<vle.circuit.Broadcast.$Properties>;
export type OutputPort = Complete<vle.circuit.OutputPort.$Properties>;
export type Learning = Complete<vle.circuit.Learning.$Properties>;
export type Provenance = Complete<vle.circuit.Provenance.$Properties>;
export type Hardware = Complete<vle.circuit.Hardware.$Properties>;
export type Core = Complete<vle.circuit.Core.$Properties>;
export type CellPlacement = Complete<vle.circuit.CellPlacement.$Properties>;
export type CrossbarTile = Complete<vle.circuit.CrossbarTile.$Properties>;
export type Route = Complete<vle.circuit.Route.$Properties>;
export type Converter = Complete<vle.circuit.Converter.$Properties>;
export type SignalRange = Complete<vle.circuit.SignalRange.$Properties>;
export type WeightStorage = Complete<vle.circuit.WeightStorage.$Properties>;
export type Effects = Complete<vle.circuit.Effects.$Properties>;
export type Physical = Complete<vle.circuit.Physical.$Properties>;
export type Noc = Complete<vle.circuit.Noc.$Properties>;
export type Plasticity = Complete<vle.circuit.Plasticity.$Properties>;
export type Noise = Complete<vle.circuit.Noise.$Properties>;
export type Mismatch = Complete<vle.circuit.Mismatch.$Properties>;
export type Pipeline = Complete<vle.circuit.Pipeline.$Properties>;

/** Lower-case names of enum values as users write them ("softplus", "cross-entropy", "vle"). */
export function enumName(e: Record<string, string | number>, value: number): string {
  const key = Object.keys(e).find((k) => e[k] === value);
  return key === undefined ? String(value) : key.toLowerCase().replace(/_/g, "-");
}

/** Parses a user-facing enum name back to its value; undefined when unknown. */
export function enumValue(e: Record<string, string | number>, name: string): number | undefined {
  const key = name.toUpperCase().replace(/-/g, "_");
  const v = e[key];
  return typeof v === "number" ? v : undefined;
}

/** Names an enum's values for error messages: "linear|tanh|softplus". */
export function enumChoices(e: Record<string, string | number>): string {
  return Object.keys(e)
    .filter((k) => typeof e[k] === "number")
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

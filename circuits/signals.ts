// The names of a circuit's signals as every tool writes them: trace columns, VCD, SPICE probes, verify messages, reports.

/** Per-neuron state: the representation compartment (u, u_prosp, r) and the error compartment (v, e). */
export const neuronSignals = ["u", "u_prosp", "r", "v", "e"] as const;
export type NeuronSignal = (typeof neuronSignals)[number];

/** The signals only a population with an error cell has. */
export const errorSignals: readonly NeuronSignal[] = ["v", "e"];

/** The simulator's state array holding each neuron signal (the prospective membrane is `uProsp`). */
export const stateArray = { u: "u", u_prosp: "uProsp", r: "r", v: "v", e: "e" } as const satisfies Record<
  NeuronSignal,
  string
>;

/** Learnable per-neuron parameters: membrane time constant and bias. */
export const neuronParameters = ["tau_m", "b"] as const;
export type NeuronParameter = (typeof neuronParameters)[number];

/** A crossbar's matrices: its weights W and, with random or learned feedback, its own feedback matrix F. */
export type Matrix = "W" | "F";

/** A neuron's column name, `l1.r[2]`. */
export const neuronColumn = (population: string, signal: NeuronSignal | NeuronParameter, i: number) =>
  `${population}.${signal}[${i}]`;

/** A matrix entry's column name, `x_to_l0.W[0,1]` (row = post neuron, column = pre neuron). */
export const matrixColumn = (crossbar: string, matrix: Matrix, row: number, col: number) =>
  `${crossbar}.${matrix}[${row},${col}]`;

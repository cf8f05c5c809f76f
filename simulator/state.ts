// The state of a running circuit that the engines and the population step share: per population, crossbar and output.
import type { Transfer } from "../circuits/cells.js";
import type { Crossbar, OutputPort, Population } from "../circuits/model.js";
import type { Parameter } from "./optimizer.js";

/** The per-neuron signals of a population, each B x n (sample-major). */
export interface PopulationSignals {
  /** membrane */
  u: Float64Array;
  /** prospective membrane u + tau_r du/dt */
  uProsp: Float64Array;
  /** rate phi(uProsp) */
  r: Float64Array;
  /** phi'(uProsp) */
  dphi: Float64Array;
  /** error cell */
  v: Float64Array;
  /** prospective error v + tau_m dv/dt */
  e: Float64Array;
  /** du/dt of the last step */
  udot: Float64Array;
}

export interface PopulationState {
  spec: Population;
  size: number;
  transfer: Transfer;
  /** live (learnable) per-neuron parameters */
  tauM: Float64Array;
  tauR: Float64Array;
  bias: Float64Array;
  gamma: number;
  /** has an error compartment */
  learns: boolean;
  /** state after the last step, and the buffers the next step writes */
  now: PopulationSignals;
  next: PopulationSignals;
  /** crossbars whose post is this population */
  afferent: CrossbarState[];
  /** crossbars whose pre is this population and carry errors back */
  backward: CrossbarState[];
  /** broadcast routes into this population: source output population and weights [to][from] */
  broadcasts: { from: PopulationState; weights: Float64Array }[];
  output?: OutputState;
  /** error input before the phi' factor, B x n, scratch of the step */
  errorIn: Float64Array;
  biasParam?: Parameter;
  tauParam?: Parameter;
}

export interface CrossbarState {
  spec: Crossbar;
  rows: number;
  cols: number;
  weights: Float64Array;
  /** back-projection matrix, same layout as weights; the weights themselves for transpose */
  feedback: Float64Array;
  carriesError: boolean;
  /** pre population, or undefined when pre is an input port */
  pre?: PopulationState;
  preInput?: Float64Array;
  post: PopulationState;
  /** F^T e_post of the last step (B x cols), and what the next step writes */
  errorOut: Float64Array;
  errorOutNext: Float64Array;
  weightParam?: Parameter;
  feedbackParam?: Parameter;
}

export interface OutputState {
  spec: OutputPort;
  population: PopulationState;
  /** target of the current step, B x n */
  target: Float64Array;
  /** 1 where a sample has a target this step, 0 where not (B) */
  mask: Float64Array;
}

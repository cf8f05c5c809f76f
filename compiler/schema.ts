// The keys a description may use, per section, and the closest-key suggestion for a misspelt one.

/** Top-level keys the core passes read; passes in the pipeline may claim more (see Pass.sections). */
export const topLevelKeys = [
  "name",
  "dt",
  "seed",
  "constants",
  "populations",
  "projections",
  "broadcasts",
  "loss",
  "learning",
  "rails",
] as const;
export const populationKeys = [
  "name",
  "kind",
  "size",
  "tau_m",
  "tau_r",
  "phi",
  "bias",
  "learn",
  "gamma",
  "target",
  "tolerance",
  "range",
] as const;
export const inputPopulationKeys = ["name", "kind", "size", "range"] as const;
export const projectionKeys = ["name", "from", "to", "weights", "init", "plastic", "feedback"] as const;
export const initKeys = ["kind", "scale", "seed"] as const;
export const feedbackKeys = ["kind", "init", "weights"] as const;
export const broadcastKeys = ["from", "to", "weights", "init"] as const;
export const lossKeys = ["kind", "beta"] as const;
export const learningKeys = [
  "rule",
  "eta",
  "eta_tau",
  "gamma",
  "prospective_errors",
  "optimizer",
  "betas",
  "eps",
  "window",
] as const;

export { closest } from "../circuits/suggest.js";

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

/** Edit distance between two short strings (for "did you mean"). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The valid key closest to `key`, when it is close enough to be a likely misspelling. */
export function closest(key: string, valid: readonly string[]): string | undefined {
  const lower = key.toLowerCase().replace(/-/g, "_");
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of valid) {
    const d = distance(lower, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

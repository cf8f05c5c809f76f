// Sign and ternary plasticity: at a write event each synapse moves at most one weight level, in the direction of its gathered update.

/**
 * Adds to `pending` one level (`scale`) in the direction of rate x delta[k] where |rate x delta[k]| is at
 * least `threshold` levels (sign: threshold 0, any non-zero update moves), and clears delta.
 */
export function levelSteps(
  pending: Float64Array,
  delta: Float64Array,
  rate: number,
  scale: number,
  threshold: number,
): void {
  const bound = threshold * scale;
  for (let k = 0; k < delta.length; k++) {
    const u = rate * delta[k];
    delta[k] = 0;
    if (u === 0 || Math.abs(u) < bound) continue;
    pending[k] += u > 0 ? scale : -scale;
  }
}

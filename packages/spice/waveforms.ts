// Input and target tables as time functions: the piecewise-linear waveforms both ngspice and the resampled engine see.
import { VleError } from "../../circuits/errors.js";
import type { Waveforms } from "../../compiler/exporters/spice.js";
import type { Stimulus } from "../../simulator/stimulus.js";

/** One sample (sequence) of a stimulus as waveforms: row s at t = s * dt, columns `<name>[<i>]`, NaN where no target. */
export function stimulusWaveforms(stimulus: Stimulus, dt: number, sample = 0): Waveforms {
  if (!Number.isInteger(sample) || sample < 0 || sample >= stimulus.samples) {
    throw new VleError(`${stimulus.file}: no sample ${sample}; the table holds samples 0..${stimulus.samples - 1}`);
  }
  const offset = stimulus.offsets[sample],
    steps = stimulus.steps[sample];
  const times = Float64Array.from({ length: steps }, (_, s) => s * dt);
  const columns = new Map<string, Float64Array>();
  for (const g of stimulus.groups) {
    for (let i = 0; i < g.size; i++) {
      columns.set(
        `${g.name}[${i}]`,
        Float64Array.from({ length: steps }, (_, s) => g.values[(offset + s) * g.size + i]),
      );
    }
  }
  return { times, columns };
}

/**
 * Linear interpolation of (times, values) at increasing query times, holding the end values outside;
 * the cursor makes a sweep over sorted queries O(points + queries).
 */
export class Interpolator {
  private k = 0;
  constructor(
    private readonly times: ArrayLike<number>,
    private readonly values: ArrayLike<number>,
  ) {
    if (times.length === 0 || times.length !== values.length)
      throw new VleError(
        `interpolation needs equally many (>= 1) times and values, got ${times.length} and ${values.length}`,
      );
  }

  at(t: number): number {
    const { times, values } = this;
    const n = times.length;
    if (t <= times[0]) {
      this.k = 0;
      return values[0];
    }
    if (t >= times[n - 1]) return values[n - 1];
    if (times[this.k] > t) this.k = 0;
    while (this.k + 1 < n && times[this.k + 1] <= t) this.k++;
    const t0 = times[this.k],
      t1 = times[this.k + 1];
    if (t1 === t0) return values[this.k + 1];
    const a = (t - t0) / (t1 - t0);
    return values[this.k] + a * (values[this.k + 1] - values[this.k]);
  }
}

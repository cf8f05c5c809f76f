// Flicker (1/f) noise of a population's membrane inputs: a sum of Ornstein-Uhlenbeck processes, one per decade of time constant, each stepped exactly.
import type { Random } from "../../circuits/random.js";

/** Decades covered: time constants dt x 10^1 .. dt x 10^DECADES (equal variance per decade gives a 1/f spectrum between them). */
export const FLICKER_DECADES = 4;

export class Flicker {
  private readonly state: Float64Array[];
  private readonly decay: number[];
  private readonly kick: number[];
  private readonly z: Float64Array;

  /** `std`: stationary std of the sum (model units of the membrane input), over `length` = batch x cells values. */
  constructor(
    std: number,
    dt: number,
    length: number,
    private readonly random: Random,
  ) {
    const each = std / Math.sqrt(FLICKER_DECADES);
    this.state = Array.from({ length: FLICKER_DECADES }, () => new Float64Array(length));
    this.decay = [];
    this.kick = [];
    for (let k = 1; k <= FLICKER_DECADES; k++) {
      const a = 1 / 10 ** k; // dt / tau
      this.decay.push(Math.exp(-a));
      this.kick.push(each * Math.sqrt(1 - Math.exp(-2 * a)));
    }
    this.z = new Float64Array(length);
  }

  /** Advances every process one step and adds their sum to x. */
  addTo(x: Float64Array): void {
    for (let k = 0; k < this.state.length; k++) {
      const s = this.state[k],
        decay = this.decay[k],
        kick = this.kick[k];
      this.random.fillNormal(this.z, 0, s.length);
      for (let i = 0; i < s.length; i++) {
        s[i] = decay * s[i] + kick * this.z[i];
        x[i] += s[i];
      }
    }
  }

  reset(): void {
    for (const s of this.state) s.fill(0);
  }
}

// Seeded random numbers for everything that draws (weight init, tasks, noise, mismatch): one generator, reproducible.
import { xoroshiro128plus, xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";

export class Random {
  private rng: RandomGenerator;

  constructor(seed: number) {
    this.rng = xoroshiro128plus(seed | 0);
  }

  /** The generator's full state, for checkpoints. */
  get state(): number[] {
    return [...this.rng.getState()];
  }

  set state(s: number[]) {
    this.rng = xoroshiro128plusFromState(s);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return uniformFloat64(this.rng);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return uniformInt(this.rng, 0, n - 1);
  }

  /** Standard normal (Marsaglia polar method; the second value is dropped so the state stays a plain generator state). */
  normal(): number {
    for (;;) {
      const a = 2 * this.uniform() - 1;
      const b = 2 * this.uniform() - 1;
      const q = a * a + b * b;
      if (q > 0 && q < 1) {
        return a * Math.sqrt((-2 * Math.log(q)) / q);
      }
    }
  }

  /**
   * Fills out[from .. to) with standard normals by the polar method, keeping both values of each draw
   * (for bulk noise; a different stream from repeated normal() calls).
   */
  fillNormal(out: Float64Array, from = 0, to = out.length): void {
    let k = from;
    while (k < to) {
      const a = 2 * this.uniform() - 1;
      const b = 2 * this.uniform() - 1;
      const q = a * a + b * b;
      if (q === 0 || q >= 1) continue;
      const f = Math.sqrt((-2 * Math.log(q)) / q);
      out[k++] = a * f;
      if (k < to) out[k++] = b * f;
    }
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

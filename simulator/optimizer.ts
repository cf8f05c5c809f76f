// Optimizers that turn a learning rule's update direction into parameter changes: SGD and Adam (torch semantics).
import { Optimizer, type Learning } from "../circuits/model.js";
import type { KernelArena } from "./wasm-kernels.js";

/** One learnable array with the update direction a rule accumulated into `delta` (a descent direction: -gradient). */
export interface Parameter {
  name: string;
  values: Float64Array;
  delta: Float64Array;
  rate: number;
  /** Lower bound applied after every update (time constants stay >= dt). */
  floor: number;
  /** Adam moments; allocated once. */
  m: Float64Array;
  s: Float64Array;
}

export function makeParameter(name: string, values: Float64Array, rate: number, floor = -Infinity): Parameter {
  const n = values.length;
  return { name, values, delta: new Float64Array(n), rate, floor, m: new Float64Array(n), s: new Float64Array(n) };
}

export class ParameterUpdater {
  /** Adam step count (shared by all parameters, as one torch optimizer). */
  steps = 0;
  /** where parameters held in this WebAssembly memory are updated (same arithmetic), and its scalars there */
  private arena?: KernelArena;
  private scalars?: Float64Array;

  /** Parameters whose arrays all live in the arena are updated in WebAssembly from then on. */
  useArena(arena: KernelArena): void {
    this.arena = arena;
    this.scalars = arena.f64(7);
  }

  constructor(private readonly learning: Learning) {}

  /** Applies and clears every parameter's accumulated delta. */
  apply(params: readonly Parameter[]): void {
    this.steps++;
    const adam = this.learning.optimizer === Optimizer.ADAM;
    const b1 = this.learning.adamBeta1,
      b2 = this.learning.adamBeta2,
      eps = this.learning.adamEpsilon;
    const c1 = 1 - b1 ** this.steps,
      c2Sqrt = Math.sqrt(1 - b2 ** this.steps);
    for (const p of params) {
      const { values, delta, m, s, rate, floor } = p;
      if (rate === 0) {
        delta.fill(0);
        continue;
      }
      const arena = this.arena,
        sc = this.scalars;
      if (arena && sc && arena.owns(values) && arena.owns(delta) && arena.owns(m) && arena.owns(s)) {
        sc[0] = rate;
        sc[1] = floor;
        sc[2] = b1;
        sc[3] = b2;
        sc[4] = eps;
        sc[5] = c1;
        sc[6] = c2Sqrt;
        const x = arena.exports,
          n = values.length;
        if (adam) x.applyAdam(n, values.byteOffset, delta.byteOffset, m.byteOffset, s.byteOffset, sc.byteOffset);
        else x.applySgd(n, values.byteOffset, delta.byteOffset, sc.byteOffset);
        continue;
      }
      for (let k = 0; k < values.length; k++) {
        let change: number;
        if (adam) {
          const g = -delta[k];
          m[k] = b1 * m[k] + (1 - b1) * g;
          s[k] = b2 * s[k] + (1 - b2) * g * g;
          change = ((-rate / c1) * m[k]) / (Math.sqrt(s[k]) / c2Sqrt + eps);
        } else {
          change = rate * delta[k];
        }
        const x = values[k] + change;
        values[k] = x < floor ? floor : x;
        delta[k] = 0;
      }
    }
  }
}

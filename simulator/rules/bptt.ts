// The bptt and tbptt:K rules: the exact gradient of the free network by the discrete adjoint, applied per sequence or every K steps.
import type { Engine } from "../engine.js";
import type { Learner } from "./learner.js";
import { allocateGradient, freeNetwork, gradientOf, Trajectory, type Gradient } from "./adjoint.js";

/**
 * Records the free network's steps and, at the end of every window of `window` steps (and at the end of
 * a sequence), descends the exact gradient of the loss of that window, the state at the window's start
 * held constant. window = Infinity is bptt; window K is tbptt:K, and with K >= T it is bptt exactly
 * (the same code path). The descent direction is -grad / B (the batch mean, as the local rules), on the
 * loss weighted by each output's beta (the local rules' output error is beta (y - r)).
 */
export class BackpropLearner implements Learner {
  readonly trajectory: Trajectory;
  readonly gradient: Gradient;
  private readonly targets: (Float64Array | undefined)[];

  /** `frozen`: updates accumulate in each Parameter.delta and are not applied (summed updates, for alignment). */
  constructor(
    readonly engine: Engine,
    readonly window = Infinity,
    private readonly frozen = false,
  ) {
    freeNetwork(engine);
    this.trajectory = new Trajectory(engine, Number.isFinite(window) ? window : 64);
    this.gradient = allocateGradient(engine);
    this.targets = gradientOf(engine, this.gradient);
  }

  step(): void {
    const t = this.trajectory;
    // the engine was reset without endSequence: the recorded steps were a whole sequence
    if (this.engine.step === 0 && t.steps > 0) this.update();
    if (t.steps === 0) t.start();
    this.engine.advance(false);
    t.record();
    if (t.steps >= this.window) this.update();
  }

  endSequence(): void {
    if (this.trajectory.steps > 0) this.update();
  }

  private update(): void {
    const e = this.engine,
      inv = 1 / e.batch;
    this.trajectory.backward(this.gradient, "beta");
    e.parameters.forEach((p, k) => {
      const g = this.targets[k];
      if (!g) return;
      const delta = p.delta;
      for (let i = 0; i < g.length; i++) delta[i] -= g[i] * inv;
    });
    if (!this.frozen) e.updater.apply(e.parameters);
    this.trajectory.steps = 0;
  }
}

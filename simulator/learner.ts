// How a learning rule drives the engine over a sequence: online rules learn every step, others per window or sequence.
import { Rule } from "../circuits/model.js";
import type { Engine } from "./engine.js";

export interface Learner {
  /** Advances the engine one step, learning as the rule does. */
  step(): void;
  /** Marks the end of a sequence: rules that learn per sequence (or partial window) apply their update here. */
  endSequence(): void;
}

/** The local rules (vle, instantaneous) learn online inside the engine's step. */
class OnlineLearner implements Learner {
  constructor(private readonly engine: Engine, private readonly learn: boolean) {}
  step(): void {
    this.engine.advance(this.learn);
  }
  endSequence(): void {}
}

/** A learner for the engine's rule; `learn` false runs inference only. */
export function createLearner(engine: Engine, learn = true): Learner {
  switch (engine.rule) {
    case Rule.VLE:
    case Rule.INSTANTANEOUS:
    case Rule.NONE:
      return new OnlineLearner(engine, learn && engine.rule !== Rule.NONE);
    default:
      throw new Error(`rule ${engine.rule} has no learner yet`);
  }
}

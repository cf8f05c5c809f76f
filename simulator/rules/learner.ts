// What every learning rule's driver does to the engine over a sequence (the online rules, bptt/tbptt, e-prop).

export interface Learner {
  /** Advances the engine one step, learning as the rule does. */
  step(): void;
  /** Marks the end of a sequence: rules that learn per sequence (or partial window) apply their update here. */
  endSequence(): void;
}

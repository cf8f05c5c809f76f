// The compiler pass: a named step that reads the stage results it needs and returns the ones it makes.
import type { StageName, Stages } from "./stages.js";

export interface Pass {
  readonly name: string;
  /** the stages `run` reads; the pipeline checks each was made by an earlier pass */
  readonly needs: readonly StageName[];
  /** top-level description keys this pass reads, so they are not rejected as unknown */
  readonly sections?: readonly string[];
  run(stages: Stages): Partial<Stages> | undefined;
}

/** A pass whose `run` sees only the stages it names in `needs` and returns only stages (type-checked). */
export function definePass<N extends StageName, M extends StageName = never>(pass: {
  name: string;
  needs: readonly N[];
  sections?: readonly string[];
  run(stages: Pick<Stages, N>): Pick<Stages, M> | undefined;
}): Pass {
  return pass as Pass;
}

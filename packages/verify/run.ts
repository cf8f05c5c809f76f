// Runs a drive through a circuit the way `vle simulate` does (same engine, learner and feeding), calling back after every step.
import type { VleError } from "../../circuits/errors.js";
import { Rule, type Circuit } from "../../circuits/model.js";
import { Engine, type EngineOptions } from "../../simulator/engine.js";
import { HardwareEngine } from "../../simulator/hardware/engine.js";
import { createLearner } from "../../simulator/learner.js";
import { feedStimulus } from "../../simulator/stimulus.js";
import type { Drive } from "./drive.js";

export type Mode = "ideal" | "hardware";

/** An engine for one sample in the given mode (hardware mode: seeded by `seed`, default the chip's). */
export function makeEngine(c: Circuit, mode: Mode, options: EngineOptions & { seed?: number } = {}): Engine {
  return mode === "hardware"
    ? new HardwareEngine(c, { ...options, batch: 1 })
    : new Engine(c, { ...options, batch: 1 });
}

/**
 * Feeds the drive step by step as `vle simulate` would (it learns when the drive has targets and the rule is
 * not none); `afterStep` sees the engine after each step and returns true to stop early. The engine should be
 * fresh or reset. Returns the steps taken.
 */
export function runDrive(engine: Engine, drive: Drive, afterStep: (step: number) => boolean | void): number {
  const learning = drive.target !== undefined && engine.rule !== Rule.NONE;
  const learner = createLearner(engine, learning);
  const feedInput = feedStimulus(drive.input, engine);
  const feedTarget = drive.target && feedStimulus(drive.target, engine);
  const slot = Int32Array.of(0);
  for (let s = 0; s < drive.steps; s++) {
    feedInput(slot, s);
    feedTarget?.(slot, s);
    learner.step();
    if (afterStep(engine.step)) return s + 1;
  }
  learner.endSequence();
  return drive.steps;
}

/** The signal a guard message names ("step 3: population 'h' neuron 1: u = ..."), in trace notation (h.u[1]). */
export function guardSignal(err: VleError): string | undefined {
  const m = /population '(.*)' neuron (\d+): (u|r|e) = /.exec(err.message);
  return m ? `${m[1]}.${m[3]}[${m[2]}]` : undefined;
}

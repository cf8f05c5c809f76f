// The vle library: what `import { compile, simulate, train, evaluate, energy, verify } from "vle"` gives, the CLI's commands as functions.
import { writeCircuit } from "../../circuits/codec.js";
import type { Circuit } from "../../circuits/model.js";
import { compileFile, passes, withTarget } from "../../compiler/index.js";
import { energyCommand, type EnergyOptions } from "../cli/commands/energy.js";
import { evaluateCommand, type EvaluateResult } from "../cli/commands/evaluate.js";
import { simulate as simulateCommand, type SimulateOptions, type SimulateSummary } from "../cli/commands/simulate.js";
import { trainCommand, type TrainCommandOptions } from "../cli/commands/train.js";
import { loadCircuit } from "../load/load.js";
import type { TaskChoice } from "../cli/task-options.js";
import type { EnergyDocument } from "../report/energy.js";
import type { TrainResult } from "../tasks/train.js";
import { loadTarget, verify as verifyTarget, type VerifyOptions, type VerifyReport } from "../verify/index.js";

export type { Circuit } from "../../circuits/model.js";
export { VleError, UsageError } from "../../circuits/errors.js";
export type { EnergyDocument } from "../report/energy.js";
export type { SimulateOptions, SimulateSummary } from "../cli/commands/simulate.js";
export type { TrainCommandOptions as TrainOptions } from "../cli/commands/train.js";
export type { TrainResult, TrainSummary, EpochRecord } from "../tasks/train.js";
export type { VerifyOptions, VerifyReport } from "../verify/index.js";
export type { EnergyOptions } from "../cli/commands/energy.js";
export type { EvaluateResult } from "../cli/commands/evaluate.js";
export type { TaskChoice } from "../cli/task-options.js";
export { createTask, taskFactories } from "../tasks/index.js";

/** Compiles a network description file (.yaml/.json), for the technology card `chip` when given (like `vle compile --chip`). */
export function compile(description: string, options: { chip?: string } = {}): Circuit {
  return compileFile(description, options.chip === undefined ? passes : withTarget(passes, options.chip));
}

/** A validated circuit from a compiled file (.pb/.json) or a description (compiled on the fly). */
export function load(file: string): Circuit {
  return loadCircuit(file);
}

/** Writes a circuit, binary unless the name ends in .json; atomically. */
export function save(file: string, circuit: Circuit): void {
  writeCircuit(file, circuit);
}

/** Runs a circuit on input (and target) tables and writes a trace CSV and/or VCD, like `vle simulate`. */
export function simulate(circuit: Circuit | string, options: SimulateOptions): SimulateSummary {
  return simulateCommand(circuit, options);
}

/**
 * Trains a circuit on a task or data files with its learning rule, like `vle train`; resolves to the trained circuit and
 * a summary.
 */
export function train(circuit: Circuit | string, options: TrainCommandOptions): Promise<TrainResult> {
  return trainCommand(circuit, options);
}

/** Scores a circuit file on a task's test set or test data files with learning off, like `vle evaluate`. */
export function evaluate(circuit: string, options: TaskChoice): Promise<EvaluateResult> {
  return evaluateCommand(circuit, options);
}

/** Energy and time of on-chip learning of a task, optionally against BPTT, like `vle energy`. */
export function energy(circuit: Circuit | string, options: EnergyOptions): EnergyDocument {
  return energyCommand(circuit, options);
}

/** Checks a circuit's properties over random bounded drives, like `vle verify` (counterexamples go to `outDir`). */
export function verify(file: string, options: VerifyOptions = {}): VerifyReport {
  return verifyTarget(loadTarget(file), options);
}

// `vle train`: trains a circuit on a task with its learning rule, checkpointing and resuming exactly; prints a JSON summary.
import { InvalidArgumentError, type Command } from "commander";
import { writeCircuit } from "../../../circuits/codec.js";
import { UsageError } from "../../../circuits/errors.js";
import { createTask, taskFactories } from "../../tasks/index.js";
import { train, type TrainResult } from "../../tasks/train.js";
import type { PlateauOptions } from "../../tasks/plateau.js";
import { loadCircuit } from "../load.js";
import { integer, renamedOption } from "../options.js";

export interface TrainCommandOptions {
  task: string;
  epochs?: number;
  seed?: number;
  batch?: number;
  rule?: string;
  checkpoint?: string;
  checkpointEvery?: number;
  resume?: boolean;
  progress?: boolean;
  /** write the trained circuit here (.pb or .json) */
  out?: string;
  trainSize?: number;
  testSize?: number;
  dataSeed?: number;
  length?: number;
  targetFrom?: number | "last";
  answerSteps?: number;
  stepsPerSample?: number;
  validation?: number;
  plateau?: PlateauOptions;
  carryState?: boolean;
}

/** Loads the circuit, makes the task and trains; the task's defaults fill in epochs and batch. */
export function trainCommand(file: string, options: TrainCommandOptions): TrainResult {
  if (options.out !== undefined && !/\.(pb|json)$/i.test(options.out))
    throw new UsageError(`${options.out}: the trained circuit's file must end in .pb (binary) or .json`);
  const circuit = loadCircuit(file);
  const seed = options.seed ?? 0;
  const task = createTask(options.task, {
    seed,
    circuit,
    trainSize: options.trainSize,
    testSize: options.testSize,
    dataSeed: options.dataSeed,
    length: options.length,
    protocol: {
      targetFrom: options.targetFrom,
      answerSteps: options.answerSteps,
      stepsPerSample: options.stepsPerSample,
    },
  });
  const result = train(circuit, task, {
    seed,
    epochs: options.epochs ?? task.defaults.epochs,
    batch: options.batch ?? task.defaults.batch,
    rule: options.rule,
    checkpoint: options.checkpoint,
    checkpointEvery: options.checkpointEvery,
    resume: options.resume,
    progress: options.progress ?? process.stderr.isTTY === true,
    validation: options.validation,
    plateau: options.plateau,
    carryState: options.carryState,
  });
  if (options.out) writeCircuit(options.out, result.circuit);
  return result;
}

/** --target-from: a step, or "last" */
const targetStep = (value: string): number | "last" => (value === "last" ? value : integer("--target-from", 0)(value));

/** --plateau patience:factor, as torch's ReduceLROnPlateau(patience, factor) */
const plateau = (value: string): PlateauOptions => {
  const m = /^(\d+):([0-9.eE+-]+)$/.exec(value);
  const factor = m ? Number(m[2]) : NaN;
  if (!m || !(factor > 0 && factor < 1))
    throw new InvalidArgumentError(
      `--plateau '${value}' must be patience:factor with a whole patience and 0 < factor < 1, e.g. 2:0.5`,
    );
  return { patience: Number(m[1]), factor };
};

export function registerTrain(program: Command): void {
  const command = program
    .command("train")
    .argument("<circuit>", "network description (.yaml/.json) or compiled circuit (.pb/.json)")
    .requiredOption("--task <name>", `task: ${Object.keys(taskFactories).join(", ")}`)
    .option("--epochs <n>", "epochs (default: the task's)", integer("--epochs", 0))
    .option("--seed <s>", "seed of the task's data and the batch order (default 0)", integer("--seed", 0))
    .option("--batch <b>", "sequences per batch (default: the task's)", integer("--batch", 1))
    .option("--rule <rule>", "override the circuit's rule: vle, instantaneous, bptt, tbptt:K, eprop, none")
    .option("--checkpoint <file>", "write a checkpoint (JSON) after every epoch")
    .option("--checkpoint-every <n>", "also checkpoint every n batches", integer("--checkpoint-every", 1))
    .option(
      "--resume",
      "continue from --checkpoint with the same settings (--epochs may be raised); ends exactly where an uninterrupted run would",
    )
    .option("--progress", "show the progress bar even when stderr is not a terminal")
    .option("-o, --out <file>", "write the trained circuit (.pb or .json)")
    .option("--train-size <n>", "training sequences (default: the task's)", integer("--train-size", 1))
    .option("--test-size <n>", "test sequences (default: the task's)", integer("--test-size", 1))
    .option(
      "--data-seed <s>",
      "seed of generated data, apart from --seed (mnist1d: default 42, as published)",
      integer("--data-seed", 0),
    )
    .option(
      "--length <n>",
      "samples per generated signal (mnist1d: 40 as published; 360 for the GLE protocol)",
      integer("--length", 1),
    )
    .option(
      "--target-from <step>",
      "first step that carries the target, or 'last'; the outputs summed over the target steps vote",
      targetStep,
    )
    .option("--answer-steps <n>", "zero-input steps after each signal", integer("--answer-steps", 0))
    .option(
      "--steps-per-sample <k>",
      "steps each input sample is held for (supersampling)",
      integer("--steps-per-sample", 1),
    )
    .option(
      "--validation <n>",
      "hold out n training sequences (seeded) and report their loss after every epoch",
      integer("--validation", 1),
    )
    .option(
      "--plateau <patience:factor>",
      "ReduceLROnPlateau on the validation loss, e.g. 2:0.5 (needs --validation)",
      plateau,
    )
    .option(
      "--carry-state",
      "keep the network state from batch to batch (as the GLE reference) instead of starting each from zero",
    );
  renamedOption(command, "--output", "--out").action((file: string, opts: TrainCommandOptions) => {
    const { summary } = trainCommand(file, opts);
    process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
  });
}

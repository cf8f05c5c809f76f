// `vle train`: trains a circuit on a task with its learning rule, checkpointing and resuming exactly; prints a JSON summary.
import type { Command } from "commander";
import { writeCircuit } from "../../../circuits/codec.js";
import { VleError } from "../../../circuits/errors.js";
import { createTask, taskFactories } from "../../tasks/index.js";
import { train, type TrainResult } from "../../tasks/train.js";
import { loadCircuit } from "../load.js";

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
  output?: string;
  trainSize?: number;
  testSize?: number;
}

/** Loads the circuit, makes the task and trains; the task's defaults fill in epochs and batch. */
export function trainCommand(file: string, options: TrainCommandOptions): TrainResult {
  if (options.output !== undefined && !/\.(pb|json)$/i.test(options.output))
    throw new VleError(`${options.output}: the trained circuit's file must end in .pb (binary) or .json`);
  const circuit = loadCircuit(file);
  const seed = options.seed ?? 0;
  const task = createTask(options.task, { seed, circuit, trainSize: options.trainSize, testSize: options.testSize });
  const result = train(circuit, task, {
    seed,
    epochs: options.epochs ?? task.defaults.epochs,
    batch: options.batch ?? task.defaults.batch,
    rule: options.rule,
    checkpoint: options.checkpoint,
    checkpointEvery: options.checkpointEvery,
    resume: options.resume,
    progress: options.progress ?? process.stderr.isTTY === true,
  });
  if (options.output) writeCircuit(options.output, result.circuit);
  return result;
}

const integer = (flag: string, min: number) => (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < min)
    throw new VleError(`${flag} '${value}' must be an integer >= ${min}`);
  return Number(value);
};

export function registerTrain(program: Command): void {
  program
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
    .option("-o, --output <file>", "write the trained circuit (.pb or .json)")
    .option("--train-size <n>", "training sequences (default: the task's)", integer("--train-size", 1))
    .option("--test-size <n>", "test sequences (default: the task's)", integer("--test-size", 1))
    .action((file: string, opts: TrainCommandOptions) => {
      const { summary } = trainCommand(file, opts);
      process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
    });
}

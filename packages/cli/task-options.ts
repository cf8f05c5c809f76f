// The options that choose what a circuit trains or is scored on (a built-in task or the user's data files, and the protocol), shared by train and evaluate.
import { existsSync, statSync } from "node:fs";
import type { Command } from "commander";
import { UsageError } from "../../circuits/errors.js";
import type { Circuit } from "../../circuits/model.js";
import { readData } from "../tasks/data/read.js";
import { createDataTask } from "../tasks/data/task.js";
import { createTask, dataDirTasks, taskFactories } from "../tasks/index.js";
import type { Task } from "../tasks/task.js";
import { integer } from "./options.js";

export interface TaskChoice {
  task?: string;
  data?: string;
  test?: string;
  trainSize?: number;
  testSize?: number;
  dataSeed?: number;
  length?: number;
  targetFrom?: number | "last";
  answerSteps?: number;
  stepsPerSample?: number;
}

/** --target-from: a step, or "last" */
const targetStep = (value: string): number | "last" => (value === "last" ? value : integer("--target-from", 0)(value));

/** Adds the task, data and protocol options to a command. */
export function taskOptions(command: Command, dataHelp: string): Command {
  return command
    .option("--task <name>", `a built-in task: ${Object.keys(taskFactories).join(", ")}`)
    .option("--data <file>", dataHelp)
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
      "first step that carries the target, or 'last'; the outputs summed over the target steps vote (data: default 0)",
      targetStep,
    )
    .option(
      "--answer-steps <n>",
      "zero-input steps after each sequence (data: default 0)",
      integer("--answer-steps", 0),
    )
    .option(
      "--steps-per-sample <k>",
      "steps each input sample is held for (supersampling; default 1)",
      integer("--steps-per-sample", 1),
    );
}

/** The task the options name: a built-in task (--task) or the user's files (--data, --test); exactly one of the two. */
export async function chooseTask(circuit: Circuit, seed: number, o: TaskChoice, testOnly = false): Promise<Task> {
  const protocol = { targetFrom: o.targetFrom, answerSteps: o.answerSteps, stepsPerSample: o.stepsPerSample };
  const folder = o.data !== undefined && existsSync(o.data) && statSync(o.data).isDirectory();
  if (o.task === undefined && o.data === undefined)
    throw new UsageError("give --task <name> (a built-in task) or --data <file> (your own data)");
  if (o.task !== undefined && o.data !== undefined && !folder)
    throw new UsageError(
      "give either --task <name> (a built-in task) or --data <file> (your own data), not both; --task with --data <folder> reads a task's official files",
    );
  if (o.task !== undefined) {
    if (o.test !== undefined) throw new UsageError("--test goes with --data (a built-in task has its own test set)");
    if (folder && !dataDirTasks.includes(o.task))
      throw new UsageError(
        `task '${o.task}' reads no data folder; --data <folder> goes with ${dataDirTasks.join(", ")}`,
      );
    return createTask(o.task, {
      seed,
      circuit,
      trainSize: o.trainSize,
      testSize: o.testSize,
      dataSeed: o.dataSeed,
      length: o.length,
      dataDir: folder ? o.data : undefined,
      protocol,
    });
  }
  if (folder)
    throw new UsageError(`--data ${o.data} is a folder; give a file, or --task smnist-row (etc.) to read IDX files`);
  for (const flag of ["trainSize", "testSize", "dataSeed", "length"] as const)
    if (o[flag] !== undefined)
      throw new UsageError(
        `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} applies to built-in tasks, not to --data`,
      );
  const data = { name: o.data!, arrays: await readData(o.data!) };
  // scoring only: the given file is the test set
  if (testOnly) return createDataTask(circuit, data, data, protocol);
  const test = o.test === undefined ? undefined : { name: o.test, arrays: await readData(o.test) };
  return createDataTask(circuit, data, test, protocol);
}

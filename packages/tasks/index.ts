// The task registry: tasks by name, created for a circuit and checked against its channels.
import { VleError } from "../../circuits/errors.js";
import { didYouMean } from "../../circuits/suggest.js";
import { createDelayedXor } from "./delayed-xor.js";
import { createHmmTask, hmmDefaults, parseHmmName } from "./hmm/task.js";
import { createLagline } from "./lagline.js";
import { createMnist1d } from "./mnist1d.js";
import { createSmnistPermuted, createSmnistPixel, createSmnistRow } from "./smnist.js";
import { checkChannels, type Task, type TaskFactory, type TaskOptions } from "./task.js";

export const taskFactories: Record<string, TaskFactory> = {
  lagline: createLagline,
  "delayed-xor": createDelayedXor,
  mnist1d: createMnist1d,
  "smnist-row": createSmnistRow,
  "smnist-pixel": createSmnistPixel,
  "smnist-permuted": createSmnistPermuted,
  hmm: createHmmTask(hmmDefaults),
};

/** The tasks that read a folder of official data files (TaskOptions.dataDir). */
export const dataDirTasks = ["smnist-row", "smnist-pixel", "smnist-permuted"];

/** The task `name` for the options' circuit; a one-line error for an unknown name or a circuit that does not fit. */
export function createTask(name: string, options: TaskOptions): Task {
  // parametric names: hmm:<architecture>[:<states>]
  const factory = name.startsWith("hmm:")
    ? createHmmTask(parseHmmName(name))
    : Object.hasOwn(taskFactories, name)
      ? taskFactories[name]
      : undefined;
  if (!factory)
    throw new VleError(
      `unknown task '${name}'${didYouMean(name, Object.keys(taskFactories))}; tasks: ${Object.keys(taskFactories).join(", ")}`,
    );
  const task = factory(options);
  checkChannels(task, options.circuit);
  return task;
}

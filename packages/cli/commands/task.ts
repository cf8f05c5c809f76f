// `vle task`: the built-in tasks; `vle task export` writes a task's sequences as input and target tables for simulate, align and SPICE.
import type { Command } from "commander";
import { UsageError } from "../../../circuits/errors.js";
import { loadCircuit } from "../../load/load.js";
import { exportTask } from "../../tasks/export.js";
import { createTask, taskFactories } from "../../tasks/index.js";
import { integer } from "../options.js";

interface ExportOptions {
  input: string;
  target: string;
  split: string;
  first: number;
  count: number;
  seed: number;
}

export function registerTask(program: Command): void {
  const task = program.command("task");
  task
    .command("list")
    .description("list the built-in tasks")
    .action(() => {
      process.stdout.write(Object.keys(taskFactories).join("\n") + "\n");
    });
  task
    .command("export")
    .description(
      "write a task's sequences (made for a circuit: its dt and ports) as the input and target tables vle simulate reads",
    )
    .argument("<task>", `a built-in task: ${Object.keys(taskFactories).join(", ")}`)
    .argument("<circuit>", "the circuit the task runs on (description or compiled circuit)")
    .requiredOption("--input <x.csv>", "input table to write")
    .requiredOption("--target <y.csv>", "target table to write (empty cells: no target that step)")
    .option("--split <set>", "train or test", "train")
    .option("--first <i>", "index of the first sequence", integer("--first", 0), 0)
    .option("--count <n>", "sequences to write (several: a 'sample' column)", integer("--count", 1), 1)
    .option("--seed <s>", "the task's seed (as vle train --seed)", integer("--seed", 0), 0)
    .action((name: string, file: string, opts: ExportOptions) => {
      if (opts.split !== "train" && opts.split !== "test")
        throw new UsageError(`--split ${opts.split}: give train or test`);
      const circuit = loadCircuit(file);
      const t = createTask(name, { seed: opts.seed, circuit });
      const set = opts.split === "train" ? t.train : t.test;
      if (opts.first + opts.count > set.size)
        throw new UsageError(
          `--first ${opts.first} --count ${opts.count}: task '${t.name}' has ${set.size} ${opts.split} sequences; lower them`,
        );
      const out = exportTask(t, circuit, opts.split, opts.first, opts.count, opts.input, opts.target);
      process.stdout.write(
        `wrote ${out.input} and ${out.target}: ${out.sequences} ${opts.split} sequence${out.sequences === 1 ? "" : "s"} of ${out.steps} steps of task ${t.name}\n`,
      );
    });
}

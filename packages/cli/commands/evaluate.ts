// `vle evaluate`: scores a (trained) circuit on test data (your own file, or a built-in task's test set) with learning off.
import type { Command } from "commander";
import { predict } from "../../tasks/task.js";
import { loadCircuit } from "../../load/load.js";
import { writeReport } from "../../report/page.js";
import { checkReportPath, newReport } from "../report-option.js";
import { chooseTask, taskOptions, type TaskChoice } from "../task-options.js";

export interface EvaluateResult {
  circuit: string;
  data: string;
  sequences: number;
  stepsPerSequence: number;
  metrics: Record<string, number | boolean>;
  note?: string;
}

/** Runs every test sequence from the zero state with no target injected and scores the outputs. */
export async function evaluateCommand(file: string, options: TaskChoice): Promise<EvaluateResult> {
  const circuit = loadCircuit(file);
  const task = await chooseTask(circuit, 0, options, true);
  const metrics = task.score(predict(circuit, task, task.test), circuit);
  return {
    circuit: file,
    data: options.data ?? `task ${task.name} (test set)`,
    sequences: task.test.size,
    stepsPerSequence: task.steps,
    metrics,
    ...(task.note ? { note: task.note } : {}),
  };
}

/** Small values in exponent form, so a test error of 1e-23 does not read as 0.0000. */
const show = (v: number | boolean) =>
  typeof v !== "number"
    ? String(v)
    : Number.isInteger(v)
      ? String(v)
      : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5
        ? v.toFixed(4)
        : v.toExponential(3);

export function registerEvaluate(program: Command): void {
  const command = program
    .command("evaluate")
    .argument("<circuit>", "trained circuit (.pb/.json) or a description")
    .option("--json", "print the result as JSON")
    .option("--report <page.html>", "also write a self-contained HTML report of this run (charts, tables)")
    .action(async (file: string, opts: TaskChoice & { json?: boolean; report?: string }) => {
      checkReportPath(opts.report);
      const r = await evaluateCommand(file, opts);
      if (opts.report) writeReport(opts.report, { ...newReport(`vle evaluate: ${r.circuit}`), evaluation: r });
      if (opts.json) return void process.stdout.write(JSON.stringify(r, null, 2) + "\n");
      const lines = [
        `${r.circuit} on ${r.data}: ${r.sequences} sequences of ${r.stepsPerSequence} steps`,
        ...Object.entries(r.metrics).map(([k, v]) => `  ${k} ${show(v)}`),
        ...(r.note ? [`  note: ${r.note}`] : []),
      ];
      process.stdout.write(lines.join("\n") + "\n");
    });
  taskOptions(
    command,
    "score on your own test data: .npz or .h5 with x and y or targets, .csv, or x=x.npy,y=y.npy (as vle train --data)",
  );
}

// `vle demo`: compiles examples/lagline.yaml, trains it on-chip with VLE, and shows the teacher's parameters next to the learned ones.
import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { VleError } from "../../../circuits/errors.js";
import { laglineTeacher, laglineTolerance } from "../../tasks/lagline.js";
import type { Metrics } from "../../tasks/task.js";
import type { TrainSummary } from "../../tasks/train.js";
import { trainCommand } from "./train.js";

/** The examples directory: the nearest one above this module (source tree or dist/). */
export function findExample(name: string): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, "examples", name);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir)
      throw new VleError(
        `examples/${name} not found above ${fileURLToPath(import.meta.url)}; run the demo from a checkout of vle`,
      );
  }
}

/** Relative errors as percentages; tiny ones in exponent form so they do not read as exactly 0. */
const percent = (x: Metrics[string]) => {
  const p = 100 * (x as number);
  return `${p >= 0.01 || p === 0 ? p.toFixed(2) : p.toExponential(1)} %`;
};
const value = (x: Metrics[string]) => (x as number).toFixed(4);

/** The readable part: teacher, start and learned value and relative error of each parameter, and the test error. */
export function demoTable(s: TrainSummary, example: string): string {
  const { initial: a, final: z } = s;
  const rows: string[][] = [
    ["parameter", "teacher", "start", "learned", "error"],
    ["w    x -> l0", String(laglineTeacher.weights[0]), value(a.w0), value(z.w0), percent(z.w0Error)],
    ["w    l0 -> l1", String(laglineTeacher.weights[1]), value(a.w1), value(z.w1), percent(z.w1Error)],
    ["tau_m  l0", String(laglineTeacher.tauM[0]), value(a.tauM0), value(z.tauM0), percent(z.tauM0Error)],
    ["tau_m  l1", String(laglineTeacher.tauM[1]), value(a.tauM1), value(z.tauM1), percent(z.tauM1Error)],
    ["test MSE", "", (a.testMse as number).toExponential(2), (z.testMse as number).toExponential(2), ""],
  ];
  const widths = rows[0].map((_, k) => Math.max(...rows.map((r) => r[k].length)));
  const table = rows
    .map((r) => "  " + r.map((cell, k) => (k === 0 ? cell.padEnd(widths[k]) : cell.padStart(widths[k]))).join("   "))
    .join("\n");
  const verdict = z.recovered
    ? `recovered: every weight within ${100 * laglineTolerance.weight} % and every tau_m within ${100 * laglineTolerance.tauM} % of the teacher`
    : `NOT recovered: the tolerance is ${100 * laglineTolerance.weight} % for weights and ${100 * laglineTolerance.tauM} % for tau_m`;
  return [
    `vle demo: ${example} learns the lagline teacher on-chip (rule ${s.rule}, ${s.epochs} epochs of ${s.trainSize} sequences x ${s.stepsPerSequence} steps, batch ${s.batch}, ${s.wallSeconds.toFixed(1)} s)`,
    "",
    table,
    "",
    verdict,
  ].join("\n");
}

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .option("--progress", "show the progress bar even when stderr is not a terminal")
    .action(async (opts: { progress?: boolean }) => {
      const example = findExample("lagline.yaml");
      const { summary } = await trainCommand(example, { task: "lagline", progress: opts.progress });
      process.stdout.write(
        demoTable(summary, relative(process.cwd(), example) || example) +
          "\n\n" +
          JSON.stringify(summary, null, 2) +
          "\n",
      );
    });
}

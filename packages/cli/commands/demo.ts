// `vle demo`: the whole pipeline on examples/lagline-chip.yaml: compile for the chip, learn on it in hardware mode and in ideal mode, energy against BPTT, a short verify, an HTML report.
import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { VleError } from "../../../circuits/errors.js";
import type { Circuit } from "../../../circuits/model.js";
import { compileFile } from "../../../compiler/index.js";
import { HardwareEngine } from "../../../simulator/hardware/engine.js";
import { crossbarWeights, type VerifySection } from "../../report/document.js";
import type { EnergyDocument } from "../../report/energy.js";
import { hardwareSummary } from "../../report/hardware-summary.js";
import { writeReport } from "../../report/page.js";
import { createTask } from "../../tasks/index.js";
import { laglineTeacher, laglineTolerance } from "../../tasks/lagline.js";
import type { Metrics } from "../../tasks/task.js";
import { train, type TrainSummary } from "../../tasks/train.js";
import { loadTarget, reportJson, verify } from "../../verify/index.js";
import { checkReportPath, newReport } from "../report-option.js";
import { energyCommand } from "./energy.js";

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

export interface DemoResult {
  example: string;
  chip: string[];
  /** the same description trained in ideal mode (the reference equations) and on the chip in hardware mode */
  ideal: TrainSummary;
  onChip: TrainSummary;
  energy: EnergyDocument;
  verify: VerifySection;
  report?: string;
  wallSeconds: number;
}

/** Random cases per property and longest drive of the demo's short verify (a full `vle verify` runs 100 cases). */
export const demoVerify = { runs: 5, maxSteps: 400 } as const;

/** Runs the pipeline; `say` gets a line as each stage finishes. */
export function runDemo(options: { report?: string; progress?: boolean; say?: (line: string) => void }): DemoResult {
  const started = performance.now();
  const say = options.say ?? (() => {});
  const file = findExample("lagline-chip.yaml");
  const near = relative(process.cwd(), file);
  const example = near && !near.startsWith("..") ? near : file;

  const chip = compileFile(file);
  const chipLines = hardwareSummary(chip);
  say(`1. compiled ${example} for ${chip.hardware?.card ?? "the chip"}:`);
  for (const line of chipLines) say(`   ${line}`);

  const seed = 0;
  const run = (engine?: (c: Circuit, o: object) => HardwareEngine) => {
    const task = createTask("lagline", { seed, circuit: chip });
    return train(chip, task, {
      seed,
      epochs: task.defaults.epochs,
      batch: task.defaults.batch,
      progress: options.progress ?? process.stderr.isTTY === true,
      engine,
    });
  };
  const onChip = run((c, o) => new HardwareEngine(c, { ...o, seed }));
  say(
    `2. learned on the chip in hardware mode (every effect of its hardware: section on) and, for comparison, in ideal mode:`,
  );
  const ideal = run();
  for (const line of learnedTable(ideal.summary, onChip.summary)) say(`   ${line}`);

  const energy = energyCommand(file, { task: "lagline", vs: "bptt", seed });
  say(`3. energy of learning on the chip against BPTT on a digital accelerator (${energy.vs!.accelerator.name}):`);
  for (const line of energyLines(energy)) say(`   ${line}`);

  const verified = reportJson(verify(loadTarget(file), { ...demoVerify, outDir: process.cwd() })) as VerifySection;
  say(
    `4. verified ${verified.results.length} properties, ${demoVerify.runs} random drives each (vle verify runs 100):`,
  );
  for (const r of verified.results) say(`   ${r.property.padEnd(20)} ${r.status}`);

  if (options.report) {
    const doc = newReport(`vle demo: ${chip.name} learns the lagline teacher on ${chip.hardware?.card}`);
    doc.training = onChip.summary;
    // ideal mode's test error per epoch, drawn beside the chip's
    doc.reference = {
      source: "the same description trained in ideal mode by this demo",
      metric: "testMse",
      unit: "dimensionless",
      curves: {
        "ideal mode": {
          mean: [
            ideal.summary.initial.testMse as number,
            ...ideal.summary.history.map((h) => h.metrics.testMse as number),
          ],
        },
      },
    };
    doc.weights = { before: crossbarWeights(chip), after: crossbarWeights(onChip.circuit) };
    doc.energy = energy;
    doc.verify = verified;
    writeReport(options.report, doc);
    say(
      `5. wrote ${options.report}: learning curves, weights, energy, timing and verify results (open it in a browser)`,
    );
  }
  return {
    example,
    chip: chipLines,
    ideal: ideal.summary,
    onChip: onChip.summary,
    energy,
    verify: verified,
    report: options.report,
    wallSeconds: (performance.now() - started) / 1000,
  };
}

const fixed = (x: Metrics[string]) => (x as number).toFixed(4);
const sci = (x: Metrics[string]) => (x as number).toExponential(2);
const percent = (x: Metrics[string]) => `${(100 * (x as number)).toFixed(1)} %`;

/** Teacher, start, ideal mode and chip for each learned parameter, then the test error and the verdicts. */
export function learnedTable(ideal: TrainSummary, chip: TrainSummary): string[] {
  const a = ideal.initial,
    z = ideal.final,
    c = chip.final;
  const rows: string[][] = [
    ["parameter", "teacher", "start", "ideal mode", "on chip"],
    ["w      x -> l0", String(laglineTeacher.weights[0]), fixed(a.w0), fixed(z.w0), fixed(c.w0)],
    ["w      l0 -> l1", String(laglineTeacher.weights[1]), fixed(a.w1), fixed(z.w1), fixed(c.w1)],
    ["tau_m  l0", String(laglineTeacher.tauM[0]), fixed(a.tauM0), fixed(z.tauM0), fixed(c.tauM0)],
    ["tau_m  l1", String(laglineTeacher.tauM[1]), fixed(a.tauM1), fixed(z.tauM1), fixed(c.tauM1)],
    ["test MSE", "0", sci(a.testMse), sci(z.testMse), sci(c.testMse)],
  ];
  const widths = rows[0].map((_, k) => Math.max(...rows.map((r) => r[k].length)));
  const verdict = (name: string, s: TrainSummary) =>
    s.final.recovered
      ? `${name}: recovered the teacher (weights within ${100 * laglineTolerance.weight} %, tau_m within ${100 * laglineTolerance.tauM} %)`
      : `${name}: not recovered; largest errors ${percent(s.final.maxWeightError)} (weights), ${percent(s.final.maxTauMError)} (tau_m); test MSE ${sci(s.initial.testMse)} -> ${sci(s.final.testMse)}`;
  return [
    `${ideal.epochs} epochs of ${ideal.trainSize} sequences x ${ideal.stepsPerSequence} steps, batch ${ideal.batch}, rule ${ideal.rule}; ${chip.wallSeconds.toFixed(1)} s on the chip model, ${ideal.wallSeconds.toFixed(1)} s ideal`,
    ...rows.map((r) => r.map((cell, k) => (k === 0 ? cell.padEnd(widths[k]) : cell.padStart(widths[k]))).join("   ")),
    verdict("ideal mode", ideal),
    verdict("on chip", chip),
  ];
}

/** Energy and chip time per training sample and per run, against BPTT at each precision. */
export function energyLines(e: EnergyDocument): string[] {
  const j = (x: number) => `${x.toExponential(2)} J`;
  const vs = e.vs!;
  return [
    `chip: ${j(e.perSample.energy)} per training sample (${e.run.ticks} ticks), ${j(e.perRun.energy)} per run of ${e.run.samples} samples`,
    ...Object.entries(vs.bptt).map(
      ([precision, b]) =>
        `BPTT ${precision}: ${j(b.perSample.energy)} per sample, ${vs.ratio[precision as keyof typeof vs.ratio].toPrecision(3)}x the chip's`,
    ),
  ];
}

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .option("--report <page.html>", "the HTML report to write", "vle-demo.html")
    .option("--no-report", "write no report")
    .option("--json", "print the results as JSON instead of the readable summary")
    .option("--progress", "show the progress bars even when stderr is not a terminal")
    .action((opts: { report: string | false; json?: boolean; progress?: boolean }) => {
      const report = opts.report === false ? undefined : opts.report;
      checkReportPath(report);
      const say = opts.json ? undefined : (line: string) => process.stdout.write(`${line}\n`);
      say?.("vle demo: the lagline teacher-student chain (GLE paper), learned on a 65 nm mixed-signal chip model");
      const result = runDemo({ report, progress: opts.progress, say });
      if (opts.json) process.stdout.write(JSON.stringify(result, null, 2) + "\n");
      else say?.(`done in ${result.wallSeconds.toFixed(1)} s`);
    });
}

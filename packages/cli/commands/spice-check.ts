// `vle spice-check`: cross-validates the ideal engine against ngspice on the same circuit and input, signal by signal.
import type { Command } from "commander";
import { UsageError } from "../../../circuits/errors.js";
import { checkDistinct, writeFileAtomic } from "../../../circuits/files.js";
import { spiceCheck, type CheckReport } from "../../spice/check.js";
import { formatReport, reportSummary } from "../../spice/table.js";
import { progressBar } from "../progress.js";
import { loadCircuit } from "../../load/load.js";
import { spiceFlags, spiceOptions, type SpiceCliOptions } from "./export-spice.js";

export interface SpiceCheckCliOptions extends SpiceCliOptions {
  refine?: string;
  json?: boolean;
  netlist?: string;
  tolerance?: string;
  parameterTolerance?: string;
  progress?: boolean;
}

/** Parses "16,64" into refinements. */
function parseRefine(text: string): number[] {
  const ks = text.split(",").map((s) => Number(s.trim()));
  const bad = ks.find((k) => !Number.isInteger(k) || k < 1);
  if (bad !== undefined || ks.length === 0)
    throw new UsageError(
      `--refine ${text}: give positive integers separated by commas, e.g. 16,64 (the engine runs at dt / k)`,
    );
  return ks;
}

/** Runs the check; `failures` lists the signals beyond the tolerances at the finest refinement. */
export function runSpiceCheck(
  circuitFile: string,
  opts: SpiceCheckCliOptions,
): { report: CheckReport; failures: string[] } {
  checkDistinct(
    { circuit: circuitFile, "--input": opts.input, "--target": opts.target },
    { "--netlist": opts.netlist },
  );
  const circuit = loadCircuit(circuitFile);
  const options = { ...spiceOptions(circuit, opts), refine: parseRefine(opts.refine ?? "64") };
  const bar = progressBar(
    "spice-check |{bar}| stage {value}/{total}: {stage} | {duration_formatted} so far",
    1 + options.refine.length,
    { stage: "ngspice" },
    opts.progress,
  );
  const report = spiceCheck(circuit, { ...options, onStage: (stage, index) => bar?.update(index, { stage }) });
  bar?.update(1 + options.refine.length, { stage: "compared" });
  bar?.stop();
  if (opts.netlist) writeFileAtomic(opts.netlist, report.netlist.text);
  const tolerance = opts.tolerance === undefined ? Infinity : Number(opts.tolerance);
  const parameterTolerance = opts.parameterTolerance === undefined ? Infinity : Number(opts.parameterTolerance);
  if (!(tolerance > 0) || !(parameterTolerance > 0))
    throw new UsageError(`--tolerance and --parameter-tolerance must be positive numbers (relative, e.g. 0.01)`);
  const failures: string[] = [];
  for (const s of report.signals) {
    const rel = s.relRms[s.relRms.length - 1];
    if (rel !== null && !(rel <= tolerance))
      failures.push(`${s.signal}: relative RMS ${rel.toExponential(2)} > ${tolerance}`);
    const change = s.change?.[s.change.length - 1];
    if (change !== undefined && change !== null && !(change <= parameterTolerance))
      failures.push(`${s.signal}: learned change differs by ${change.toExponential(2)} > ${parameterTolerance}`);
  }
  if (report.ngspice.warnings.length && Number.isFinite(tolerance))
    failures.push(`ngspice warned: ${report.ngspice.warnings[0].trim()}`);
  return { report, failures };
}

export function registerSpiceCheck(program: Command): void {
  spiceFlags(
    program
      .command("spice-check")
      .argument("<circuit>", "description (.yaml/.json) or compiled circuit (.pb/.json)")
      .option("--refine <k,...>", "engine time steps dt/k, a convergence series (default 64)")
      .option("--json", "print the report as JSON")
      .option("--progress", "show the progress bar even when stderr is not a terminal")
      .option("--netlist <file.cir>", "also write the exported netlist (what ngspice ran, less its .save lines)")
      .option(
        "--tolerance <rel>",
        "exit 1 when a signal's relative RMS at the finest dt exceeds this (or ngspice warns)",
      )
      .option(
        "--parameter-tolerance <rel>",
        "exit 1 when a learned parameter change differs by more than this (relative)",
      ),
  ).action((file: string, opts: SpiceCheckCliOptions) => {
    const { report, failures } = runSpiceCheck(file, opts);
    process.stdout.write(
      opts.json ? JSON.stringify({ ...reportSummary(report), failures }, null, 2) + "\n" : formatReport(report) + "\n",
    );
    if (failures.length) {
      process.stderr.write(`vle: spice-check failed: ${failures.join("; ")}\n`);
      process.exitCode = 1;
    }
  });
}

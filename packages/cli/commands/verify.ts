// `vle verify`: property-based verification of a circuit (bounded, settles, compiles-faithfully, quantization-bound, descends, deterministic, roundtrip).
import { InvalidArgumentError, type Command } from "commander";
import type { VerifySection } from "../../report/document.js";
import { writeReport } from "../../report/page.js";
import { didYouMean } from "../../../circuits/suggest.js";
import { integer } from "../options.js";
import { progressBar } from "../progress.js";
import { checkReportPath, newReport, reportOption } from "../report-option.js";
import { formatReport, loadTarget, propertyNames, properties, reportJson, verify } from "../../verify/index.js";

export interface VerifyCommandOptions {
  property?: string[];
  runs?: number;
  seed?: number;
  maxSteps?: number;
  json?: boolean;
  outDir?: string;
}

const propertyName = (value: string, previous: string[] = []) => {
  if (!propertyNames.includes(value))
    throw new InvalidArgumentError(
      `unknown property '${value}'${didYouMean(value, propertyNames)}; properties: ${propertyNames.join(", ")}`,
    );
  return [...previous, value];
};

export function registerVerify(program: Command): void {
  const command = program
    .command("verify")
    .addHelpText("after", `\nProperties:\n${properties.map((p) => `  ${p.name}\n      ${p.summary}`).join("\n")}\n`)
    .argument("<circuit>", "network description (.yaml/.json) or compiled circuit (.pb/.json)")
    .option(
      "--property <name>",
      `a property to check (repeat for several; default: all): ${propertyNames.join(", ")}`,
      propertyName,
    )
    .option("--runs <n>", "random cases per property (default 100)", integer("--runs", 1))
    .option("--seed <s>", "seed of the random cases (default 0)", integer("--seed", 0))
    .option(
      "--max-steps <t>",
      "longest drive in steps (default: 5 slowest time constants, within 20..1000)",
      integer("--max-steps", 1),
    )
    .option("--json", "print the report as JSON")
    .option("--out-dir <dir>", "where counterexample tables go (default: the current directory)")
    .option("--progress", "show the progress bar even when stderr is not a terminal");
  reportOption(command).action((file: string, opts: VerifyCommandOptions & { report?: string; progress?: boolean }) => {
    checkReportPath(opts.report);
    const target = loadTarget(file);
    const names = opts.property?.length ? opts.property : propertyNames;
    const runs = opts.runs ?? 100;
    const bar = progressBar(
      "verify |{bar}| {value}/{total} cases | {property} | {eta_formatted} left",
      names.length * runs,
      { property: names[0] },
      opts.progress,
    );
    const done: string[] = [];
    const report = verify(target, {
      onProgress: (property, cases) => {
        if (!done.includes(property)) done.push(property);
        bar?.update((done.length - 1) * runs + Math.min(cases, runs), { property });
      },
      properties: opts.property,
      runs: opts.runs,
      seed: opts.seed,
      maxSteps: opts.maxSteps,
      outDir: opts.outDir,
    });
    bar?.update(names.length * runs, { property: "done" });
    bar?.stop();
    const json = reportJson(report) as VerifySection;
    if (opts.report) writeReport(opts.report, { ...newReport(`vle verify: ${report.circuit}`), verify: json });
    process.stdout.write(opts.json ? JSON.stringify(json, null, 2) + "\n" : formatReport(report));
    if (opts.report && !opts.json) process.stdout.write(`wrote ${opts.report}\n`);
    if (!report.passed) process.exitCode = 1;
  });
}

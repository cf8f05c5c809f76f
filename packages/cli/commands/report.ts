// `vle report`: one self-contained HTML page from what the commands wrote (their --json results, trace CSVs, circuits, reference curves).
import type { Command } from "commander";
import { readInputs, readReference } from "../../report/inputs.js";
import { writeReport } from "../../report/page.js";
import { checkReportPath, newReport } from "../report-option.js";

export function registerReport(program: Command): void {
  program
    .command("report")
    .argument(
      "<files...>",
      "what to show: JSON of vle train/energy/verify/evaluate --json, trace CSVs (vle simulate -o), circuits (.pb/.json: first = weights before, second = after), reference curves",
    )
    .requiredOption("-o, --out <page.html>", "the HTML page to write")
    .option("--reference <curves.json>", "reference learning curves to draw beside this run's")
    .option("--title <text>", "the page's title", "vle report")
    .action((files: string[], opts: { out: string; reference?: string; title: string }) => {
      checkReportPath(opts.out);
      const doc = readInputs(files, newReport(opts.title));
      if (opts.reference) doc.reference = readReference(opts.reference);
      writeReport(opts.out, doc);
      process.stdout.write(`wrote ${opts.out}\n`);
    });
}

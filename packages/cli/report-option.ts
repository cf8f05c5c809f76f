// The --report <page.html> option the run commands share: a new report document, and writing it when asked.
import type { Command } from "commander";
import { UsageError } from "../../circuits/errors.js";
import type { ReportDocument } from "../report/document.js";

/** Adds --report to a command. */
export function reportOption(command: Command): Command {
  return command.option("--report <page.html>", "also write a self-contained HTML report of this run (charts, tables)");
}

/** A document titled `title`, stamped with the time and the command line that made it. */
export function newReport(title: string): ReportDocument {
  return { title, generated: new Date().toISOString(), command: ["vle", ...process.argv.slice(2)].join(" ") };
}

/** Checks the page's name before a run spends time: a usage error unless it ends in .html. */
export function checkReportPath(path: string | undefined): void {
  if (path !== undefined && !/\.html?$/i.test(path))
    throw new UsageError(`--report ${path}: the report is an HTML page; name it .html`);
}

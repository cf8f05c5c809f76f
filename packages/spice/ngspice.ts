// Runs ngspice in batch mode on a netlist and returns its rawfile, its output and its warnings.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { VleError } from "../../circuits/errors.js";
import { parseRawfile, type Rawfile } from "./rawfile.js";

export interface NgspiceRun {
  raw: Rawfile;
  /** ngspice's stdout and stderr */
  log: string;
  /** lines of the log that warn (floating nodes, missing models, timestep trouble, ...) */
  warnings: string[];
  /** wall time of the ngspice process (s) */
  seconds: number;
}

const NOT_FOUND =
  "ngspice not found on PATH; install it (Debian/Ubuntu: apt-get install ngspice) or pass the full path";

/** The ngspice command to run: $NGSPICE, else `ngspice` on PATH; undefined when neither runs. */
export function findNgspice(): string | undefined {
  const command = process.env.NGSPICE || "ngspice";
  const probe = spawnSync(command, ["--version"], { encoding: "utf8" });
  return probe.error || probe.status !== 0 ? undefined : command;
}

/** ngspice's output without the echoed title line (which holds the circuit's name, free text). */
const logLines = (log: string) => log.split(/\r?\n/).filter((l) => !/^\s*Circuit:/.test(l));

/** Lines of ngspice's output that report a problem; its banner and statistics are not. */
function warningLines(log: string): string[] {
  return logLines(log).filter((l) =>
    /warning|floating|no dc path|singular|unknown model|could not find|timestep too small|error/i.test(l),
  );
}

/** Runs `ngspice -b -r <raw> <netlist>` in a scratch directory; throws VleError when ngspice fails. */
export function runNgspice(netlist: string, command = findNgspice()): NgspiceRun {
  if (!command) throw new VleError(NOT_FOUND);
  const dir = mkdtempSync(join(tmpdir(), "vle-spice-"));
  try {
    const cir = join(dir, "circuit.cir"),
      raw = join(dir, "circuit.raw");
    writeFileSync(cir, netlist);
    const start = performance.now();
    const run = spawnSync(command, ["-b", "-r", raw, cir], {
      encoding: "utf8",
      cwd: dir,
      maxBuffer: 256 * 1024 * 1024,
    });
    const seconds = (performance.now() - start) / 1000;
    if (run.error)
      throw new VleError(
        `${command}: cannot run (${(run.error as NodeJS.ErrnoException).code ?? run.error.message}); ${NOT_FOUND}`,
      );
    const log = `${run.stdout ?? ""}${run.stderr ?? ""}`;
    const warnings = warningLines(log);
    const fatal = logLines(log).find((l) => /fatal|error|aborted|too small/i.test(l));
    if (run.status !== 0 || fatal)
      throw new VleError(
        `ngspice failed (exit ${run.status}): ${fatal?.trim() ?? "no data"}; write the netlist with 'vle export-spice' to look at it`,
      );
    let bytes: Buffer;
    try {
      bytes = readFileSync(raw);
    } catch {
      throw new VleError(
        `ngspice wrote no rawfile; its output ends: ${log.trim().split(/\r?\n/).slice(-3).join(" | ")}`,
      );
    }
    return { raw: parseRawfile(bytes, "ngspice rawfile"), log, warnings, seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

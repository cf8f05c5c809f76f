// Start-up time of the vle command: `vle --help` and `vle inspect <circuit>.pb` as whole processes, each run fresh.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeCircuit } from "../circuits/codec.js";
import { VleError } from "../circuits/errors.js";
import { compileFile } from "../compiler/index.js";
import { emitResult, machine, runAsScript } from "./report.js";

/** The command's entry point beside this bench in the build (dist/bench -> dist/packages/cli/main.js). */
const cli = join(dirname(fileURLToPath(import.meta.url)), "..", "packages", "cli", "main.js");

export interface StartupCase {
  name: string;
  args: string[];
  /** the bound on the median wall time, seconds (none for the floor) */
  bound?: number;
}

export interface StartupRow extends StartupCase {
  runs: number;
  /** wall seconds of each run, in order */
  seconds: number[];
  min: number;
  median: number;
  max: number;
  withinBound?: boolean;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Wall seconds of one fresh `node main.js <args>` (it must exit 0); no arguments: node alone, the floor. */
function timeOnce(args: string[]): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args.length ? [cli, ...args] : ["-e", "0"], { encoding: "utf8" });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (run.status !== 0) throw new VleError(`vle ${args.join(" ")} exited ${run.status}: ${run.stderr.trim()}`);
  return seconds;
}

/** Runs the cases in turn (A B A B ...) after one warm-up each, so drift of the machine's speed hits all alike. */
export function measureStartup(cases: StartupCase[], runs: number): StartupRow[] {
  for (const c of cases) timeOnce(c.args);
  const seconds = cases.map(() => [] as number[]);
  for (let r = 0; r < runs; r++) cases.forEach((c, k) => seconds[k].push(timeOnce(c.args)));
  return cases.map((c, k) => {
    const m = median(seconds[k]);
    return {
      ...c,
      runs,
      seconds: seconds[k],
      min: Math.min(...seconds[k]),
      median: m,
      max: Math.max(...seconds[k]),
      withinBound: c.bound === undefined ? undefined : m <= c.bound,
    };
  });
}

function markdown(result: { rows: StartupRow[] }): string {
  return [
    "| command | median s | min s | max s | bound s |",
    "| --- | --- | --- | --- | --- |",
    ...result.rows.map(
      (r) =>
        `| ${r.args.length ? `\`vle ${r.args.map((a) => (a.includes("/") ? "x.pb" : a)).join(" ")}\`` : "`node -e 0`"} | ${r.median.toFixed(3)} | ${r.min.toFixed(3)} | ${r.max.toFixed(3)} | ${r.bound ?? "-"} |`,
    ),
    "",
  ].join("\n");
}

runAsScript(import.meta.url, "bench/startup", (argv) => {
  const quick = argv.includes("--quick");
  const runs = quick ? 3 : 15;
  const dir = mkdtempSync(join(tmpdir(), "vle-startup-"));
  try {
    const pb = join(dir, "lagline.pb");
    const examples = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples");
    writeCircuit(pb, compileFile(join(examples, "lagline.yaml")));
    const rows = measureStartup(
      [
        { name: "node alone (the floor)", args: [] },
        { name: "help", args: ["--help"], bound: 0.3 },
        { name: "inspect", args: ["inspect", pb], bound: 0.5 },
      ],
      runs,
    );
    emitResult({ machine: machine(), rows }, quick ? undefined : "bench/results/startup.json", markdown);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// vle verify: loads what to verify, runs the chosen properties, writes each failure's counterexample as stimulus tables, and reports.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { VleError } from "../../circuits/errors.js";
import { readText } from "../../circuits/read.js";
import type { Circuit } from "../../circuits/model.js";
import { passes, type Pass } from "../../compiler/index.js";
import { loadWithSource } from "../load/load.js";
import { writeStimulus } from "./drive.js";
import { bounded } from "./properties/bounded.js";
import { compilesFaithfully } from "./properties/compiles-faithfully.js";
import { descends } from "./properties/descends.js";
import { deterministic } from "./properties/deterministic.js";
import { quantizationBound } from "./properties/quantization-bound.js";
import { roundtrip } from "./properties/roundtrip.js";
import { settles } from "./properties/settles.js";
import type { CheckOptions, Property, PropertyResult, VerifyTarget } from "./property.js";
import { maxOf } from "../../circuits/extent.js";

export type { Property, PropertyResult, VerifyTarget } from "./property.js";

/** Every property, in the order they run. */
export const properties: readonly Property[] = [
  bounded,
  settles,
  compilesFaithfully,
  quantizationBound,
  descends,
  deterministic,
  roundtrip,
];
export const propertyNames = properties.map((p) => p.name);

/** The description a compiled circuit came from, when its provenance names a file whose text still hashes the same. */
function provenanceSource(c: Circuit): VerifyTarget["source"] {
  const file = c.provenance.source;
  if (!file || !existsSync(file)) return undefined;
  const text = readText(file);
  return createHash("sha256").update(text, "utf8").digest("hex") === c.provenance.sourceSha256
    ? { text, file }
    : undefined;
}

/** Loads a description (compiled with `pipeline`) or a compiled circuit (.pb, .json), validated. */
export function loadTarget(file: string, pipeline: readonly Pass[] = passes): VerifyTarget {
  const { circuit, source } = loadWithSource(file, pipeline);
  return { file, circuit, source: source ?? provenanceSource(circuit), pipeline };
}

/** Default longest drive: five of the slowest time constant (a step's response has settled), within [20, 1000] steps. */
function defaultMaxSteps(c: Circuit): number {
  const slowest = maxOf(c.populations.flatMap((p) => [p.tauM, p.tauR]).flat(), 0);
  return Math.min(1000, Math.max(20, Math.ceil((5 * slowest) / c.dt)));
}

export interface VerifyOptions extends Partial<CheckOptions> {
  /** names of the properties to run (default: all) */
  properties?: string[];
  /** directory for counterexample tables (default: the current directory) */
  outDir?: string;
  /** told the property being checked and the cases evaluated so far in it (shrinking adds some beyond `runs`) */
  onProgress?: (property: string, cases: number) => void;
}

export interface VerifyReport {
  file: string;
  circuit: string;
  options: CheckOptions;
  results: PropertyResult[];
  passed: boolean;
}

/** Runs the properties on a target; each failure's replay drive is written beside `outDir` and its replay command set. */
export function verify(target: VerifyTarget, options: VerifyOptions = {}): VerifyReport {
  const names = options.properties?.length ? options.properties : propertyNames;
  const unknown = names.find((n) => !propertyNames.includes(n));
  if (unknown) throw new VleError(`unknown property '${unknown}'; properties: ${propertyNames.join(", ")}`);
  const check: CheckOptions = {
    runs: options.runs ?? 100,
    seed: options.seed ?? 0,
    maxSteps: options.maxSteps ?? defaultMaxSteps(target.circuit),
  };
  const results = properties
    .filter((p) => names.includes(p.name))
    .map((p) => {
      let cases = 0;
      options.onProgress?.(p.name, 0);
      const result = p.check(target, { ...check, onCase: () => options.onProgress?.(p.name, ++cases) });
      if (result.counterexample) writeReplay(target, result, options.outDir ?? ".");
      return result;
    });
  return {
    file: target.file,
    circuit: target.circuit.name,
    options: check,
    results,
    passed: results.every((r) => r.status !== "failed"),
  };
}

/** A file name part from a circuit name: letters, digits, - and _ only. */
const fileSafe = (name: string) => name.replace(/[^A-Za-z0-9_-]+/g, "_") || "circuit";

/** Writes the failure's replay drive as stimulus tables and records the `vle simulate` command that replays it. */
function writeReplay(target: VerifyTarget, result: PropertyResult, outDir: string): void {
  const cx = result.counterexample!,
    replay = cx.failure.replay;
  if (!replay) return;
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, `${fileSafe(target.circuit.name)}.${result.property}`);
  const d = replay.drive;
  cx.files = {};
  if (d.input.groups.length) cx.files.input = writeStimulus(d.input, `${base}.input`);
  if (d.target) cx.files.target = writeStimulus(d.target, `${base}.target`);
  const args = [
    "vle",
    "simulate",
    target.file,
    ...(cx.files.input ? ["--input", cx.files.input] : ["--steps", String(d.steps)]),
    ...(cx.files.target ? ["--target", cx.files.target] : []),
  ];
  if (replay.mode === "hardware")
    args.push("--mode", "hardware", ...(d.seed !== undefined ? ["--seed", String(d.seed)] : []));
  if (replay.record) args.push("--record", replay.record);
  args.push("--out", `${base}.trace.csv`);
  cx.replayCommand = args.map((a) => (/^[\w./:=@+-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ");
}

const label: Record<PropertyResult["status"], string> = { passed: "PASS", failed: "FAIL", skipped: "SKIP" };

/** The report as text: one line per property, and for a failure its counterexample, where it fails and how to replay it. */
export function formatReport(r: VerifyReport): string {
  const width = Math.max(...r.results.map((x) => x.property.length));
  const lines = [
    `vle verify '${r.circuit}' (${r.file}): ${r.results.length} propert${r.results.length === 1 ? "y" : "ies"}, up to ${r.options.runs} random cases each, seed ${r.options.seed}, drives of at most ${r.options.maxSteps} steps`,
  ];
  for (const x of r.results) {
    lines.push(
      `  ${label[x.status]} ${x.property.padEnd(width)}  ${x.runs > 0 ? `${x.runs} case${x.runs === 1 ? "" : "s"}: ` : ""}${x.note}`,
    );
    const cx = x.counterexample;
    if (!cx) continue;
    if (cx.drive)
      lines.push(
        `       counterexample: a drive of ${cx.drive.steps} step${cx.drive.steps === 1 ? "" : "s"}${cx.drive.seed !== undefined ? `, chip seed ${cx.drive.seed}` : ""} (shrunk ${cx.shrinks} times); fails at step ${cx.failure.step}${cx.failure.signal ? `, signal ${cx.failure.signal}` : ""}`,
      );
    lines.push(`       ${cx.failure.message}`);
    if (cx.files)
      lines.push(
        `       wrote ${[cx.files.input, cx.files.target].filter(Boolean).join(" and ") || "nothing (the circuit has no inputs)"}; replay: ${cx.replayCommand}`,
      );
  }
  const count = (s: PropertyResult["status"]) => r.results.filter((x) => x.status === s).length;
  lines.push(`${count("passed")} passed, ${count("failed")} failed, ${count("skipped")} skipped`);
  return lines.join("\n") + "\n";
}

/** The report as JSON-ready data: drives appear as their length, seed and files. */
export function reportJson(r: VerifyReport): object {
  return {
    ...r,
    results: r.results.map((x) => ({
      ...x,
      counterexample: x.counterexample && {
        steps: x.counterexample.drive?.steps,
        seed: x.counterexample.drive?.seed,
        shrinks: x.counterexample.shrinks,
        failure: {
          step: x.counterexample.failure.step,
          signal: x.counterexample.failure.signal,
          message: x.counterexample.failure.message,
        },
        files: x.counterexample.files,
        replay: x.counterexample.replayCommand,
      },
    })),
  };
}

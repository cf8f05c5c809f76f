// `vle analyze`: a trained network's dynamics: fixed points without input and, for an HMM emulator, its orbit and kick neurons.
import type { Command } from "commander";
import { UsageError } from "../../../circuits/errors.js";
import { ablate, type Ablation } from "../../analyze/ablation.js";
import { findFixedPoints, type FixedPoint } from "../../analyze/fixed-points.js";
import { principalComponents, recordOrbit, residency, type Residency } from "../../analyze/orbits.js";
import { dynamicsSection, type HmmAnalysis } from "../../analyze/report-section.js";
import { writeReport } from "../../report/page.js";
import { parseHmmName, type HmmTaskSettings } from "../../tasks/hmm/task.js";
import { loadCircuit } from "../../load/load.js";
import { integer } from "../options.js";
import { checkReportPath, newReport, reportOption } from "../report-option.js";

export interface AnalyzeOptions {
  task?: string;
  noiseOnly?: boolean;
  starts: number;
  sequences: number;
  seed: number;
  /** also write the HTML report (fixed points, orbit, emissions and dwell times, ablation) */
  report?: string;
}

export interface AnalyzeResult {
  circuit: string;
  fixedPoints: Omit<FixedPoint, "u">[];
  hmm?: {
    task: string;
    explained: number[];
    residency: Residency;
    ablation: Ablation;
  };
}

/** The kick-neuron threshold: a silencing that removes half the transitions or more. */
const kickThreshold = 0.5;

export function analyzeCommand(file: string, options: AnalyzeOptions): AnalyzeResult {
  checkReportPath(options.report);
  const circuit = loadCircuit(file);
  const found = findFixedPoints(circuit, { starts: options.starts, seed: options.seed });
  const fixedPoints = found.map(({ u: _, ...f }) => f);
  const result: AnalyzeResult = { circuit: file, fixedPoints };
  let analysis: HmmAnalysis | undefined;
  if (options.task !== undefined) {
    if (!options.task.startsWith("hmm"))
      throw new UsageError(`--task ${options.task}: analyze reads HMM emulators only (hmm:<architecture>:<states>)`);
    const settings: HmmTaskSettings = { ...parseHmmName(options.task), feedback: !options.noiseOnly };
    if (settings.noiseSource === "chip")
      throw new UsageError(
        `--task ${options.task}: analyze runs the ideal equations, which have no chip noise; drop :chip-noise (the orbit is then driven by input noise)`,
      );
    const orbit = recordOrbit(circuit, settings, options.sequences, options.seed);
    const projection = principalComponents(orbit, 3);
    result.hmm = {
      task: options.task,
      explained: projection.explained,
      residency: residency(circuit, settings, orbit, projection),
      ablation: ablate(circuit, settings, options.sequences, options.seed, kickThreshold),
    };
    analysis = {
      ...result.hmm,
      settings,
      orbit,
      projection,
      threshold: kickThreshold,
      seed: options.seed,
    };
  }
  if (options.report)
    writeReport(options.report, {
      ...newReport(`Dynamics of ${file}`),
      dynamics: dynamicsSection(circuit, file, found, analysis),
    });
  return result;
}

const f = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : "-");

function describe(r: AnalyzeResult): string {
  const stable = r.fixedPoints.filter((p) => p.stable).length;
  const lines = [
    `${r.circuit}: ${r.fixedPoints.length} fixed point(s) without input, ${stable} stable`,
    ...r.fixedPoints.map(
      (p, k) =>
        `  #${k}: ${p.stable ? "stable" : "unstable"}, leading eigenvalue ${f(p.leading, 4)}, reached from ${p.basin} start(s)`,
    ),
  ];
  if (r.hmm) {
    const { residency: res, ablation } = r.hmm;
    lines.push(
      `${r.hmm.task} driven by noise: principal components explain ${r.hmm.explained.map((e) => `${f(100 * e, 1)} %`).join(", ")}`,
      `  decoded state changes per symbol ${f(res.transitionRate, 4)}; distance moved per symbol at a change ${f(res.transitionSpeed)}`,
      ...res.states.map(
        (s) =>
          `  state ${s.state}: ${f(100 * s.share, 1)} % of the time, mean dwell ${f(s.meanDwell, 1)} symbols, moves ${f(s.speed)} per symbol`,
      ),
      `  kick neurons (silenced, transitions fall to half or less of ${f(ablation.intactRate, 4)}): ${
        ablation.kick.map((n) => `${n.population}[${n.neuron}] -> ${f(n.transitionRate, 4)}`).join(", ") || "none"
      }`,
    );
  }
  return lines.join("\n") + "\n";
}

export function registerAnalyze(program: Command): void {
  const command = program
    .command("analyze")
    .argument("<circuit>", "trained circuit (.pb/.json) or a description")
    .option(
      "--task <hmm:architecture:states>",
      "also analyse it as that HMM's emulator: orbit under noise, residency, ablation",
    )
    .option(
      "--noise-only",
      "the emulator's only input is noise (no fed-back symbol), as trained by the distribution objective",
    )
    .option("--starts <n>", "Newton starts for the fixed points", integer("--starts", 1, 100_000), 64)
    .option(
      "--sequences <n>",
      "generated sequences for the orbit and each ablation",
      integer("--sequences", 1, 100_000),
      100,
    )
    .option("--seed <s>", "seed of the starts and the noise", integer("--seed", 0), 0)
    .option("--json", "print the result as JSON");
  reportOption(command).action((file: string, opts: AnalyzeOptions & { json?: boolean }) => {
    const r = analyzeCommand(file, opts);
    process.stdout.write(
      opts.json ? JSON.stringify(r, null, 2) + "\n" : describe(r) + (opts.report ? `wrote ${opts.report}\n` : ""),
    );
  });
}

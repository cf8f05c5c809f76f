// HMM emulation bench: the paper's objective (bptt, Sinkhorn) against the causal one (VLE), ideal and on the chip.
//
// For each HMM architecture: (a) examples/hmm-noise.yaml trained on the distribution of sequences with the
// exact gradient, then run ideal and deployed on the reference chip (trained off chip: bptt does not run on
// it); (b) examples/hmm.yaml trained with VLE on next-symbol likelihood, ideal, and trained on the chip in
// hardware mode. Every run reports the emulation metrics of 400 generated sequences against 400 of the HMM.
// Each finished case is written to the result file at once, so a long run keeps what it has done.
import { existsSync, readFileSync } from "node:fs";
import { VleError } from "../circuits/errors.js";
import type { Circuit } from "../circuits/model.js";
import { compileFile, compileSource } from "../compiler/index.js";
import { ablate } from "../packages/analyze/ablation.js";
import { findFixedPoints } from "../packages/analyze/fixed-points.js";
import { principalComponents, recordOrbit, residency } from "../packages/analyze/orbits.js";
import { createTask } from "../packages/tasks/index.js";
import { trainOnDistribution } from "../packages/tasks/hmm/distribution-training.js";
import type { EmulationReport } from "../packages/tasks/hmm/metrics.js";
import { emulationReport, hmmDefaults, type HmmTaskSettings } from "../packages/tasks/hmm/task.js";
import type { EngineFactory } from "../packages/tasks/task.js";
import { train } from "../packages/tasks/train.js";
import { HardwareEngine } from "../simulator/hardware/engine.js";
import { emitResult, machine, runAsScript } from "./report.js";

/** The reference chip: the card, converters, weight bits, mismatch and thermal noise of examples/delayed-xor-chip.yaml. */
const chipSection = `
hardware:
  card: analog-65nm
  time_unit: 1 ms
  weights: { bits: 6, rounding: stochastic, headroom: 2 }
  dac: { bits: 8 }
  adc: { bits: 8 }
  mismatch: { tau: 0.1, gain: 0.1 }
  noise: thermal
`;

const architectures: { architecture: HmmTaskSettings["architecture"]; states: number }[] = [
  { architecture: "linear-chain", states: 3 },
  { architecture: "cyclic", states: 4 },
  { architecture: "fully-connected", states: 3 },
];

interface Budget {
  /** Sinkhorn batches and their size */
  batches: number;
  batch: number;
  /** VLE epochs over the task's training set */
  epochs: number;
  /** sequences generated for every report */
  evaluate: number;
}

const full: Budget = { batches: 300, batch: 64, epochs: 10, evaluate: 400 };
const quick: Budget = { batches: 4, batch: 16, epochs: 1, evaluate: 40 };

interface Row {
  architecture: string;
  states: number;
  objective: "sinkhorn-bptt" | "next-symbol-vle";
  mode: "ideal" | "chip";
  budget: string;
  wallSeconds: number;
  report: EmulationReport;
}

const chipEngine =
  (seed: number): EngineFactory =>
  (circuit, options) =>
    new HardwareEngine(circuit, { ...options, seed });

/** The chip circuit of a description, carrying the learned parameters of `trained` (same populations and crossbars). */
function deploy(descriptionPath: string, trained: Circuit): Circuit {
  const chip = compileSource(readFileSync(descriptionPath, "utf8") + chipSection, descriptionPath);
  for (const x of chip.crossbars) x.weights = [...trained.crossbars.find((t) => t.name === x.name)!.weights];
  for (const p of chip.populations) {
    const t = trained.populations.find((q) => q.name === p.name)!;
    p.bias = [...t.bias];
    p.tauM = [...t.tauM];
  }
  return chip;
}

function runCase(
  which: (typeof architectures)[number],
  objective: Row["objective"],
  budget: Budget,
  seed: number,
): { rows: Row[]; trained: Circuit; settings: HmmTaskSettings } {
  const started = performance.now();
  const budgetText =
    objective === "sinkhorn-bptt"
      ? `${budget.batches} batches of ${budget.batch}`
      : `${budget.epochs} epochs of the task's 500 sequences, batch 20`;
  const row = (mode: Row["mode"], report: EmulationReport, from: number): Row => ({
    ...which,
    objective,
    mode,
    budget: budgetText,
    wallSeconds: (performance.now() - from) / 1000,
    report,
  });
  if (objective === "sinkhorn-bptt") {
    const path = "examples/hmm-noise.yaml";
    const settings = { ...hmmDefaults, ...which, feedback: false };
    const { circuit: trained } = trainOnDistribution(compileFile(path), settings, {
      seed,
      batches: budget.batches,
      batch: budget.batch,
    });
    const ideal = row("ideal", emulationReport(trained, settings, budget.evaluate, seed + 1), started);
    const chipStart = performance.now();
    const chip = row(
      "chip",
      emulationReport(deploy(path, trained), settings, budget.evaluate, seed + 1, chipEngine(seed)),
      chipStart,
    );
    return { rows: [ideal, chip], trained, settings };
  }
  const path = "examples/hmm.yaml";
  const settings = { ...hmmDefaults, ...which };
  const name = `hmm:${which.architecture}:${which.states}`;
  const ideal = (() => {
    const circuit = compileFile(path);
    const task = createTask(name, { seed, circuit });
    const { circuit: trained } = train(circuit, task, { seed, epochs: budget.epochs, batch: 20 });
    return { trained, row: row("ideal", emulationReport(trained, settings, budget.evaluate, seed + 1), started) };
  })();
  const chipStart = performance.now();
  const chipCircuit = compileSource(readFileSync(path, "utf8") + chipSection, path);
  const task = createTask(name, { seed, circuit: chipCircuit });
  const { circuit: trainedOnChip } = train(chipCircuit, task, {
    seed,
    epochs: budget.epochs,
    batch: 20,
    engine: chipEngine(seed),
  });
  const chip = row(
    "chip",
    emulationReport(trainedOnChip, settings, budget.evaluate, seed + 1, chipEngine(seed)),
    chipStart,
  );
  return { rows: [ideal.row, chip], trained: ideal.trained, settings };
}

/** The paper's analysis of one trained network: fixed points without input, the orbit under noise, kick neurons. */
function analyse(trained: Circuit, settings: HmmTaskSettings, seed: number) {
  const fixedPoints = findFixedPoints(trained, { starts: 64, seed });
  const orbit = recordOrbit(trained, settings, 100, seed);
  const projection = principalComponents(orbit, 3);
  const ablation = ablate(trained, settings, 100, seed);
  return {
    fixedPoints: fixedPoints.map((f) => ({
      stable: f.stable,
      leading: f.leading,
      basin: f.basin,
      residual: f.residual,
    })),
    explained: projection.explained,
    residency: residency(trained, settings, orbit, projection),
    ablation: { intactRate: ablation.intactRate, kick: ablation.kick, strongest: ablation.neurons.slice(0, 5) },
  };
}

const fmt = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : "-");
const markdown = (r: { rows: Row[] }) =>
  [
    "| HMM | objective | mode | emission KL | mean dwell gen / HMM | min KS p | log-lik/step gen / HMM | budget |",
    "|---|---|---|---|---|---|---|---|",
    ...r.rows.map((w) => {
      const d = w.report.dwell;
      const mean = (xs: number[]) => xs.filter(Number.isFinite).reduce((s, v, _, a) => s + v / a.length, 0);
      return `| ${w.architecture}:${w.states} | ${w.objective} | ${w.mode} | ${fmt(w.report.emissionKl, 4)} | ${fmt(mean(d.map((x) => x.generatedMean)), 1)} / ${fmt(mean(d.map((x) => x.hmmMean)), 1)} | ${fmt(Math.min(...d.map((x) => (Number.isFinite(x.p) ? x.p : 0))), 3)} | ${fmt(w.report.logLikelihoodPerStep.generated)} / ${fmt(w.report.logLikelihoodPerStep.hmm)} | ${w.budget} |`;
    }),
  ].join("\n") + "\n";

runAsScript(import.meta.url, "bench/hmm", (argv) => {
  const isQuick = argv.includes("--quick");
  // --batches N / --epochs N: a smaller budget than the full one, stated in every row
  const flag = (name: string) => {
    const k = argv.indexOf(name);
    if (k < 0) return undefined;
    const v = Number(argv[k + 1]);
    if (!Number.isInteger(v) || v < 1) throw new VleError(`bench/hmm: ${name} needs a positive integer`);
    return v;
  };
  const budget = { ...(isQuick ? quick : full) };
  budget.batches = flag("--batches") ?? budget.batches;
  budget.epochs = flag("--epochs") ?? budget.epochs;
  const out = isQuick ? undefined : "bench/results/hmm.json";
  const seed = 1;
  const previous: { rows: Row[]; analysis?: ReturnType<typeof analyse> } =
    out && existsSync(out) ? JSON.parse(readFileSync(out, "utf8")) : { rows: [] };
  const rows = previous.rows;
  let analysis = previous.analysis;
  for (const which of isQuick ? architectures.slice(0, 1) : architectures) {
    for (const objective of ["sinkhorn-bptt", "next-symbol-vle"] as const) {
      if (rows.some((r) => r.architecture === which.architecture && r.objective === objective)) continue;
      const result = runCase(which, objective, budget, seed);
      rows.push(...result.rows);
      // the paper analyses its noise-driven networks; we analyse the cyclic one (the first one in --quick)
      if (objective === "sinkhorn-bptt" && (which.architecture === "cyclic" || isQuick))
        analysis = analyse(result.trained, result.settings, seed);
      process.stderr.write(`bench/hmm: ${which.architecture}:${which.states} ${objective} done\n`);
      if (out) emitResult({ machine: machine(), budget, rows, analysis }, out, markdown);
    }
  }
  if (!rows.length) throw new VleError("bench/hmm: no case ran");
  if (!out) emitResult({ machine: machine(), budget, rows, analysis }, undefined);
});

// MNIST-1D at the GLE paper's protocol on examples/mnist1d-gle.yaml: resumable 150-epoch runs per rule and seed, results written after every epoch.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { readCircuit, writeCircuit } from "../circuits/codec.js";
import { VleError } from "../circuits/errors.js";
import { writeFileAtomic } from "../circuits/files.js";
import { createTask } from "../packages/tasks/index.js";
import { train, type EpochRecord } from "../packages/tasks/train.js";
import { seededCircuit } from "./accuracy.js";
import { curvesSvg, type Curve } from "../packages/report/curves-svg.js";
import { machine, runAsScript, runInChildren } from "./report.js";

/**
 * The protocol (unibe-cns/gle-code, experiments/mnist1d/plastic_e2e.py), as far as our tools express it: the signal
 * generated at length 360 (data seed 42), target at every step, outputs summed over all steps vote, batch 100,
 * state carried across batches, 150 epochs, ReduceLROnPlateau(patience 2, factor 0.5). Where we differ: the
 * schedule watches the loss of 400 training signals held out for validation (the reference watches the test loss),
 * so 3600 signals train; the test set is scored from the zero state (the reference carries the state into testing).
 */
export const gleProtocol = {
  description: "examples/mnist1d-gle.yaml",
  task: "mnist1d",
  length: 360,
  dataSeed: 42,
  protocol: { targetFrom: 0, answerSteps: 0 },
  batch: 100,
  epochs: 150,
  validation: 400,
  plateau: { patience: 2, factor: 0.5 },
  carryState: true,
} as const;

export const gleRules = ["vle", "bptt"];
export const gleSeeds = [1, 2, 3];

/** What a run writes after every epoch: enough to plot, resume and judge it. */
export interface GleRunResult {
  bench: "mnist1d-gle";
  rule: string;
  seed: number;
  protocol: typeof gleProtocol;
  command: string;
  machine: ReturnType<typeof machine>;
  /** epochs done of the budget; a run is finished when they are equal */
  epochsDone: number;
  epochBudget: number;
  initialAccuracy: number;
  history: EpochRecord[];
  totalWallSeconds: number;
}

const resultPath = (dir: string, rule: string, seed: number) => `${dir}/${rule}-seed${seed}.json`;
/** The circuit as trained so far, for `vle evaluate` (e.g. on the reference generator's data). */
const startPath = (dir: string, rule: string, seed: number) => `${dir}/checkpoints/${rule}-seed${seed}.start.pb`;
const circuitPath = (dir: string, rule: string, seed: number) => `${dir}/${rule}-seed${seed}.pb`;
const checkpointPath = (dir: string, rule: string, seed: number) => `${dir}/checkpoints/${rule}-seed${seed}.json`;

/** Trains one (rule, seed) run to the protocol's epochs, resuming from its checkpoint when there is one. */
export function runGle(rule: string, seed: number, dir: string, epochs: number = gleProtocol.epochs): GleRunResult {
  mkdirSync(`${dir}/checkpoints`, { recursive: true });
  const p = gleProtocol;
  // the circuit compiled when the run started, kept beside its checkpoint: a later compiler that emits other
  // bytes for the same description must not stop the run from resuming
  const start = startPath(dir, rule, seed);
  if (!existsSync(start)) writeCircuit(start, seededCircuit(p.description, seed));
  const circuit = readCircuit(start);
  const task = createTask(p.task, {
    seed,
    circuit,
    length: p.length,
    dataSeed: p.dataSeed,
    protocol: p.protocol,
  });
  const checkpoint = checkpointPath(dir, rule, seed);
  const resume = existsSync(checkpoint);
  const previous =
    resume && existsSync(resultPath(dir, rule, seed))
      ? (JSON.parse(readFileSync(resultPath(dir, rule, seed), "utf8")) as GleRunResult)
      : undefined;
  const started = performance.now();
  const history: EpochRecord[] = [...(previous?.history ?? [])];
  let initialAccuracy = NaN;
  const result = (): GleRunResult => ({
    bench: "mnist1d-gle",
    rule,
    seed,
    protocol: p,
    command: `node dist/bench/mnist1d-gle.js --rule ${rule} --seed ${seed}`,
    machine: machine(),
    epochsDone: history.length,
    epochBudget: epochs,
    initialAccuracy: previous?.initialAccuracy ?? initialAccuracy,
    history,
    totalWallSeconds: (previous?.totalWallSeconds ?? 0) + (performance.now() - started) / 1000,
  });
  train(circuit, task, {
    seed,
    epochs,
    batch: p.batch,
    rule,
    checkpoint,
    // a third of an epoch (36 batches of 100): a killed run loses at most that
    checkpointEvery: 12,
    resume,
    validation: p.validation,
    plateau: p.plateau,
    carryState: p.carryState,
    onEpoch: (record, initial, trained) => {
      initialAccuracy = Number(initial.accuracy);
      writeCircuit(circuitPath(dir, rule, seed), trained());
      history.push(record);
      writeFileAtomic(resultPath(dir, rule, seed), JSON.stringify(result(), null, 1) + "\n");
    },
  });
  return result();
}

/** The published GLE curve (mean ± std over 10 seeds) and every run's test accuracy per epoch, with its budget. */
export function plot(dir: string, reference: string): string {
  const ref = JSON.parse(readFileSync(reference, "utf8")) as {
    gle_15k: { mean: number[]; std: number[]; seeds: number };
  };
  const runs = gleRules.flatMap((rule) =>
    gleSeeds
      .map((seed) => resultPath(dir, rule, seed))
      .filter((f) => existsSync(f))
      .map((f) => JSON.parse(readFileSync(f, "utf8")) as GleRunResult),
  );
  const colors: Record<string, string> = { vle: "#d62728", bptt: "#1f77b4", eprop: "#2ca02c" };
  const curves: Curve[] = [
    {
      label: `published GLE (${ref.gle_15k.seeds} seeds)`,
      color: "#555555",
      dashed: true,
      points: ref.gle_15k.mean.map((m, e) => [e, m]),
      band: ref.gle_15k.mean.map((m, e) => [e, m - ref.gle_15k.std[e], m + ref.gle_15k.std[e]]),
    },
    ...runs.map((r) => ({
      label: `${r.rule} seed ${r.seed} (${r.epochsDone}/${r.epochBudget} ep)`,
      color: colors[r.rule] ?? "#000000",
      points: [
        [0, 100 * r.initialAccuracy] as [number, number],
        ...r.history.map((h) => [h.epoch, 100 * Number(h.metrics.accuracy)] as [number, number]),
      ],
    })),
  ];
  return curvesSvg({
    title: "MNIST-1D, GLE protocol, 1 -> 6 x 53 -> 10 (examples/mnist1d-gle.yaml)",
    xLabel: "epoch",
    yLabel: "test accuracy (%)",
    xMax: gleProtocol.epochs,
    yMin: 0,
    yMax: 100,
    curves,
    notes: [
      "Length 360, target at every step, summed vote, batch 100, state carried across batches, plateau schedule (2, 0.5).",
      "Ours: schedule on 400 held-out training signals (the reference: on the test set); runs cut short show their epochs done.",
    ],
  });
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const dir = arg("--dir") ?? "bench/results/mnist1d-gle";
  if (argv.includes("--plot")) {
    writeFileAtomic(`${dir}/curves.svg`, plot(dir, arg("--reference") ?? "bench/reference/gle-mnist1d-15k.json"));
    return;
  }
  const epochs = Number(arg("--epochs") ?? gleProtocol.epochs);
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new VleError(`--epochs ${arg("--epochs")}: give a whole number >= 1`);
  const rule = arg("--rule"),
    seed = arg("--seed");
  if (rule !== undefined && seed !== undefined) {
    const r = runGle(rule, Number(seed), dir, epochs);
    process.stdout.write(JSON.stringify({ rule, seed: r.seed, epochsDone: r.epochsDone }) + "\n");
    return;
  }
  // every rule and seed, `--jobs` at a time, each resuming where it stopped
  // seed by seed, so the first seed of every rule runs first
  const queue = gleSeeds.flatMap((s) => (arg("--rules")?.split(",") ?? gleRules).map((r) => ({ rule: r, seed: s })));
  await runInChildren(
    fileURLToPath(import.meta.url),
    "mnist1d-gle",
    queue,
    Math.max(1, Number(arg("--jobs") ?? 2)),
    ({ rule: r, seed: s }) => ["--rule", r, "--seed", String(s), "--dir", dir, "--epochs", String(epochs)],
    () => {},
  );
}

runAsScript(import.meta.url, "bench/mnist1d-gle", main);

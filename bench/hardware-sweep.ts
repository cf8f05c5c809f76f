// On-chip learning under hardware effects: lagline and delayed-xor trained in hardware mode against ideal mode, swept over weight bits, rounding and mismatch; JSON and markdown to bench/results/.
//
// Every run trains the task's example network with the training loop of packages/tasks (same data, epochs,
// batch and optimizer as ideal mode) on a HardwareEngine built from the description plus a hardware section.
// The reference chip (the issue's): 6-bit weights with stochastic rounding, 8-bit DACs and ADCs, 10 % tau
// and gain mismatch, thermal (kT/C) noise, every other effect on (rails, latency, plasticity schedule of 1).
// Usage: npm run build && nice node dist/bench/hardware-sweep.js [--quick] [--tasks lagline,delayed-xor]
//        [--seeds 1,2] [--jobs 2] [--out bench/results/hardware-sweep.json]; --from <json> [--merge <json>] re-renders
//        the markdown of a run (with the rows of another added)
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { VleError } from "../circuits/errors.js";
import { writeFileAtomic } from "../circuits/files.js";
import { maxLevel } from "../circuits/hardware.js";
import type { Circuit } from "../circuits/model.js";
import { compileSource } from "../compiler/index.js";
import { HardwareEngine } from "../simulator/hardware/engine.js";
import { createTask } from "../packages/tasks/index.js";
import { train } from "../packages/tasks/train.js";
import { emitResult, machine, runAsScript, runInChildren } from "./report.js";

interface TaskSetup {
  description: string;
  epochs: number;
  batch: number;
  trainSize?: number;
  testSize?: number;
}

const tasks: Record<string, TaskSetup> = {
  lagline: { description: "examples/lagline.yaml", epochs: 10, batch: 10 },
  "delayed-xor": { description: "examples/delayed-xor.yaml", epochs: 3, batch: 20 },
};
const quickTasks: Record<string, TaskSetup> = {
  lagline: { ...tasks.lagline, epochs: 1, trainSize: 10, testSize: 4 },
  "delayed-xor": { ...tasks["delayed-xor"], epochs: 1, trainSize: 100, testSize: 100 },
};

/** One chip configuration: undefined hardware = ideal mode. */
interface Config {
  name: string;
  /** which sweep it belongs to and the swept value */
  sweep: "reference" | "bits" | "rounding" | "mismatch" | "ablation";
  value: number | string;
  hardware?: {
    bits: number;
    rounding: "stochastic" | "nearest";
    mismatch: number;
    without?: string[];
    quiet?: "membrane" | "error";
  };
}

const reference = { bits: 6, rounding: "stochastic" as const, mismatch: 0.1 };
/** The effects (compiler names) each ablation switches off. */
const ablations: Record<string, string[]> = {
  "weight-grid": ["weights"],
  converters: ["dac", "adc"],
  mismatch: ["mismatch"],
  noise: ["noise"],
  latency: ["latency"],
};
const effectNames = ["weights", "dac", "adc", "rails", "noise", "mismatch", "drift", "schedule", "latency"];
const configs: Config[] = [
  { name: "ideal", sweep: "reference", value: "ideal" },
  { name: "chip", sweep: "reference", value: "chip", hardware: reference },
  ...[2, 3, 4, 5, 7, 8].map(
    (bits): Config => ({ name: `bits-${bits}`, sweep: "bits", value: bits, hardware: { ...reference, bits } }),
  ),
  ...[3, 4, 6].map(
    (bits): Config => ({
      name: `nearest-${bits}`,
      sweep: "rounding",
      value: bits,
      hardware: { ...reference, bits, rounding: "nearest" },
    }),
  ),
  ...[0, 0.2, 0.3, 0.5].map(
    (mismatch): Config => ({
      name: `mismatch-${mismatch}`,
      sweep: "mismatch",
      value: mismatch,
      hardware: { ...reference, mismatch },
    }),
  ),
  // the reference chip with one effect switched off: what each costs
  ...Object.entries(ablations).map(
    ([name, without]): Config => ({
      name: `without-${name}`,
      sweep: "ablation",
      value: name,
      hardware: { ...reference, without },
    }),
  ),
  // thermal noise on one kind of integrator only
  ...(["membrane", "error"] as const).map(
    (quiet): Config => ({
      name: `without-${quiet}-noise`,
      sweep: "ablation",
      value: `${quiet}-noise`,
      hardware: { ...reference, quiet },
    }),
  ),
];

/** The hardware section of a configuration (appended to the task's description). */
function hardwareSection(h: NonNullable<Config["hardware"]>): string {
  return [
    "hardware:",
    "  card: analog-65nm",
    "  time_unit: 1 ms",
    `  weights: { bits: ${h.bits}, rounding: ${h.rounding}, headroom: 2 }`,
    "  dac: { bits: 8 }",
    "  adc: { bits: 8 }",
    `  mismatch: { tau: ${h.mismatch}, gain: ${h.mismatch} }`,
    "  noise: thermal",
    `  effects: [${effectNames.filter((e) => !h.without?.includes(e)).join(", ")}]`,
  ].join("\n");
}

/**
 * Signed converter ranges with 0 on the grid (two's complement: lo = -2^(bits-1) LSB, hi = (2^(bits-1) - 1) LSB,
 * keeping hi): with the compiler's symmetric ranges an error of exactly 0 reads as +LSB/2, a bias the
 * plasticity rule integrates every tick.
 */
export function zeroOnGrid(c: Circuit): void {
  const h = c.hardware!;
  for (const r of h.ranges) {
    if (!(r.lo < 0 && r.hi > 0)) continue;
    const half = maxLevel(h.adc.bits) + 1,
      lsb = Math.max(-r.lo, r.hi) / (half - 1);
    r.lo = -half * lsb;
    r.hi = (half - 1) * lsb;
  }
}

export function compileConfig(setup: TaskSetup, config: Config, seed: number): Circuit {
  const text = readFileSync(setup.description, "utf8").replace(/^seed: .*$/m, `seed: ${seed}`);
  const c = compileSource(config.hardware ? `${text}\n${hardwareSection(config.hardware)}\n` : text, setup.description);
  if (c.hardware) zeroOnGrid(c);
  if (config.hardware?.quiet === "membrane") c.hardware!.noise.membraneStd = 0;
  if (config.hardware?.quiet === "error") c.hardware!.noise.errorStd = 0;
  return c;
}

interface Row {
  task: string;
  config: string;
  sweep: Config["sweep"];
  value: number | string;
  seed: number;
  headline: string;
  better: "lower" | "higher";
  initial: number;
  final: number;
  metrics: Record<string, number | boolean>;
  /** mean training loss of the last epoch (per masked step, as the trainer reports it): graded where the test metric saturates */
  trainLoss: number;
  wallSeconds: number;
  /** per chip sample, from the last training run's engine */
  timing?: { cyclesPerTick: number; slack: number; staleValues: number; ticks: number };
}

function runOne(taskName: string, configName: string, seed: number, setup: TaskSetup): Row {
  const config = configs.find((c) => c.name === configName)!;
  const circuit = compileConfig(setup, config, seed);
  const task = createTask(taskName, { seed, circuit, trainSize: setup.trainSize, testSize: setup.testSize });
  // the first engine train() builds is the one that learns; later ones evaluate
  let trainer: HardwareEngine | undefined;
  const engine = circuit.hardware
    ? (c: Circuit, o: object) => {
        const e = new HardwareEngine(c, { ...o, seed });
        trainer ??= e;
        return e;
      }
    : undefined;
  const { summary } = train(circuit, task, { seed, epochs: setup.epochs, batch: setup.batch, engine });
  const headline = task.headline.name;
  const timing = trainer?.timing();
  return {
    task: taskName,
    config: config.name,
    sweep: config.sweep,
    value: config.value,
    seed,
    headline,
    better: task.headline.better,
    initial: summary.initial[headline] as number,
    final: summary.final[headline] as number,
    metrics: summary.final,
    trainLoss: summary.history.at(-1)?.trainLoss ?? NaN,
    wallSeconds: summary.wallSeconds,
    timing: timing && {
      cyclesPerTick: timing.cyclesPerTick,
      slack: timing.slack,
      staleValues: timing.staleValues,
      ticks: timing.ticks,
    },
  };
}

interface Cell {
  task: string;
  config: string;
  sweep: Config["sweep"];
  value: number | string;
  headline: string;
  mean: number;
  min: number;
  max: number;
  seeds: number;
}

function summarize(rows: Row[]): Cell[] {
  const cells: Cell[] = [];
  for (const task of [...new Set(rows.map((r) => r.task))]) {
    for (const config of configs) {
      const rs = rows.filter((r) => r.task === task && r.config === config.name);
      if (rs.length === 0) continue;
      const xs = rs.map((r) => r.final);
      cells.push({
        task,
        config: config.name,
        sweep: config.sweep,
        value: config.value,
        headline: rs[0].headline,
        mean: xs.reduce((a, b) => a + b, 0) / xs.length,
        min: Math.min(...xs),
        max: Math.max(...xs),
        seeds: xs.length,
      });
    }
  }
  return cells;
}

const show = (c: Cell | undefined) => {
  if (!c) return "-";
  const f = (x: number) => (c.headline === "accuracy" ? `${(100 * x).toFixed(1)} %` : x.toPrecision(3));
  return c.seeds > 1 ? `${f(c.mean)} (${f(c.min)}..${f(c.max)})` : f(c.mean);
};

/** The swept values (2 bits and 50 % lie outside the issue's 3..8 and 0..30 %: where learning breaks). */
const bitRange = [2, 3, 4, 5, 6, 7, 8];
const mismatchRange = [0, 0.1, 0.2, 0.3, 0.5];
const ablationNames = configs.filter((c) => c.sweep === "ablation").map((c) => c.name.slice("without-".length));

function markdown(result: {
  cells: Cell[];
  rows: Row[];
  command: string;
  merged?: string[];
  date: string;
  seeds: number[];
  setups: Record<string, TaskSetup>;
}): string {
  const { cells } = result;
  const taskNames = [...new Set(cells.map((c) => c.task))];
  const cell = (task: string, config: string) => cells.find((c) => c.task === task && c.config === config);
  const metric = (task: string) => cells.find((c) => c.task === task)?.headline ?? "";
  const lines = [
    `# On-chip learning under hardware effects`,
    "",
    `Command: \`${result.command}\`${(result.merged ?? []).map((m) => `, then \`${m}\``).join("")}${result.merged?.length ? " (merged with --from/--merge)" : ""}; date ${result.date.slice(0, 10)}; seeds ${result.seeds.join(", ")} (mean, and min..max over seeds).`,
    `Reference chip: ${reference.bits}-bit weights, ${reference.rounding} rounding, 8-bit DACs and ADCs, ${100 * reference.mismatch} % tau and gain mismatch, thermal kT/C noise, rails, latency (stale values), card analog-65nm. Metrics: ${taskNames.map((t) => `${t} ${metric(t)}`).join(", ")} (test set, after training).`,
    "",
    "## Reference chip next to ideal mode",
    "",
    `| task | metric | before training | ideal | chip |`,
    "|---|---|---|---|---|",
    ...taskNames.map((t) => {
      const before = result.rows.find((r) => r.task === t && r.config === "ideal")?.initial;
      return `| ${t} | ${metric(t)} | ${before === undefined ? "-" : show({ ...cell(t, "ideal")!, mean: before, seeds: 1 })} | ${show(cell(t, "ideal"))} | ${show(cell(t, "chip"))} |`;
    }),
    "",
    "## Weight bits (stochastic rounding) and nearest rounding",
    "",
    `| task | rounding | ${bitRange.map((b) => `${b} bits`).join(" | ")} |`,
    `|---|---|${bitRange.map(() => "---").join("|")}|`,
    ...taskNames.flatMap((t) => [
      `| ${t} | stochastic | ${bitRange.map((b) => show(cell(t, b === reference.bits ? "chip" : `bits-${b}`))).join(" | ")} |`,
      `| ${t} | nearest | ${bitRange.map((b) => show(cell(t, `nearest-${b}`))).join(" | ")} |`,
    ]),
    "",
    "## Tau and gain mismatch (relative std), 6-bit stochastic weights",
    "",
    `| task | ${mismatchRange.map((m) => `${100 * m} %`).join(" | ")} |`,
    `|---|${mismatchRange.map(() => "---").join("|")}|`,
    ...taskNames.map(
      (t) =>
        `| ${t} | ${mismatchRange.map((m) => show(cell(t, m === reference.mismatch ? "chip" : `mismatch-${m}`))).join(" | ")} |`,
    ),
    "",
    ...trainLosses(result.rows, taskNames),
    ...(taskNames.includes("lagline") ? laglineRecovery(result.rows) : []),
    "## The reference chip with one effect switched off",
    "",
    `| task | chip | ${ablationNames.map((a) => `without ${a}`).join(" | ")} |`,
    `|---|---|${ablationNames.map(() => "---").join("|")}|`,
    ...taskNames.map(
      (t) =>
        `| ${t} | ${show(cell(t, "chip"))} | ${ablationNames.map((a) => show(cell(t, `without-${a}`))).join(" | ")} |`,
    ),
    "",
    "Training settings (the same in every mode): " +
      Object.entries(result.setups)
        .filter(([t]) => taskNames.includes(t))
        .map(
          ([t, s]) =>
            `${t}: ${s.description}, ${s.epochs} epochs, batch ${s.batch}${s.trainSize ? `, ${s.trainSize} train` : ""}${s.testSize ? `, ${s.testSize} test` : ""}`,
        )
        .join("; ") +
      ".",
  ];
  return lines.join("\n") + "\n";
}

/** The last epoch's training loss per configuration (mean over seeds; rows from runs that recorded it). */
function trainLosses(rows: Row[], taskNames: string[]): string[] {
  const names = [
    "ideal",
    "chip",
    ...bitRange.filter((b) => b !== reference.bits).map((b) => `bits-${b}`),
    "nearest-4",
    ...mismatchRange.filter((m) => m !== reference.mismatch).map((m) => `mismatch-${m}`),
  ];
  const label = (n: string) =>
    n === "chip"
      ? "chip"
      : n
          .replace("bits-", "")
          .replace(/^(\d)$/, "$1 bits")
          .replace("nearest-4", "nearest 4 bits")
          .replace("mismatch-", "mismatch ");
  const mean = (task: string, config: string) => {
    const xs = rows
      .filter((r) => r.task === task && r.config === config && Number.isFinite(r.trainLoss))
      .map((r) => r.trainLoss);
    return xs.length ? (xs.reduce((a, b) => a + b, 0) / xs.length).toPrecision(3) : "-";
  };
  return [
    "## Training loss of the last epoch",
    "",
    "Mean over seeds of the loss per masked step during the last training epoch (delayed-xor: cross-entropy; lagline: MSE / 2): graded where the test metric saturates.",
    "",
    `| task | ${names.map(label).join(" | ")} |`,
    `|---|${names.map(() => "---").join("|")}|`,
    ...taskNames.map((t) => `| ${t} | ${names.map((n) => mean(t, n)).join(" | ")} |`),
    "",
  ];
}

/** Lagline's learned parameters against the teacher's: the largest relative error of the two weights, and of the two tau_m. */
function laglineRecovery(rows: Row[]): string[] {
  const names = [
    "ideal",
    "chip",
    "bits-3",
    "bits-4",
    "bits-5",
    "bits-7",
    "bits-8",
    "nearest-3",
    "nearest-4",
    "nearest-6",
  ];
  const mean = (config: string, key: string) => {
    const xs = rows.filter((r) => r.task === "lagline" && r.config === config).map((r) => r.metrics[key] as number);
    return xs.length ? `${((100 * xs.reduce((a, b) => a + b, 0)) / xs.length).toFixed(1)} %` : "-";
  };
  const label = (n: string) =>
    n === "ideal"
      ? "ideal"
      : n === "chip"
        ? `${reference.bits} bits`
        : n.startsWith("nearest")
          ? `nearest, ${n.slice(8)} bits`
          : `${n.slice(5)} bits`;
  return [
    "## lagline: learned parameters against the teacher",
    "",
    "Relative error of the learned weights (max of the two) and time constants (max of the two) against the teacher's (weights 1, 2; tau_m 1, 2), mean over seeds; the student starts 30-40 % away. Stochastic rounding unless marked nearest.",
    "",
    `| | ${names.map(label).join(" | ")} |`,
    `|---|${names.map(() => "---").join("|")}|`,
    `| weights | ${names.map((n) => mean(n, "maxWeightError")).join(" | ")} |`,
    `| tau_m | ${names.map((n) => mean(n, "maxTauMError")).join(" | ")} |`,
    "",
  ];
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes("--quick");
  const setups = quick ? quickTasks : tasks;
  const from = arg("--from");
  if (from) {
    // re-render the markdown of an earlier run's JSON, with the rows of --merge <json> added (replacing the same task, configuration and seed)
    const earlier = JSON.parse(readFileSync(from, "utf8"));
    const extra = arg("--merge");
    if (extra) {
      const added: Row[] = JSON.parse(readFileSync(extra, "utf8")).rows;
      const same = (a: Row, b: Row) => a.task === b.task && a.config === b.config && a.seed === b.seed;
      earlier.rows = [...earlier.rows.filter((r: Row) => !added.some((a) => same(a, r))), ...added];
      earlier.cells = summarize(earlier.rows);
      earlier.merged = [...(earlier.merged ?? []), JSON.parse(readFileSync(extra, "utf8")).command];
      writeFileAtomic(from, JSON.stringify(earlier, null, 2) + "\n");
    }
    writeFileAtomic(from.replace(/\.json$/, "") + ".md", markdown(earlier));
    return;
  }
  if (argv.includes("--child")) {
    process.stdout.write(
      JSON.stringify(runOne(arg("--task")!, arg("--config")!, Number(arg("--seed")), setups[arg("--task")!])) + "\n",
    );
    return;
  }
  const taskNames = (arg("--tasks") ?? Object.keys(tasks).join(",")).split(",");
  for (const t of taskNames)
    if (!setups[t]) throw new VleError(`--tasks: unknown task '${t}'; tasks: ${Object.keys(tasks).join(", ")}`);
  const configNames = (arg("--configs") ?? configs.map((c) => c.name).join(",")).split(",");
  for (const c of configNames)
    if (!configs.some((k) => k.name === c))
      throw new VleError(
        `--configs: unknown configuration '${c}'; configurations: ${configs.map((k) => k.name).join(", ")}`,
      );
  const seeds = (arg("--seeds") ?? "1").split(",").map(Number);
  const jobs = Math.max(1, Number(arg("--jobs") ?? 1));
  const self = fileURLToPath(import.meta.url);
  const queue = taskNames.flatMap((task) =>
    configNames.flatMap((config) => seeds.map((seed) => ({ task, config, seed }))),
  );
  const started = performance.now();
  const rows = await runInChildren<(typeof queue)[number], Row>(
    self,
    "hardware-sweep",
    queue,
    jobs,
    ({ task, config, seed }) => [
      "--task",
      task,
      "--config",
      config,
      "--seed",
      String(seed),
      ...(quick ? ["--quick"] : []),
    ],
    ({ task, config, seed }, r) =>
      process.stderr.write(
        `${task} ${config} seed ${seed}: ${r.headline} ${r.final.toPrecision(4)} (from ${r.initial.toPrecision(4)}), ${r.wallSeconds.toFixed(0)} s\n`,
      ),
  );
  const cells = summarize(rows);
  const result = {
    bench: "hardware-sweep",
    date: new Date().toISOString(),
    command: `node dist/bench/hardware-sweep.js${argv.length ? " " + argv.join(" ") : ""}`,
    machine: machine(),
    quick,
    seeds,
    setups: Object.fromEntries(taskNames.map((t) => [t, setups[t]])),
    reference,
    totalWallSeconds: (performance.now() - started) / 1000,
    cells,
    rows,
  };
  emitResult(result, arg("--out") ?? (quick ? undefined : "bench/results/hardware-sweep.json"), markdown);
}

runAsScript(import.meta.url, "hardware-sweep", main);

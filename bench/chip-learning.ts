// Learning with the chip's priced plasticity circuit (streaming SGD, stochastic rounding, batch 1 per chip) next to ideal mode running the same SGD: lagline, delayed-xor, a small MNIST-1D network; JSON and markdown to bench/results/.
//
// Both modes train the task's example network with its optimizer replaced by SGD at the rate below, one sample at a
// time (a streaming chip updates after every tick of its own sample). The chip is the reference chip of
// bench/hardware-sweep.ts (6-bit stochastic weights, 8-bit converters, 10 % tau and gain mismatch, thermal noise)
// with every effect on, the plasticity circuit included: its default rule is SGD with stochastic rounding.
// Usage: npm run build && nice node dist/bench/chip-learning.js [--tasks lagline,delayed-xor,mnist1d]
//        [--configs ideal,chip] [--seeds 1] [--jobs 2] [--out bench/results/chip-learning.json];
//        --from a.json,b.json [--out f.json] joins earlier runs into one result (JSON and markdown)
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { VleError } from "../circuits/errors.js";
import type { Circuit } from "../circuits/model.js";
import { compileSource } from "../compiler/index.js";
import { HardwareEngine } from "../simulator/hardware/engine.js";
import { createTask } from "../packages/tasks/index.js";
import { train } from "../packages/tasks/train.js";
import { zeroOnGrid } from "./hardware-sweep.js";
import { emitResult, machine, runAsScript, runInChildren } from "./report.js";

interface Setup {
  description: string;
  epochs: number;
  /** SGD rate of weights and biases (and of tau_m where the network learns it) */
  eta: number;
  trainSize?: number;
  testSize?: number;
}

const setups: Record<string, Setup> = {
  lagline: { description: "examples/lagline.yaml", epochs: 10, eta: 0.1 },
  "delayed-xor": { description: "examples/delayed-xor.yaml", epochs: 3, eta: 0.03, trainSize: 600, testSize: 300 },
  mnist1d: { description: "examples/mnist1d.yaml", epochs: 3, eta: 0.0003, trainSize: 1000, testSize: 300 },
};

/** A chip configuration: extra lines of the hardware section (none: ideal mode). */
interface Config {
  name: string;
  what: string;
  hardware?: string[];
}

const reference = [
  "  weights: { bits: 6, rounding: stochastic, headroom: 2 }",
  "  dac: { bits: 8 }",
  "  adc: { bits: 8 }",
  "  mismatch: { tau: 0.1, gain: 0.1 }",
  "  noise: thermal",
];
/** The reference chip with a different mismatch section. */
const mismatched = (m: string) => reference.map((l) => (l.startsWith("  mismatch:") ? `  mismatch: { ${m} }` : l));
const configs: Config[] = [
  { name: "ideal", what: "ideal mode, the same SGD, batch 1" },
  {
    name: "chip",
    what: "reference chip, every effect on (error cells with their own 10 % tau draws, converter lines exact), plasticity circuit SGD with stochastic rounding",
    hardware: reference,
  },
  {
    name: "chip-error-cells-matched",
    what: "reference chip with error cells matched to their programmed time constants (error_tau 0)",
    hardware: mismatched("tau: 0.1, gain: 0.1, error_tau: 0"),
  },
  {
    name: "chip-converter-lines",
    what: "reference chip plus per-line DAC and ADC mismatch (10 % gain, 1 LSB offset): the transposed read is no longer the transpose",
    hardware: mismatched("tau: 0.1, gain: 0.1, dac_gain: 0.1, dac_offset: 1, adc_gain: 0.1, adc_offset: 1"),
  },
  // the clock at acceleration 1000: below the pipeline's cycles per tick, values arrive stale
  ...[400, 200, 100, 50].map(
    (mhz): Config => ({
      name: `clock-${mhz}MHz`,
      what: `reference chip at a ${mhz} MHz clock, acceleration 1000 (latency on: late values are used stale)`,
      hardware: [...reference, `  clock: ${mhz} MHz`, "  acceleration: 1000"],
    }),
  ),
];

function compileFor(setup: Setup, config: Config, seed: number): Circuit {
  const text = readFileSync(setup.description, "utf8")
    .replace(/^seed: .*$/m, `seed: ${seed}`)
    .replace(/optimizer: adam/, "optimizer: sgd")
    .replace(/^ {2}eta: .*$/m, `  eta: ${setup.eta}`)
    .replace(/^ {2}eta_tau: .*$/m, `  eta_tau: ${setup.eta}`)
    .replace(/^ {2}betas: .*$/m, "");
  const hardware = config.hardware
    ? `\nhardware:\n  card: analog-65nm\n  time_unit: 1 ms\n${config.hardware.join("\n")}\n`
    : "";
  const c = compileSource(text + hardware, setup.description);
  if (c.hardware) zeroOnGrid(c);
  return c;
}

interface Row {
  task: string;
  config: string;
  seed: number;
  headline: string;
  initial: number;
  final: number;
  metrics: Record<string, number | boolean>;
  trainLoss: number;
  wallSeconds: number;
  timing?: { cyclesPerTick: number; staleValues: number; staleTicks: number; maxLagTicks: number; ticks: number };
}

function runOne(taskName: string, configName: string, seed: number): Row {
  const setup = setups[taskName],
    config = configs.find((c) => c.name === configName)!;
  const circuit = compileFor(setup, config, seed);
  const task = createTask(taskName, { seed, circuit, trainSize: setup.trainSize, testSize: setup.testSize });
  let trainer: HardwareEngine | undefined;
  const engine = circuit.hardware
    ? (c: Circuit, o: object) => {
        const e = new HardwareEngine(c, { ...o, seed });
        trainer ??= e;
        return e;
      }
    : undefined;
  const { summary } = train(circuit, task, { seed, epochs: setup.epochs, batch: 1, engine });
  const headline = task.headline.name;
  const timing = trainer?.timing();
  return {
    task: taskName,
    config: configName,
    seed,
    headline,
    initial: summary.initial[headline] as number,
    final: summary.final[headline] as number,
    metrics: summary.final,
    trainLoss: summary.history.at(-1)?.trainLoss ?? NaN,
    wallSeconds: summary.wallSeconds,
    timing: timing && {
      cyclesPerTick: timing.cyclesPerTick,
      staleValues: timing.staleValues,
      staleTicks: timing.staleTicks,
      maxLagTicks: timing.maxLagTicks,
      ticks: timing.ticks,
    },
  };
}

function markdown(result: { rows: Row[]; command: string; date: string }): string {
  const { rows } = result;
  const show = (r: Row | undefined) =>
    !r ? "-" : r.headline === "accuracy" ? `${(100 * r.final).toFixed(1)} %` : r.final.toPrecision(3);
  const tasks = [...new Set(rows.map((r) => r.task))];
  const seeds = [...new Set(rows.map((r) => r.seed))];
  const names = configs.filter((c) => rows.some((r) => r.config === c.name));
  const out = [
    "# Learning with the chip's priced plasticity circuit",
    "",
    `Command: \`${result.command}\`; date ${result.date.slice(0, 10)}. Streaming: batch 1, SGD at the rate below in both modes.`,
    "",
    ...names.map((c) => `- **${c.name}**: ${c.what}`),
    "",
    `| task | metric | seed | before | ${names.map((c) => c.name).join(" | ")} |`,
    `|---|---|---|---|${names.map(() => "---").join("|")}|`,
  ];
  for (const t of tasks)
    for (const seed of seeds) {
      const first = rows.find((r) => r.task === t && r.seed === seed);
      if (!first) continue;
      const cell = (c: string) => show(rows.find((r) => r.task === t && r.seed === seed && r.config === c));
      out.push(
        `| ${t} (eta ${setups[t].eta}, ${setups[t].epochs} epochs) | ${first.headline} | ${seed} | ${show({ ...first, final: first.initial })} | ${names.map((c) => cell(c.name)).join(" | ")} |`,
      );
    }
  const timed = rows.filter((r) => r.timing);
  if (timed.length) {
    out.push("", "Timing of the training chip (one sample stream, all ticks of the run):", "");
    out.push(
      "| task | configuration | cycles per tick | stale values | ticks with a stale value | largest lag (ticks) |",
    );
    out.push("|---|---|---|---|---|---|");
    for (const r of timed)
      out.push(
        `| ${r.task} | ${r.config} | ${r.seed} | ${r.timing!.cyclesPerTick} | ${r.timing!.staleValues} | ${r.timing!.staleTicks} of ${r.timing!.ticks} | ${r.timing!.maxLagTicks} |`,
      );
  }
  const lag = rows.filter((r) => r.task === "lagline");
  if (lag.length) {
    out.push("", "lagline, learned parameters against the teacher (weights 1, 2; tau_m 1, 2):", "");
    for (const r of lag)
      out.push(
        `- ${r.config}, seed ${r.seed}: w = ${(r.metrics.w0 as number).toFixed(3)}, ${(r.metrics.w1 as number).toFixed(3)}; tau_m = ${(r.metrics.tauM0 as number).toFixed(3)}, ${(r.metrics.tauM1 as number).toFixed(3)}; recovered (both within 5 %): ${r.metrics.recovered}`,
      );
  }
  return out.join("\n") + "\n";
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv.includes("--child")) {
    process.stdout.write(JSON.stringify(runOne(arg("--task")!, arg("--config")!, Number(arg("--seed")))) + "\n");
    return;
  }
  const from = arg("--from");
  if (from) {
    // joins the rows of earlier runs (comma-separated JSON files) into one result, keeping each run's command
    const runs = from.split(",").map((f) => JSON.parse(readFileSync(f, "utf8")));
    const joined = {
      ...runs[0],
      command: runs.map((r) => r.command).join("; "),
      totalWallSeconds: runs.reduce((a, r) => a + r.totalWallSeconds, 0),
      rows: runs.flatMap((r) => r.rows),
    };
    emitResult(joined, arg("--out") ?? "bench/results/chip-learning.json", markdown);
    return;
  }
  const taskNames = (arg("--tasks") ?? Object.keys(setups).join(",")).split(",");
  for (const t of taskNames)
    if (!setups[t]) throw new VleError(`--tasks: unknown task '${t}'; tasks: ${Object.keys(setups).join(", ")}`);
  const configNames = (arg("--configs") ?? configs.map((c) => c.name).join(",")).split(",");
  for (const c of configNames)
    if (!configs.some((k) => k.name === c))
      throw new VleError(
        `--configs: unknown configuration '${c}'; configurations: ${configs.map((k) => k.name).join(", ")}`,
      );
  const seeds = (arg("--seeds") ?? "1").split(",").map(Number);
  const jobs = Math.max(1, Number(arg("--jobs") ?? 1));
  const queue = taskNames.flatMap((task) =>
    configNames.flatMap((config) => seeds.map((seed) => ({ task, config, seed }))),
  );
  const started = performance.now();
  const rows = await runInChildren<(typeof queue)[number], Row>(
    fileURLToPath(import.meta.url),
    "chip-learning",
    queue,
    jobs,
    ({ task, config, seed }) => ["--task", task, "--config", config, "--seed", String(seed)],
    ({ task, config, seed }, r) =>
      process.stderr.write(
        `${task} ${config} seed ${seed}: ${r.headline} ${r.final.toPrecision(4)} (from ${r.initial.toPrecision(4)}), ${r.wallSeconds.toFixed(0)} s\n`,
      ),
  );
  const result = {
    bench: "chip-learning",
    date: new Date().toISOString(),
    command: `node dist/bench/chip-learning.js${argv.length ? " " + argv.join(" ") : ""}`,
    machine: machine(),
    setups,
    configs,
    totalWallSeconds: (performance.now() - started) / 1000,
    rows,
  };
  emitResult(result, arg("--out") ?? "bench/results/chip-learning.json", markdown);
}

runAsScript(import.meta.url, "chip-learning", main);

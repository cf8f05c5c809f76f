// `vle energy`: energy and time of on-chip learning of a task per component, sample and training run, optionally against BPTT on a digital accelerator.
import type { Command } from "commander";
import { UsageError, VleError } from "../../../circuits/errors.js";
import type { Circuit } from "../../../circuits/model.js";
import { checkDistinct, writeFilesAtomic } from "../../../circuits/files.js";
import { compileFile, passes, withTarget } from "../../../compiler/index.js";
import { HardwareEngine } from "../../../simulator/hardware/engine.js";
import { scaleCounts, type OpCounts } from "../../../simulator/meters/counts.js";
import { createTask } from "../../tasks/index.js";
import { Feeder } from "../../tasks/task.js";
import { energyDocument, formatEnergy, type EnergyDocument, type RunShape } from "../../report/energy.js";
import { energySvg } from "../../report/energy-svg.js";
import { accelergyActionCounts } from "../../report/accelergy.js";
import { crossoverSvg } from "../../report/crossover-svg.js";
import { progressBar, type Progress } from "../progress.js";
import { loadCircuit } from "../../load/load.js";
import { reportHtml } from "../../report/page.js";
import { checkReportPath, newReport, reportOption } from "../report-option.js";
import { integer, renamedOption } from "../options.js";

export interface EnergyOptions {
  task: string;
  /** compile the description for this technology card (descriptions only) */
  chip?: string;
  vs?: string;
  accelerator?: string;
  seed?: number;
  /** analytic (from the compiled dataflow) or simulated (hardware mode on the task's first training sequences) */
  counts?: string;
  /** sequences simulated for --counts simulated */
  samples?: number;
  /** progress bar for --counts simulated even when stderr is not a terminal */
  progress?: boolean;
  /** write the crossover plot (chip/BPTT ratio over size, T, precision) to this SVG */
  crossover?: string;
}

/** The chip circuit: a description compiled (for `chip` if given) or a compiled circuit; it must describe a chip. */
function chipCircuit(path: string | Circuit, chip?: string): Circuit {
  if (typeof path !== "string") {
    if (chip !== undefined)
      throw new UsageError(`--chip applies to descriptions; circuit '${path.name}' is compiled already`);
    if (!path.hardware) throw new VleError(`circuit '${path.name}' has no hardware section; compile it with --chip`);
    return path;
  }
  const description = /\.ya?ml$/i.test(path);
  if (chip !== undefined && !description)
    throw new UsageError(
      `--chip applies to descriptions (.yaml); '${path}' is compiled already: compile its description with --chip`,
    );
  const c = chip !== undefined ? compileFile(path, withTarget(passes, chip)) : loadCircuit(path);
  if (!c.hardware)
    throw new VleError(
      `${path}: circuit '${c.name}' has no hardware section; add hardware: { card: analog-65nm } to the description or give --chip analog-65nm`,
    );
  return c;
}

/** The training run of `task` on the circuit: its sequence length, targets per sequence, train set x epochs, batch. */
export function runShape(c: Circuit, taskName: string, seed: number): RunShape {
  const task = createTask(taskName, { seed, circuit: c });
  const first = task.train.sequence(0);
  const targetTicks = first.mask.reduce((a, m) => a + m, 0);
  return {
    task: task.name,
    ticks: task.steps,
    targetTicks,
    samples: task.train.size * task.defaults.epochs,
    batch: task.defaults.batch,
  };
}

/** Per-sample counts measured by running hardware mode, learning on, over the first `samples` training sequences of the task. */
export function simulatedCounts(
  c: Circuit,
  taskName: string,
  seed: number,
  samples: number,
  onStep?: (done: number, total: number) => void,
): OpCounts {
  const task = createTask(taskName, { seed, circuit: c });
  const engine = new HardwareEngine(c, { batch: 1 });
  const feeder = new Feeder(engine, task);
  const n = Math.min(samples, task.train.size);
  for (let i = 0; i < n; i++) {
    if (i === 0 || task.resetPerSequence) engine.reset();
    const sequence = [task.train.sequence(i)];
    for (let s = 0; s < task.steps; s++) {
      feeder.load(sequence, s);
      engine.advance(true);
      if (s % 100 === 99) onStep?.(i * task.steps + s + 1, n * task.steps);
    }
  }
  // the controller finishes the last update's write (counted like every other)
  engine.exportCircuit();
  return scaleCounts(engine.opCounts(), 1 / n);
}

export function energyCommand(path: string | Circuit, options: EnergyOptions): EnergyDocument {
  if (options.vs !== undefined && options.vs !== "bptt")
    throw new UsageError(`--vs '${options.vs}': the only baseline is bptt`);
  const source = options.counts ?? "analytic";
  if (source !== "analytic" && source !== "simulated")
    throw new UsageError(`--counts '${source}' must be analytic or simulated`);
  const c = chipCircuit(path, options.chip);
  const seed = options.seed ?? 0;
  const run = runShape(c, options.task, seed);
  let counts: OpCounts | undefined;
  if (source === "simulated") {
    let bar: Progress | undefined;
    counts = simulatedCounts(c, options.task, seed, options.samples ?? 1, (done, total) => {
      bar ??= progressBar(
        "energy: simulating the chip |{bar}| {value}/{total} ticks | {eta_formatted} left",
        total,
        {},
        options.progress,
      );
      bar?.update(done);
    });
    bar?.stop();
  }
  return energyDocument(c, run, {
    vsBptt: options.vs === "bptt",
    accelerator: options.accelerator,
    counts,
    crossover: options.crossover !== undefined,
  });
}

export function registerEnergy(program: Command): void {
  const command = program
    .command("energy")
    .argument("<circuit>", "network description (.yaml/.json) or compiled circuit (.pb/.json) with a hardware section")
    .requiredOption(
      "--task <name>",
      "the task whose training run is measured (sequence length, samples, epochs, batch)",
    )
    .option("--chip <card>", "compile the description for this technology card (circuits/tech)")
    .option("--json", "print the report as JSON")
    .option(
      "--vs <baseline>",
      "compare with a baseline: bptt (fp32, fp16 and int8 at the chip's node, with sweeps over T and network size)",
    )
    .option("--accelerator <card>", "technology card of the BPTT accelerator", "digital-accelerator")
    .option("--svg <file>", "write a bar chart of the breakdown (and with --vs bptt, the comparison and growth with T)")
    .option(
      "--crossover <file>",
      "write the chip/BPTT energy ratio against network size, T and precision, crossovers marked, as an SVG",
    )
    .option(
      "--accelergy <file>",
      "write the training run's action counts (chip, and with --vs bptt the baseline) in Accelergy's action-count format",
    )
    .option(
      "--counts <source>",
      "operation counts: analytic (from the compiled dataflow) or simulated (hardware mode on the task's training sequences)",
      "analytic",
    )
    .option("--samples <n>", "training sequences simulated with --counts simulated", integer("--samples", 1))
    .option("--seed <n>", "task seed", integer("--seed", 0))
    .option("--progress", "with --counts simulated: show the progress bar even when stderr is not a terminal");
  renamedOption(reportOption(command), "--target", "--chip").action(
    (path: string, opts: EnergyOptions & { json?: boolean; svg?: string; accelergy?: string; report?: string }) => {
      checkReportPath(opts.report);
      checkDistinct(
        { circuit: path },
        { "--svg": opts.svg, "--accelergy": opts.accelergy, "--crossover": opts.crossover, "--report": opts.report },
      );
      const doc = energyCommand(path, opts);
      // every file or none
      writeFilesAtomic([
        [opts.svg, () => energySvg(doc)],
        [opts.accelergy, () => accelergyActionCounts(doc)],
        [opts.crossover, () => crossoverSvg(doc.crossover!)],
        [
          opts.report,
          () => reportHtml({ ...newReport(`vle energy: ${doc.circuit} on ${doc.card.name}`), energy: doc }),
        ],
      ]);
      process.stdout.write(opts.json ? JSON.stringify(doc, null, 2) + "\n" : formatEnergy(doc) + "\n");
      const wrote = [opts.svg, opts.accelergy, opts.crossover, opts.report].filter(Boolean);
      if (wrote.length && !opts.json) process.stdout.write(`wrote ${wrote.join(", ")}\n`);
    },
  );
}

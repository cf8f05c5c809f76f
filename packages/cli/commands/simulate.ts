// `vle simulate`: runs a circuit on an input table (learning from a target table if given) and writes a trace CSV.
import type { Command } from "commander";
import { UsageError, VleError } from "../../../circuits/errors.js";
import { checkDistinct, commitAll } from "../../../circuits/files.js";
import { memoryProblem } from "../../../circuits/limits.js";
import { Rule, enumName, type Circuit } from "../../../circuits/model.js";
import { Engine } from "../../../simulator/engine.js";
import { checkFinite } from "../../../simulator/guard.js";
import { createLearner } from "../../../simulator/learner.js";
import { HardwareEngine, type TimingReport } from "../../../simulator/hardware/engine.js";
import { TraceRecorder, parseRecordSelection } from "../../../simulator/recorders/trace.js";
import { VcdRecorder } from "../../../simulator/recorders/vcd.js";
import { feedStimulus, readStimulus, type Stimulus } from "../../../simulator/stimulus.js";
import { loadCircuit } from "../../load/load.js";
import { readTrace } from "../../report/inputs.js";
import { writeReport } from "../../report/page.js";
import { checkReportPath, newReport } from "../report-option.js";
import { integer } from "../options.js";
import { maxOf, minOf } from "../../../circuits/extent.js";

export interface SimulateOptions {
  /** input table (.csv/.json); may be left out when the circuit has no inputs and `steps` is given */
  input?: string;
  /** target table; with a learning rule other than none the circuit learns as it runs */
  target?: string;
  /** steps per sample; default: the input table's rows per sample */
  steps?: number;
  /** `--record` selection; default: r of every population */
  record?: string;
  /** run all samples of the table at once as one batch (learning from the batch mean) instead of one after another */
  batch?: boolean;
  /** trace CSV to write */
  out?: string;
  /** VCD waveforms to write */
  vcd?: string;
  /** ideal (the reference equations) or hardware (the compiled chip, cycle by cycle) */
  mode?: string;
  /** hardware mode: seeds mismatch, noise and stochastic rounding (default: the chip's seed) */
  seed?: number;
}

export interface SimulateSummary {
  circuit: string;
  /** the trace's t column is in model time units of this many seconds (absent: the circuit is dimensionless) */
  timeUnitS?: number;
  samples: number;
  steps: number[];
  batch: number;
  /** the rule that learned, or undefined for inference */
  learned?: string;
  /** data rows and columns of the trace (columns include step, t and sample) */
  rows: number;
  columns: number;
  /** hardware mode: how the chip kept time */
  timing?: TimingReport;
}

/** Steps of each sample: all rows, or the first `steps`, which every table must have. */
function stepsPerSample(samples: number, tables: Stimulus[], steps?: number): number[] {
  return Array.from({ length: samples }, (_, s) => {
    const rows = minOf(tables.map((t) => t.steps[s]));
    if (steps === undefined) return rows;
    const short = tables.find((t) => t.steps[s] < steps);
    if (short)
      throw new VleError(
        `${short.file}: ${short.samples > 1 ? `sample ${s} has` : "has"} ${short.steps[s]} rows, but --steps is ${steps}; give at least ${steps} rows or lower --steps`,
      );
    return steps;
  });
}

export function simulate(circuitFile: string | Circuit, options: SimulateOptions): SimulateSummary {
  checkDistinct(
    {
      circuit: typeof circuitFile === "string" ? circuitFile : undefined,
      "--input": options.input,
      "--target": options.target,
    },
    { "--out": options.out, "--vcd": options.vcd },
  );
  const circuit = typeof circuitFile === "string" ? loadCircuit(circuitFile) : circuitFile;
  if (options.steps !== undefined && !(Number.isInteger(options.steps) && options.steps >= 1)) {
    throw new UsageError(`--steps ${options.steps} must be a positive integer`);
  }
  if (!options.input && circuit.inputs.length > 0) {
    throw new VleError(
      `${typeof circuitFile === "string" ? `${circuitFile}: ` : ""}circuit '${circuit.name}' has inputs (${circuit.inputs.map((p) => p.name).join(", ")}); give them with --input <csv|json>`,
    );
  }
  if (!options.input && options.steps === undefined)
    throw new UsageError(`without --input, give the number of steps with --steps`);

  const input = options.input ? readStimulus(options.input, circuit, "input") : undefined;
  const target = options.target ? readStimulus(options.target, circuit, "target") : undefined;
  const samples = input?.samples ?? target?.samples ?? 1;
  if (input && target && target.samples !== input.samples) {
    throw new VleError(
      `${target.file}: ${target.samples} sample(s), but ${input.file} has ${input.samples}; give one target sequence per input sequence`,
    );
  }
  const tables = [input, target].filter((t): t is Stimulus => t !== undefined);
  if (input && target && options.steps === undefined) {
    const s = input.steps.findIndex((n, k) => target.steps[k] < n);
    if (s >= 0)
      throw new VleError(
        `${target.file}: ${samples > 1 ? `sample ${s} has` : "has"} ${target.steps[s]} rows but ${input.file} has ${input.steps[s]}; give a target row (empty for none) for every input row`,
      );
  }
  const steps = stepsPerSample(samples, tables, options.steps);
  if (options.batch && new Set(steps).size > 1) {
    throw new VleError(
      `--batch runs samples side by side, so they need equal lengths; sample lengths range ${minOf(steps)}..${maxOf(steps)} (give --steps to cut them)`,
    );
  }

  const B = options.batch ? samples : 1;
  const mode = options.mode ?? "ideal";
  if (mode !== "ideal" && mode !== "hardware") throw new UsageError(`--mode ${mode}: give ideal or hardware`);
  if (options.seed !== undefined && mode !== "hardware")
    throw new UsageError(`--seed seeds the chip's mismatch, noise and rounding; use it with --mode hardware`);
  if (!options.out && !options.vcd)
    throw new UsageError(`nothing to write: give --out <trace.csv>, --vcd <waves.vcd>, or both`);
  const stored = circuit.learning.rule === Rule.BPTT && target ? maxOf(steps) : 0;
  const memory = memoryProblem(circuit, { batch: B, storedSteps: stored });
  if (memory)
    throw new VleError(`${typeof circuitFile === "string" ? circuitFile : `circuit '${circuit.name}'`}: ${memory}`);
  const engine =
    mode === "hardware"
      ? new HardwareEngine(circuit, { batch: B, seed: options.seed })
      : new Engine(circuit, { batch: B });
  const learning = target !== undefined && engine.rule !== Rule.NONE;
  const learner = createLearner(engine, learning);
  const feedInput = input && feedStimulus(input, engine);
  const feedTarget = target && feedStimulus(target, engine);
  const record = options.record ?? engine.populations.map((p) => `${p.spec.name}.r`).join(",");
  const trace = options.out
    ? new TraceRecorder(options.out, engine, parseRecordSelection(record, engine), samples > 1)
    : undefined;
  let vcd: VcdRecorder | undefined;
  try {
    vcd = options.vcd ? new VcdRecorder(options.vcd, engine, record) : undefined;
    // sample ids of the batch slots: all samples at once, or one sample per run
    const runs = options.batch
      ? [Int32Array.from({ length: samples }, (_, s) => s)]
      : Array.from({ length: samples }, (_, s) => Int32Array.of(s));
    for (const slots of runs) {
      engine.reset();
      for (let step = 0; step < steps[slots[0]]; step++) {
        feedInput?.(slots, step);
        feedTarget?.(slots, step);
        learner.step();
        checkFinite(engine, samples > 1 ? slots : undefined);
        trace?.record(slots);
        vcd?.record();
      }
      learner.endSequence();
    }
    // both files or neither: a failed VCD must not leave a new trace in place
    commitAll([trace?.finish(), vcd?.finish()].filter((f) => f !== undefined));
  } catch (err) {
    trace?.abort();
    vcd?.abort();
    throw err;
  }
  return {
    circuit: circuit.name,
    ...(circuit.timeUnitS !== undefined && { timeUnitS: circuit.timeUnitS }),
    samples,
    steps,
    batch: B,
    learned: learning ? enumName(Rule, engine.rule) : undefined,
    rows: trace?.rowCount ?? 0,
    columns: trace?.columnCount ?? 0,
    timing: engine instanceof HardwareEngine ? engine.timing() : undefined,
  };
}

export function registerSimulate(program: Command): void {
  program
    .command("simulate")
    .argument("<circuit>", "network description (.yaml/.json) or compiled circuit (.pb/.json)")
    .option("--input <table>", "input table (.csv or .json): one row per step, columns <input>[<i>], optional 'sample'")
    .option("--target <table>", "target table like the input, columns <output>[<i>]; empty cells: no target that step")
    .option("--steps <n>", "steps per sample (default: the input's rows)", integer("--steps", 1))
    .option(
      "--record <signals>",
      "what to record: e.g. l1.r,l0.u,x_to_l0.W,l0.tau_m, or all (default: r of every population)",
    )
    .option("--batch", "run all samples of the table at once as one batch (updates use the batch mean)")
    .option("-o, --out <trace.csv>", "trace file to write")
    .option(
      "--vcd <waves.vcd>",
      "VCD waveforms of the recorded signals (hardware mode adds ADC codes and weight levels: <population>.r_code, .e_code, <crossbar>.W_code)",
    )
    .option(
      "--mode <mode>",
      "ideal (the reference equations) or hardware (the compiled chip, cycle by cycle, with its effects)",
      "ideal",
    )
    .option(
      "--seed <n>",
      "hardware mode: seed of mismatch, thermal noise and stochastic rounding (default: the chip's)",
      integer("--seed", 0, 2 ** 32 - 1),
    )
    .option("--json", "print the run's summary as JSON")
    .option(
      "--report <page.html>",
      "also write a self-contained HTML report: the recorded waveforms (needs -o), timing",
    )
    .action((file: string, opts: SimulateOptions & { json?: boolean; report?: string }, command: Command) => {
      if (!opts.out && !opts.vcd)
        command.error("error: required option '--out <trace.csv>' not specified (or give --vcd <waves.vcd>)");
      checkReportPath(opts.report);
      if (opts.report && !opts.out) throw new UsageError(`--report shows the recorded trace: give -o <trace.csv> too`);
      const s = simulate(file, opts);
      if (opts.report)
        writeReport(opts.report, {
          ...newReport(`vle simulate: ${s.circuit}`),
          waveforms: readTrace(opts.out!, s.timeUnitS),
          ...(s.timing ? { timing: s.timing } : {}),
        });
      if (opts.json) return void process.stdout.write(JSON.stringify(s, null, 2) + "\n");
      const total = s.steps.reduce((a, b) => a + b, 0);
      const wrote = [opts.out && `${opts.out} (${s.rows} rows x ${s.columns} columns)`, opts.vcd, opts.report]
        .filter(Boolean)
        .join(" and ");
      process.stdout.write(
        `simulated '${s.circuit}'${s.timing ? " in hardware mode" : ""}: ${s.samples} sample${s.samples === 1 ? "" : "s"}, ${total} steps${s.batch > 1 ? ` (batch ${s.batch})` : ""}, ` +
          `learning ${s.learned ? `on (${s.learned})` : "off"}; wrote ${wrote}\n`,
      );
      const t = s.timing;
      if (t) {
        process.stdout.write(
          `chip: ${t.cycles} cycles at ${t.clockHz / 1e6} MHz (${t.cyclesPerTick} per tick, ${((t.cycles / t.clockHz) * 1e6).toPrecision(4)} us); ` +
            `inputs ready after ${t.inputLatency.max} cycles at most (slack ${t.slack}); ${t.staleValues} values used stale in ${t.staleTicks} ticks${t.stallCycles ? `; ${t.stallCycles} stall cycles` : ""}\n`,
        );
      }
    });
}

// `vle train`: trains a circuit on a task or the user's data with its learning rule, checkpointing and resuming exactly; prints a readable summary (JSON with --json) and optionally an HTML report.
import { InvalidArgumentError, type Command } from "commander";
import { circuitFileData } from "../../../circuits/codec.js";
import { HardwareEngine } from "../../../simulator/hardware/engine.js";
import type { Circuit } from "../../../circuits/model.js";
import { UsageError } from "../../../circuits/errors.js";
import { checkDistinct, writeFilesAtomic } from "../../../circuits/files.js";
import type { PlateauOptions } from "../../tasks/plateau.js";
import { train, type TrainResult, type TrainSummary } from "../../tasks/train.js";
import { loopWarnings } from "../../analyze/loop-gain.js";
import { crossbarWeights } from "../../report/document.js";
import { readReference } from "../../report/inputs.js";
import { reportHtml } from "../../report/page.js";
import { loadCircuit } from "../../load/load.js";
import { integer, renamedOption } from "../options.js";
import { checkReportPath, newReport, reportOption } from "../report-option.js";
import { chooseTask, taskOptions, type TaskChoice } from "../task-options.js";

export interface TrainCommandOptions extends TaskChoice {
  epochs?: number;
  seed?: number;
  batch?: number;
  rule?: string;
  checkpoint?: string;
  checkpointEvery?: number;
  resume?: boolean;
  progress?: boolean;
  /** write the trained circuit here (.pb or .json) */
  out?: string;
  validation?: number;
  plateau?: PlateauOptions;
  carryState?: boolean;
  /** ideal (the reference equations) or hardware (the compiled chip: its effects, its plasticity circuit) */
  mode?: string;
  /** write an HTML report of the run here */
  report?: string;
  /** reference learning curves for the report */
  reference?: string;
}

/** Loads the circuit (unless given one), makes the task (built-in or from data files) and trains; the task's defaults fill in epochs and batch. */
export async function trainCommand(file: string | Circuit, options: TrainCommandOptions): Promise<TrainResult> {
  if (options.out !== undefined && !/\.(pb|json)$/i.test(options.out))
    throw new UsageError(`${options.out}: the trained circuit's file must end in .pb (binary) or .json`);
  checkDistinct(
    { circuit: typeof file === "string" ? file : undefined },
    { "--checkpoint": options.checkpoint, "--out": options.out, "--report": options.report },
  );
  const circuit = typeof file === "string" ? loadCircuit(file) : file;
  for (const line of loopWarnings(circuit)) process.stderr.write(`vle: ${line}\n`);
  const seed = options.seed ?? 0;
  const task = await chooseTask(circuit, seed, options);
  const mode = options.mode ?? "ideal";
  if (mode !== "ideal" && mode !== "hardware") throw new UsageError(`--mode ${mode}: give ideal or hardware`);
  const result = train(circuit, task, {
    engine: mode === "hardware" ? (c, o) => new HardwareEngine(c, o) : undefined,
    seed,
    epochs: options.epochs ?? task.defaults.epochs,
    batch: options.batch ?? task.defaults.batch,
    rule: options.rule,
    checkpoint: options.checkpoint,
    checkpointEvery: options.checkpointEvery,
    resume: options.resume,
    progress: options.progress ?? process.stderr.isTTY === true,
    validation: options.validation,
    plateau: options.plateau,
    carryState: options.carryState,
  });
  const report = () => {
    const doc = newReport(`vle train: ${result.summary.circuit} on ${result.summary.task}`);
    doc.training = result.summary;
    doc.weights = { before: crossbarWeights(circuit), after: crossbarWeights(result.circuit) };
    if (options.reference) doc.reference = readReference(options.reference);
    return reportHtml(doc);
  };
  // the trained circuit and the report: both or neither
  writeFilesAtomic([
    [options.out, () => circuitFileData(options.out!, result.circuit)],
    [options.report, report],
  ]);
  return result;
}

const number = (x: number | boolean | undefined) =>
  typeof x !== "number"
    ? String(x ?? "-")
    : Number.isInteger(x)
      ? String(x)
      : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5
        ? x.toPrecision(4)
        : x.toExponential(3);

/** The human-readable end of a run: what trained on what, and each test metric before and after. */
export function trainSummaryText(s: TrainSummary): string {
  const numeric = Object.keys(s.final).filter((k) => typeof s.final[k] === "number");
  const width = Math.max(...numeric.map((k) => k.length));
  return [
    `trained '${s.circuit}' on ${s.task} with rule ${s.rule}: ${s.epochs} epochs of ${s.trainSize} sequences x ${s.stepsPerSequence} steps, batch ${s.batch}, ${s.wallSeconds.toFixed(1)} s`,
    `  test metric${" ".repeat(Math.max(1, width - 9))}before       after`,
    ...numeric.map(
      (k) => `  ${k.padEnd(width + 2)}${number(s.initial[k]).padStart(10)}  ${number(s.final[k]).padStart(10)}`,
    ),
    ...Object.keys(s.final)
      .filter((k) => typeof s.final[k] === "boolean")
      .map((k) => `  ${k}: ${s.final[k] ? "yes" : "no"}`),
  ].join("\n");
}

/** --plateau patience:factor, as torch's ReduceLROnPlateau(patience, factor) */
const plateau = (value: string): PlateauOptions => {
  const m = /^(\d+):([0-9.eE+-]+)$/.exec(value);
  const factor = m ? Number(m[2]) : NaN;
  if (!m || !(factor > 0 && factor < 1))
    throw new InvalidArgumentError(
      `--plateau '${value}' must be patience:factor with a whole patience and 0 < factor < 1, e.g. 2:0.5`,
    );
  return { patience: Number(m[1]), factor };
};

export function registerTrain(program: Command): void {
  const command = program
    .command("train")
    .argument("<circuit>", "network description (.yaml/.json) or compiled circuit (.pb/.json)")
    .option("--epochs <n>", "epochs (default: the task's)", integer("--epochs", 0))
    .option(
      "--seed <s>",
      "seed of the run: batch order, validation split (and a task's data unless --data-seed)",
      integer("--seed", 0),
    )
    .option("--batch <b>", "sequences per batch (default: the task's)", integer("--batch", 1))
    .option("--rule <rule>", "override the circuit's rule: vle, instantaneous, bptt, tbptt:K, eprop, none")
    .option(
      "--mode <mode>",
      "ideal (the reference equations) or hardware (the compiled chip, cycle by cycle: its effects and plasticity circuit)",
      "ideal",
    )
    .option("--checkpoint <file>", "write a checkpoint (JSON) after every epoch")
    .option("--checkpoint-every <n>", "also checkpoint every n batches", integer("--checkpoint-every", 1))
    .option(
      "--resume",
      "continue from --checkpoint with the same settings (--epochs may be raised); ends exactly where an uninterrupted run would",
    )
    .option("--progress", "show the progress bar even when stderr is not a terminal")
    .option("-o, --out <file>", "write the trained circuit (.pb or .json)")
    .option("--test <file>", "with --data: the test set (same format); without it the training data are scored")
    .option(
      "--validation <n>",
      "hold out n training sequences (seeded) and report their loss after every epoch",
      integer("--validation", 1),
    )
    .option(
      "--plateau <patience:factor>",
      "ReduceLROnPlateau on the validation loss, e.g. 2:0.5 (needs --validation)",
      plateau,
    )
    .option(
      "--carry-state",
      "keep the network state from batch to batch (as the GLE reference) instead of starting each from zero",
    );
  taskOptions(
    command,
    "train on your own data: .npz or .h5 with x [N,T] or [N,T,C] and labels y [N] or targets [N,T,K]; .csv (one row per step, a sample column); or x=x.npy,y=y.npy",
  );
  reportOption(command)
    .option("--reference <curves.json>", "with --report: reference learning curves to draw beside this run's")
    .option("--json", "print the summary as JSON (default: a readable table)");
  renamedOption(command, "--output", "--out").action(
    async (file: string, opts: TrainCommandOptions & { json?: boolean }) => {
      checkReportPath(opts.report);
      const { summary } = await trainCommand(file, opts);
      if (opts.json) return void process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
      const wrote = [opts.out, opts.report].filter(Boolean);
      process.stdout.write(trainSummaryText(summary) + "\n" + (wrote.length ? `wrote ${wrote.join(", ")}\n` : ""));
    },
  );
}

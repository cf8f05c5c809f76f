// `vle export-spice`: writes a circuit as an ngspice netlist, with PWL sources from input and target tables.
import type { Command } from "commander";
import { UsageError } from "../../../circuits/errors.js";
import type { Circuit } from "../../../circuits/model.js";
import { checkDistinct, writeFileAtomic } from "../../../circuits/files.js";
import { formatSeconds } from "../../../circuits/time-base.js";
import { exportSpice, type SpiceNetlist, type SpiceOptions } from "../../../compiler/exporters/spice.js";
import { readStimulus } from "../../../simulator/stimulus.js";
import { stimulusWaveforms } from "../../spice/waveforms.js";
import { loadCircuit } from "../../load/load.js";

/** The command-line options shared by export-spice and spice-check. */
export interface SpiceCliOptions {
  input?: string;
  target?: string;
  sample?: string;
  tstop?: string;
  learn?: boolean;
  capacitance?: string;
  timeUnit?: string;
  maxStep?: string;
  reltol?: string;
}

function positive(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (!(Number.isFinite(x) && x > 0)) throw new UsageError(`${flag} ${value} must be a positive number`);
  return x;
}

/** Reads the tables and turns the flags into exporter options. */
export function spiceOptions(circuit: Circuit, opts: SpiceCliOptions): SpiceOptions {
  const sample = opts.sample === undefined ? 0 : Number(opts.sample);
  if (!Number.isInteger(sample) || sample < 0)
    throw new UsageError(`--sample ${opts.sample} must be a sample number (0, 1, ...)`);
  const input = opts.input
    ? stimulusWaveforms(readStimulus(opts.input, circuit, "input"), circuit.dt, sample)
    : undefined;
  const target = opts.target
    ? stimulusWaveforms(readStimulus(opts.target, circuit, "target"), circuit.dt, sample)
    : undefined;
  return {
    input,
    target,
    learn: opts.learn ?? false,
    tstop: positive(opts.tstop, "--tstop"),
    capacitance: positive(opts.capacitance, "--capacitance"),
    timeUnit: positive(opts.timeUnit, "--time-unit"),
    maxStep: positive(opts.maxStep, "--max-step"),
    reltol: positive(opts.reltol, "--reltol"),
  };
}

/** Adds the flags both SPICE commands take. */
export function spiceFlags(command: Command): Command {
  return command
    .option(
      "--input <table>",
      "input table (.csv/.json, one row per step); PWL sources through its samples (default: inputs at 0 V)",
    )
    .option("--target <table>", "target table (empty cells: no target that step)")
    .option("--sample <n>", "which sample of a multi-sample table", "0")
    .option("--tstop <t>", "end time in model time units (default: the input's rows x dt)")
    .option("--learn", "integrate the plastic parameters: on-chip learning in continuous time")
    .option("--capacitance <farad>", "membrane and error-cell capacitance (default: hardware C_m, else 1e-12)")
    .option(
      "--time-unit <seconds>",
      "chip seconds per model time unit (default: the circuit's time base, over the chip's acceleration if it has one; 1e-6 for a dimensionless circuit)",
    )
    .option("--max-step <t>", "largest ngspice time step in model time units (default: dt)")
    .option("--reltol <r>", "ngspice relative tolerance (default 1e-6)");
}

export function exportSpiceFile(circuitFile: string, out: string, opts: SpiceCliOptions): SpiceNetlist {
  checkDistinct({ circuit: circuitFile, "--input": opts.input, "--target": opts.target }, { "-o": out });
  const circuit = loadCircuit(circuitFile);
  const netlist = exportSpice(circuit, spiceOptions(circuit, opts));
  writeFileAtomic(out, netlist.text);
  return netlist;
}

export function registerExportSpice(program: Command): void {
  spiceFlags(
    program
      .command("export-spice")
      .argument("<circuit>", "description (.yaml/.json) or compiled circuit (.pb/.json)")
      .requiredOption("-o, --out <file.cir>", "netlist to write"),
  ).action((file: string, opts: SpiceCliOptions & { out: string }) => {
    const netlist = exportSpiceFile(file, opts.out, opts);
    const elements = netlist.text.split("\n").filter((l) => /^[A-Za-z]/.test(l)).length;
    process.stdout.write(
      `wrote ${opts.out}: ${elements} elements, t = 0..${netlist.tstop} model time units = ${formatSeconds(netlist.tstop * netlist.timeUnit)}, C = ${netlist.capacitance} F\n`,
    );
    process.stdout.write(`run it: ngspice -b ${opts.out} -r ${opts.out.replace(/\.cir$/, "")}.raw\n`);
  });
}

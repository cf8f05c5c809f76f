// The table of `vle` subcommands: name, one-line summary, and the module that defines it, loaded only when it runs.
import type { Command } from "commander";

/** A subcommand's module: adds the command (arguments, options, action) to the program. */
interface CommandModule {
  register(program: Command): void;
}

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<CommandModule>;
}

const module =
  <K extends string>(key: K) =>
  (m: Record<K, (program: Command) => void>): CommandModule => ({ register: m[key] });

export const commands: readonly CommandEntry[] = [
  {
    name: "inspect",
    summary: "print a readable summary of a circuit (compiled .pb/.json, or a description compiled on the fly)",
    load: () => import("./commands/inspect.js").then(module("registerInspect")),
  },
  {
    name: "compile",
    summary: "compile a network description (.yaml/.json) to a circuit (.pb or .json)",
    load: () => import("./commands/compile.js").then(module("registerCompile")),
  },
  {
    name: "simulate",
    summary:
      "run a circuit (ideal mode, or hardware mode on its compiled chip) on an input table, learning from a target table if given, and write a trace CSV and/or VCD waveforms",
    load: () => import("./commands/simulate.js").then(module("registerSimulate")),
  },
  {
    name: "train",
    summary: "train a circuit on a task with its on-chip learning rule and print a summary",
    load: () => import("./commands/train.js").then(module("registerTrain")),
  },
  {
    name: "evaluate",
    summary: "score a trained circuit on test data (your own file, or a built-in task's test set), learning off",
    load: () => import("./commands/evaluate.js").then(module("registerEvaluate")),
  },
  {
    name: "analyze",
    summary:
      "a trained network's dynamics: fixed points without input; for an HMM emulator its orbit under noise and kick neurons",
    load: () => import("./commands/analyze.js").then(module("registerAnalyze")),
  },
  {
    name: "sweep",
    summary: "run a study over a grid of settings and many dies, on a local pool or across machines on Redis",
    load: () => import("./commands/sweep.js").then(module("registerSweep")),
  },
  {
    name: "worker",
    summary: "process sweep jobs from a Redis queue (vle sweep --queue) until stopped",
    load: () => import("./commands/sweep.js").then(module("registerWorker")),
  },
  {
    name: "demo",
    summary:
      "the whole pipeline on examples/lagline-chip.yaml: compile for the chip, learn on it (hardware mode) and in ideal mode, energy against BPTT, a short verify, an HTML report",
    load: () => import("./commands/demo.js").then(module("registerDemo")),
  },
  {
    name: "export-spice",
    summary: "write a circuit as an ngspice netlist (capacitors, conductances, controlled and behavioural sources)",
    load: () => import("./commands/export-spice.js").then(module("registerExportSpice")),
  },
  {
    name: "import-nir",
    summary: "read a NIR graph (HDF5) into a description (.yaml/.json) or a compiled circuit (.pb)",
    load: () => import("./commands/import-nir.js").then(module("registerImportNir")),
  },
  {
    name: "export-nir",
    summary: "write a circuit's trained forward network (weights, biases, time constants, graph) as a NIR graph",
    load: () => import("./commands/export-nir.js").then(module("registerExportNir")),
  },
  {
    name: "spice-check",
    summary:
      "run ngspice on the exported netlist and the ideal engine at fine dt on the same input; relative RMS per signal and both run times",
    load: () => import("./commands/spice-check.js").then(module("registerSpiceCheck")),
  },
  {
    name: "energy",
    summary:
      "energy and time of on-chip learning per component, per sample and per training run (optionally against BPTT on a digital accelerator)",
    load: () => import("./commands/energy.js").then(module("registerEnergy")),
  },
  {
    name: "align",
    summary:
      "gradient alignment: cosine and norm ratio of each rule's summed update against the exact gradient of the free network (gamma = 0)",
    load: () => import("./commands/align.js").then(module("registerAlign")),
  },
  {
    name: "verify",
    summary:
      "check a circuit's properties over random bounded drives (fast-check), shrinking any failure to a short counterexample that 'vle simulate --input' replays; exit 0: all pass, 1: a property failed, 2: usage",
    load: () => import("./commands/verify.js").then(module("registerVerify")),
  },
  {
    name: "task",
    summary: "the built-in tasks: list them, or export one's sequences as input and target tables (vle task export)",
    load: () => import("./commands/task.js").then(module("registerTask")),
  },
  {
    name: "report",
    summary:
      "write one self-contained HTML page (learning curves, weights, waveforms, energy, timing, verify results) from what the other commands wrote",
    load: () => import("./commands/report.js").then(module("registerReport")),
  },
];

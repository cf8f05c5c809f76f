// `vle align`: how close each learning rule's summed update comes to the exact gradient of the free network, per array and in total.
import type { Command } from "commander";
import { UsageError, VleError } from "../../../circuits/errors.js";
import { Rule, type Circuit } from "../../../circuits/model.js";
import {
  measureAlignment,
  type AlignmentReport,
  type Drive,
  type RuleAlignment,
} from "../../../simulator/alignment.js";
import { Engine } from "../../../simulator/engine.js";
import { createLearner, parseRuleSpec, type RuleSpec } from "../../../simulator/learner.js";
import { feedStimulus, readStimulus } from "../../../simulator/stimulus.js";
import { createTask } from "../../tasks/index.js";
import { Feeder, type Sequence } from "../../tasks/task.js";
import { loadCircuit } from "../../load/load.js";
import { integer } from "../options.js";
import { minOf } from "../../../circuits/extent.js";

export interface AlignOptions {
  task?: string;
  input?: string;
  target?: string;
  /** steps of the window (default: the whole sequence) */
  window?: number;
  /** sequences measured together as one batch (default 1) */
  batch?: number;
  /** index of the first sequence (default 0) */
  sample?: number;
  /** task data seed (default 0) */
  seed?: number;
  /** comma-separated rules (default: vle, instantaneous, eprop, tbptt:K when the circuit has a window, bptt) */
  rules?: string;
  json?: boolean;
}

/** A rule that could not run on this circuit (e-prop without a learning-signal route), with the reason. */
export interface SkippedRule {
  rule: string;
  reason: string;
}

export interface AlignResult {
  circuit: Circuit;
  source: string;
  report: AlignmentReport;
  skipped: SkippedRule[];
}

/** Binds a per-engine loader lazily: alignment runs one engine per rule. */
function perEngine(bind: (engine: Engine) => (s: number) => void): (engine: Engine, s: number) => void {
  const loaders = new WeakMap<Engine, (s: number) => void>();
  return (engine, s) => {
    let load = loaders.get(engine);
    if (!load) loaders.set(engine, (load = bind(engine)));
    load(s);
  };
}

function checkWindow(window: number | undefined, available: number, what: string): number {
  if (window === undefined) return available;
  if (!Number.isInteger(window) || window < 1)
    throw new UsageError(`--window ${window} must be a positive integer (steps)`);
  if (window > available)
    throw new VleError(`--window ${window} exceeds the ${available} steps of ${what}; lower --window`);
  return window;
}

function taskDrive(
  circuit: Circuit,
  options: AlignOptions,
  first: number,
  B: number,
): { drive: Drive; source: string } {
  const seed = options.seed ?? 0;
  const task = createTask(options.task!, { seed, circuit });
  if (first + B > task.train.size)
    throw new VleError(
      `--sample ${first} --batch ${B}: task '${task.name}' has ${task.train.size} training sequences; lower them`,
    );
  const sequences: Sequence[] = Array.from({ length: B }, (_, b) => task.train.sequence(first + b));
  const steps = checkWindow(options.window, task.steps, `task '${task.name}'`);
  const load = perEngine((engine) => {
    const feeder = new Feeder(engine, task);
    return (s) => feeder.load(sequences, s);
  });
  return {
    drive: { steps, batch: B, load },
    source: `task ${task.name} (seed ${seed}), training sequence${B > 1 ? `s ${first}..${first + B - 1}` : ` ${first}`}`,
  };
}

function tableDrive(
  circuit: Circuit,
  options: AlignOptions,
  first: number,
  B: number,
): { drive: Drive; source: string } {
  if (!options.input || !options.target)
    throw new UsageError(`give --input <table> and --target <table> together (or --task <name>)`);
  const input = readStimulus(options.input, circuit, "input");
  const target = readStimulus(options.target, circuit, "target");
  if (target.samples !== input.samples)
    throw new VleError(
      `${target.file}: ${target.samples} sample(s), but ${input.file} has ${input.samples}; give one target sequence per input sequence`,
    );
  if (first + B > input.samples)
    throw new VleError(`--sample ${first} --batch ${B}: ${input.file} has ${input.samples} sample(s); lower them`);
  const samples = Array.from({ length: B }, (_, b) => first + b);
  const available = minOf(samples.flatMap((k) => [input.steps[k], target.steps[k]]));
  const steps = checkWindow(
    options.window,
    available,
    `${input.file} and ${target.file}${B > 1 ? ` (samples ${first}..${first + B - 1})` : ""}`,
  );
  const load = perEngine((engine) => {
    const feedInput = feedStimulus(input, engine),
      feedTarget = feedStimulus(target, engine);
    return (s) => {
      feedInput(samples, s);
      feedTarget(samples, s);
    };
  });
  return { drive: { steps, batch: B, load }, source: `${input.file} + ${target.file}` };
}

/** Measures the alignment; the circuit file is a description or a compiled circuit. */
export function align(file: string, options: AlignOptions): AlignResult {
  const circuit = loadCircuit(file);
  if ((options.task === undefined) === (options.input === undefined && options.target === undefined)) {
    throw new UsageError(`give either --task <name> or --input <table> --target <table>`);
  }
  const B = options.batch ?? 1,
    first = options.sample ?? 0;
  if (!Number.isInteger(B) || B < 1) throw new UsageError(`--batch ${B} must be a positive integer`);
  if (!Number.isInteger(first) || first < 0) throw new UsageError(`--sample ${first} must be a non-negative integer`);
  const { drive, source } =
    options.task !== undefined ? taskDrive(circuit, options, first, B) : tableDrive(circuit, options, first, B);

  const explicit = options.rules !== undefined;
  const names = explicit
    ? options
        .rules!.split(",")
        .map((r) => r.trim())
        .filter(Boolean)
    : [
        "vle",
        "instantaneous",
        "eprop",
        ...(circuit.learning.window >= 1 ? [`tbptt:${circuit.learning.window}`] : []),
        "bptt",
      ];
  if (names.length === 0) throw new UsageError(`--rules is empty; give e.g. vle,eprop,bptt`);
  const specs: RuleSpec[] = names.map((name) => parseRuleSpec(name, "--rules"));
  const skipped: SkippedRule[] = [];
  // e-prop needs a learning-signal route to every plastic population; by default it is left out where there is none
  const runnable = specs.filter((spec) => {
    if (spec.rule !== Rule.EPROP || explicit) return true;
    try {
      createLearner(new Engine(circuit, { rule: Rule.EPROP }), true, { frozen: true });
      return true;
    } catch (err) {
      if (!(err instanceof VleError)) throw err;
      skipped.push({ rule: spec.name, reason: err.message });
      return false;
    }
  });
  return { circuit, source, report: measureAlignment(circuit, drive, runnable), skipped };
}

/** The JSON form: L, the exact gradient (dL/dW [post][pre] per projection, dL/db and dL/dtau_m per population) and each rule's alignment. */
export function alignmentJson({ circuit, source, report, skipped }: AlignResult): object {
  const { gradient } = report;
  const projections = Object.fromEntries(
    circuit.crossbars.map((x, k) => [
      x.name,
      Array.from({ length: x.rows }, (_, i) => Array.from(gradient.weights[k].subarray(i * x.cols, (i + 1) * x.cols))),
    ]),
  );
  const populations = Object.fromEntries(
    circuit.populations.map((p, k) => [
      p.name,
      { b: Array.from(gradient.bias[k]), tau_m: Array.from(gradient.tauM[k]) },
    ]),
  );
  return {
    circuit: circuit.name,
    source,
    steps: report.steps,
    batch: report.batch,
    prospectiveErrors: circuit.learning.prospectiveErrors,
    loss: report.loss,
    gradient: { projections, populations },
    rules: report.rules.map((r) => ({ rule: r.rule, total: r.total, arrays: r.arrays })),
    skipped,
  };
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : "n/a");

function table(
  title: string,
  rules: RuleAlignment[],
  pick: (x: { cosine: number; normRatio: number }) => number,
): string[] {
  const names = rules[0]?.arrays.map((a) => a.name) ?? [];
  const width = Math.max(14, ...names.map((n) => n.length + 2));
  const col = (s: string) => s.padStart(Math.max(10, ...rules.map((r) => r.rule.length + 2)));
  const lines = [title, "  " + "".padEnd(width) + rules.map((r) => col(r.rule)).join("")];
  lines.push("  " + "total".padEnd(width) + rules.map((r) => col(fmt(pick(r.total)))).join(""));
  names.forEach((name, k) =>
    lines.push("  " + name.padEnd(width) + rules.map((r) => col(fmt(pick(r.arrays[k])))).join("")),
  );
  return lines;
}

export function alignmentText({ circuit, source, report, skipped }: AlignResult): string {
  const lines = [
    `alignment of circuit '${circuit.name}' over ${report.steps} steps, batch ${report.batch}: ${source}`,
    `free network (gamma = 0), prospective errors ${circuit.learning.prospectiveErrors ? "on" : "off"} (vle); L = ${report.loss.toPrecision(6)} (sum over steps and samples)`,
    ...table("cosine of the summed update with -dL/dtheta", report.rules, (x) => x.cosine),
    ...table(
      "norm ratio |summed update| / |beta dL/dtheta / B| (bptt's summed update)",
      report.rules,
      (x) => x.normRatio,
    ),
    ...skipped.map((s) => `skipped ${s.rule}: ${s.reason}`),
  ];
  return lines.join("\n");
}

export function registerAlign(program: Command): void {
  program
    .command("align")
    .argument("<circuit>", "network description (.yaml/.json) or compiled circuit (.pb/.json)")
    .option("--task <name>", "drive with a task's training sequences: lagline, delayed-xor, ...")
    .option("--input <table>", "input table (.csv/.json), with --target")
    .option("--target <table>", "target table (.csv/.json), with --input")
    .option(
      "--window <T>",
      "steps of the window, from the zero state (default: the whole sequence)",
      integer("--window", 1),
    )
    .option("--batch <b>", "sequences measured together as one batch (default 1)", integer("--batch", 1))
    .option("--sample <i>", "first sequence (default 0)", integer("--sample", 0))
    .option("--seed <s>", "seed of the task's data (default 0)", integer("--seed", 0))
    .option(
      "--rules <list>",
      "rules to compare, comma-separated: vle, instantaneous, eprop, tbptt:K, bptt (default: all that apply)",
    )
    .option("--json", "print JSON with L and the exact gradient (dL/dW [post][pre], dL/db, dL/dtau_m)")
    .action((file: string, opts: AlignOptions) => {
      const result = align(file, opts);
      process.stdout.write((opts.json ? JSON.stringify(alignmentJson(result), null, 2) : alignmentText(result)) + "\n");
    });
}

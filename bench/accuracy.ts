// Final test metric (mean and spread over 3 seeds) and wall time of every learning rule on every task, same network and budget per task.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";
import { VleError } from "../circuits/errors.js";
import { writeFileAtomic } from "../circuits/files.js";
import type { Circuit } from "../circuits/model.js";
import { compileSource } from "../compiler/index.js";
import { createTask } from "../packages/tasks/index.js";
import type { ProtocolOptions } from "../packages/tasks/task.js";
import { train } from "../packages/tasks/train.js";
import { emitResult, machine, runAsScript, runInChildren } from "./report.js";

/** What every rule of one case gets: the same task, description, data, epochs, batch and optimizer settings. */
export interface TaskBudget {
  /** the task the case runs (default: the case's name) */
  task?: string;
  /** what the case tests, for the table */
  label?: string;
  description: string;
  /** a folder of official data files (smnist tasks: IDX files) */
  dataDir?: string;
  /** protocol overrides (target window, answer steps) */
  protocol?: ProtocolOptions;
  /** seeds of this case (default: every bench seed) */
  seeds?: number[];
  epochs: number;
  batch: number;
  /** undefined: the task's default size */
  trainSize?: number;
  testSize?: number;
  /** truncation window of tbptt in steps */
  window: number;
  /** factor on the description's learning rates (eta, eta_tau); 1 when absent */
  etaScale?: number;
}

/**
 * The full bench, sized for 2 shared cores (see the README for the resulting table): the tasks' default
 * data sizes, few epochs. smnist-pixel (794 steps per sequence) is not benched: one epoch of it costs
 * about what this whole table does.
 */
export const fullBudgets: Record<string, TaskBudget> = {
  lagline: { description: "examples/lagline.yaml", epochs: 30, batch: 10, window: 100 },
  "delayed-xor": {
    label: "readout of a fixed memory",
    description: "examples/delayed-xor.yaml",
    epochs: 10,
    batch: 20,
    window: 20,
  },
  "delayed-xor-plastic": {
    task: "delayed-xor",
    label: "learned memory: temporal credit assignment",
    description: "examples/delayed-xor-plastic.yaml",
    epochs: 10,
    batch: 20,
    window: 20,
  },
  mnist1d: { description: "examples/mnist1d.yaml", epochs: 5, batch: 20, window: 10 },
  "smnist-row": {
    label: "bundled 10 000-digit subset: not comparable with published figures",
    description: "examples/smnist-row.yaml",
    epochs: 3,
    batch: 20,
    window: 8,
  },
  "fashion-row": {
    task: "smnist-row",
    label: "Fashion-MNIST, official 60 000 / 10 000",
    description: "examples/smnist-row.yaml",
    dataDir: "/usr/share/datasets/fashion-mnist",
    epochs: 1,
    batch: 20,
    window: 8,
    seeds: [1],
  },
};

/** The tiny version (--quick): one epoch on a few sequences, to check the bench end to end. */
export const quickBudgets: Record<string, TaskBudget> = Object.fromEntries(
  Object.entries(fullBudgets).map(([name, b]) => [
    name,
    {
      ...b,
      epochs: 1,
      batch: 4,
      trainSize: 8,
      testSize: 8,
      window: Math.min(b.window, 10),
    },
  ]),
);

export const benchRules = ["vle", "instantaneous", "eprop", "tbptt", "bptt"] as const;
export const benchSeeds = [1, 2, 3];

/**
 * The description with its top-level seed set, compiled: every init without a seed of its own is drawn
 * from it, so each bench seed starts from other weights where the description leaves them to the seed.
 * For eprop, whose learning signal reaches only populations that project into an output (or receive a
 * broadcast), every other hidden population gets a fixed random broadcast from the output, as e-prop
 * networks have; the forward network is unchanged.
 */
export function seededCircuit(
  path: string,
  seed: number,
  rule?: string,
  etaScale = 1,
): Circuit & { epropBroadcast?: boolean } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new VleError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const doc = parseDocument(text);
  doc.set("seed", seed);
  let broadcast = false;
  if (rule === "eprop") {
    const d = doc.toJS() as {
      populations: { name: string; kind?: string }[];
      projections: { from: string; to: string }[];
      broadcasts?: { to: string }[];
    };
    const outputs = d.populations.filter((p) => p.kind === "output").map((p) => p.name);
    const reached = new Set([...outputs, ...(d.broadcasts ?? []).map((b) => b.to)]);
    for (const x of d.projections) if (outputs.includes(x.to)) reached.add(x.from);
    const added = d.populations
      .filter((p) => p.kind !== "input" && !reached.has(p.name))
      .map((p) => ({ from: outputs[0], to: p.name, init: { kind: "lecun" } }));
    if (added.length) doc.set("broadcasts", doc.createNode([...(d.broadcasts ?? []), ...added]));
    broadcast = added.length > 0;
  }
  const circuit = compileSource(doc.toString(), path);
  circuit.learning.eta *= etaScale;
  circuit.learning.etaTau *= etaScale;
  return broadcast ? { ...circuit, epropBroadcast: true } : circuit;
}

export interface RunRow {
  /** the bench case (the task's name unless the case runs a task under another name) */
  task: string;
  rule: string;
  seed: number;
  headline: string;
  better: "lower" | "higher";
  /** learning rate of W and b the run used */
  eta: number;
  /** the headline metric on the test set after the last epoch, and before training */
  final: number;
  initial: number;
  metrics: Record<string, number | boolean>;
  wallSeconds: number;
  trainSize: number;
  testSize: number;
  steps: number;
  /** the headline metric after each epoch (absent in results recorded before it was kept) */
  history?: number[];
  /** the first step that carries the target */
  targetFrom?: number;
  /** eprop with a fixed random broadcast added to hidden populations that do not project into an output */
  epropBroadcast?: boolean;
}

/** One training run: the task's data and batch order from `seed`, the rule's name as the CLI takes it. */
export function runOne(taskName: string, rule: string, seed: number, budget: TaskBudget): RunRow {
  const { epropBroadcast, ...circuit } = seededCircuit(budget.description, seed, rule, budget.etaScale);
  const task = createTask(budget.task ?? taskName, {
    seed,
    circuit,
    trainSize: budget.trainSize,
    testSize: budget.testSize,
    dataDir: budget.dataDir,
    protocol: budget.protocol,
  });
  const spec = rule === "tbptt" ? `tbptt:${budget.window}` : rule;
  const { summary } = train(circuit, task, { seed, epochs: budget.epochs, batch: budget.batch, rule: spec });
  const headline = task.headline.name;
  return {
    ...(epropBroadcast ? { epropBroadcast } : {}),
    history: summary.history.map((h) => Number(h.metrics[headline])),
    targetFrom: task.train.sequence(0).mask.indexOf(1),
    task: taskName,
    rule: spec,
    seed,
    eta: circuit.learning.eta,
    headline,
    better: task.headline.better,
    final: Number(summary.final[headline]),
    initial: Number(summary.initial[headline]),
    metrics: summary.final,
    wallSeconds: summary.wallSeconds,
    trainSize: summary.trainSize,
    testSize: summary.testSize,
    steps: summary.stepsPerSequence,
  };
}

interface Cell {
  task: string;
  rule: string;
  headline: string;
  better: "lower" | "higher";
  mean: number;
  /** sample standard deviation over seeds */
  std: number;
  min: number;
  max: number;
  wallSecondsMean: number;
  seeds: number;
  /** every seed's run converged (see `converged`); false also when no per-epoch history was kept */
  converged: boolean;
  epochs: number;
  epropBroadcast: boolean;
}

/** A run has converged when its headline metric moved less than this over its last `convergenceEpochs` epochs. */
export const convergence = { epochs: 3, accuracyPoints: 1, relative: 0.1 } as const;

/**
 * Whether the per-epoch headline history has levelled off: at least `convergence.epochs` epochs, and over the
 * last of them an accuracy that spans at most 1 point, or another metric that spans at most 10 % of its mean.
 */
export function converged(history: number[] | undefined, headline: string): boolean {
  if (!history || history.length < convergence.epochs) return false;
  const last = history.slice(-convergence.epochs),
    span = Math.max(...last) - Math.min(...last);
  if (headline === "accuracy") return 100 * span <= convergence.accuracyPoints;
  const mean = last.reduce((a, b) => a + b, 0) / last.length;
  return span <= convergence.relative * Math.abs(mean);
}

/** A rule without its argument: tbptt:20 -> tbptt (the window is in the task's budget). */
const family = (rule: string) => rule.split(":")[0];

function summarize(rows: RunRow[]): Cell[] {
  const cells: Cell[] = [];
  for (const task of [...new Set(rows.map((r) => r.task))]) {
    for (const rule of [...new Set(rows.filter((r) => r.task === task).map((r) => family(r.rule)))]) {
      const mine = rows.filter((r) => r.task === task && family(r.rule) === rule),
        v = mine.map((r) => r.final),
        n = v.length;
      const mean = v.reduce((a, b) => a + b, 0) / n;
      const std = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
      cells.push({
        task,
        rule,
        headline: mine[0].headline,
        better: mine[0].better,
        mean,
        std,
        min: Math.min(...v),
        max: Math.max(...v),
        wallSecondsMean: mine.reduce((a, r) => a + r.wallSeconds, 0) / n,
        seeds: n,
        converged: mine.every((r) => converged(r.history, r.headline)),
        epochs: mine[0].history?.length ?? 0,
        epropBroadcast: mine.some((r) => r.epropBroadcast === true),
      });
    }
  }
  return cells;
}

/**
 * vle minus bptt in percentage points of accuracy, per classification case, only where both converged: a
 * difference between runs cut off by a budget says how far each got, not how the rules compare.
 */
function gaps(cells: Cell[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const task of [...new Set(cells.map((c) => c.task))]) {
    const vle = cells.find((c) => c.task === task && c.rule === "vle"),
      bptt = cells.find((c) => c.task === task && c.rule === "bptt");
    if (vle && bptt && vle.headline === "accuracy" && vle.converged && bptt.converged)
      out[task] = 100 * (vle.mean - bptt.mean);
  }
  return out;
}

/** The value, its spread, the wall time, and whether it converged or what budget cut it off. */
const formatCell = (c: Cell, budget: TaskBudget) => {
  const value =
    c.headline === "accuracy"
      ? `${(100 * c.mean).toFixed(1)} ± ${(100 * c.std).toFixed(1)} %`
      : `${c.mean.toPrecision(3)} ± ${c.std.toPrecision(2)}`;
  const state = c.converged ? "converged" : `budget ${budget.epochs} ep`;
  return `${value}${c.rule === "eprop" && c.epropBroadcast ? " †" : ""} (${state}, ${c.wallSecondsMean.toFixed(0)} s)`;
};

export interface AccuracyResult {
  date: string;
  machine: { cpu: string; cores: number; node: string; memoryBytes: number; platform: string };
  command: string;
  seeds: number[];
  budgets: Record<string, TaskBudget>;
  cells: Cell[];
  vleMinusBpttPoints: Record<string, number>;
  rows: RunRow[];
  totalWallSeconds: number;
}

/** Optimizer steps a run takes: online rules one per time step, tbptt one per window, bptt one per sequence batch. */
function optimizerSteps(rule: string, b: TaskBudget, row: RunRow): number {
  const batches = b.epochs * Math.floor(row.trainSize / b.batch);
  if (rule === "bptt") return batches;
  if (rule.startsWith("tbptt")) return batches * Math.ceil(row.steps / b.window);
  return batches * row.steps;
}

/** The table for the README: one row per task, one column per rule, then the settings that produced it. */
export function markdown(result: AccuracyResult): string {
  const rules = [...new Set(result.cells.map((c) => c.rule))];
  const lines = [
    `Test metric after training, mean ± sample std over seeds ${result.seeds.join(", ")} (mean wall time per run in parentheses).`,
    `Accuracy in %; lagline: test MSE against the teacher (lower is better). Date ${result.date.slice(0, 10)}; machine: ${result.machine.cpu},`,
    `${result.machine.cores} cores shared with other work, node ${result.machine.node}; whole bench ${(result.totalWallSeconds / 60).toFixed(0)} min. Command: \`${result.command}\`.`,
    "",
    `Each cell says whether every seed's run converged (headline moved at most ${convergence.accuracyPoints} point, or ${100 * convergence.relative} % for MSE, over the last ${convergence.epochs} epochs) or which epoch budget cut it off;`,
    "vle − bptt is given only where both converged.",
    "",
    `| task | ${rules.map((r) => (r === "tbptt" ? "tbptt:K" : r)).join(" | ")} | vle − bptt (pp) |`,
    `|---|${rules.map(() => "---").join("|")}|---|`,
  ];
  for (const [task, budget] of Object.entries(result.budgets)) {
    const row = rules.map((r) => {
      const c = result.cells.find((x) => x.task === task && x.rule === r);
      return c ? formatCell(c, budget) : "-";
    });
    const gap = result.vleMinusBpttPoints[task];
    const compared = ["vle", "bptt"].every((r) =>
      result.cells.some((x) => x.task === task && x.rule === r && x.headline === "accuracy"),
    );
    const label = budget.label ?? fullBudgets[task]?.label;
    const name = label ? `${task} (${label})` : task;
    lines.push(
      `| ${name} | ${row.join(" | ")} | ${gap !== undefined ? gap.toFixed(1) : compared ? "not converged" : "-"} |`,
    );
  }
  lines.push(
    "",
    "Settings, the same for every rule of a task (network, data, epochs, batch, optimizer and learning rate: the description's):",
    "",
  );
  lines.push(
    "| task | description | steps per sequence | target window | train | test | seeds | epochs | batch | eta | tbptt window K | optimizer steps: online rules / tbptt / bptt |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
  );
  for (const [task, b] of Object.entries(result.budgets)) {
    const row = result.rows.find((r) => r.task === task);
    if (!row) continue;
    const steps = ["vle", `tbptt:${b.window}`, "bptt"]
      .map((r) => optimizerSteps(r, b, row).toLocaleString("en-US"))
      .join(" / ");
    const seeds = [...new Set(result.rows.filter((r) => r.task === task).map((r) => r.seed))].join(", ");
    lines.push(
      `| ${task} | ${b.description}${b.dataDir ? ` on ${b.dataDir}` : ""} | ${row.steps} | ${row.targetFrom === undefined ? "-" : `steps ${row.targetFrom}-${row.steps - 1}`} | ${row.trainSize} | ${row.testSize} | ${seeds} | ${b.epochs} | ${b.batch} | ${row.eta}${b.etaScale && b.etaScale !== 1 ? ` (${b.etaScale} x the description's)` : ""} | ${b.window} | ${steps} |`,
    );
  }
  lines.push(
    "",
    "Seed s sets the task's data, the batch order and the description's top-level seed (every weight init without a seed of its own).",
    "vle, instantaneous and eprop update online, one optimizer step per time step; bptt once per batch of sequences; tbptt:K once per window",
    "of K steps (the issue's definition): with the same learning rate the online rules take many more (Adam) steps per epoch.",
    "bptt, tbptt and eprop run the free network (gamma = 0); so does vle where the description sets gamma 0 (mnist1d, smnist-row).",
    "† eprop on a deep network is a hybrid: symmetric e-prop (feedback W_out^T) on the last hidden layer plus a fixed random",
    "broadcast of the output error (lecun init) to every hidden population that does not project into the output.",
  );
  return lines.join("\n") + "\n";
}

/** Recomputes a result's cells and gaps from its rows (so a result keeps up with how rows are summarized). */
export function renderCells<R extends AccuracyResult>(result: R): R {
  // rows recorded before the flag was kept: whether eprop got a broadcast follows from the description
  for (const row of result.rows)
    if (row.rule === "eprop" && row.epropBroadcast === undefined && result.budgets[row.task])
      row.epropBroadcast =
        seededCircuit(result.budgets[row.task].description, row.seed, "eprop").epropBroadcast === true;
  result.cells = summarize(result.rows);
  result.vleMinusBpttPoints = gaps(result.cells);
  return result;
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const render = arg("--render");
  if (render) {
    const result = JSON.parse(readFileSync(render, "utf8")) as AccuracyResult;
    // cells are recomputed from the rows, so a result keeps up with how they are summarized
    for (const row of result.rows)
      row.eta ??= seededCircuit(
        result.budgets[row.task].description,
        row.seed,
        row.rule,
        result.budgets[row.task].etaScale,
      ).learning.eta;
    renderCells(result);
    writeFileAtomic(render, JSON.stringify(result, null, 2) + "\n");
    writeFileAtomic(render.replace(/\.json$/, "") + ".md", markdown(result));
    return;
  }
  const quick = argv.includes("--quick");
  const etaScale = Number(arg("--eta-scale") ?? 1);
  if (!(etaScale > 0)) throw new VleError(`--eta-scale ${arg("--eta-scale")}: give a positive factor`);
  const budgets = Object.fromEntries(
    Object.entries(quick ? quickBudgets : fullBudgets).map(([t, b]) => [t, { ...b, etaScale }]),
  );
  if (argv.includes("--child")) {
    const [task, rule, seed] = [arg("--task")!, arg("--rule")!, Number(arg("--seed"))];
    process.stdout.write(JSON.stringify(runOne(task, rule, seed, budgets[task])) + "\n");
    return;
  }
  const tasks = (arg("--tasks") ?? Object.keys(budgets).join(",")).split(",");
  for (const t of tasks)
    if (!budgets[t]) throw new VleError(`--tasks: unknown task '${t}'; tasks: ${Object.keys(budgets).join(", ")}`);
  const rules = (arg("--rules") ?? benchRules.join(",")).split(",");
  const seeds = quick ? [1] : benchSeeds;
  const jobs = Math.max(1, Number(arg("--jobs") ?? 1));
  const self = fileURLToPath(import.meta.url);
  const queue = tasks.flatMap((task) =>
    rules.flatMap((rule) => (quick ? seeds : (budgets[task].seeds ?? seeds)).map((seed) => ({ task, rule, seed }))),
  );
  const started = performance.now();
  const rows = await runInChildren<(typeof queue)[number], RunRow>(
    self,
    "bench",
    queue,
    jobs,
    ({ task, rule, seed }) => [
      "--task",
      task,
      "--rule",
      rule,
      "--seed",
      String(seed),
      "--eta-scale",
      String(etaScale),
      ...(quick ? ["--quick"] : []),
    ],
    ({ task, seed }, row) =>
      process.stderr.write(
        `${task} ${row.rule} seed ${seed}: ${row.headline} ${row.final.toPrecision(4)} (from ${row.initial.toPrecision(4)}), ${row.wallSeconds.toFixed(1)} s\n`,
      ),
  );
  // --merge: the cases run now replace theirs in an earlier result; every other case keeps its rows
  const merge = arg("--merge");
  const earlier = merge ? (JSON.parse(readFileSync(merge, "utf8")) as AccuracyResult) : undefined;
  if (earlier) rows.unshift(...earlier.rows.filter((r) => !tasks.includes(r.task)));
  const cells = summarize(rows);
  const merged: Record<string, TaskBudget> = {
    ...earlier?.budgets,
    ...Object.fromEntries(tasks.map((t) => [t, budgets[t]])),
  };
  // in the order of the bench's own list
  const usedBudgets = Object.fromEntries(
    Object.keys(budgets)
      .filter((t) => t in merged)
      .map((t) => [t, merged[t]]),
  );
  const result: AccuracyResult & Record<string, unknown> = {
    bench: "accuracy",
    date: new Date().toISOString(),
    machine: machine(),
    command: `${earlier ? `${earlier.command}, then ` : ""}npm run bench:accuracy --${argv.length ? " " + argv.join(" ") : ""}`,
    quick,
    seeds,
    jobs,
    budgets: usedBudgets,
    seeding:
      "seed s: the task's data and the batch order from s, and the description's top-level seed set to s (inits without their own seed)",
    totalWallSeconds: (earlier?.totalWallSeconds ?? 0) + (performance.now() - started) / 1000,
    cells,
    vleMinusBpttPoints: gaps(cells),
    rows,
  };
  emitResult(result, arg("--out") ?? merge ?? (quick ? undefined : "bench/results/accuracy.json"), markdown);
}

runAsScript(import.meta.url, "bench/accuracy", main);

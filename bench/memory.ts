// Peak memory and time per step of vle and bptt as the sequence grows from 10^2 to 10^5 steps, each run in a fresh process.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Rule, type Circuit } from "../circuits/model.js";
import { Random } from "../circuits/random.js";
import { compileSource } from "../compiler/index.js";
import { Engine } from "../simulator/engine.js";
import { createLearner } from "../simulator/learner.js";
import type { Learner } from "../simulator/rules/learner.js";
import { emitResult, machine, runAsScript } from "./report.js";

/** The workload: a two-hidden-layer tanh network, batch 1, MSE on every step. */
export const memoryWorkload = `
name: memory-bench
dt: 0.1
seed: 5
populations:
  - { name: x, kind: input, size: 8 }
  - { name: h0, size: 64, tau_m: 0.5, tau_r: 0.2, phi: tanh, learn: [bias, tau_m] }
  - { name: h1, size: 64, tau_m: 0.5, tau_r: 0.2, phi: tanh, learn: [bias, tau_m] }
  - { name: y, kind: output, size: 4, tau_m: 0.3, tau_r: 0.1, phi: linear, learn: [bias] }
projections:
  - { from: x, to: h0, init: { kind: xavier } }
  - { from: h0, to: h1, init: { kind: xavier } }
  - { from: h1, to: y, init: { kind: xavier } }
loss: { kind: mse, beta: 0.1 }
learning: { rule: vle, eta: 1.0e-5, eta_tau: 1.0e-6, gamma: 1.0, prospective_errors: true, optimizer: sgd }
`;

export const memoryRules = ["vle", "bptt"] as const;
export type MemoryRule = (typeof memoryRules)[number];

/**
 * Bytes of every typed array reachable from `root` through object properties, arrays and maps, each
 * buffer counted once: what a learner (with its engine) holds, whatever its internals.
 */
export function storedBytes(root: unknown): number {
  const seenObjects = new Set<object>(),
    seenBuffers = new Set<ArrayBufferLike>();
  let bytes = 0;
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v !== "object" || v === null || seenObjects.has(v)) continue;
    seenObjects.add(v);
    if (ArrayBuffer.isView(v)) {
      if (!seenBuffers.has(v.buffer)) {
        seenBuffers.add(v.buffer);
        bytes += v.buffer.byteLength;
      }
      continue;
    }
    if (v instanceof Map) {
      for (const [k, x] of v) stack.push(k, x);
      continue;
    }
    if (v instanceof Set) {
      for (const x of v) stack.push(x);
      continue;
    }
    for (const x of Object.values(v)) stack.push(x);
  }
  return bytes;
}

/** An engine and a learner for `rule` on the workload circuit. */
export function memoryLearner(circuit: Circuit, rule: MemoryRule): { engine: Engine; learner: Learner } {
  const engine = new Engine(circuit, { batch: 1, rule: rule === "vle" ? Rule.VLE : Rule.BPTT });
  return { engine, learner: createLearner(engine) };
}

/**
 * Drives `steps` steps of a smooth random input (a random walk, one per channel) and a target of sines;
 * all of it is generated in place, so the run allocates nothing per step beyond what the learner keeps.
 */
export function runSequence(
  engine: Engine,
  learner: Learner,
  steps: number,
  seed = 1,
): { forwardSeconds: number; endSeconds: number } {
  const random = new Random(seed),
    x = engine.input("x"),
    out = engine.outputs[0];
  out.mask[0] = 1;
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) {
    for (let c = 0; c < x.length; c++) x[c] = 0.98 * x[c] + 0.2 * random.normal();
    for (let i = 0; i < out.target.length; i++) out.target[i] = Math.sin(0.01 * (i + 1) * s);
    learner.step();
  }
  const t1 = performance.now();
  learner.endSequence();
  return { forwardSeconds: (t1 - t0) / 1000, endSeconds: (performance.now() - t1) / 1000 };
}

export interface MemoryRow {
  rule: MemoryRule;
  steps: number;
  /** typed-array bytes the learner (and its engine) hold after the last step, before the sequence ends */
  storedBytes: number;
  /** peak resident set size of the whole child process */
  maxRssBytes: number;
  /** ArrayBuffer bytes of the process when the stored state was measured */
  arrayBufferBytes: number;
  heapUsedBytes: number;
  /** wall time of the whole sequence (steps and the end-of-sequence update) per step, fastest of `sequences` runs */
  secondsPerStep: number;
  sequences: number;
  forwardSeconds: number;
  endSeconds: number;
}

const warmupSteps = 500;
/** Sequences are run again (at least twice) until this many steps were timed; the fastest gives the time per step (the least disturbed by other work on the machine). */
const minTimedSteps = 20_000;

/** One run, in this process: what a child reports. */
function measure(rule: MemoryRule, steps: number): MemoryRow {
  const circuit = compileSource(memoryWorkload, "bench/memory.ts");
  // warm the JIT on a throwaway learner, so short runs time compiled code as long ones do
  const warm = memoryLearner(circuit, rule);
  runSequence(warm.engine, warm.learner, warmupSteps);
  const { engine, learner } = memoryLearner(circuit, rule);
  // storedBytes is taken before endSequence, when bptt holds the whole trajectory
  let stored = 0;
  const end = learner.endSequence.bind(learner);
  learner.endSequence = () => {
    stored = storedBytes(learner);
    end();
  };
  const runs: { forwardSeconds: number; endSeconds: number }[] = [];
  for (let k = 0; k < Math.max(2, Math.ceil(minTimedSteps / steps)); k++) {
    engine.reset();
    runs.push(runSequence(engine, learner, steps, k + 1));
  }
  runs.sort((a, b) => a.forwardSeconds + a.endSeconds - (b.forwardSeconds + b.endSeconds));
  const { forwardSeconds, endSeconds } = runs[0];
  const mem = process.memoryUsage();
  return {
    rule,
    steps,
    storedBytes: stored,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    arrayBufferBytes: mem.arrayBuffers,
    heapUsedBytes: mem.heapUsed,
    secondsPerStep: (forwardSeconds + endSeconds) / steps,
    forwardSeconds,
    endSeconds,
    sequences: runs.length,
  };
}

/** Least-squares slope and intercept of y against x. */
function fit(x: number[], y: number[]): { slope: number; intercept: number } {
  const n = x.length,
    mx = x.reduce((a, b) => a + b, 0) / n,
    my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0,
    sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return { slope: sxy / sxx, intercept: my - (sxy / sxx) * mx };
}

function main(argv: string[]): void {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv.includes("--child")) {
    process.stdout.write(JSON.stringify(measure(arg("--rule") as MemoryRule, Number(arg("--steps")))) + "\n");
    return;
  }
  const quick = argv.includes("--quick");
  const lengths = quick ? [100, 1000, 10000] : [100, 1000, 10000, 100000];
  const self = fileURLToPath(import.meta.url);
  const rows: MemoryRow[] = [];
  for (const rule of memoryRules) {
    for (const steps of lengths) {
      const out = execFileSync(process.execPath, [self, "--child", "--rule", rule, "--steps", String(steps)], {
        encoding: "utf8",
        maxBuffer: 1 << 20,
      });
      const row = JSON.parse(out) as MemoryRow;
      rows.push(row);
      process.stderr.write(
        `${rule} T=${steps}: stored ${(row.storedBytes / 2 ** 20).toFixed(2)} MiB, max RSS ${(row.maxRssBytes / 2 ** 20).toFixed(1)} MiB, ${(row.secondsPerStep * 1e6).toFixed(1)} us/step\n`,
      );
    }
  }
  const summary = Object.fromEntries(
    memoryRules.map((rule) => {
      const mine = rows.filter((r) => r.rule === rule),
        first = mine[0],
        last = mine[mine.length - 1];
      const stored = fit(
        mine.map((r) => r.steps),
        mine.map((r) => r.storedBytes),
      );
      const rss = fit(
        mine.map((r) => r.steps),
        mine.map((r) => r.maxRssBytes),
      );
      return [
        rule,
        {
          storedBytesRatioLongestToShortest: last.storedBytes / first.storedBytes,
          maxRssRatioLongestToShortest: last.maxRssBytes / first.maxRssBytes,
          storedBytesPerStep: stored.slope,
          maxRssBytesPerStep: rss.slope,
          secondsPerStepRatioLongestToShortest: last.secondsPerStep / first.secondsPerStep,
        },
      ];
    }),
  );
  const result = {
    bench: "memory",
    date: new Date().toISOString(),
    machine: machine(),
    workload: {
      description: memoryWorkload.trim(),
      batch: 1,
      neurons: 64 + 64 + 4,
      synapses: 8 * 64 + 64 * 64 + 64 * 4,
    },
    method:
      "one fresh child process per (rule, steps), JIT warmed on 500 steps first: maxRSS from process.resourceUsage; storedBytes = typed-array bytes reachable from the learner just before the end of the sequence; time per step: the fastest of >= 2 sequences, repeated until 20 000 steps were timed",
    quick,
    rows,
    summary,
  };
  emitResult(result, arg("--out") ?? (quick ? undefined : "bench/results/memory.json"));
}

runAsScript(import.meta.url, "bench/memory", main);

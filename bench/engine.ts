// Speed of the ideal engine with learning on (vle): steps/s and synapse-updates/s on the design section 11 workloads, as JSON.
//
// One synapse-update = forward MAC + error MAC + weight update of one synapse for one sample, so
// synapse-updates/s = steps/s x batch x synapses. Usage: node dist/bench/engine.js [--only <name>] [--seconds <s>]
// [--kernels wasm|js] [--steps <n>] (a fixed number of steps: equal work, for timing whole processes side by side)
// With --compare torch [--rounds <n>] [--out <file>]: vle against the lean PyTorch GLE, in turn (bench/engine-vs-torch.ts).
import { cpus } from "node:os";
import { Random } from "../circuits/random.js";
import { compileSource } from "../compiler/index.js";
import { Engine } from "../simulator/engine.js";
import { compareWithTorch } from "./engine-vs-torch.js";

interface Workload {
  name: string;
  batch: number;
  description: string;
}

const layer = (name: string, size: number, phi: string, kind = "") =>
  `  - { name: ${name}, ${kind ? `kind: ${kind}, ` : ""}size: ${size}, tau_m: 0.5, tau_r: 0.2, phi: ${phi}, learn: [bias, tau_m] }`;

/** A feedforward chain x -> h0 -> ... -> y with xavier weights, MSE and SGD. */
function chain(name: string, sizes: number[], phi: string): string {
  const names = sizes.map((_, k) => (k === 0 ? "x" : k === sizes.length - 1 ? "y" : `h${k - 1}`));
  return [
    `name: ${name}`,
    "dt: 0.1",
    "seed: 3",
    "populations:",
    `  - { name: x, kind: input, size: ${sizes[0]} }`,
    ...sizes.slice(1, -1).map((n, k) => layer(`h${k}`, n, phi)),
    layer("y", sizes[sizes.length - 1], "linear", "output"),
    "projections:",
    ...names.slice(1).map((to, k) => `  - { from: ${names[k]}, to: ${to}, init: { kind: xavier }, plastic: true }`),
    "loss: { kind: mse, beta: 0.1 }",
    "learning: { rule: vle, eta: 1.0e-4, eta_tau: 1.0e-5, gamma: 1.0, prospective_errors: true, optimizer: sgd }",
  ].join("\n");
}

const workloads: Workload[] = [
  { name: "dense-256-1024-10", batch: 32, description: chain("dense-256-1024-10", [256, 1024, 10], "tanh") },
  { name: "lagline", batch: 1, description: chain("lagline", [1, 1, 1], "softplus") },
  { name: "mnist1d-e2e", batch: 100, description: chain("mnist1d-e2e", [1, 53, 53, 53, 53, 53, 53, 10], "tanh") },
  { name: "dense-1k", batch: 32, description: chain("dense-1k", [256, 1024, 1024, 10], "tanh") },
];

interface Args {
  only?: string;
  /** seconds per workload (2), or per timed block with --compare (1) */
  seconds?: number;
  compare?: "torch";
  rounds: number;
  out?: string;
  /** the engine's kernels (default: the engine's own choice) */
  kernels?: "wasm" | "js";
  /** run exactly this many steps after the warm-up and report their rate (fixed work, for timing whole processes) */
  steps?: number;
}

function parseArgs(argv: string[]): Args {
  const out: Args = { rounds: 5 };
  for (let k = 0; k < argv.length; k++) {
    if (argv[k] === "--only") out.only = argv[++k];
    else if (argv[k] === "--seconds") out.seconds = Number(argv[++k]);
    else if (argv[k] === "--compare" && argv[k + 1] === "torch") out.compare = argv[++k] as "torch";
    else if (argv[k] === "--rounds") out.rounds = Number(argv[++k]);
    else if (argv[k] === "--out") out.out = argv[++k];
    else if (argv[k] === "--kernels" && (argv[k + 1] === "wasm" || argv[k + 1] === "js"))
      out.kernels = argv[++k] as "wasm" | "js";
    else if (argv[k] === "--steps") out.steps = Number(argv[++k]);
    else
      throw new Error(
        `unknown argument '${argv[k]}'; use --only <${workloads.map((w) => w.name).join("|")}>, --seconds <s>, --compare torch, --rounds <n>, --out <file>, --kernels wasm|js or --steps <n>`,
      );
  }
  if (out.only && !workloads.some((w) => w.name === out.only)) throw new Error(`no workload '${out.only}'`);
  if (out.seconds !== undefined && !(out.seconds > 0))
    throw new Error(`--seconds ${out.seconds}: give a positive number of seconds`);
  if (out.steps !== undefined && !(Number.isInteger(out.steps) && out.steps > 0))
    throw new Error(`--steps ${out.steps}: give a positive whole number of steps`);
  if (!Number.isInteger(out.rounds) || out.rounds < 1)
    throw new Error(`--rounds ${out.rounds}: give a positive integer`);
  return out;
}

/** Runs one workload for about `seconds` (after a warm-up) in blocks; reports the best and median block. */
function measure(w: Workload, seconds: number, kernels?: "wasm" | "js", steps?: number) {
  const circuit = compileSource(w.description, `${w.name}.yaml`);
  const engine = new Engine(circuit, { batch: w.batch, kernels });
  const rng = new Random(11);
  // a few input frames cycled through, and one fixed target per sample: no allocation inside the timed loop
  const inputs = circuit.inputs.map((p) => ({
    buffer: engine.input(p.name),
    frames: Array.from({ length: 8 }, () => Float64Array.from({ length: w.batch * p.size }, () => rng.normal())),
  }));
  for (const o of engine.outputs) {
    for (let k = 0; k < o.target.length; k++) o.target[k] = rng.normal() * 0.5;
    o.mask.fill(1);
  }
  let step = 0;
  const run = (n: number) => {
    for (let k = 0; k < n; k++, step++) {
      for (const { buffer, frames } of inputs) buffer.set(frames[step & 7]);
      engine.advance();
    }
  };
  const synapses = circuit.crossbars.reduce((s, x) => s + x.rows * x.cols, 0);
  const neurons = circuit.populations.reduce((s, p) => s + p.size, 0);
  run(3);
  if (steps) {
    const t = performance.now();
    run(steps);
    const rate = steps / ((performance.now() - t) / 1000);
    return { workload: w.name, batch: w.batch, neurons, synapses, steps, stepsPerSecond: +rate.toPrecision(4) };
  }
  // calibrate a block to ~1/10 of the budget
  let block = 1;
  for (;;) {
    const t = performance.now();
    run(block);
    if (performance.now() - t > (seconds * 1000) / 10 || block > 1 << 22) break;
    block *= 2;
  }
  const rates: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end || rates.length < 3) {
    const t = performance.now();
    run(block);
    rates.push(block / ((performance.now() - t) / 1000));
  }
  rates.sort((a, b) => a - b);
  const best = rates[rates.length - 1],
    median = rates[Math.floor(rates.length / 2)];
  const finite = engine.populations.every((p) => p.now.r.every(Number.isFinite));
  return {
    workload: w.name,
    batch: w.batch,
    neurons,
    synapses,
    blocks: rates.length,
    stepsPerBlock: block,
    stepsPerSecond: +best.toPrecision(4),
    stepsPerSecondMedian: +median.toPrecision(4),
    synapseUpdatesPerSecond: +(best * w.batch * synapses).toPrecision(4),
    synapseUpdatesPerSecondMedian: +(median * w.batch * synapses).toPrecision(4),
    stateFinite: finite,
  };
}

const args = (() => {
  try {
    return parseArgs(process.argv.slice(2));
  } catch (err) {
    // a usage error: one line, exit 2
    process.stderr.write(`bench:engine: ${(err as Error).message}\n`);
    process.exit(2);
  }
})();
if (args.compare)
  await compareWithTorch(
    workloads.filter((w) => !args.only || w.name === args.only),
    // full runs keep their figures beside the other benchmarks' results
    {
      seconds: args.seconds ?? 1,
      rounds: args.rounds,
      kernels: args.kernels,
      out: args.out ?? (args.only ? undefined : "bench/results/engine-vs-torch.json"),
    },
  ).catch((err: Error) => {
    process.stderr.write(`bench:engine --compare torch: ${err.message}\n`);
    process.exit(1);
  });
else {
  const results = workloads
    .filter((w) => !args.only || w.name === args.only)
    .map((w) => measure(w, args.seconds ?? 2, args.kernels, args.steps));
  process.stdout.write(
    JSON.stringify(
      {
        bench: "engine",
        node: process.version,
        cpu: cpus()[0]?.model,
        cores: cpus().length,
        seconds: args.seconds ?? 2,
        results,
      },
      null,
      2,
    ) + "\n",
  );
}

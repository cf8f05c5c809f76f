// vle against the lean PyTorch GLE on the engine bench's workloads, timed in turn (A B A B), with this machine's GEMM ceiling.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Random } from "../circuits/random.js";
import { compileSource } from "../compiler/index.js";
import { Engine, wasmThreshold } from "../simulator/engine.js";
import { emitResult, machine } from "./report.js";
import {
  ceilingOf,
  feed,
  type GemmCeiling,
  gemmCeiling,
  type PeerPrecision,
  peerMissing,
  type Product,
  productFlops,
  type Stimulus,
  stepProducts,
  TorchPeer,
  writePeerCircuit,
} from "./torch-peer.js";

export interface CompareWorkload {
  name: string;
  batch: number;
  description: string;
}

export interface CompareOptions {
  /** seconds of one timed block of each side */
  seconds: number;
  /** timed pairs (vle block, torch block) per workload and precision */
  rounds: number;
  /** where the JSON (and its .md table) goes; undefined: stdout only */
  out?: string;
  /** the engine's kernels; undefined: the engine's own choice */
  kernels?: "wasm" | "js";
}

export interface CompareRow {
  workload: string;
  batch: number;
  synapses: number;
  /** vle's precision (the engine computes in float64) and the peer's */
  vlePrecision: PeerPrecision;
  torchPrecision: PeerPrecision;
  /** the kernels vle's step ran on */
  vleKernels: "wasm" | "js";
  flopsPerStep: number;
  vleStepsPerSecond: number;
  torchStepsPerSecond: number;
  /** vle steps/s over torch steps/s, per pair in order, and their median, min and max */
  ratios: number[];
  ratio: number;
  ratioMin: number;
  ratioMax: number;
  vleGflops: number;
  torchGflops: number;
  /**
   * the step's products at numpy's speed for each shape in vle's precision, and vle's and torch's share of it;
   * null when no product reaches 10^5 flops (numpy's figure would be its per-call overhead, not a ceiling)
   */
  ceilingGflops: number | null;
  vleFractionOfCeiling: number | null;
  torchFractionOfCeiling: number | null;
  finite: boolean;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x: number) => +x.toPrecision(4);

/** Eight input frames cycled through and a target per frame, as the engine bench feeds its workloads. */
function benchStimulus(engine: Engine): Stimulus {
  const rng = new Random(11),
    frames = 8,
    B = engine.batch;
  const draw = (size: number, scale: number) =>
    Float64Array.from({ length: frames * B * size }, () => scale * rng.normal());
  return {
    frames,
    inputs: new Map(engine.circuit.inputs.map((p) => [p.name, draw(p.size, 1)])),
    targets: new Map(engine.outputs.map((o) => [o.spec.name, draw(o.population.size, 0.5)])),
  };
}

/** Steps of a block that takes about `seconds`, from doubling until a block takes a quarter of it. */
async function calibrate(time: (steps: number) => Promise<number>, seconds: number): Promise<number> {
  let steps = 1;
  for (;;) {
    const t = await time(steps);
    if (t >= seconds / 4 || steps >= 1 << 24) return Math.max(1, Math.round((steps * seconds) / t));
    steps *= 2;
  }
}

export async function compareWithTorch(workloads: CompareWorkload[], options: CompareOptions): Promise<void> {
  const missing = peerMissing();
  if (missing) {
    process.stderr.write(`bench:engine --compare torch: skipped, ${missing}\n`);
    return;
  }
  const precisions: PeerPrecision[] = ["float64", "float32"];
  const loadBefore = round(loadavg()[0]);
  const dir = mkdtempSync(join(tmpdir(), "vle-peer-"));
  const peer = await TorchPeer.start();
  try {
    const prepared = workloads.map((w) => {
      const circuit = compileSource(w.description, `${w.name}.yaml`);
      const engine = new Engine(circuit, { batch: w.batch });
      const stimulus = benchStimulus(engine);
      return {
        w,
        circuit,
        engine,
        stimulus,
        files: writePeerCircuit(engine, stimulus, dir),
        products: stepProducts(engine),
      };
    });
    const shapes = new Map<string, Product>();
    for (const p of prepared) for (const s of p.products) shapes.set(s.join(), s);
    const ceilings = Object.fromEntries(
      precisions.map((p) => [p, gemmCeiling(p, [...shapes.values()], 0.5)]),
    ) as Record<PeerPrecision, GemmCeiling>;

    const rows: CompareRow[] = [];
    for (const { w, circuit, stimulus, files, products } of prepared) {
      const flops = products.reduce((s, p) => s + productFlops(p), 0);
      for (const torchPrecision of precisions) {
        // the engine has one precision, float64; it is timed against the peer in each
        const vlePrecision: PeerPrecision = "float64";
        const engine = new Engine(circuit, { batch: w.batch, kernels: options.kernels });
        // the engine's own choice when not given (its documented threshold)
        const neuronSamples = w.batch * engine.populations.reduce((s, p) => s + p.size, 0);
        const vleKernels = options.kernels ?? (neuronSamples >= wasmThreshold ? "wasm" : "js");
        let step = 0;
        const timeVle = async (steps: number) => {
          const start = performance.now();
          for (let k = 0; k < steps; k++, step++) {
            feed(engine, stimulus, step);
            engine.advance();
          }
          return (performance.now() - start) / 1000;
        };
        const key = `${w.name}/${torchPrecision}`;
        await peer.load(key, files, torchPrecision);
        let finite = true;
        const timeTorch = async (steps: number) => {
          const run = await peer.run(key, steps);
          finite &&= run.finite;
          return run.seconds;
        };
        const vleBlock = await calibrate(timeVle, options.seconds),
          torchBlock = await calibrate(timeTorch, options.seconds);
        const vleRates: number[] = [],
          torchRates: number[] = [],
          ratios: number[] = [];
        for (let r = 0; r < options.rounds; r++) {
          vleRates.push(vleBlock / (await timeVle(vleBlock)));
          torchRates.push(torchBlock / (await timeTorch(torchBlock)));
          ratios.push(vleRates[r] / torchRates[r]);
        }
        finite &&= engine.populations.every((p) => p.now.r.every(Number.isFinite));
        const vleRate = median(vleRates),
          torchRate = median(torchRates),
          gemmSized = products.some((p) => productFlops(p) >= 1e5),
          ceiling = ceilingOf(products, ceilings[vlePrecision]),
          torchCeiling = ceilingOf(products, ceilings[torchPrecision]);
        const row: CompareRow = {
          workload: w.name,
          batch: w.batch,
          synapses: engine.crossbars.reduce((s, x) => s + x.rows * x.cols, 0),
          vlePrecision,
          torchPrecision,
          vleKernels,
          flopsPerStep: flops,
          vleStepsPerSecond: round(vleRate),
          torchStepsPerSecond: round(torchRate),
          ratios: ratios.map(round),
          ratio: round(median(ratios)),
          ratioMin: round(Math.min(...ratios)),
          ratioMax: round(Math.max(...ratios)),
          vleGflops: round((vleRate * flops) / 1e9),
          torchGflops: round((torchRate * flops) / 1e9),
          ceilingGflops: gemmSized ? round(ceiling) : null,
          vleFractionOfCeiling: gemmSized ? round((vleRate * flops) / 1e9 / ceiling) : null,
          torchFractionOfCeiling: gemmSized ? round((torchRate * flops) / 1e9 / torchCeiling) : null,
          finite,
        };
        rows.push(row);
        process.stderr.write(
          `${w.name} vle ${vlePrecision} (${vleKernels}) / torch ${torchPrecision}: ${row.ratio}x (${row.ratioMin}-${row.ratioMax}), ` +
            `vle ${row.vleStepsPerSecond} steps/s, torch ${row.torchStepsPerSecond} steps/s\n`,
        );
      }
    }
    const result = {
      bench: "engine-vs-torch",
      command: "npm run bench:engine -- --compare torch",
      date: new Date().toISOString(),
      machine: machine(),
      torch: peer.info.torch,
      torchThreads: peer.info.threads,
      numpy: ceilings.float64.numpy,
      blas: ceilings.float64.blas,
      seconds: options.seconds,
      rounds: options.rounds,
      loadAverage: [loadBefore, round(loadavg()[0])],
      notes: [
        "vle and the peer (bench/torch/gle.py: the same discretization in torch, one thread) run the same circuit, stimulus and learning, in turn: a vle block then a torch block, `rounds` times; the ratio is vle steps/s over torch steps/s per pair",
        "flops per step: 2 m k n for each product of the step (forward read, error sent back to a population, weight update)",
        "ceiling: the step's flops over the time its products take at numpy's best single-thread GFLOP/s for each shape (in vle's precision; torch's share against the ceiling in torch's); none where no product reaches 10^5 flops (lagline), where numpy's figure is its per-call overhead",
        "loadAverage: the machine's 1-minute load average before and after the run (2 cores, shared): ratios hold under load, absolute figures do not",
      ],
      ceilings,
      rows,
    };
    emitResult(result, options.out, markdown);
  } finally {
    peer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function markdown(result: {
  date: string;
  machine: { cpu: string; cores: number; node: string };
  torch: string;
  loadAverage: number[];
  rows: CompareRow[];
}): string {
  const pct = (x: number | null) => (x === null ? "-" : `${(100 * x).toPrecision(3)} %`);
  return [
    `vle against the lean PyTorch GLE (torch ${result.torch}, 1 thread), ${result.date.slice(0, 16).replace("T", " ")} UTC, ` +
      `${result.machine.cpu} (${result.machine.cores} cores, load average ${result.loadAverage.join(" -> ")}), Node ${result.machine.node}:`,
    "",
    "| workload | vle kernels | vle / torch precision | vle steps/s | torch steps/s | vle / torch (median, min-max) | vle GFLOP/s | GEMM ceiling GFLOP/s | vle of ceiling | torch of ceiling |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...result.rows.map(
      (r) =>
        `| ${r.workload} (batch ${r.batch}) | ${r.vleKernels} | ${r.vlePrecision} / ${r.torchPrecision} | ${r.vleStepsPerSecond} | ${r.torchStepsPerSecond} | ${r.ratio}x (${r.ratioMin}-${r.ratioMax}) | ${r.vleGflops} | ${r.ceilingGflops ?? "-"} | ${pct(r.vleFractionOfCeiling)} | ${pct(r.torchFractionOfCeiling)} |`,
    ),
    "",
  ].join("\n");
}

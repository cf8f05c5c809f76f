// The lean PyTorch GLE (bench/torch/gle.py) as vle's peer: hands it an engine's circuit and stimulus, times it, reads its state.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { VleError } from "../circuits/errors.js";
import { enumName, Feedback, Loss, Optimizer, Phi } from "../circuits/model.js";
import type { Engine } from "../simulator/engine.js";

export type PeerPrecision = "float64" | "float32";

/** The interpreter Debian's python3-torch and python3-numpy install into (VLE_PYTHON overrides it). */
export function peerPython(): string {
  return process.env.VLE_PYTHON ?? (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
}

/** bench/torch of the checkout, found upwards from this module (source, dist/ or a test build below dist/). */
function scriptDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth++, dir = dirname(dir))
    if (existsSync(join(dir, "bench", "torch", "gle.py"))) return join(dir, "bench", "torch");
  throw new VleError(`bench/torch/gle.py not found above ${fileURLToPath(import.meta.url)}; run from a vle checkout`);
}

const install = "install them with: apt-get install -y python3-torch python3-numpy";

/** Why the peer cannot run on this machine, or undefined when it can. */
export function peerMissing(): string | undefined {
  const python = peerPython();
  const probe = spawnSync(python, ["-c", "import torch, numpy"], { encoding: "utf8" });
  if (probe.error) return `${python} not found; the torch peer needs python3 with torch and numpy (${install})`;
  if (probe.status !== 0)
    return `${python} cannot import torch and numpy (${probe.stderr.trim().split("\n").pop()}); ${install}`;
  return undefined;
}

/** What step s feeds: input frames and targets of frame s mod frames, each frames x batch x size, sample-major. */
export interface Stimulus {
  frames: number;
  inputs: Map<string, Float64Array>;
  targets: Map<string, Float64Array>;
}

/** Sets the engine's inputs and targets for step `step` (every sample has a target at every step). */
export function feed(engine: Engine, stimulus: Stimulus, step: number): void {
  const frame = step % stimulus.frames;
  for (const [name, data] of stimulus.inputs) {
    const buffer = engine.input(name);
    buffer.set(data.subarray(frame * buffer.length, (frame + 1) * buffer.length));
  }
  for (const [name, data] of stimulus.targets) {
    const o = engine.output(name);
    o.target.set(data.subarray(frame * o.target.length, (frame + 1) * o.target.length));
    o.mask.fill(1);
  }
}

/** One matrix product of a step, (m x k) @ (k x n), as the peer computes it. */
export type Product = [m: number, k: number, n: number];

/**
 * The matrix products of one learning step: per crossbar (rows post x cols pre, batch B) the forward read
 * (B x cols)(cols x rows), the error sent back to a population (B x rows)(rows x cols) and the weight update
 * (rows x B)(B x cols). A crossbar fed by an input port sends no error (nothing would read it).
 */
export function stepProducts(engine: Engine): Product[] {
  const B = engine.batch,
    out: Product[] = [];
  for (const x of engine.crossbars) {
    out.push([B, x.cols, x.rows]);
    if (x.carriesError && x.pre) out.push([B, x.rows, x.cols]);
    if (x.weightParam) out.push([x.rows, B, x.cols]);
  }
  return out;
}

export const productFlops = ([m, k, n]: Product) => 2 * m * k * n;

export interface PeerFiles {
  manifest: string;
  blob: string;
}

/**
 * Writes the engine's circuit (its live parameters and state-free structure) and the stimulus as the peer reads them:
 * a JSON manifest whose arrays are slots into one little-endian float64 file. Refuses what the peer does not model.
 */
export function writePeerCircuit(engine: Engine, stimulus: Stimulus, dir: string): PeerFiles {
  const name = engine.circuit.name;
  if (!engine.learnsOnline)
    throw new VleError(`circuit '${name}': the torch peer runs the local rule only (vle or instantaneous)`);
  const arrays: Float64Array[] = [];
  let length = 0;
  const slot = (a: Float64Array) => {
    arrays.push(a);
    length += a.length;
    return { offset: length - a.length, length: a.length };
  };
  const learning = engine.circuit.learning;
  const manifest = {
    circuit: name,
    dt: engine.dt,
    batch: engine.batch,
    prospectiveErrors: engine.prospectiveErrors,
    optimizer:
      learning.optimizer === Optimizer.ADAM
        ? { kind: "adam", beta1: learning.adamBeta1, beta2: learning.adamBeta2, epsilon: learning.adamEpsilon }
        : { kind: "sgd" },
    populations: engine.populations.map((p) => {
      if (p.broadcasts.length)
        throw new VleError(`population '${p.spec.name}': the torch peer has no broadcast error route`);
      return {
        name: p.spec.name,
        size: p.size,
        phi: enumName(Phi, p.spec.phi),
        tauM: slot(p.tauM),
        tauR: slot(p.tauR),
        bias: slot(p.bias),
        gamma: p.gamma,
        learns: p.learns,
        biasRate: p.biasParam?.rate ?? null,
        tauRate: p.tauParam?.rate ?? null,
        output: p.output
          ? { beta: p.output.spec.beta, loss: p.output.spec.loss === Loss.CROSS_ENTROPY ? "cross-entropy" : "mse" }
          : null,
      };
    }),
    crossbars: engine.crossbars.map((x) => {
      if (x.carriesError && x.spec.feedback !== Feedback.TRANSPOSE)
        throw new VleError(
          `crossbar '${x.spec.name}': the torch peer sends errors back through W^T only (feedback: transpose)`,
        );
      return {
        name: x.spec.name,
        pre: x.spec.pre,
        post: x.spec.post,
        rows: x.rows,
        cols: x.cols,
        weights: slot(x.weights),
        rate: x.weightParam?.rate ?? null,
        sendsError: x.carriesError && x.pre !== undefined,
      };
    }),
    frames: stimulus.frames,
    inputs: Object.fromEntries([...stimulus.inputs].map(([k, a]) => [k, slot(a)])),
    targets: Object.fromEntries(
      [...stimulus.targets].map(([k, a]) => [engine.output(k).population.spec.name, slot(a)]),
    ),
  };
  const blob = new Float64Array(length);
  let at = 0;
  for (const a of arrays) {
    blob.set(a, at);
    at += a.length;
  }
  const files = { manifest: join(dir, `${name}.json`), blob: join(dir, `${name}.f64`) };
  // a scratch directory of the caller's: the peer reads these once, at load
  writeFileSync(files.blob, new Uint8Array(blob.buffer));
  writeFileSync(files.manifest, JSON.stringify(manifest));
  return files;
}

/** What the peer holds after a trace: per population its signals and parameters, per crossbar its weights. */
export interface PeerState {
  populations: Record<string, { u: number[]; v: number[]; e: number[]; r: number[]; bias: number[]; tauM: number[] }>;
  crossbars: Record<string, number[]>;
}

/** Runs the peer from the zero state and returns its state after each of `steps` (ascending) steps. */
export function tracePeer(files: PeerFiles, steps: number[], precision: PeerPrecision): PeerState[] {
  const run = spawnSync(
    peerPython(),
    [join(scriptDir(), "gle.py"), "trace", files.manifest, files.blob, steps.join(","), precision],
    { encoding: "utf8", maxBuffer: 1 << 28 },
  );
  if (run.status !== 0)
    throw new VleError(`torch peer trace failed (exit ${run.status}): ${run.stderr.trim().split("\n").pop()}`);
  return JSON.parse(run.stdout) as PeerState[];
}

export interface GemmCeiling {
  numpy: string;
  blas: string[];
  dtype: PeerPrecision;
  shapes: { shape: Product; gflops: number; gflopsMedian: number; blocks: number }[];
}

/** numpy's single-thread GEMM speed on these shapes (best block of about `seconds` each). */
export function gemmCeiling(precision: PeerPrecision, shapes: Product[], seconds: number): GemmCeiling {
  const run = spawnSync(
    peerPython(),
    [join(scriptDir(), "gemm_ceiling.py"), precision, String(seconds), ...shapes.map((s) => s.join(","))],
    { encoding: "utf8" },
  );
  if (run.status !== 0)
    throw new VleError(`GEMM ceiling failed (exit ${run.status}): ${run.stderr.trim().split("\n").pop()}`);
  return JSON.parse(run.stdout) as GemmCeiling;
}

/**
 * The GFLOP/s a step's products would reach if each ran at the ceiling's speed for its shape: total flops over
 * the sum of each product's time at that speed.
 */
export function ceilingOf(products: Product[], ceiling: GemmCeiling): number {
  let flops = 0,
    seconds = 0;
  for (const p of products) {
    const row = ceiling.shapes.find((s) => s.shape.join() === p.join());
    if (!row) throw new VleError(`no ceiling measured for the product ${p.join("x")}`);
    flops += productFlops(p);
    seconds += productFlops(p) / row.gflops;
  }
  return flops / seconds;
}

/** The peer as a long-lived process: load circuits once, then time blocks of steps in turn with vle's. */
export class TorchPeer {
  private readonly replies: AsyncIterator<string>;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    /** torch's version and thread count as the peer reported them */
    readonly info: { torch: string; threads: number },
    replies: AsyncIterator<string>,
  ) {
    this.replies = replies;
  }

  static async start(): Promise<TorchPeer> {
    const child = spawn(peerPython(), [join(scriptDir(), "gle.py"), "serve"], { stdio: "pipe" });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const first = await replies.next();
    if (first.done) throw new VleError(`torch peer did not start: ${stderr.trim().split("\n").pop()}`);
    const ready = JSON.parse(first.value) as { torch: string; threads: number };
    return new TorchPeer(child, { torch: ready.torch, threads: ready.threads }, replies);
  }

  private async request<R>(message: object): Promise<R> {
    this.child.stdin.write(JSON.stringify(message) + "\n");
    const line = await this.replies.next();
    if (line.done) throw new VleError("torch peer exited before replying");
    const reply = JSON.parse(line.value) as R & { error?: string };
    if (reply.error) throw new VleError(`torch peer: ${reply.error}`);
    return reply;
  }

  load(key: string, files: PeerFiles, precision: PeerPrecision): Promise<unknown> {
    return this.request({ op: "load", key, manifest: files.manifest, blob: files.blob, dtype: precision });
  }

  /** Seconds the peer took for `steps` steps of circuit `key` (timed inside the peer), and whether its rates stayed finite. */
  run(key: string, steps: number): Promise<{ seconds: number; finite: boolean }> {
    return this.request({ op: "run", key, steps });
  }

  close(): void {
    this.child.stdin.end();
  }
}

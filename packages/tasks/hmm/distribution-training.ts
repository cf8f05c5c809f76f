// Training on the distribution of sequences: a noise-driven generator fitted to an HMM by the Sinkhorn divergence, bptt.
//
// The paper's objective (Torre et al. 2025): the network's only input is noise; every symbol period it
// emits a sample of softmax(logits) (Gumbel-max, straight-through: the forward value is the one-hot
// sample, the gradient that of the relaxed sample softmax((logits + g) / temperature)); a batch of B
// generated sequences, each the concatenation of its T one-hot symbols (a point in R^{T M}), is compared
// with B sequences of the HMM by the Sinkhorn divergence; the exact gradient flows back through the
// discrete dynamics (the discrete adjoint of simulator/rules/adjoint.ts), global-norm clipped, into the
// circuit's optimizer. Our eps is the entropic regularisation on the cost |x - y|^2 / 2, which between
// one-hot sequences is the number of symbols in which they differ.
import { VleError } from "../../../circuits/errors.js";
import { Rule, type Circuit } from "../../../circuits/model.js";
import { Random } from "../../../circuits/random.js";
import { Engine, softmax } from "../../../simulator/engine.js";
import {
  allocateGradient,
  freeNetwork,
  gradientOf,
  Trajectory,
  type Gradient,
} from "../../../simulator/rules/adjoint.js";
import type { EmulationReport } from "./metrics.js";
import { samplePath, type Hmm } from "./model.js";
import { emulationReport, hmmLayout, hmmOf, type HmmLayout, type HmmTaskSettings } from "./task.js";
import { sinkhornDivergence } from "./sinkhorn.js";

export interface DistributionTrainingOptions {
  seed: number;
  /** batches of training */
  batches: number;
  /** sequences per batch (generated and HMM alike) */
  batch: number;
  /**
   * entropic regularisation of the transport, in units of the cost (differing symbols); default a tenth of
   * the symbols per sequence: against costs of 0..T, a much smaller eps makes Sinkhorn's iterations crawl
   * (their contraction is about tanh(T / 4 eps)^2 per sweep)
   */
  eps?: number;
  /**
   * Sinkhorn's stopping rule: the plan's largest total error in its marginals; default 1e-6. At an eps of a
   * symbol or less, 1e-3 stops within a few hundred sweeps where 1e-6 takes tens of thousands, and moves the
   * divergence by less than 1e-3 (measured on HMM sequences of 40 symbols)
   */
  tolerance?: number;
  /** Gumbel-softmax temperature of the relaxed sample; default 1 */
  temperature?: number;
  /** emit the one-hot sample (straight-through, the paper's choice; default) or the relaxed sample itself */
  straightThrough?: boolean;
  /** largest global gradient norm (the paper clips at 0.9); default 0.9 */
  clip?: number;
  /** batches between evaluations (an emulation report on `evaluate` generated sequences); default: only at the end */
  every?: number;
  evaluate?: number;
  onEvaluation?: (record: DistributionRecord) => void;
}

export interface DistributionRecord {
  batch: number;
  /** Sinkhorn divergence of the last training batch */
  divergence: number;
  report: EmulationReport;
}

/** Gumbel(0, 1) draw. */
const gumbel = (random: Random) => -Math.log(-Math.log(Math.max(random.uniform(), 1e-300)));

/**
 * One evaluation of the objective on a batch: generate B sequences from noise, draw B HMM sequences,
 * and leave dS/dparameters (summed, unclipped) in `gradient`. The draws come from the caller's generator,
 * so the same generator state gives the same batch.
 */
export class DistributionObjective {
  readonly engine: Engine;
  readonly gradient: Gradient;
  /** the gradient array of each of the engine's parameters (undefined where it has none) */
  readonly targets: (Float64Array | undefined)[];
  private readonly layout: HmmLayout;
  private readonly hmm: Hmm;
  private readonly trajectory: Trajectory;
  private readonly logits: Float64Array;
  private readonly relaxed: Float64Array;
  private readonly generated: Float64Array;
  private readonly reference: Float64Array;
  private readonly dLogits: Float64Array;

  constructor(
    circuit: Circuit,
    readonly settings: HmmTaskSettings,
    readonly batch: number,
    readonly eps = settings.symbolsPerSequence / 10,
    readonly temperature = 1,
    readonly straightThrough = true,
    readonly tolerance?: number,
  ) {
    if (settings.feedback)
      throw new VleError("hmm: the distribution objective drives the network by noise only; set feedback off");
    if (settings.noiseSource === "chip")
      throw new VleError(
        "hmm: the distribution objective runs bptt on the ideal equations, which have no chip noise; train on input noise and deploy, or train on the chip with vle (hmm:<architecture>:<states>:chip-noise)",
      );
    this.layout = hmmLayout(circuit, false);
    this.hmm = hmmOf(settings, this.layout.symbols);
    this.engine = new Engine(circuit, { batch, rule: Rule.BPTT });
    freeNetwork(this.engine);
    const size = batch * settings.symbolsPerSequence * this.layout.symbols;
    this.trajectory = new Trajectory(this.engine, settings.symbolsPerSequence * this.layout.stepsPerSymbol);
    this.gradient = allocateGradient(this.engine);
    this.targets = gradientOf(this.engine, this.gradient);
    [this.logits, this.relaxed, this.generated, this.reference, this.dLogits] = Array.from(
      { length: 5 },
      () => new Float64Array(size),
    );
  }

  /** Runs the batch and the reverse pass; returns the Sinkhorn divergence. */
  evaluate(random: Random): number {
    const { engine, trajectory, logits, relaxed, generated, reference, dLogits, settings, temperature } = this;
    const { symbols: M, noise, stepsPerSymbol: S, readFrom } = this.layout;
    const T = settings.symbolsPerSequence,
      B = this.batch,
      window = S - readFrom;
    const inputs = engine.circuit.inputs.map((p) => ({ buffer: engine.input(p.name), size: p.size }));
    const outputs = engine.circuit.outputs.map((o) => engine.output(o.name));
    const channel = new Float64Array(noise),
      p = new Float64Array(M);
    // forward: noise in, logits averaged over each period's read window (the rates held before each step)
    engine.reset();
    trajectory.start();
    logits.fill(0);
    for (let s = 0; s < T * S; s++) {
      const t = Math.floor(s / S);
      if (s % S >= readFrom) {
        let offset = 0;
        for (const o of outputs) {
          const size = o.population.size,
            r = o.population.now.r;
          for (let b = 0; b < B; b++)
            for (let c = 0; c < size; c++) logits[(b * T + t) * M + offset + c] += r[b * size + c] / window;
          offset += size;
        }
      }
      for (let b = 0; b < B; b++) {
        for (let c = 0; c < noise; c++) channel[c] = settings.amplitude * random.normal();
        let offset = 0;
        for (const { buffer, size } of inputs) {
          for (let c = 0; c < size; c++) buffer[b * size + c] = channel[offset + c];
          offset += size;
        }
      }
      engine.advance(false);
      trajectory.record();
    }
    // Gumbel samples (one-hot, straight-through, or relaxed), and HMM sequences to compare with
    generated.fill(0);
    reference.fill(0);
    for (let bt = 0; bt < B * T; bt++) {
      for (let c = 0; c < M; c++) p[c] = (logits[bt * M + c] + gumbel(random)) / temperature;
      const soft = relaxed.subarray(bt * M, bt * M + M);
      softmax(p, 0, M, soft);
      if (this.straightThrough) {
        let arg = 0;
        for (let c = 1; c < M; c++) if (soft[c] > soft[arg]) arg = c;
        generated[bt * M + arg] = 1;
      } else generated.set(soft, bt * M);
    }
    for (let b = 0; b < B; b++) {
      const x = samplePath(this.hmm, T, random).emissions;
      for (let t = 0; t < T; t++) reference[(b * T + t) * M + x[t]] = 1;
    }
    const loss = sinkhornDivergence(
      { points: generated, count: B, dim: T * M },
      { points: reference, count: B, dim: T * M },
      this.eps,
      this.tolerance,
    );
    // dL/dlogits through the relaxed sample: (1 / temperature) J_softmax(relaxed) dL/dsample
    for (let bt = 0; bt < B * T; bt++) {
      let dot = 0;
      for (let c = 0; c < M; c++) dot += relaxed[bt * M + c] * loss.gradient[bt * M + c];
      for (let c = 0; c < M; c++)
        dLogits[bt * M + c] = (relaxed[bt * M + c] * (loss.gradient[bt * M + c] - dot)) / temperature;
    }
    // reverse pass: the rate read before step s is the trajectory's recorded step s (step 0, the start, is a constant)
    const offsets = outputs.map((_, k) => outputs.slice(0, k).reduce((n, o) => n + o.population.size, 0));
    trajectory.backward(this.gradient, "unit", (k, s, g) => {
      const t = Math.floor(s / S);
      if (s % S < readFrom || t >= T) return 0;
      const size = outputs[k].population.size;
      for (let b = 0; b < B; b++)
        for (let c = 0; c < size; c++) g[b * size + c] += dLogits[(b * T + t) * M + offsets[k] + c] / window;
      return 0;
    });
    return loss.value;
  }
}

/**
 * Trains the circuit's parameters (those its description makes plastic) on the Sinkhorn divergence
 * between its generated sequences and the HMM's. Returns the trained circuit and the evaluations.
 */
export function trainOnDistribution(
  circuit: Circuit,
  settings: HmmTaskSettings,
  options: DistributionTrainingOptions,
): { circuit: Circuit; history: DistributionRecord[] } {
  const objective = new DistributionObjective(
    circuit,
    settings,
    options.batch,
    options.eps,
    options.temperature,
    options.straightThrough,
    options.tolerance,
  );
  const { engine, targets } = objective,
    clip = options.clip ?? 0.9,
    every = options.every ?? options.batches;
  const random = new Random(options.seed);
  const history: DistributionRecord[] = [];
  for (let step = 1; step <= options.batches; step++) {
    const divergence = objective.evaluate(random);
    let norm = 0;
    for (const g of targets) if (g) for (const v of g) norm += v * v;
    const scale = Math.sqrt(norm) > clip ? clip / Math.sqrt(norm) : 1;
    engine.parameters.forEach((q, k) => {
      const g = targets[k];
      if (g) for (let i = 0; i < g.length; i++) q.delta[i] -= g[i] * scale;
    });
    engine.updater.apply(engine.parameters);
    if (step % every === 0 || step === options.batches) {
      const record = {
        batch: step,
        divergence,
        report: emulationReport(engine.exportCircuit(), settings, options.evaluate ?? 200, options.seed + step),
      };
      history.push(record);
      options.onEvaluation?.(record);
    }
  }
  return { circuit: engine.exportCircuit(), history };
}

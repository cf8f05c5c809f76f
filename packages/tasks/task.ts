// The Task contract: seeded sequence data (inputs, targets, masks), its train/test split, batch feeding into the engine, and a metric.
import { VleError } from "../../circuits/errors.js";
import { Loss, Rule, type Circuit } from "../../circuits/model.js";
import { Engine, softmax, type EngineOptions, type OutputState } from "../../simulator/engine.js";

/** Builds the engine a run uses: ideal mode by default; hardware mode passes one of its own (simulator/hardware). */
export type EngineFactory = (circuit: Circuit, options: EngineOptions) => Engine;
export const idealEngine: EngineFactory = (circuit, options) => new Engine(circuit, options);

/** One sequence, step-major: input[s * inputChannels + c], target[s * outputChannels + c]. */
export interface Sequence {
  input: Float64Array;
  target: Float64Array;
  /** 1 where step s has a target, 0 where it has none (no output error is injected then) */
  mask: Uint8Array;
}

/** A fixed, indexable set of sequences (generated from the seed, so the same seed gives the same set). */
export interface Dataset {
  readonly size: number;
  sequence(index: number): Sequence;
}

/** Named test results; numbers, or booleans for pass/fail verdicts such as "recovered". */
export type Metrics = Record<string, number | boolean>;

export interface Task {
  readonly name: string;
  /** channels the task feeds: the circuit's input ports, concatenated in order, must have this many */
  readonly inputChannels: number;
  /** channels the task scores: the circuit's output populations, concatenated in order, must have this many */
  readonly outputChannels: number;
  /** steps per sequence (every sequence of the task has this length; shorter content is padded with mask 0) */
  readonly steps: number;
  /** whether the network state is zeroed before every batch of sequences (false: one continuous stream) */
  readonly resetPerSequence: boolean;
  readonly train: Dataset;
  readonly test: Dataset;
  /** the metric a run is judged by, and which way is better */
  readonly headline: { name: string; better: "lower" | "higher" };
  /** what a reader of the results must know about the data (e.g. that it is a subset not comparable with published figures) */
  readonly note?: string;
  /** training settings that reach the task's goal with its example circuit */
  readonly defaults: { epochs: number; batch: number };
  /**
   * Test metrics from the network's outputs (one steps x outputChannels array per test sequence, recorded
   * with no target injected) and the circuit with its current parameters.
   */
  score(outputs: Float64Array[], circuit: Circuit): Metrics;
}

export interface TaskOptions {
  seed: number;
  /** the circuit the task runs on: tasks take dt from it, and may read its structure */
  circuit: Circuit;
  /** size overrides, e.g. for reduced runs in tests */
  trainSize?: number;
  testSize?: number;
  /** the seed of generated data, apart from the run's seed (tasks that generate data; mnist1d: 42, as published) */
  dataSeed?: number;
  /** samples per generated signal (mnist1d's final length: 40 as published, 360 for the GLE protocol) */
  length?: number;
  /** a folder of the task's official data files (smnist: the IDX files of MNIST or Fashion-MNIST) */
  dataDir?: string;
  /** how labelled signals become sequences (classification tasks), over the task's own protocol */
  protocol?: ProtocolOptions;
}

/** Overrides of a classification task's protocol; every step count is in steps of the sequence fed. */
export interface ProtocolOptions {
  /** the first step that carries the target ("last": only the final step); the outputs summed over the target steps vote */
  targetFrom?: number | "last";
  /** zero-input steps after the signal */
  answerSteps?: number;
  /** steps each input sample is held for (supersampling); 1: one step per sample */
  stepsPerSample?: number;
}

export type TaskFactory = (options: TaskOptions) => Task;

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const listPorts = (ports: { name: string; size: number }[]) =>
  ports.map((p) => `${p.name}[${p.size}]`).join(", ") || "none";

/** Throws a one-line VleError unless the circuit's inputs and outputs have the task's channel counts. */
export function checkChannels(task: Task, circuit: Circuit): void {
  const inputs = sum(circuit.inputs.map((p) => p.size));
  if (inputs !== task.inputChannels) {
    throw new VleError(
      `task '${task.name}' feeds ${task.inputChannels} input channel(s) but circuit '${circuit.name}' has ${inputs} (inputs: ${listPorts(circuit.inputs)}); give the description input population(s) of total size ${task.inputChannels}`,
    );
  }
  const outputPorts = circuit.outputs.map((o) => ({
    name: o.name,
    size: circuit.populations.find((p) => p.name === o.population)?.size ?? 0,
  }));
  const outputs = sum(outputPorts.map((p) => p.size));
  if (outputs !== task.outputChannels) {
    throw new VleError(
      `task '${task.name}' scores ${task.outputChannels} output channel(s) but circuit '${circuit.name}' has ${outputs} (outputs: ${listPorts(outputPorts)}); give the description output population(s) of total size ${task.outputChannels}`,
    );
  }
}

/**
 * Copies one step of a batch of sequences into an engine's input, target and mask buffers. Sample b of the
 * engine gets sequences[b]; samples beyond the list (a short last batch) get zero input and no target.
 */
export class Feeder {
  private readonly inputs: { buffer: Float64Array; size: number; offset: number }[] = [];
  private readonly outputs: { port: OutputState; size: number; offset: number }[] = [];
  private readonly scratch: Float64Array;

  constructor(
    readonly engine: Engine,
    readonly task: Task,
  ) {
    checkChannels(task, engine.circuit);
    let offset = 0;
    for (const p of engine.circuit.inputs) {
      this.inputs.push({ buffer: engine.input(p.name), size: p.size, offset });
      offset += p.size;
    }
    offset = 0;
    for (const o of engine.circuit.outputs) {
      const port = engine.output(o.name),
        size = port.population.size;
      this.outputs.push({ port, size, offset });
      offset += size;
    }
    this.scratch = new Float64Array(Math.max(1, ...this.outputs.map((o) => o.size)));
  }

  /** Loads step s of the sequences; with `targets` false no target reaches the network (inference). */
  load(sequences: readonly Sequence[], s: number, targets = true): void {
    const B = this.engine.batch,
      cin = this.task.inputChannels,
      cout = this.task.outputChannels;
    for (const { buffer, size, offset } of this.inputs) {
      for (let b = 0; b < B; b++) {
        const seq = sequences[b];
        for (let c = 0; c < size; c++) buffer[b * size + c] = seq ? seq.input[s * cin + offset + c] : 0;
      }
    }
    for (const { port, size, offset } of this.outputs) {
      for (let b = 0; b < B; b++) {
        const seq = sequences[b];
        const on = targets && seq !== undefined && seq.mask[s] === 1;
        port.mask[b] = on ? 1 : 0;
        if (on) for (let c = 0; c < size; c++) port.target[b * size + c] = seq.target[s * cout + offset + c];
      }
    }
  }

  /** Sum over the loaded, masked samples of the loss of the outputs as they are now (before the step reads them). */
  loss(): number {
    const B = this.engine.batch,
      sm = this.scratch;
    let total = 0;
    for (const { port, size } of this.outputs) {
      const r = port.population.now.r,
        y = port.target;
      for (let b = 0; b < B; b++) {
        if (port.mask[b] === 0) continue;
        const o = b * size;
        if (port.spec.loss === Loss.CROSS_ENTROPY) {
          softmax(r, o, size, sm);
          for (let c = 0; c < size; c++) if (y[o + c] !== 0) total -= y[o + c] * Math.log(Math.max(sm[c], 1e-300));
        } else {
          for (let c = 0; c < size; c++) total += 0.5 * (y[o + c] - r[o + c]) ** 2;
        }
      }
    }
    return total;
  }

  /** Masked samples loaded this step. */
  maskedCount(): number {
    let n = 0;
    const port = this.outputs[0]?.port;
    if (port) for (let b = 0; b < this.engine.batch; b++) n += port.mask[b];
    return n;
  }

  /** Writes the outputs' rates as they are now into step s of each sample's record (steps x outputChannels). */
  record(into: readonly Float64Array[], s: number): void {
    const cout = this.task.outputChannels;
    for (const { port, size, offset } of this.outputs) {
      const r = port.population.now.r;
      for (let b = 0; b < into.length; b++)
        for (let c = 0; c < size; c++) into[b][s * cout + offset + c] = r[b * size + c];
    }
  }
}

/**
 * Runs every sequence of a data set through the circuit with learning off and no target injected, each
 * from the zero state, and returns the outputs per step. The output recorded at step s is the rate the
 * network holds when it reads step s: the value the output error of step s is computed from.
 */
export function predict(
  circuit: Circuit,
  task: Task,
  data: Dataset,
  batch = 64,
  makeEngine: EngineFactory = idealEngine,
): Float64Array[] {
  const B = Math.max(1, Math.min(batch, data.size));
  const engine = makeEngine(circuit, { batch: B, rule: Rule.NONE });
  const feeder = new Feeder(engine, task);
  const outputs: Float64Array[] = [];
  for (let start = 0; start < data.size; start += B) {
    const sequences: Sequence[] = [];
    for (let i = start; i < Math.min(start + B, data.size); i++) sequences.push(data.sequence(i));
    const records = sequences.map(() => new Float64Array(task.steps * task.outputChannels));
    engine.reset();
    for (let s = 0; s < task.steps; s++) {
      feeder.load(sequences, s, false);
      feeder.record(records, s);
      engine.advance(false);
    }
    for (const r of records) outputs.push(r);
  }
  return outputs;
}

/**
 * The circuit's output loss over recorded outputs (from `predict`), per target step: cross-entropy of the
 * softmax or 1/2 squared error, each output port with its own loss, summed over ports, averaged over the
 * steps whose mask is 1. This is the loss the learning-rate schedule watches.
 */
export function recordedLoss(outputs: readonly Float64Array[], data: Dataset, circuit: Circuit): number {
  let offset = 0;
  const ports = circuit.outputs.map((o) => {
    const size = circuit.populations.find((p) => p.name === o.population)!.size;
    offset += size;
    return { size, offset: offset - size, crossEntropy: o.loss === Loss.CROSS_ENTROPY };
  });
  const channels = offset,
    p = new Float64Array(Math.max(1, ...ports.map((q) => q.size)));
  let total = 0,
    count = 0;
  outputs.forEach((y, k) => {
    const { target, mask } = data.sequence(k);
    for (let s = 0; s < y.length / channels; s++) {
      if (!mask[s]) continue;
      count++;
      for (const { size, offset: o, crossEntropy } of ports) {
        const at = s * channels + o;
        if (crossEntropy) {
          softmax(y, at, size, p);
          for (let c = 0; c < size; c++)
            if (target[at + c] !== 0) total -= target[at + c] * Math.log(Math.max(p[c], 1e-300));
        } else for (let c = 0; c < size; c++) total += 0.5 * (target[at + c] - y[at + c]) ** 2;
      }
    }
  });
  return count ? total / count : 0;
}

/** Sizes from the options or the task's defaults, checked. */
export function datasetSize(
  name: string,
  field: "trainSize" | "testSize",
  given: number | undefined,
  fallback: number,
): number {
  const n = given ?? fallback;
  if (!Number.isInteger(n) || n < 1) throw new VleError(`task '${name}': ${field} = ${n} must be a positive integer`);
  return n;
}

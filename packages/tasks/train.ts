// The training loop: epochs of shuffled batches through a learner, test metrics per epoch, exact checkpoints and resume.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import cliProgress from "cli-progress";
import { encodeBinary } from "../../circuits/codec.js";
import { VleError } from "../../circuits/errors.js";
import { lockFile, writeFileAtomic } from "../../circuits/files.js";
import { parseJson, readText } from "../../circuits/read.js";
import { memoryProblem } from "../../circuits/limits.js";
import { Rule, enumName, type Circuit } from "../../circuits/model.js";
import { Random } from "../../circuits/random.js";
import type { Engine } from "../../simulator/engine.js";
import { checkFinite } from "../../simulator/guard.js";
import { createLearner, parseRuleSpec } from "../../simulator/learner.js";
import { PlateauSchedule, type PlateauOptions, type PlateauState } from "./plateau.js";
import {
  Feeder,
  idealEngine,
  predict,
  recordedLoss,
  type Dataset,
  type EngineFactory,
  type Metrics,
  type Sequence,
  type Task,
} from "./task.js";
import { HardwareEngine } from "../../simulator/hardware/engine.js";
import { applySnapshot, takeSnapshot, type ChipSnapshot } from "../../simulator/hardware/snapshot.js";

export interface TrainOptions {
  /** seeds the task's data (the caller made the task with it) and the batch order */
  seed: number;
  epochs: number;
  batch: number;
  /** overrides the circuit's rule: a rule name, or tbptt:K for truncated BPTT with window K */
  rule?: string;
  /** checkpoint file, written atomically after every epoch and every `checkpointEvery` batches */
  checkpoint?: string;
  checkpointEvery?: number;
  /** continue from the checkpoint */
  resume?: boolean;
  /** progress bar on stderr */
  progress?: boolean;
  /** the engine the run trains and evaluates on (default: ideal mode; hardware mode: simulator/hardware) */
  engine?: EngineFactory;
  /** training sequences held out (a seeded draw) to validate on after every epoch; 0: none */
  validation?: number;
  /** ReduceLROnPlateau on the validation loss (needs `validation`) */
  plateau?: PlateauOptions;
  /** keep the network state from one batch to the next instead of starting every batch from zero */
  carryState?: boolean;
  /** called after every epoch with its record, the test metrics before training and the circuit as trained so far */
  onEpoch?: (record: EpochRecord, initial: Metrics, trained: () => Circuit) => void;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  metrics: Metrics;
  /** the output loss on the held-out validation sequences, when there are any */
  validationLoss?: number;
  /** the learning rates during the next epoch, as a multiple of the circuit's (the plateau schedule cuts it) */
  rateScale?: number;
}

export interface TrainSummary {
  task: string;
  circuit: string;
  rule: string;
  seed: number;
  epochs: number;
  batch: number;
  trainSize: number;
  validationSize: number;
  testSize: number;
  stepsPerSequence: number;
  carryState: boolean;
  /** the task's note on its data, when it has one */
  note?: string;
  /** test metrics before training and after the last epoch */
  initial: Metrics;
  final: Metrics;
  history: EpochRecord[];
  /** learned values by parameter name, for networks with at most `listedParameterLimit` values */
  parameters?: Record<string, number[]>;
  parameterCount: number;
  /** wall time of this process, and of the whole run across resumes */
  wallSeconds: number;
  totalWallSeconds: number;
  resumedFrom?: { epoch: number; batch: number };
}

export interface TrainResult {
  summary: TrainSummary;
  /** the circuit with the learned parameters */
  circuit: Circuit;
}

/** Networks with at most this many learnable values list them in the summary. */
const listedParameterLimit = 64;

/** The batch order's generator is seeded apart from the task's data generator. */
const orderSeed = (seed: number) => (seed ^ 0x5bd1e995) | 0;

/**
 * The training sequences split into those trained on and `held` held out for validation: a seeded draw
 * (its own generator, so the batch order is the same as without validation), both in ascending order.
 */
export function holdOut(size: number, held: number, seed: number): { train: number[]; validation: number[] } {
  const all = Array.from({ length: size }, (_, i) => i);
  if (held === 0) return { train: all, validation: [] };
  const drawn = new Random((seed ^ 0x27d4eb2f) | 0).shuffle(all.slice());
  const validation = drawn.slice(0, held).sort((a, b) => a - b);
  const out = new Set(validation);
  return { train: all.filter((i) => !out.has(i)), validation };
}

/** What must match between a checkpoint and the run that resumes it. */
interface RunIdentity {
  task: string;
  circuitSha256: string;
  rule: string;
  seed: number;
  batch: number;
  trainSize: number;
  testSize: number;
  validation: number;
  plateau: string;
  carryState: boolean;
  /** ideal or hardware (absent in checkpoints of ideal runs made before hardware training) */
  mode: string;
}

interface Checkpoint {
  format: "vle-train-checkpoint";
  version: 1;
  run: RunIdentity;
  epochs: number;
  /** the next batch to train is batch `batch` of epoch `epoch` (0-based) */
  epoch: number;
  batch: number;
  /** the order generator's state before this epoch's shuffle */
  orderState: number[];
  /** hardware mode: the chip's generators, pending writes and clock */
  chip?: ChipSnapshot;
  optimizerSteps: number;
  parameters: { name: string; values: number[]; m: number[]; s: number[] }[];
  /** dynamic state, only for tasks that run one continuous stream */
  state?: { populations: Record<string, Record<string, number[]>>; crossbars: Record<string, number[]> };
  running: { loss: number; count: number };
  plateau?: PlateauState;
  rateScale: number;
  initial: Metrics;
  history: EpochRecord[];
  wallSeconds: number;
}

function engineState(engine: Engine): NonNullable<Checkpoint["state"]> {
  const populations: Record<string, Record<string, number[]>> = {};
  for (const p of engine.populations)
    populations[p.spec.name] = Object.fromEntries(
      Object.entries(p.now).map(([k, v]) => [k, Array.from(v as Float64Array)]),
    );
  const crossbars = Object.fromEntries(engine.crossbars.map((x) => [x.spec.name, Array.from(x.errorOut)]));
  return { populations, crossbars };
}

function restoreEngineState(engine: Engine, state: NonNullable<Checkpoint["state"]>): void {
  for (const p of engine.populations)
    for (const [k, v] of Object.entries(p.now)) (v as Float64Array).set(state.populations[p.spec.name][k]);
  for (const x of engine.crossbars) x.errorOut.set(state.crossbars[x.spec.name]);
}

function readCheckpoint(path: string, run: RunIdentity): Checkpoint {
  if (!existsSync(path)) throw new VleError(`${path}: no checkpoint to resume; run without --resume first`);
  let ck: Checkpoint;
  try {
    ck = parseJson(readText(path), path) as Checkpoint;
  } catch (err) {
    throw new VleError(
      `${path}: not a readable checkpoint (${(err as Error).message}); delete it and train from the start`,
    );
  }
  if (ck?.format !== "vle-train-checkpoint" || ck.version !== 1)
    throw new VleError(`${path}: not a vle training checkpoint (version 1)`);
  if (typeof ck.run !== "object" || ck.run === null)
    throw new VleError(`${path}: a checkpoint without its run; delete it`);
  ck.run.mode ??= "ideal";
  const flags: Record<keyof RunIdentity, string> = {
    mode: "--mode",
    task: "--task",
    circuitSha256: "the circuit file",
    rule: "--rule",
    seed: "--seed",
    batch: "--batch",
    trainSize: "the task's train size",
    testSize: "the task's test size",
    validation: "--validation",
    plateau: "--plateau",
    carryState: "--carry-state",
  };
  for (const key of Object.keys(flags) as (keyof RunIdentity)[]) {
    if (ck.run[key] !== run[key]) {
      throw new VleError(
        `${path}: the checkpoint was made with ${key} ${JSON.stringify(ck.run[key])}, this run has ${JSON.stringify(run[key])}; resume with the same ${flags[key]}`,
      );
    }
  }
  return ck;
}

/** Restores parameters and Adam moments by name; the names must be the same set. */
function restoreParameters(engine: Engine, ck: Checkpoint, path: string): void {
  for (const p of engine.parameters) {
    const saved = ck.parameters.find((q) => q.name === p.name);
    if (!saved || saved.values.length !== p.values.length)
      throw new VleError(
        `${path}: the checkpoint has no parameter '${p.name}' of ${p.values.length} values; it belongs to another circuit`,
      );
    p.values.set(saved.values);
    p.m.set(saved.m);
    p.s.set(saved.s);
  }
  engine.updater.steps = ck.optimizerSteps;
}

function checkParameters(engine: Engine, epoch: number, batch: number): void {
  for (const p of engine.parameters) {
    if (!p.values.every(Number.isFinite))
      throw new VleError(
        `training diverged in epoch ${epoch + 1}, batch ${batch}: parameter '${p.name}' is not finite; lower the learning rate (eta, eta_tau)`,
      );
  }
}

const formatMetric = (x: number | boolean | undefined) => (typeof x === "number" ? x.toPrecision(4) : String(x ?? "-"));

/**
 * Trains the circuit on the task. Every random draw comes from seeded generators whose state is in the
 * checkpoint, and checkpoints fall on batch boundaries, so a resumed run ends bit for bit where an
 * uninterrupted one does.
 */
export function train(circuit: Circuit, task: Task, options: TrainOptions): TrainResult {
  // one run per checkpoint path: a second would overwrite the first's checkpoints with its own
  const unlock = options.checkpoint ? lockFile(options.checkpoint, "checkpoint") : undefined;
  try {
    return trainLocked(circuit, task, options);
  } finally {
    unlock?.();
  }
}

function trainLocked(circuit: Circuit, task: Task, options: TrainOptions): TrainResult {
  const started = performance.now();
  const { seed, epochs, batch: B } = options;
  if (!Number.isInteger(epochs) || epochs < 0) throw new VleError(`--epochs ${epochs}: give a non-negative integer`);
  if (!Number.isInteger(B) || B < 1) throw new VleError(`--batch ${B}: give a positive integer`);
  const every = options.checkpointEvery ?? 0;
  if (!Number.isInteger(every) || every < 0)
    throw new VleError(`--checkpoint-every ${every}: give a non-negative integer (0: only after each epoch)`);
  if (options.resume && !options.checkpoint)
    throw new VleError(`--resume needs --checkpoint <file> naming the checkpoint to continue from`);
  const held = options.validation ?? 0;
  if (!Number.isInteger(held) || held < 0 || held >= task.train.size)
    throw new VleError(
      `--validation ${held}: give a whole number of sequences from 0 to ${task.train.size - 1} (the task has ${task.train.size} training sequences)`,
    );
  if (options.plateau && held === 0)
    throw new VleError(`--plateau needs --validation <n>: the schedule watches the loss on held-out training data`);
  const split = holdOut(task.train.size, held, seed);
  const perEpoch = Math.floor(split.train.length / B);
  if (perEpoch < 1)
    throw new VleError(
      `task '${task.name}' has ${split.train.length} training sequences, fewer than one batch of ${B}; lower --batch`,
    );
  const carry = options.carryState === true || !task.resetPerSequence;
  const schedule = options.plateau ? new PlateauSchedule(options.plateau) : undefined;
  const validation: Dataset = { size: held, sequence: (i) => task.train.sequence(split.validation[i]) };

  const rule = options.rule === undefined ? undefined : parseRuleSpec(options.rule, "--rule");
  const stored = (rule?.rule ?? circuit.learning.rule) === Rule.BPTT ? task.steps : 0;
  const memory = memoryProblem(circuit, { batch: B, storedSteps: stored });
  if (memory) throw new VleError(`circuit '${circuit.name}': ${memory}`);
  const makeEngine = options.engine ?? idealEngine;
  const engine = makeEngine(circuit, { batch: B, rule: rule?.rule });
  const learner = createLearner(engine, true, { window: rule?.window });
  const feeder = new Feeder(engine, task);
  const order = new Random(orderSeed(seed));
  const run: RunIdentity = {
    task: task.name,
    circuitSha256: createHash("sha256").update(encodeBinary(circuit)).digest("hex"),
    rule: rule?.name ?? enumName(Rule, engine.rule) + (engine.rule === Rule.TBPTT ? `:${circuit.learning.window}` : ""),
    seed,
    batch: B,
    trainSize: task.train.size,
    testSize: task.test.size,
    validation: held,
    plateau: options.plateau ? `${options.plateau.patience}:${options.plateau.factor}` : "none",
    carryState: carry,
    mode: engine instanceof HardwareEngine ? "hardware" : "ideal",
  };
  const evaluate = (): Metrics => {
    const trained = engine.exportCircuit();
    return task.score(predict(trained, task, task.test, 64, makeEngine), trained);
  };
  const validationLoss = () => {
    const trained = engine.exportCircuit();
    return recordedLoss(predict(trained, task, validation, 64, makeEngine), validation, trained);
  };
  let rateScale = 1;
  const scaleRates = (factor: number) => {
    rateScale *= factor;
    for (const p of engine.parameters) p.rate *= factor;
  };

  let epoch = 0,
    batch = 0,
    history: EpochRecord[] = [],
    initial: Metrics,
    wallBefore = 0;
  let running = { loss: 0, count: 0 };
  let epochOrderState = order.state;
  let resumedFrom: TrainSummary["resumedFrom"];
  if (options.resume) {
    const ck = readCheckpoint(options.checkpoint!, run);
    restoreParameters(engine, ck, options.checkpoint!);
    if (ck.state) restoreEngineState(engine, ck.state);
    if (engine instanceof HardwareEngine) {
      const problem = ck.chip ? applySnapshot(engine.persistentParts(), ck.chip) : "it holds no chip state";
      if (problem) throw new VleError(`${options.checkpoint}: not this chip's checkpoint (${problem})`);
    }
    ({ epoch, batch, history, initial, running } = ck);
    if (schedule && ck.plateau) schedule.state = ck.plateau;
    scaleRates(ck.rateScale);
    order.state = ck.orderState;
    epochOrderState = ck.orderState;
    wallBefore = ck.wallSeconds;
    resumedFrom = { epoch, batch };
  } else {
    initial = evaluate();
  }

  /** Saves the run as it stands before batch `nextBatch` of epoch `nextEpoch`. */
  const save = (nextEpoch: number, nextBatch: number) => {
    if (!options.checkpoint) return;
    checkParameters(engine, epoch, batch);
    const ck: Checkpoint = {
      format: "vle-train-checkpoint",
      version: 1,
      run,
      epochs,
      epoch: nextEpoch,
      batch: nextBatch,
      orderState: epochOrderState,
      optimizerSteps: engine.updater.steps,
      parameters: engine.parameters.map((p) => ({
        name: p.name,
        values: Array.from(p.values),
        m: Array.from(p.m),
        s: Array.from(p.s),
      })),
      state: carry ? engineState(engine) : undefined,
      chip: engine instanceof HardwareEngine ? takeSnapshot(engine.persistentParts()) : undefined,
      running,
      plateau: schedule?.state,
      rateScale,
      initial,
      history,
      wallSeconds: wallBefore + (performance.now() - started) / 1000,
    };
    writeFileAtomic(options.checkpoint, JSON.stringify(ck) + "\n");
  };

  const bar = options.progress
    ? new cliProgress.SingleBar(
        {
          format:
            "{task} epoch {epoch}/{epochs} |{bar}| {value}/{total} batches | loss {loss} | test {headline} {metric} ({when}) | {eta_formatted} left",
          stream: process.stderr,
          noTTYOutput: !process.stderr.isTTY,
          notTTYSchedule: 5000,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  // the test metric is measured once per epoch: the bar says which epoch it belongs to, so it never reads as current
  const lastMetric = () => formatMetric((history.at(-1)?.metrics ?? initial)[task.headline.name]);
  const metricWhen = () => (history.length ? `after epoch ${history.at(-1)!.epoch}` : "before training");
  bar?.start(epochs * perEpoch, Math.min(epoch * perEpoch + batch, epochs * perEpoch), {
    task: task.name,
    epoch: Math.min(epoch + 1, epochs),
    epochs,
    loss: "-",
    headline: task.headline.name,
    metric: lastMetric(),
    when: metricWhen(),
  });

  const sequences: Sequence[] = [];
  let indices: number[] = [];
  for (; epoch < epochs; epoch++, batch = 0) {
    // the order of this epoch is replayed from the state saved before its shuffle
    order.state = epochOrderState;
    indices = order.shuffle([...split.train]);
    for (; batch < perEpoch; ) {
      if (!carry) engine.reset();
      sequences.length = 0;
      for (let b = 0; b < B; b++) sequences.push(task.train.sequence(indices[batch * B + b]));
      for (let s = 0; s < task.steps; s++) {
        feeder.load(sequences, s);
        running.loss += feeder.loss();
        running.count += feeder.maskedCount();
        learner.step();
        // every step: a state that diverges or crosses the rails stops the run where it happens, before any later checkpoint
        checkFinite(engine);
      }
      learner.endSequence();
      batch++;
      if (batch === perEpoch) {
        const metrics = evaluate();
        const record: EpochRecord = {
          epoch: epoch + 1,
          trainLoss: running.count ? running.loss / running.count : 0,
          metrics,
        };
        if (held > 0) record.validationLoss = validationLoss();
        if (schedule) scaleRates(schedule.step(record.validationLoss!));
        if (schedule) record.rateScale = rateScale;
        history.push(record);
        running = { loss: 0, count: 0 };
        epochOrderState = order.state;
        save(epoch + 1, 0);
        options.onEpoch?.(record, initial, () => engine.exportCircuit());
      } else if (every > 0 && batch % every === 0) {
        save(epoch, batch);
      }
      bar?.update(epoch * perEpoch + batch, {
        epoch: epoch + 1,
        loss: formatMetric(running.count ? running.loss / running.count : history.at(-1)?.trainLoss),
        metric: lastMetric(),
        when: metricWhen(),
      });
    }
  }
  bar?.stop();
  checkParameters(engine, epochs - 1, perEpoch);

  const trained = engine.exportCircuit();
  const parameterCount = engine.parameters.reduce((n, p) => n + p.values.length, 0);
  const wallSeconds = (performance.now() - started) / 1000;
  const summary: TrainSummary = {
    task: task.name,
    circuit: circuit.name,
    rule: run.rule,
    seed,
    epochs,
    batch: B,
    trainSize: split.train.length,
    validationSize: held,
    testSize: task.test.size,
    stepsPerSequence: task.steps,
    carryState: carry,
    ...(task.note ? { note: task.note } : {}),
    initial,
    final: history.at(-1)?.metrics ?? initial,
    history,
    parameters:
      parameterCount <= listedParameterLimit
        ? Object.fromEntries(engine.parameters.map((p) => [p.name, Array.from(p.values)]))
        : undefined,
    parameterCount,
    wallSeconds,
    totalWallSeconds: wallBefore + wallSeconds,
    resumedFrom,
  };
  return { summary, circuit: trained };
}

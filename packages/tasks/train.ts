// The training loop: epochs of shuffled batches through a learner, test metrics per epoch, exact checkpoints and resume.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import cliProgress from "cli-progress";
import { encodeBinary } from "../../circuits/codec.js";
import { VleError } from "../../circuits/errors.js";
import { writeFileAtomic } from "../../circuits/files.js";
import { Rule, enumName, type Circuit } from "../../circuits/model.js";
import { Random } from "../../circuits/random.js";
import { Engine } from "../../simulator/engine.js";
import { checkFinite } from "../../simulator/guard.js";
import { createLearner, parseRuleSpec } from "../../simulator/learner.js";
import { Feeder, idealEngine, predict, type EngineFactory, type Metrics, type Sequence, type Task } from "./task.js";

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
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  metrics: Metrics;
}

export interface TrainSummary {
  task: string;
  circuit: string;
  rule: string;
  seed: number;
  epochs: number;
  batch: number;
  trainSize: number;
  testSize: number;
  stepsPerSequence: number;
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
export const listedParameterLimit = 64;

/** The batch order's generator is seeded apart from the task's data generator. */
const orderSeed = (seed: number) => (seed ^ 0x5bd1e995) | 0;

/** What must match between a checkpoint and the run that resumes it. */
interface RunIdentity {
  task: string;
  circuitSha256: string;
  rule: string;
  seed: number;
  batch: number;
  trainSize: number;
  testSize: number;
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
  optimizerSteps: number;
  parameters: { name: string; values: number[]; m: number[]; s: number[] }[];
  /** dynamic state, only for tasks that run one continuous stream */
  state?: { populations: Record<string, Record<string, number[]>>; crossbars: Record<string, number[]> };
  running: { loss: number; count: number };
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
    ck = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new VleError(
      `${path}: not a readable checkpoint (${(err as Error).message}); delete it and train from the start`,
    );
  }
  if (ck?.format !== "vle-train-checkpoint" || ck.version !== 1)
    throw new VleError(`${path}: not a vle training checkpoint (version 1)`);
  const flags: Record<keyof RunIdentity, string> = {
    task: "--task",
    circuitSha256: "the circuit file",
    rule: "--rule",
    seed: "--seed",
    batch: "--batch",
    trainSize: "the task's train size",
    testSize: "the task's test size",
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
  const started = performance.now();
  const { seed, epochs, batch: B } = options;
  if (!Number.isInteger(epochs) || epochs < 0) throw new VleError(`--epochs ${epochs}: give a non-negative integer`);
  if (!Number.isInteger(B) || B < 1) throw new VleError(`--batch ${B}: give a positive integer`);
  const every = options.checkpointEvery ?? 0;
  if (!Number.isInteger(every) || every < 0)
    throw new VleError(`--checkpoint-every ${every}: give a non-negative integer (0: only after each epoch)`);
  if (options.resume && !options.checkpoint)
    throw new VleError(`--resume needs --checkpoint <file> naming the checkpoint to continue from`);
  const perEpoch = Math.floor(task.train.size / B);
  if (perEpoch < 1)
    throw new VleError(
      `task '${task.name}' has ${task.train.size} training sequences, fewer than one batch of ${B}; lower --batch`,
    );

  const rule = options.rule === undefined ? undefined : parseRuleSpec(options.rule, "--rule");
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
  };
  const evaluate = (): Metrics => {
    const trained = engine.exportCircuit();
    return task.score(predict(trained, task, task.test, 64, makeEngine), trained);
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
    ({ epoch, batch, history, initial, running } = ck);
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
      state: task.resetPerSequence ? undefined : engineState(engine),
      running,
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
            "{task} epoch {epoch}/{epochs} |{bar}| {value}/{total} batches | loss {loss} | {headline} {metric} | {eta_formatted} left",
          stream: process.stderr,
          noTTYOutput: !process.stderr.isTTY,
          notTTYSchedule: 5000,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const lastMetric = () => formatMetric((history.at(-1)?.metrics ?? initial)[task.headline.name]);
  bar?.start(epochs * perEpoch, Math.min(epoch * perEpoch + batch, epochs * perEpoch), {
    task: task.name,
    epoch: Math.min(epoch + 1, epochs),
    epochs,
    loss: "-",
    headline: task.headline.name,
    metric: lastMetric(),
  });

  const sequences: Sequence[] = [];
  let indices: number[] = [];
  for (; epoch < epochs; epoch++, batch = 0) {
    // the order of this epoch is replayed from the state saved before its shuffle
    order.state = epochOrderState;
    indices = order.shuffle(Array.from({ length: task.train.size }, (_, i) => i));
    for (; batch < perEpoch; ) {
      if (task.resetPerSequence) engine.reset();
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
        history.push({ epoch: epoch + 1, trainLoss: running.count ? running.loss / running.count : 0, metrics });
        running = { loss: 0, count: 0 };
        epochOrderState = order.state;
        save(epoch + 1, 0);
      } else if (every > 0 && batch % every === 0) {
        save(epoch, batch);
      }
      bar?.update(epoch * perEpoch + batch, {
        epoch: epoch + 1,
        loss: formatMetric(running.count ? running.loss / running.count : history.at(-1)?.trainLoss),
        metric: lastMetric(),
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
    trainSize: task.train.size,
    testSize: task.test.size,
    stepsPerSequence: task.steps,
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

// One sweep job: compile the grid point's description, train it (once per worker for all its dies), score it on one die.
import { createHash } from "node:crypto";
import { VleError } from "../../circuits/errors.js";
import type { Circuit } from "../../circuits/model.js";
import { compileSource } from "../../compiler/index.js";
import { HardwareEngine } from "../../simulator/hardware/engine.js";
import { createTask } from "../tasks/index.js";
import { idealEngine, predict, type EngineFactory, type Metrics } from "../tasks/task.js";
import { train } from "../tasks/train.js";
import type { Job, JobSpec, Mode } from "./spec.js";

export interface JobResult {
  id: string;
  point: JobSpec["point"];
  die: number;
  metrics: Metrics;
  /** the metric the task is judged by */
  headline: string;
}

const engineFor = (mode: Mode, seed: number, circuit: Circuit, source: string): EngineFactory => {
  if (mode === "ideal") return idealEngine;
  if (!circuit.hardware) throw new VleError(`${source}: mode hardware needs a hardware section in the description`);
  return (c, options) => new HardwareEngine(c, { ...options, seed });
};

/** Trained circuits by training key: the dies of one grid point share one training. */
const trained = new Map<string, Circuit>();

function trainedCircuit(spec: JobSpec): Circuit {
  const circuit = compileSource(spec.description, spec.source);
  if (!spec.train) return circuit;
  const key = createHash("sha256")
    .update(JSON.stringify([spec.description, spec.task, spec.train]))
    .digest("hex");
  const hit = trained.get(key);
  if (hit) return hit;
  const { epochs, seed, mode, rule } = spec.train;
  const task = createTask(spec.task, { seed, circuit });
  const result = train(circuit, task, {
    seed,
    epochs,
    batch: task.defaults.batch,
    rule,
    engine: engineFor(mode, seed, circuit, spec.source),
  }).circuit;
  trained.set(key, result);
  return result;
}

/** Runs one job; the same spec gives the same result, bit for bit, on any machine. */
export function runJob(job: Job): JobResult {
  const { spec } = job;
  const circuit = trainedCircuit(spec);
  const seed = spec.train?.seed ?? 0;
  const task = createTask(spec.task, { seed, circuit, testSize: spec.evaluate.testSize });
  const outputs = predict(circuit, task, task.test, 64, engineFor(spec.evaluate.mode, spec.die, circuit, spec.source));
  return {
    id: job.id,
    point: spec.point,
    die: spec.die,
    metrics: task.score(outputs, circuit),
    headline: task.headline.name,
  };
}

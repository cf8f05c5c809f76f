// A sweep file: one network on one task, a grid of description settings times Monte Carlo dies, expanded into jobs.
//
// name: dies
// description: examples/delayed-xor-chip.yaml   # relative to the sweep file; its text travels inside every job
// task: delayed-xor
// train: { epochs: 3, seed: 0, mode: ideal, rule: vle }   # optional: train once per grid point before the dies
// evaluate: { mode: hardware, test_size: 200 }             # ideal, or hardware (the die's mismatch and noise)
// grid:                                                    # dotted paths into the description, each a list
//   hardware.mismatch.tau: [0.05, 0.1]
//   hardware.weights.bits: [4, 6]
// dies: 200                                                # chip seeds 0..199 (Monte Carlo over dies)
import { createHash } from "node:crypto";
import { dirname, resolve } from "node:path";
import { parse } from "yaml";
import { VleError } from "../../circuits/errors.js";
import { readText } from "../../circuits/read.js";

export type Mode = "ideal" | "hardware";
type Scalar = string | number | boolean;

/** Everything a worker needs to run one job, on any machine: no file paths. */
export interface JobSpec {
  /** the description text with the grid point applied */
  description: string;
  /** the description's file name (for messages and relative units only) */
  source: string;
  task: string;
  train?: { epochs: number; seed: number; mode: Mode; rule?: string };
  evaluate: { mode: Mode; testSize?: number };
  /** the grid point: dotted path -> value */
  point: Record<string, Scalar>;
  /** the die: seeds the chip's mismatch draws and noise */
  die: number;
}

export interface Job {
  /** content hash of the spec: the same job has the same id everywhere, so a finished job is never redone */
  id: string;
  spec: JobSpec;
}

export interface Sweep {
  name: string;
  jobs: Job[];
  /** the grid's paths, in file order (the table's columns) */
  axes: string[];
}

/** Budgets: a sweep file is small; a sweep is at most this many jobs. */
const maxFileBytes = 1 << 20,
  maxJobs = 1_000_000;

const fail = (file: string, message: string): never => {
  throw new VleError(`${file}: ${message}`);
};

function object(file: string, where: string, v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) fail(file, `${where} must be a map of keys`);
  return v as Record<string, unknown>;
}

function count(file: string, where: string, v: unknown, min: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) fail(file, `${where} must be an integer >= ${min}`);
  return v as number;
}

function mode(file: string, where: string, v: unknown): Mode {
  if (v !== "ideal" && v !== "hardware") fail(file, `${where} must be ideal or hardware, got '${String(v)}'`);
  return v as Mode;
}

function only(file: string, where: string, o: Record<string, unknown>, keys: string[]): void {
  for (const k of Object.keys(o))
    if (!keys.includes(k)) fail(file, `${where}: unknown key '${k}'; keys: ${keys.join(", ")}`);
}

/** Sets a dotted path in a YAML document's plain data, creating maps on the way. */
export function setPath(doc: Record<string, unknown>, path: string, value: Scalar): void {
  const keys = path.split(".");
  let at = doc;
  for (const key of keys.slice(0, -1)) {
    const next = at[key];
    if (next === undefined) at[key] = {};
    else if (next === null || typeof next !== "object" || Array.isArray(next))
      throw new VleError(`grid path '${path}': '${key}' is not a map in the description`);
    at = at[key] as Record<string, unknown>;
  }
  at[keys.at(-1)!] = value;
}

export const jobId = (spec: JobSpec) => createHash("sha256").update(JSON.stringify(spec)).digest("hex").slice(0, 16);

/** Reads and expands a sweep file; one-line errors name the file and the key. */
export function readSweep(file: string): Sweep {
  const text = readText(file, maxFileBytes);
  let raw: unknown;
  try {
    raw = parse(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new VleError(`${file}: not YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  const s = object(file, "the sweep", raw);
  only(file, "the sweep", s, ["name", "description", "task", "train", "evaluate", "grid", "dies"]);
  if (typeof s.description !== "string") fail(file, "description: give the network description's path");
  if (typeof s.task !== "string") fail(file, "task: give a task name");
  const descriptionPath = resolve(dirname(file), s.description as string);
  const description = readText(descriptionPath);
  const base = object(file, `description ${s.description as string}`, parse(description));

  let train: JobSpec["train"];
  if (s.train !== undefined) {
    const t = object(file, "train", s.train);
    only(file, "train", t, ["epochs", "seed", "mode", "rule"]);
    train = {
      epochs: count(file, "train.epochs", t.epochs, 0),
      seed: t.seed === undefined ? 0 : count(file, "train.seed", t.seed, 0),
      mode: t.mode === undefined ? "ideal" : mode(file, "train.mode", t.mode),
      ...(t.rule === undefined ? {} : { rule: String(t.rule) }),
    };
  }
  const e = s.evaluate === undefined ? {} : object(file, "evaluate", s.evaluate);
  only(file, "evaluate", e, ["mode", "test_size"]);
  const evaluate: JobSpec["evaluate"] = {
    mode: e.mode === undefined ? "hardware" : mode(file, "evaluate.mode", e.mode),
    ...(e.test_size === undefined ? {} : { testSize: count(file, "evaluate.test_size", e.test_size, 1) }),
  };
  const grid = s.grid === undefined ? {} : object(file, "grid", s.grid);
  const axes = Object.keys(grid);
  for (const axis of axes) {
    const values = grid[axis];
    if (
      !Array.isArray(values) ||
      values.length === 0 ||
      values.some((v) => !["string", "number", "boolean"].includes(typeof v))
    )
      fail(file, `grid.${axis} must be a non-empty list of numbers, strings or booleans`);
  }
  const dies = s.dies === undefined ? 1 : count(file, "dies", s.dies, 1);
  const points = axes.reduce<Record<string, Scalar>[]>(
    (acc, axis) => acc.flatMap((p) => (grid[axis] as Scalar[]).map((v) => ({ ...p, [axis]: v }))),
    [{}],
  );
  if (points.length * dies > maxJobs) fail(file, `${points.length * dies} jobs; a sweep is at most ${maxJobs}`);
  const jobs: Job[] = [];
  for (const point of points) {
    const doc = structuredClone(base);
    for (const [path, value] of Object.entries(point)) {
      try {
        setPath(doc, path, value);
      } catch (err) {
        fail(file, (err as Error).message);
      }
    }
    const text = JSON.stringify(doc);
    for (let die = 0; die < dies; die++) {
      const spec: JobSpec = {
        description: text,
        source: s.description as string,
        task: s.task as string,
        ...(train ? { train } : {}),
        evaluate,
        point,
        die,
      };
      jobs.push({ id: jobId(spec), spec });
    }
  }
  return { name: typeof s.name === "string" ? s.name : "sweep", jobs, axes };
}

// Random bounded drives for the properties (fast-check arbitraries of input and target sequences within the declared ranges), and their stimulus files.
import fc from "fast-check";
import { inputRange } from "../../circuits/envelope.js";
import { writeFileAtomic } from "../../circuits/files.js";
import { Loss, Phi, Signal, type Circuit, type OutputPort } from "../../circuits/model.js";
import type { Stimulus, StimulusGroup } from "../../simulator/stimulus.js";

/**
 * One input sequence (and optionally targets) for one sample: the same tables `vle simulate --input/--target`
 * reads, so the simulator is fed by `feedStimulus` in verify and in a replay alike.
 */
export interface Drive {
  steps: number;
  input: Stimulus;
  target?: Stimulus;
  /** hardware mode: the chip's seed for mismatch draws, thermal noise and stochastic rounding */
  seed?: number;
}

/** How a property wants its drives. */
export interface DriveOptions {
  maxSteps: number;
  /** each drawn value is held for [minHold, maxHold] steps (default 1 .. maxSteps) */
  minHold?: number;
  maxHold?: number;
  /** at most this many held segments (default: as many as fit) */
  maxSegments?: number;
  /** none: inputs only; random: targets present or absent per held segment; always: every step has a target */
  targets?: "none" | "random" | "always";
  /** draw a chip seed (hardware mode's mismatch, noise and rounding) */
  seed?: boolean;
}

/** Levels per half range: inputs are drawn on a grid of multiples of max(|lo|, |hi|) / 1024, so they print exactly and shrink toward 0. */
const GRID = 1024;

/** A value on the grid of [lo, hi]: level k is k * q with q = max(|lo|, |hi|) / GRID, and k shrinks toward 0 (or the bound nearest 0). */
function gridLevel(lo: number, hi: number): { arb: fc.Arbitrary<number>; value: (k: number) => number } {
  const q = Math.max(Math.abs(lo), Math.abs(hi)) / GRID || 1;
  const kLo = Math.ceil(lo / q),
    kHi = Math.max(kLo, Math.floor(hi / q));
  return { arb: fc.integer({ min: kLo, max: kHi }), value: (k) => Math.min(hi, Math.max(lo, k * q)) };
}

/** The range targets of an output are drawn from: its chip's target range, else its cell's natural output range. */
function targetRange(c: Circuit, o: OutputPort): [number, number] {
  const range = c.hardware?.ranges.find((r) => r.element === o.name && r.signal === Signal.TARGET_SIGNAL);
  if (range) return [range.lo, range.hi];
  const phi = c.populations.find((p) => p.name === o.population)!.phi;
  return phi === Phi.TANH || phi === Phi.LINEAR ? [-1, 1] : [0, 1];
}

interface Channel {
  size: number;
  level: ReturnType<typeof gridLevel>;
}

/** Random drives of at most `maxSteps` steps: segments of held values, the shortest found by shrinking. */
export function driveArbitrary(c: Circuit, o: DriveOptions): fc.Arbitrary<Drive> {
  const maxSteps = Math.max(1, o.maxSteps),
    minHold = Math.min(o.minHold ?? 1, maxSteps),
    maxHold = Math.max(minHold, Math.min(o.maxHold ?? maxSteps, maxSteps));
  const targets = o.targets ?? "none";
  const inputs: Channel[] = c.inputs.map((p) => ({ size: p.size, level: gridLevel(...inputRange(p)) }));
  const outputs = c.outputs.map((out) => {
    const size = c.populations.find((p) => p.name === out.population)!.size;
    // cross-entropy targets are one-hot classes; mse targets any value in range
    return out.loss === Loss.CROSS_ENTROPY
      ? {
          size,
          arb: fc
            .integer({ min: 0, max: size - 1 })
            .map((k) => Array.from({ length: size }, (_, i) => (i === k ? 1 : 0))),
        }
      : {
          size,
          arb: ((g) => fc.array(g.arb.map(g.value), { minLength: size, maxLength: size }))(
            gridLevel(...targetRange(c, out)),
          ),
        };
  });
  const segment = fc.record({
    hold: fc.integer({ min: minHold, max: maxHold }),
    inputs: fc.tuple(
      ...inputs.map((ch) => fc.array(ch.level.arb.map(ch.level.value), { minLength: ch.size, maxLength: ch.size })),
    ),
    targets: targets === "none" ? fc.constant([] as number[][]) : fc.tuple(...outputs.map((out) => out.arb)),
    present: targets === "random" ? fc.boolean() : fc.constant(targets === "always"),
  });
  const segments = fc.array(segment, {
    minLength: 1,
    maxLength: Math.max(1, Math.min(o.maxSegments ?? Infinity, Math.ceil(maxSteps / minHold))),
  });
  const seed = o.seed ? fc.integer({ min: 0, max: 2 ** 32 - 1 }) : fc.constant(undefined);
  return fc.tuple(segments, seed).map(([segs, chipSeed]) => {
    let steps = 0;
    for (const s of segs) steps += s.hold;
    steps = Math.min(steps, maxSteps);
    const inputGroups = c.inputs.map((p) => group(p.name, p.size, steps, 1));
    const targetGroups =
      targets === "none" ? undefined : c.outputs.map((out, k) => group(out.name, outputs[k].size, steps, 0));
    let row = 0;
    for (const s of segs) {
      for (let h = 0; h < s.hold && row < steps; h++, row++) {
        inputGroups.forEach((g, k) => g.values.set(s.inputs[k], row * g.size));
        targetGroups?.forEach((g, k) => {
          if (!s.present) return void g.values.fill(NaN, row * g.size, (row + 1) * g.size);
          g.values.set(s.targets[k], row * g.size);
          g.present[row] = 1;
        });
      }
    }
    return {
      steps,
      input: stimulus("input", steps, inputGroups),
      target: targetGroups && stimulus("target", steps, targetGroups),
      seed: chipSeed,
    };
  });
}

/** A group of `steps` rows; `present` 1 for inputs (always present), 0 for targets until a segment sets them. */
function group(name: string, size: number, steps: number, present: number): StimulusGroup {
  return { name, size, values: new Float64Array(steps * size), present: new Uint8Array(steps).fill(present) };
}

function stimulus(kind: "input" | "target", steps: number, groups: StimulusGroup[]): Stimulus {
  return { file: `<verify ${kind}>`, kind, samples: 1, offsets: [0], steps: [steps], groups };
}

/** The drive followed by `extra` steps of zero input and no target (a tail in which the circuit runs free). */
export function withZeroTail(d: Drive, extra: number): Drive {
  const steps = d.steps + extra;
  const extend = (s: Stimulus, fill: number): Stimulus => ({
    ...s,
    steps: [steps],
    groups: s.groups.map((g) => {
      const values = new Float64Array(steps * g.size).fill(fill);
      values.set(g.values);
      const present = new Uint8Array(steps).fill(s.kind === "input" ? 1 : 0);
      present.set(g.present);
      return { ...g, values, present };
    }),
  });
  return { ...d, steps, input: extend(d.input, 0), target: d.target && extend(d.target, NaN) };
}

/** The drive preceded by `steps` rows holding its first input row, without target (the circuit settles under it first). */
export function withLeadIn(d: Drive, steps: number): Drive {
  const total = d.steps + steps;
  const extend = (s: Stimulus): Stimulus => ({
    ...s,
    steps: [total],
    groups: s.groups.map((g) => {
      const values = new Float64Array(total * g.size),
        present = new Uint8Array(total);
      for (let k = 0; k < steps; k++) values.set(g.values.subarray(0, g.size), k * g.size);
      values.set(g.values, steps * g.size);
      present.fill(s.kind === "input" ? 1 : 0, 0, steps);
      present.set(g.present, steps);
      return { ...g, values, present };
    }),
  });
  return { ...d, steps: total, input: extend(d.input), target: d.target && extend(d.target) };
}

/** The first `steps` steps of a drive. */
export function truncate(d: Drive, steps: number): Drive {
  const cut = (s: Stimulus): Stimulus => ({
    ...s,
    steps: [steps],
    groups: s.groups.map((g) => ({
      ...g,
      values: g.values.slice(0, steps * g.size),
      present: g.present.slice(0, steps),
    })),
  });
  return { ...d, steps, input: cut(d.input), target: d.target && cut(d.target) };
}

/** A CSV cell for a column name: plain where the simulator's reader takes it as is, else undefined (then JSON is written). */
const csvSafe = (name: string) => !/[",\r\n]/.test(name) && name.trim() === name;

/**
 * Writes a stimulus as the table `vle simulate` reads: CSV (header of `<name>[<i>]` columns, one row per step,
 * empty cells where a target is absent) when every name fits in a CSV header, else the JSON form.
 * `base` is the path without extension; returns the path written.
 */
export function writeStimulus(s: Stimulus, base: string): string {
  const columns = s.groups.flatMap((g) =>
    Array.from({ length: g.size }, (_, i) => ({ g, i, name: `${g.name}[${i}]` })),
  );
  const steps = s.steps[0];
  if (columns.every((c) => csvSafe(c.name))) {
    let text = columns.map((c) => c.name).join(",") + "\n";
    for (let row = 0; row < steps; row++) {
      text += columns.map(({ g, i }) => (g.present[row] ? String(g.values[row * g.size + i]) : "")).join(",") + "\n";
    }
    writeFileAtomic(`${base}.csv`, text);
    return `${base}.csv`;
  }
  const json: Record<string, (number | null)[]> = {};
  for (const { g, i, name } of columns)
    json[name] = Array.from({ length: steps }, (_, row) => (g.present[row] ? g.values[row * g.size + i] : null));
  writeFileAtomic(`${base}.json`, JSON.stringify(json) + "\n");
  return `${base}.json`;
}

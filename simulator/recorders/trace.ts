// The trace recorder: chosen signals and parameters, one CSV row per step (and sample), written atomically.
//
// Columns (names with a comma are double-quoted): `step`, `t` (= step * dt, the time the recorded state belongs to; steps count from 1),
// `sample` when the run has several samples, then one column per recorded value:
//   <population>.<signal>[<i>]    signal u, u_prosp, r (every population), v, e (populations with an error cell)
//   <population>.tau_m[<i>], <population>.b[<i>]
//   <crossbar>.W[<i>,<j>]         (and <crossbar>.F[<i>,<j>] for random or learned feedback), i = post, j = pre
// The selection (`--record`) is a comma-separated list of `<element>.<signal>`, optionally with an index
// (`l1.r[2]`, `x_to_l0.W[0,1]`), a bare signal for that signal of every population or crossbar that has it (`r`,
// `e`, `W`), or `all`. Crossbar names in the old form (`x->l0`, before names became shell-safe) are still read.
import { VleError } from "../../circuits/errors.js";
import {
  errorSignals,
  matrixColumn,
  neuronColumn,
  neuronParameters,
  neuronSignals,
  stateArray,
  type Matrix,
  type NeuronParameter,
  type NeuronSignal,
} from "../../circuits/signals.js";
import type { CrossbarState, Engine, PopulationSignals, PopulationState } from "../engine.js";
import type { PendingFile } from "../../circuits/files.js";
import { AtomicTextFile } from "./atomic-text.js";

/** The engine state array each neuron signal reads. */
const stateOf: Record<NeuronSignal, keyof PopulationSignals> = stateArray;

/** One recorded block of columns: a state signal (per batch slot) or a parameter array (shared by the batch). */
type Group =
  | { kind: "signal"; population: PopulationState; signal: keyof PopulationSignals; indices: number[] }
  | { kind: "parameter"; values: Float64Array; indices: number[] };

export interface TraceSelection {
  groups: Group[];
  /** the column names after `step`, `t` (and `sample`) */
  columns: string[];
}

/**
 * Parses a `--record` selection against an engine's populations and crossbars. Throws a one-line VleError
 * naming the item for an unknown element, signal or index.
 */
export function parseRecordSelection(spec: string, engine: Engine): TraceSelection {
  const groups: Group[] = [],
    columns: string[] = [],
    seen = new Set<string>();
  const add = (group: Group, names: string[]) => {
    const keep = group.indices.filter((_, k) => !seen.has(names[k]));
    if (keep.length === 0) return;
    const kept = names.filter((n) => !seen.has(n));
    kept.forEach((n) => seen.add(n));
    groups.push({ ...group, indices: keep });
    for (const n of kept) columns.push(n);
  };
  // commas inside brackets (W[0,1]) belong to the index
  const items = spec.split(/,(?![^[]*\])/).map((s) => s.trim());
  for (const item of items) {
    if (item === "") throw new VleError(`--record '${spec}': an empty item; separate items by single commas`);
    if (item === "all") {
      for (const p of engine.populations) for (const signal of signalsOf(p)) addPopulation(p, signal, undefined, item);
      for (const p of engine.populations) for (const name of neuronParameters) addPopulation(p, name, undefined, item);
      for (const x of engine.crossbars) for (const name of matricesOf(x)) addCrossbar(x, name, undefined, item);
      continue;
    }
    if (/^[A-Za-z_]+$/.test(item)) {
      const populations = engine.populations.filter((p) =>
        ([...signalsOf(p), ...neuronParameters] as string[]).includes(item),
      );
      const crossbars = engine.crossbars.filter((x) => (matricesOf(x) as string[]).includes(item));
      if (populations.length + crossbars.length === 0)
        throw new VleError(
          `--record '${item}': no population or crossbar has a signal '${item}'; signals: ${[...neuronSignals, ...neuronParameters].join(", ")} (populations), W, F (crossbars)`,
        );
      for (const p of populations) addPopulation(p, item, undefined, item);
      for (const x of crossbars) addCrossbar(x, item, undefined, item);
      continue;
    }
    const m = /^(.+)\.([A-Za-z_]+)(?:\[([\d,\s]+)\])?$/.exec(item);
    if (!m)
      throw new VleError(
        `--record '${item}': write <population>.<signal> or <crossbar>.W, optionally indexed (l1.r, l1.r[0], x_to_l0.W[0,1]), or all`,
      );
    const [, element, signal, index] = m;
    const population = engine.populations.find((p) => p.spec.name === element);
    const crossbar = engine.crossbars.find((x) => sameCrossbar(x.spec.name, element));
    const indices = index?.split(",").map((s) => (/^\s*\d+\s*$/.test(s) ? Number(s) : NaN));
    if (population) addPopulation(population, signal, indices, item);
    else if (crossbar) addCrossbar(crossbar, signal, indices, item);
    else {
      const names = (xs: { spec: { name: string } }[]) => xs.map((x) => x.spec.name).join(", ") || "none";
      throw new VleError(
        `--record '${item}': no population or crossbar named '${element}'; populations: ${names(engine.populations)}; crossbars: ${names(engine.crossbars)}`,
      );
    }
  }
  return { groups, columns };

  function addPopulation(p: PopulationState, signal: string, index: number[] | undefined, item: string): void {
    const name = p.spec.name,
      n = p.size;
    const choices: string[] = [...signalsOf(p), ...neuronParameters];
    if (!choices.includes(signal)) {
      const why = errorSignals.includes(signal as NeuronSignal)
        ? `population '${name}' has no error cell, so no ${signal}; `
        : `unknown signal '${signal}' of population '${name}'; `;
      throw new VleError(`--record '${item}': ${why}signals: ${choices.join(", ")}`);
    }
    if (index && (index.length !== 1 || !(index[0] < n)))
      throw new VleError(`--record '${item}': population '${name}' has ${n} neurons; index them [0]..[${n - 1}]`);
    const indices = index ?? range(n);
    const names = indices.map((i) => neuronColumn(name, signal as NeuronSignal | NeuronParameter, i));
    if (signal === "tau_m" || signal === "b")
      add({ kind: "parameter", values: signal === "tau_m" ? p.tauM : p.bias, indices }, names);
    else add({ kind: "signal", population: p, signal: stateOf[signal as NeuronSignal], indices }, names);
  }

  function addCrossbar(x: CrossbarState, matrix: string, index: number[] | undefined, item: string): void {
    const name = x.spec.name,
      choices = matricesOf(x);
    if (!(choices as string[]).includes(matrix))
      throw new VleError(
        `--record '${item}': unknown signal '${matrix}' of crossbar '${name}'; signals: ${choices.join(", ")}`,
      );
    if (index && (index.length !== 2 || !(index[0] < x.rows) || !(index[1] < x.cols))) {
      throw new VleError(
        `--record '${item}': crossbar '${name}' is ${x.rows}x${x.cols}; index it [post,pre] from [0,0] to [${x.rows - 1},${x.cols - 1}]`,
      );
    }
    const indices = index ? [index[0] * x.cols + index[1]] : range(x.rows * x.cols);
    const names = indices.map((k) => matrixColumn(name, matrix as Matrix, Math.floor(k / x.cols), k % x.cols));
    add({ kind: "parameter", values: matrix === "W" ? x.weights : x.feedback, indices }, names);
  }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
/** A crossbar name as written, in the current (`x_to_l0`) or the old (`x->l0`) form, against a circuit's name in either. */
const sameCrossbar = (name: string, written: string) =>
  name.replaceAll("->", "_to_") === written.replaceAll("->", "_to_");
const signalsOf = (p: PopulationState): NeuronSignal[] =>
  neuronSignals.filter((s) => p.learns || !errorSignals.includes(s));
const matricesOf = (x: CrossbarState): Matrix[] => (x.feedback === x.weights ? ["W"] : ["W", "F"]);

/**
 * Streams trace rows to a temporary file beside `path`; `close` renames it into place, `abort` removes it,
 * so a failed run leaves no half-written trace.
 */
export class TraceRecorder {
  private readonly file: AtomicTextFile;
  private rows = 0;
  /** columns of every row, including step, t (and sample) */
  readonly columnCount: number;

  constructor(
    readonly path: string,
    private readonly engine: Engine,
    private readonly selection: TraceSelection,
    private readonly withSample: boolean,
  ) {
    this.file = new AtomicTextFile(path);
    const header = ["step", "t", ...(withSample ? ["sample"] : []), ...selection.columns];
    this.columnCount = header.length;
    // names with a comma (W[i,j]) are quoted, as CSV requires
    this.file.write(header.map((c) => (c.includes(",") ? `"${c}"` : c)).join(",") + "\n");
  }

  /** Number of data rows written so far. */
  get rowCount(): number {
    return this.rows;
  }

  /** Appends one row per batch slot with the engine's state after its last step; `samples[b]` is slot b's sample. */
  record(samples: ArrayLike<number>): void {
    // t to 15 significant digits, so 3 * 0.1 prints as 0.3
    const engine = this.engine,
      step = engine.step,
      head = `${step},${+(step * engine.dt).toPrecision(15)}`;
    for (let b = 0; b < engine.batch; b++) {
      let row = this.withSample ? `${head},${samples[b]}` : head;
      for (const g of this.selection.groups) {
        if (g.kind === "signal") {
          const x = g.population.now[g.signal],
            off = b * g.population.size;
          for (const i of g.indices) row += "," + x[off + i];
        } else {
          const x = g.values;
          for (const i of g.indices) row += "," + x[i];
        }
      }
      this.file.write(row + "\n");
      this.rows++;
    }
  }

  /** Writes what is left and moves the finished trace into place. */
  close(): void {
    this.file.close();
  }

  /** Writes what is left and syncs it, ready to be committed with the run's other outputs (`commitAll`). */
  finish(): PendingFile {
    return this.file.finish();
  }

  /** Discards the trace (after a failed run). */
  abort(): void {
    this.file.abort();
  }
}

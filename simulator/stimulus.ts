// Reads input and target tables (CSV or JSON) for a circuit: one row per step, one column per channel `<name>[<index>]`.
//
// CSV: a header line of column names, then one line per step (every line is a row, empty lines included). JSON: one object of columns,
// {"x[0]": [0.1, 0.2, ...], "x[1]": [...]}, every column the same length (one value per step).
// Columns are named after a circuit input port (input tables) or an output (target tables, by the
// output's name or its population's name), with the channel index in brackets. An optional column
// `sample` (integers 0, 1, 2, ... in non-decreasing order, each sample's rows contiguous) holds several
// sequences in one table. In a target table an empty cell (CSV) or null (JSON) means "no target this
// step"; all channels of one output must then be empty together.
import { parseJson as parseJsonText, readText } from "../circuits/read.js";
import { VleError } from "../circuits/errors.js";
import type { Circuit } from "../circuits/model.js";
import type { Engine } from "./engine.js";

export type StimulusKind = "input" | "target";

/** The columns of one input port or one output, in channel order. */
export interface StimulusGroup {
  /** input port name, or output port name (engine.output accepts it) */
  name: string;
  size: number;
  /** rows x size, row-major; NaN where a target is absent */
  values: Float64Array;
  /** 1 where the row has values for this group (inputs: always) */
  present: Uint8Array;
}

export interface Stimulus {
  file: string;
  kind: StimulusKind;
  /** number of sequences (1 without a `sample` column) */
  samples: number;
  /** first row of each sample, and its number of rows (steps) */
  offsets: number[];
  steps: number[];
  groups: StimulusGroup[];
}

/** A parsed table before it meets the circuit: columns of numbers, NaN for empty cells. */
interface Table {
  file: string;
  header: string[];
  rows: number;
  /** column-major: columns[c][row] */
  columns: Float64Array[];
  /** how to name a cell in an error message */
  cellAt(row: number, column: number): string;
  /** how to name the header in an error message */
  headerAt: string;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const CHANNEL = /^(.+)\[(\d+)\]$/;

function parseCsv(file: string, text: string): Table {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  // only the last line's terminator is dropped: in a one-column target table an empty line is a row without target
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  if (lines.length === 0 || lines[0].trim() === "")
    throw new VleError(`${file}: empty file; the first line must name the columns, e.g. x[0],x[1]`);
  const unquote = (s: string) =>
    s
      .trim()
      .replace(/^"(.*)"$/, "$1")
      .trim();
  const header = lines[0].split(",").map(unquote);
  const rows = lines.length - 1,
    columns = header.map(() => new Float64Array(rows));
  for (let row = 0; row < rows; row++) {
    const line = row + 2;
    const cells = lines[row + 1].split(",");
    if (cells.length !== header.length) {
      throw new VleError(
        `${file}:${line}: ${cells.length} cell${cells.length === 1 ? "" : "s"}, but the header has ${header.length} columns; give every row one cell per column`,
      );
    }
    for (let c = 0; c < cells.length; c++) {
      const cell = unquote(cells[c]);
      if (cell === "") columns[c][row] = NaN;
      else if (NUMBER.test(cell)) columns[c][row] = parseFloat(cell);
      else throw new VleError(`${file}:${line}: column '${header[c]}': '${cell}' is not a number`);
    }
  }
  return {
    file,
    header,
    rows,
    columns,
    cellAt: (row, c) => `${file}:${row + 2}: column '${header[c]}'`,
    headerAt: `${file}:1`,
  };
}

function parseJson(file: string, text: string): Table {
  const json = parseJsonText(text, file);
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new VleError(`${file}: expected an object of columns, e.g. {"x[0]": [0.1, 0.2], "x[1]": [0, 1]}`);
  }
  const entries = Object.entries(json as Record<string, unknown>);
  const header = entries.map(([k]) => k);
  let rows = -1;
  const columns = entries.map(([name, values]) => {
    if (!Array.isArray(values))
      throw new VleError(`${file}: column '${name}' is not an array; give one value per step`);
    if (rows < 0) rows = values.length;
    else if (values.length !== rows)
      throw new VleError(
        `${file}: column '${name}' has ${values.length} values but '${header[0]}' has ${rows}; every column needs one value per step`,
      );
    return Float64Array.from(values, (v: unknown, k) => {
      if (v === null) return NaN;
      if (typeof v !== "number" || !Number.isFinite(v))
        throw new VleError(
          `${file}: column '${name}', element ${k}: ${JSON.stringify(v)} is not a finite number (null marks an empty target)`,
        );
      return v;
    });
  });
  return {
    file,
    header,
    rows: Math.max(rows, 0),
    columns,
    cellAt: (row, c) => `${file}: column '${header[c]}', element ${row}`,
    headerAt: file,
  };
}

function readTable(file: string): Table {
  if (file.endsWith(".csv")) return parseCsv(file, readText(file));
  if (file.endsWith(".json")) return parseJson(file, readText(file));
  throw new VleError(`${file}: unknown table format; give a .csv or .json file`);
}

/** Reads a table and checks it against the circuit's inputs (kind input) or outputs (kind target). */
export function readStimulus(file: string, circuit: Circuit, kind: StimulusKind): Stimulus {
  return toStimulus(readTable(file), circuit, kind);
}

/** Matches a parsed table's columns to the circuit's ports and gathers its values. */
function toStimulus(table: Table, circuit: Circuit, kind: StimulusKind): Stimulus {
  const { file, header, rows, columns } = table;
  const at = table.headerAt;
  // the channels a column may name: input ports, or outputs by port name or population name
  const ports =
    kind === "input"
      ? circuit.inputs.map((p) => ({ name: p.name, aliases: [p.name], size: p.size }))
      : circuit.outputs.map((o) => ({
          name: o.name,
          aliases: [o.name, o.population],
          size: circuit.populations.find((p) => p.name === o.population)!.size,
        }));
  const what = kind === "input" ? "input" : "output";
  const known = () => ports.map((p) => `${p.aliases.join("|")}[0..${p.size - 1}]`).join(", ") || "none";

  let sampleColumn = -1;
  const columnOf = new Map<string, number[]>(); // port name -> column per channel (-1: missing)
  header.forEach((name, c) => {
    if (name === "sample") {
      if (sampleColumn >= 0) throw new VleError(`${at}: column 'sample' appears twice`);
      sampleColumn = c;
      return;
    }
    const m = CHANNEL.exec(name);
    if (!m)
      throw new VleError(
        `${at}: column '${name}' is not <${what}>[<index>] (e.g. ${ports[0]?.aliases[0] ?? "x"}[0]) or 'sample'`,
      );
    const port = ports.find((p) => p.aliases.includes(m[1]));
    if (!port)
      throw new VleError(`${at}: column '${name}' names no ${what} of circuit '${circuit.name}'; ${what}s: ${known()}`);
    const index = Number(m[2]);
    if (index >= port.size)
      throw new VleError(
        `${at}: column '${name}': ${what} '${m[1]}' has ${port.size} channel${port.size === 1 ? "" : "s"}, indices 0..${port.size - 1}`,
      );
    const slots = columnOf.get(port.name) ?? Array<number>(port.size).fill(-1);
    if (slots[index] >= 0)
      throw new VleError(
        `${at}: column '${name}' and '${header[slots[index]]}' are the same channel; give each channel one column`,
      );
    slots[index] = c;
    columnOf.set(port.name, slots);
  });
  if (kind === "target" && columnOf.size === 0)
    throw new VleError(`${at}: no column names an output of circuit '${circuit.name}'; outputs: ${known()}`);
  for (const port of ports) {
    const slots = columnOf.get(port.name);
    if (!slots) {
      if (kind === "input")
        throw new VleError(
          `${at}: no columns for input '${port.name}'; add ${port.name}[0]..${port.name}[${port.size - 1}]`,
        );
      continue;
    }
    const missing = slots.findIndex((c) => c < 0);
    if (missing >= 0)
      throw new VleError(
        `${at}: no column for ${what} channel ${port.aliases[0]}[${missing}]; ${what} '${port.aliases[0]}' has ${port.size} channels and each needs a column`,
      );
  }

  const { offsets, steps } = splitSamples(table, sampleColumn);
  const groups: StimulusGroup[] = [];
  for (const port of ports) {
    const slots = columnOf.get(port.name);
    if (!slots) continue;
    const n = port.size,
      values = new Float64Array(rows * n),
      present = new Uint8Array(rows);
    for (let row = 0; row < rows; row++) {
      let empty = 0;
      for (let i = 0; i < n; i++) {
        const x = columns[slots[i]][row];
        values[row * n + i] = x;
        if (Number.isNaN(x)) empty++;
      }
      if (empty === 0) present[row] = 1;
      else if (kind === "input") {
        const i = slots.findIndex((c) => Number.isNaN(columns[c][row]));
        throw new VleError(`${table.cellAt(row, slots[i])}: empty cell; inputs need a value every step`);
      } else if (empty < n) {
        const i = slots.findIndex((c) => Number.isNaN(columns[c][row]));
        throw new VleError(
          `${table.cellAt(row, slots[i])}: empty, but other channels of output '${port.aliases[0]}' have values; leave all of them empty for "no target this step"`,
        );
      }
    }
    groups.push({ name: port.name, size: n, values, present });
  }
  return { file, kind, samples: offsets.length, offsets, steps, groups };
}

/** Splits rows into samples by the `sample` column (or one sample of all rows). */
function splitSamples(table: Table, sampleColumn: number): { offsets: number[]; steps: number[] } {
  const { rows } = table;
  if (rows === 0) throw new VleError(`${table.headerAt}: no rows; give one row per step`);
  if (sampleColumn < 0) return { offsets: [0], steps: [rows] };
  const ids = table.columns[sampleColumn];
  const offsets: number[] = [];
  for (let row = 0; row < rows; row++) {
    const id = ids[row],
      expected = offsets.length; // the next new sample id
    if (!Number.isInteger(id) || id < 0)
      throw new VleError(`${table.cellAt(row, sampleColumn)}: '${id}' is not a sample number (0, 1, 2, ...)`);
    if (id === expected) offsets.push(row);
    else if (id !== expected - 1) {
      throw new VleError(
        `${table.cellAt(row, sampleColumn)}: sample ${id} after sample ${expected - 1}; samples are numbered 0, 1, 2, ... with each sample's rows together`,
      );
    }
  }
  const steps = offsets.map((o, s) => (s + 1 < offsets.length ? offsets[s + 1] : rows) - o);
  return { offsets, steps };
}

/**
 * Binds a stimulus to an engine's buffers. The returned function writes row `step` of each batch slot's sample
 * (`samples[b]`) into the engine: inputs into engine.input, targets into engine.output(...).target with
 * mask 1, or mask 0 where the row has no target.
 */
export function feedStimulus(stimulus: Stimulus, engine: Engine): (samples: ArrayLike<number>, step: number) => void {
  const B = engine.batch,
    offsets = stimulus.offsets;
  const feeds = stimulus.groups.map((g) => {
    const out = stimulus.kind === "target" ? engine.output(g.name) : undefined;
    return { ...g, buffer: out ? out.target : engine.input(g.name), mask: out?.mask };
  });
  return (samples, step) => {
    for (const { size: n, values, present, buffer, mask } of feeds) {
      for (let b = 0; b < B; b++) {
        const row = offsets[samples[b]] + step;
        if (mask) {
          mask[b] = present[row];
          if (!present[row]) continue;
        }
        for (let i = 0; i < n; i++) buffer[b * n + i] = values[row * n + i];
      }
    }
  };
}

// CSV data: one row per step, a `sample` column, inputs `x` or `x0, x1, ...`, a label `y` or targets `target0, ...`.
import { parse } from "csv-parse/sync";
import { VleError } from "../../../circuits/errors.js";
import { checkFileSize, toFloat64, type Arrays } from "./arrays.js";
import { readText } from "../../../circuits/read.js";

const columns = (header: string[], stem: string) =>
  header.filter((h) => h === stem || new RegExp(`^${stem}_?\\d+$`).test(h));

/**
 * The arrays of a CSV file with a header row: `sample` names the sequence a row belongs to (rows of one
 * sample in step order, every sample with the same number of rows); the columns `x` or `x0..` become x
 * [N, T, C]; `y` (the same on every row of a sample) becomes y [N]; `target` or `target0..` become
 * targets [N, T, K]. Samples keep the order of their first row.
 */
export function readCsv(path: string): Arrays {
  checkFileSize(path);
  const text = readText(path);
  let rows: string[][];
  try {
    rows = parse(text, { skip_empty_lines: true, trim: true });
  } catch (err) {
    throw new VleError(`${path}: not readable CSV (${(err as Error).message.split("\n")[0]})`);
  }
  const header = rows.shift();
  if (!header) throw new VleError(`${path}: empty; give a header row (sample, x, y) and one row per step`);
  const at = (name: string) => header.indexOf(name);
  if (at("sample") < 0) throw new VleError(`${path}: no 'sample' column; give each row the sample it belongs to`);
  const xs = columns(header, "x").map(at),
    ts = columns(header, "target").map(at);
  if (xs.length === 0) throw new VleError(`${path}: no input column; name the inputs x, or x0, x1, ...`);
  const order: string[] = [],
    bySample = new Map<string, string[][]>();
  for (const row of rows) {
    const id = row[at("sample")];
    if (!bySample.has(id)) bySample.set(id, []), order.push(id);
    bySample.get(id)!.push(row);
  }
  const N = order.length,
    T = bySample.get(order[0])?.length ?? 0;
  for (const id of order)
    if (bySample.get(id)!.length !== T)
      throw new VleError(
        `${path}: sample '${id}' has ${bySample.get(id)!.length} rows but sample '${order[0]}' has ${T}; give every sample the same number of steps`,
      );
  const number = (row: string[], col: number, line: number) => {
    const v = Number(row[col]);
    if (row[col] === undefined || row[col] === "" || Number.isNaN(v))
      throw new VleError(`${path}: row ${line}: column '${header[col]}' is '${row[col] ?? ""}', not a number`);
    return v;
  };
  const lineOf = new Map(rows.map((r, i) => [r, i + 2]));
  const gather = (cols: number[]) => {
    const out = new Float64Array(N * T * cols.length);
    order.forEach((id, n) =>
      bySample
        .get(id)!
        .forEach((row, t) =>
          cols.forEach((col, c) => (out[(n * T + t) * cols.length + c] = number(row, col, lineOf.get(row)!))),
        ),
    );
    return out;
  };
  const arrays: Arrays = new Map();
  arrays.set("x", toFloat64(path, "x", [N, T, xs.length], gather(xs)));
  if (ts.length) arrays.set("targets", toFloat64(path, "targets", [N, T, ts.length], gather(ts)));
  if (at("y") >= 0) {
    const y = new Float64Array(N);
    order.forEach((id, n) => {
      const sample = bySample.get(id)!;
      y[n] = number(sample[0], at("y"), lineOf.get(sample[0])!);
      for (const row of sample)
        if (number(row, at("y"), lineOf.get(row)!) !== y[n])
          throw new VleError(
            `${path}: row ${lineOf.get(row)}: sample '${id}' changes its label y; give one label per sample`,
          );
    });
    arrays.set("y", toFloat64(path, "y", [N], y));
  }
  return arrays;
}

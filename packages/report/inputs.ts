// Reads what `vle report` is given (the JSON the commands print with --json, trace CSVs, circuits, reference curves) into a report document.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parse } from "csv-parse/sync";
import { readCircuit } from "../../circuits/codec.js";
import { VleError } from "../../circuits/errors.js";
import { fromJSON } from "../../circuits/codec.js";
import type { Circuit } from "../../circuits/model.js";
import { crossbarWeights, type ReferenceCurves, type ReportDocument, type WaveformSection } from "./document.js";

const has = (x: unknown, ...keys: string[]) =>
  typeof x === "object" && x !== null && keys.every((k) => Object.hasOwn(x, k));

/** Reference curves from a JSON file: { source, metric, unit, curves: { name: { mean: [...] } } }. */
export function readReference(file: string): ReferenceCurves {
  const json = readJson(file);
  if (!has(json, "source", "curves") || typeof json.curves !== "object")
    throw new VleError(
      `${file}: not reference curves; write { "source": ..., "metric": ..., "unit": ..., "curves": { "<name>": { "mean": [one value per epoch] } } }`,
    );
  const r = json as unknown as ReferenceCurves;
  for (const [name, c] of Object.entries(r.curves))
    if (!Array.isArray(c?.mean) || c.mean.some((v) => typeof v !== "number"))
      throw new VleError(`${file}: curves.${name}.mean must be a list of numbers (one per epoch, epoch 0 first)`);
  return { ...r, metric: r.metric ?? "value", unit: r.unit ?? "dimensionless" };
}

function readJson(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new VleError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new VleError(`${file}: invalid JSON (${(err as Error).message})`);
  }
}

/** The axis of a trace's t column: seconds scaled to ms, us or ns when the circuit has a time base, else model time units. */
export function timeAxis(timeUnitS: number | undefined, tMax: number): { scale: number; unit: string } {
  if (timeUnitS === undefined) return { scale: 1, unit: "model time units (the description is dimensionless)" };
  const seconds = tMax * timeUnitS;
  const [factor, unit] =
    seconds >= 1 ? [1, "s"] : seconds >= 1e-3 ? [1e3, "ms"] : seconds >= 1e-6 ? [1e6, "µs"] : [1e9, "ns"];
  return { scale: timeUnitS * factor, unit };
}

/** The waveforms of a trace CSV (`vle simulate -o`): every recorded column over t, of the first sample; t in the circuit's time base when given. */
export function readTrace(file: string, timeUnitS?: number): WaveformSection {
  let rows: string[][];
  try {
    rows = parse(readFileSync(file, "utf8"), { skip_empty_lines: true });
  } catch (err) {
    throw new VleError(`${file}: not a trace CSV (${(err as Error).message})`);
  }
  const [head, ...body] = rows;
  if (head?.[0] !== "step" || head[1] !== "t")
    throw new VleError(`${file}: not a trace CSV: the header must start with step,t (as vle simulate -o writes)`);
  const sampleColumn = head.indexOf("sample");
  const firstSample = sampleColumn < 0 ? body : body.filter((r) => r[sampleColumn] === body[0]?.[sampleColumn]);
  const signals = head
    .map((name, k) => ({ name, k }))
    .filter(({ k }) => k >= 2 && k !== sampleColumn)
    .map(({ name, k }) => ({ name, values: firstSample.map((r) => Number(r[k])) }));
  const t = firstSample.map((r) => Number(r[1]));
  const axis = timeAxis(timeUnitS, t[t.length - 1] ?? 0);
  return {
    source: basename(file) + (sampleColumn < 0 ? "" : ` (sample ${body[0]?.[sampleColumn]})`),
    t: t.map((x) => x * axis.scale),
    timeUnit: axis.unit,
    signals,
  };
}

/** A compiled circuit (.pb, or circuit .json), unvalidated: the report only reads its weights. */
function readAnyCircuit(file: string, json?: Record<string, unknown>): Circuit {
  return json ? fromJSON(json, file) : readCircuit(file);
}

/**
 * Folds the files into one document by what each holds: a train, energy, verify or evaluate result (--json), reference
 * curves, a trace CSV, or circuits (the first one's weights are "before", the second's "after").
 */
export function readInputs(files: string[], doc: ReportDocument): ReportDocument {
  const circuits: Circuit[] = [];
  let trace: string | undefined;
  for (const file of files) {
    if (/\.csv$/i.test(file)) {
      trace = file;
      continue;
    }
    if (/\.pb$/i.test(file)) {
      circuits.push(readAnyCircuit(file));
      continue;
    }
    if (!/\.json$/i.test(file))
      throw new VleError(`${file}: give .json (a command's --json output or a circuit), .csv (a trace) or .pb files`);
    const json = readJson(file);
    if (has(json, "history", "final", "initial")) doc.training = json as unknown as ReportDocument["training"];
    else if (has(json, "lines", "perSample", "card")) doc.energy = json as unknown as ReportDocument["energy"];
    else if (has(json, "results", "passed")) doc.verify = json as unknown as ReportDocument["verify"];
    else if (has(json, "metrics", "sequences")) doc.evaluation = json as unknown as ReportDocument["evaluation"];
    else if (has(json, "source", "curves")) doc.reference = readReference(file);
    else if (has(json, "populations", "crossbars")) circuits.push(readAnyCircuit(file, json));
    else
      throw new VleError(
        `${file}: not something vle report reads; give the JSON of vle train, energy, verify or evaluate (--json), reference curves, a circuit or a trace CSV`,
      );
  }
  if (circuits.length > 2)
    throw new VleError(`${circuits.length} circuits given; give at most two (weights before and after learning)`);
  // a circuit given beside the trace supplies its time base
  if (trace) doc.waveforms = readTrace(trace, circuits[0]?.timeUnitS);
  if (circuits.length > 0)
    doc.weights = {
      before: crossbarWeights(circuits[0]),
      ...(circuits[1] ? { after: crossbarWeights(circuits[1]) } : {}),
    };
  return doc;
}

// Loads what a user hands the CLI: a network description (.yaml/.yml, or .json with populations+projections) or a compiled circuit (.pb/.json), validated.
import { fromJSON, readCircuit } from "../../circuits/codec.js";
import { shortTickWarning } from "../../circuits/hardware.js";
import { VleError } from "../../circuits/errors.js";
import { parseJson, readText } from "../../circuits/read.js";
import type { Circuit } from "../../circuits/model.js";
import { validate } from "../../circuits/validate.js";
import { compileSource, isDescription, passes, type Pass } from "../../compiler/index.js";

/** The description text a circuit was compiled from, when it was. */
export interface DescriptionSource {
  text: string;
  file: string;
}

/**
 * A validated circuit from a description (compiled on the fly with `pipeline`, its text kept as `source`) or a
 * compiled circuit file (no source).
 */
/** An older IR version read and upgraded: said once per file on stderr, so the user knows to rewrite it. */
const upgradeNote = (note: string) => process.stderr.write(`vle: note: ${note}\n`);

export function loadWithSource(
  path: string,
  pipeline: readonly Pass[] = passes,
): { circuit: Circuit; source?: DescriptionSource } {
  const described = (text: string) => {
    const circuit = compileSource(text, path, pipeline);
    warnShortTicks(path, circuit);
    return { circuit, source: { text, file: path } };
  };
  if (/\.ya?ml$/i.test(path)) return described(readText(path));
  if (/\.json$/i.test(path)) {
    const text = readText(path);
    const json = parseJson(text, path);
    // descriptions go through the compiler so errors name their line; circuits are checked by the validator
    if (isDescription(json)) return described(text);
    const circuit = fromJSON(json, path, upgradeNote);
    validate(circuit, path);
    warnShortTicks(path, circuit);
    return { circuit };
  }
  if (/\.pb$/i.test(path)) {
    const circuit = readCircuit(path, upgradeNote);
    validate(circuit, path);
    warnShortTicks(path, circuit);
    return { circuit };
  }
  throw new VleError(
    `${path}: unknown file type; give a description (.yaml, .yml, .json) or a compiled circuit (.pb, .json)`,
  );
}

/** A validated circuit from a description (compiled on the fly) or a compiled circuit file. */
export function loadCircuit(path: string): Circuit {
  return loadWithSource(path).circuit;
}

/** Writes one warning line to stderr when the circuit's chip has ticks shorter than their pipeline. */
export function warnShortTicks(path: string, c: Circuit): void {
  const warning = c.hardware ? shortTickWarning(c, c.hardware) : undefined;
  if (warning) process.stderr.write(`vle: warning: ${path}: ${warning}\n`);
}

// The compiler pipeline: an ordered, exported list of named passes; the graph is checked and the circuit validated after each.
import type { Circuit } from "../circuits/model.js";
import { validate } from "../circuits/validate.js";
import { checkGraph, type Description, type Graph } from "./graph.js";
import type { Scope } from "./quantity.js";
import type { Node } from "./source.js";
import { parse } from "./passes/parse.js";
import { resolve } from "./passes/resolve.js";
import { shapes } from "./passes/shapes.js";
import { lower } from "./passes/lower.js";
import { errorPaths } from "./passes/error-paths.js";
import { quantize } from "./passes/quantize.js";
import { mapToCores } from "./passes/map.js";
import { route } from "./passes/route.js";
import { emit } from "./passes/emit.js";

/** Everything a compilation knows so far; each pass reads what earlier passes left and adds its part. */
export interface Compilation {
  /** the description's path as given (used in every error message and in the provenance) */
  file: string;
  text: string;
  /** top-level keys besides the core ones that passes in this pipeline read (e.g. "hardware") */
  sections: Set<string>;
  /** parse: the line-annotated tree */
  tree?: Node;
  /** resolve: dt's unit and the named values expressions may use (also for later passes reading their own sections) */
  scope?: Scope;
  /** resolve: units, expressions and defaults resolved */
  description?: Description;
  /** shapes: every size known and checked */
  graph?: Graph;
  /** lower onwards: the circuit */
  circuit?: Circuit;
}

export interface Pass {
  name: string;
  run(c: Compilation): void;
  /** top-level description keys this pass reads, so they are not rejected as unknown */
  sections?: readonly string[];
}

/** The passes in order. Hardware passes (quantize, map to cores, route) go after "error paths", before "emit". */
export const passes: Pass[] = [parse, resolve, shapes, lower, errorPaths, quantize, mapToCores, route, emit];

/** Runs `pipeline` on a description's text: checks the graph after every pass that holds one before lowering, validates every circuit. */
export function runPipeline(text: string, file: string, pipeline: readonly Pass[] = passes): Circuit {
  const c: Compilation = { file, text, sections: new Set(pipeline.flatMap((p) => p.sections ?? [])) };
  for (const pass of pipeline) {
    pass.run(c);
    if (c.circuit) validate(c.circuit, `${file} (compiler pass '${pass.name}')`);
    else if (c.graph) checkGraph(c.graph);
  }
  if (!c.circuit)
    throw new Error(`compiler pipeline ended without a circuit (passes: ${pipeline.map((p) => p.name).join(", ")})`);
  return c.circuit;
}

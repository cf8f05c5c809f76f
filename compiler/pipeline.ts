// The compiler pipeline: an ordered list of named passes; the graph is checked and the circuit validated after each.
import type { Circuit } from "../circuits/model.js";
import { validate } from "../circuits/validate.js";
import { checkGraph } from "./graph.js";
import type { Pass } from "./pass.js";
import { emit } from "./passes/emit.js";
import { errorPaths } from "./passes/error-paths.js";
import { lower } from "./passes/lower.js";
import { parse } from "./passes/parse.js";
import { place } from "./passes/place.js";
import { quantize } from "./passes/quantize.js";
import { readTargetFromDescription } from "./passes/read-target.js";
import { resolve } from "./passes/resolve.js";
import { route } from "./passes/route.js";
import { settleTiming } from "./passes/settle-timing.js";
import { shapes } from "./passes/shapes.js";
import type { Stages } from "./stages.js";

/** The passes in order. The hardware passes (read-target to settle-timing) go after "error-paths", before "emit". */
export const passes: readonly Pass[] = [
  parse,
  resolve,
  shapes,
  lower,
  errorPaths,
  readTargetFromDescription,
  quantize,
  place,
  route,
  settleTiming,
  emit,
];

/** Runs `pipeline` on a description's text: checks the graph after every pass that holds one before lowering, validates every circuit. */
export function runPipeline(text: string, file: string, pipeline: readonly Pass[] = passes): Circuit {
  const stages: Partial<Stages> = {
    source: { file, text, sections: new Set(pipeline.flatMap((p) => p.sections ?? [])) },
  };
  for (const pass of pipeline) {
    for (const need of pass.needs)
      if (!(need in stages))
        throw new Error(`compiler pass '${pass.name}' needs the '${need}' stage, which no earlier pass made`);
    Object.assign(stages, pass.run(stages as Stages));
    if (stages.circuit) validate(stages.circuit, `${file} (compiler pass '${pass.name}')`);
    else if (stages.graph) checkGraph(stages.graph);
  }
  if (!stages.circuit)
    throw new Error(`compiler pipeline ended without a circuit (passes: ${pipeline.map((p) => p.name).join(", ")})`);
  return stages.circuit;
}

// The compiler's API: network description (YAML or JSON) -> validated circuit.
import { readText } from "../circuits/read.js";
import type { Circuit } from "../circuits/model.js";
import type { Pass } from "./pass.js";
import { passes, runPipeline } from "./pipeline.js";

export { passes } from "./pipeline.js";
export { definePass, type Pass } from "./pass.js";
export { withTarget } from "./passes/read-target.js";
export { remapChip } from "./remap-chip.js";

/** Compiles description text; `file` names the source in errors and in the provenance. */
export function compileSource(text: string, file: string, pipeline: readonly Pass[] = passes): Circuit {
  return runPipeline(text, file, pipeline);
}

/** Reads and compiles a description file. */
export function compileFile(path: string, pipeline: readonly Pass[] = passes): Circuit {
  return compileSource(readText(path), path, pipeline);
}

/** Whether parsed JSON looks like a network description rather than a compiled circuit. */
export function isDescription(json: unknown): boolean {
  return (
    typeof json === "object" &&
    json !== null &&
    !Array.isArray(json) &&
    "populations" in json &&
    "projections" in json &&
    !("crossbars" in json)
  );
}

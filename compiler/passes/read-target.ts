// Pass 'read-target': the chip to compile for, from the description's hardware section or a card named on the command line.
import { VleError } from "../../circuits/errors.js";
import { definePass, type Pass } from "../pass.js";
import { readTarget } from "../target.js";

/** The read-target pass for the description's own hardware section, or for `card` (vle compile --chip). */
function readTargetPass(card?: string): Pass {
  return definePass({
    name: "read-target",
    needs: ["source", "tree", "scope", "description", "circuit"],
    sections: ["hardware"],
    run: ({ source, tree, scope, description, circuit }) => {
      const target = readTarget({ file: source.file, tree, scope, description }, card);
      // a chip runs in seconds: a dimensionless description takes the target's time base
      if (target) circuit.timeUnitS = target.timeUnitS;
      return { target };
    },
  });
}

export const readTargetFromDescription = readTargetPass();

/** `pipeline` compiling for `card` whatever the description's hardware section names (vle compile --chip). */
export function withTarget(pipeline: readonly Pass[], card: string): Pass[] {
  if (!pipeline.some((p) => p.name === "read-target"))
    throw new VleError("this compiler pipeline has no hardware passes, so --chip cannot apply");
  return pipeline.map((p) => (p.name === "read-target" ? readTargetPass(card) : p));
}

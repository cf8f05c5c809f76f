// Which populations an error can reach on a chip: outputs, broadcast targets, and the pre populations of crossbars with a feedback path from a reached post.
import { Feedback, type Circuit } from "../../circuits/model.js";

/**
 * Populations whose error cell can ever hold a non-zero error. An error starts at the outputs and at
 * broadcast targets and moves backward through every crossbar whose feedback is not `none`; the error
 * cell of any other population integrates zero forever, so a chip gates it off.
 */
function reachedByErrors(c: Circuit): Set<string> {
  const populations = new Set(c.populations.map((p) => p.name));
  const reached = new Set<string>([...c.outputs.map((o) => o.population), ...c.broadcasts.map((b) => b.to)]);
  let grown = true;
  while (grown) {
    grown = false;
    for (const x of c.crossbars)
      if (x.feedback !== Feedback.NO_FEEDBACK && reached.has(x.post) && populations.has(x.pre) && !reached.has(x.pre)) {
        reached.add(x.pre);
        grown = true;
      }
  }
  return reached;
}

/** Removes the error cells (and their error currents) of populations no error reaches. */
export function gateUnreachedErrorCells(c: Circuit): void {
  const reached = reachedByErrors(c);
  const gated = new Set(c.errorPopulations.filter((e) => !reached.has(e.population)).map((e) => e.name));
  c.errorPopulations = c.errorPopulations.filter((e) => !gated.has(e.name));
  c.errorCurrents = c.errorCurrents.filter((l) => !gated.has(l.errorPopulation));
}

// Pass 'error-paths': how errors reach every population: per crossbar feedback (transpose, random, learned, none) and broadcasts from the outputs.
import { Feedback } from "../../circuits/model.js";
import { materialize } from "../init.js";
import { definePass } from "../pass.js";

export const errorPaths = definePass({
  name: "error-paths",
  needs: ["graph", "circuit"],
  run({ graph: g, circuit }) {
    for (const x of g.projections) {
      const crossbar = circuit.crossbars.find((k) => k.name === x.name)!;
      crossbar.feedback = x.feedback.kind;
      // random and learned feedback have a matrix of their own: a fixed seeded draw, or the learned matrix's start
      const ownMatrix = x.feedback.kind === Feedback.RANDOM || x.feedback.kind === Feedback.LEARNED;
      crossbar.feedbackWeights = ownMatrix ? materialize(x.feedback, x.rows, x.cols) : [];
    }
    const size = new Map(g.populations.map((p) => [p.name, p.size]));
    circuit.broadcasts = g.broadcasts.map((b) => ({
      from: b.from,
      to: b.to,
      weights: materialize(b, size.get(b.to)!, size.get(b.from)!),
    }));
    return undefined;
  },
});

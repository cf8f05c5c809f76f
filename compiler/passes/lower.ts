// Pass 'lower': graph -> circuit cells: input ports, populations, their error populations and error currents, crossbars, output ports.
import { Feedback, IR_VERSION, type Circuit, type Crossbar } from "../../circuits/model.js";
import { materialize } from "../init.js";
import { unitSeconds } from "../quantity.js";
import { definePass } from "../pass.js";

/** The name of a population's error compartment. */
const errorPopulationName = (population: string) => `${population}.error`;

export const lower = definePass({
  name: "lower",
  needs: ["graph"],
  run({ graph: g }) {
    const neurons = g.populations.filter((p) => p.kind !== "input");
    // every population with a membrane gets an error compartment: errors pass through it even where nothing learns
    const circuit: Circuit = {
      version: IR_VERSION,
      name: g.name,
      dt: g.dt,
      // undeclared ranges, rails, tolerances and time base stay absent (see circuit.proto)
      inputs: g.populations
        .filter((p) => p.kind === "input")
        .map((p) => ({ name: p.name, size: p.size, ...(p.range && { lo: p.range[0], hi: p.range[1] }) })),
      populations: neurons.map((p) => ({
        name: p.name,
        size: p.size,
        tauM: [...p.tauMValues],
        tauR: [...p.tauRValues],
        bias: [...p.biasValues],
        phi: p.phi,
        plasticBias: p.learnBias,
        plasticTauM: p.learnTauM,
      })),
      errorPopulations: neurons.map((p) => ({ name: errorPopulationName(p.name), population: p.name })),
      errorCurrents: neurons.map((p) => ({
        errorPopulation: errorPopulationName(p.name),
        population: p.name,
        gamma: p.gamma,
      })),
      // error paths are synthesized by the next pass; until then no error flows back through a crossbar
      crossbars: g.projections.map(
        (x): Crossbar => ({
          name: x.name,
          pre: x.from,
          post: x.to,
          rows: x.rows,
          cols: x.cols,
          weights: materialize(x, x.rows, x.cols),
          plastic: x.plastic,
          feedback: Feedback.NO_FEEDBACK,
          feedbackWeights: [],
        }),
      ),
      broadcasts: [],
      outputs: neurons
        .filter((p) => p.kind === "output")
        .map((p) => ({
          name: p.target,
          population: p.name,
          loss: g.loss.kind,
          beta: g.loss.beta,
          ...(p.tolerance !== undefined && { tolerance: p.tolerance }),
        })),
      learning: { ...g.learning.ir },
      provenance: { source: "", sourceSha256: "", compilerVersion: "", cardSha256: "" },
      ...(g.rails && { railLo: g.rails[0], railHi: g.rails[1] }),
      ...(g.timeUnit !== undefined && { timeUnitS: unitSeconds(g.timeUnit) }),
      // ideal only until a hardware pass maps the circuit onto a chip (null as decoding leaves it)
      hardware: null,
    };
    return { circuit };
  },
});

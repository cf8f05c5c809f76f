// The report's dynamics section from an analysis: fixed points placed in the orbit's projection, the thinned orbit, emissions and dwell times against the HMM.
import type { Circuit } from "../../circuits/model.js";
import { Random } from "../../circuits/random.js";
import type { DynamicsSection } from "../report/document.js";
import { viterbi } from "../tasks/hmm/inference.js";
import { dwellTimes, emissionFrequencies } from "../tasks/hmm/metrics.js";
import { samplePath } from "../tasks/hmm/model.js";
import { hmmLayout, hmmOf, type HmmTaskSettings } from "../tasks/hmm/task.js";
import type { Ablation } from "./ablation.js";
import { autonomous, type FixedPoint } from "./fixed-points.js";
import type { Orbit, Projection, Residency } from "./orbits.js";

/** Points of the orbit the page draws at most (every k-th symbol beyond it). */
const orbitPoints = 3000;

export interface HmmAnalysis {
  task: string;
  settings: HmmTaskSettings;
  orbit: Orbit;
  projection: Projection;
  residency: Residency;
  ablation: Ablation;
  /** the ablation's kick threshold: the fraction of the intact transition rate a silencing must remove */
  threshold: number;
  /** seeds the HMM's own sequences */
  seed: number;
}

/** The hidden membranes of a fixed point (all populations but the outputs, in the orbit's order), projected. */
function projectFixedPoint(circuit: Circuit, u: number[], projection: Projection): number[] {
  const blocks = autonomous(circuit).blocks;
  const outputs = new Set(circuit.outputs.map((o) => o.population));
  const hidden = circuit.populations
    .filter((p) => !outputs.has(p.name))
    .flatMap((p) => {
      const b = blocks.find((x) => x.name === p.name)!;
      return u.slice(b.start, b.start + b.size);
    });
  return projection.components.map((d) => d.reduce((s, v, i) => s + v * (hidden[i] - projection.mean[i]), 0));
}

export function dynamicsSection(
  circuit: Circuit,
  name: string,
  fixedPoints: FixedPoint[],
  hmm?: HmmAnalysis,
): DynamicsSection {
  const section: DynamicsSection = {
    circuit: name,
    fixedPoints: fixedPoints.map((f) => ({
      stable: f.stable,
      leading: f.leading,
      basin: f.basin,
      residual: f.residual,
      projected: hmm ? projectFixedPoint(circuit, f.u, hmm.projection) : undefined,
    })),
  };
  if (!hmm) return section;
  const { settings, orbit, projection } = hmm;
  const model = hmmOf(settings, hmmLayout(circuit, settings.feedback).symbols);
  const random = new Random(hmm.seed ^ 0x5eed);
  const reference = orbit.emissions.map(() => samplePath(model, settings.symbolsPerSequence, random).emissions);
  const decoded = orbit.emissions.map((x) => viterbi(model, x));
  const labelled = projection.projected.flatMap((seq, n) =>
    seq.map((y, t) => ({ pc1: y[0], pc2: y[1] ?? 0, state: decoded[n][t] })),
  );
  const every = Math.max(1, Math.ceil(labelled.length / orbitPoints));
  const dwell = (source: "network" | "HMM", paths: Int32Array[]) =>
    dwellTimes(paths, model.states).flatMap((lengths, state) => {
      const visits = new Map<number, number>();
      for (const l of lengths) visits.set(l, (visits.get(l) ?? 0) + 1);
      return [...visits].sort((a, b) => a[0] - b[0]).map(([length, n]) => ({ state, source, length, visits: n }));
    });
  const { ablation } = hmm;
  section.hmm = {
    task: hmm.task,
    explained: projection.explained,
    orbit: labelled.filter((_, i) => i % every === 0),
    residency: hmm.residency,
    frequencies: {
      network: [...emissionFrequencies(orbit.emissions, model.symbols)],
      hmm: [...emissionFrequencies(reference, model.symbols)],
    },
    dwell: [
      ...dwell("network", decoded),
      ...dwell(
        "HMM",
        reference.map((x) => viterbi(model, x)),
      ),
    ],
    ablation: {
      intactRate: ablation.intactRate,
      threshold: hmm.threshold,
      neurons: ablation.neurons.map((n) => ({
        population: n.population,
        neuron: n.neuron,
        transitionRate: n.transitionRate,
      })),
      kick: ablation.kick.map((n) => `${n.population}[${n.neuron}]`),
    },
  };
  return section;
}

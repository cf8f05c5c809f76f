// Single-neuron ablation of an HMM emulator: which neurons' removal stops its transitions ("kick neurons").
import { cloneCircuit, type Circuit } from "../../circuits/model.js";
import type { EngineFactory } from "../tasks/task.js";
import { viterbi } from "../tasks/hmm/inference.js";
import { emissionFrequencies, klDivergence } from "../tasks/hmm/metrics.js";
import { generate, hmmLayout, hmmOf, type HmmTaskSettings } from "../tasks/hmm/task.js";

/** The circuit with neuron `index` of `population` silenced: every weight it sends is zero. */
export function silence(circuit: Circuit, population: string, index: number): Circuit {
  const c = cloneCircuit(circuit);
  for (const x of c.crossbars)
    if (x.pre === population) for (let i = 0; i < x.rows; i++) x.weights[i * x.cols + index] = 0;
  return c;
}

interface AblationResult {
  population: string;
  neuron: number;
  /** decoded state changes per symbol with the neuron silenced */
  transitionRate: number;
  /** KL(intact || ablated) of the emission frequencies, nats */
  emissionShift: number;
}

export interface Ablation {
  intactRate: number;
  /** every neuron of the hidden populations, the largest drop in transition rate first */
  neurons: AblationResult[];
  /** neurons whose silencing cuts the transition rate by at least `threshold` (default half) */
  kick: AblationResult[];
}

/** Decoded state changes per symbol of generated sequences. */
export function transitionRate(circuit: Circuit, settings: HmmTaskSettings, sequences: Int32Array[]): number {
  const hmm = hmmOf(settings, hmmLayout(circuit, settings.feedback).symbols);
  let changes = 0,
    moves = 0;
  for (const x of sequences) {
    const z = viterbi(hmm, x);
    for (let t = 1; t < z.length; t++) {
      moves++;
      if (z[t] !== z[t - 1]) changes++;
    }
  }
  return moves ? changes / moves : 0;
}

/** Silences each hidden neuron in turn and generates the same noise-driven sequences (same seed). */
export function ablate(
  circuit: Circuit,
  settings: HmmTaskSettings,
  count: number,
  seed: number,
  threshold = 0.5,
  engine?: EngineFactory,
): Ablation {
  const M = hmmLayout(circuit, settings.feedback).symbols;
  const intact = generate(circuit, settings, count, seed, { engine });
  const intactRate = transitionRate(circuit, settings, intact),
    intactFreq = emissionFrequencies(intact, M);
  const outputs = new Set(circuit.outputs.map((o) => o.population));
  const neurons: AblationResult[] = [];
  for (const p of circuit.populations) {
    if (outputs.has(p.name)) continue;
    for (let i = 0; i < p.size; i++) {
      const ablated = silence(circuit, p.name, i);
      const sequences = generate(ablated, settings, count, seed, { engine });
      neurons.push({
        population: p.name,
        neuron: i,
        transitionRate: transitionRate(circuit, settings, sequences),
        emissionShift: klDivergence(intactFreq, emissionFrequencies(sequences, M)),
      });
    }
  }
  neurons.sort((a, b) => a.transitionRate - b.transitionRate);
  // with no transitions at all there is nothing to stop, so no neuron is a kick neuron
  const kick = intactRate > 0 ? neurons.filter((n) => n.transitionRate <= (1 - threshold) * intactRate) : [];
  return { intactRate, neurons, kick };
}

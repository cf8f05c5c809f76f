// How a noise-driven HMM emulator moves: its state per symbol, a principal-component projection, and residency per decoded state.
import { Matrix, SVD } from "ml-matrix";
import type { Circuit } from "../../circuits/model.js";
import type { EngineFactory } from "../tasks/task.js";
import { viterbi } from "../tasks/hmm/inference.js";
import { dwellTimes } from "../tasks/hmm/metrics.js";
import { generate, hmmLayout, hmmOf, type HmmTaskSettings } from "../tasks/hmm/task.js";

/** Membranes of every non-output population at the end of each symbol period, per sequence, and the emissions. */
export interface Orbit {
  /** per sequence: symbols x width, row-major */
  states: Float64Array[];
  width: number;
  emissions: Int32Array[];
}

/** Runs the generator and records the hidden membranes (all populations but the outputs) once per symbol. */
export function recordOrbit(
  circuit: Circuit,
  settings: HmmTaskSettings,
  count: number,
  seed: number,
  engine?: EngineFactory,
): Orbit {
  const outputs = new Set(circuit.outputs.map((o) => o.population));
  const hidden = circuit.populations.filter((p) => !outputs.has(p.name));
  const width = hidden.reduce((n, p) => n + p.size, 0);
  const T = settings.symbolsPerSequence;
  const states = Array.from({ length: count }, () => new Float64Array(T * width));
  const emissions = generate(circuit, settings, count, seed, {
    engine,
    onPeriod: (t, e, first, n) => {
      let offset = 0;
      for (const p of hidden) {
        const u = e.population(p.name).now.u;
        for (let b = 0; b < n; b++) states[first + b].set(u.subarray(b * p.size, (b + 1) * p.size), t * width + offset);
        offset += p.size;
      }
    },
  });
  return { states, width, emissions };
}

export interface Projection {
  /** components x width, row-major: unit principal directions */
  components: number[][];
  /** fraction of the variance each component explains */
  explained: number[];
  mean: number[];
  /** per sequence: symbols x components */
  projected: number[][][];
}

/** Principal components of the recorded states (SVD of the centred data). */
export function principalComponents(orbit: Orbit, components = 3): Projection {
  const rows = orbit.states.flatMap((s) =>
    Array.from({ length: s.length / orbit.width }, (_, t) => [...s.subarray(t * orbit.width, (t + 1) * orbit.width)]),
  );
  const X = new Matrix(rows);
  const mean = X.mean("column");
  X.subRowVector(mean);
  const svd = new SVD(X, { computeLeftSingularVectors: false, autoTranspose: true });
  const total = svd.diagonal.reduce((s, v) => s + v * v, 0) || 1;
  const k = Math.min(components, orbit.width);
  const V = svd.rightSingularVectors;
  const directions = Array.from({ length: k }, (_, c) => V.getColumn(c));
  const project = (row: number[]) => directions.map((d) => d.reduce((s, v, i) => s + v * (row[i] - mean[i]), 0));
  let r = 0;
  const projected = orbit.states.map((s) => Array.from({ length: s.length / orbit.width }, () => project(rows[r++])));
  return {
    components: directions,
    explained: svd.diagonal.slice(0, k).map((v) => (v * v) / total),
    mean,
    projected,
  };
}

export interface Residency {
  /** per decoded state: where it sits in the projection, how long it is held, how fast the state moves there */
  states: { state: number; share: number; centroid: number[]; meanDwell: number; speed: number }[];
  /** mean distance moved per symbol in the periods where the decoded state changes */
  transitionSpeed: number;
  /** decoded state changes per symbol */
  transitionRate: number;
}

/**
 * Decodes each generated sequence into HMM states (Viterbi) and summarises the orbit per state: share of
 * time, centroid in the projection, mean complete dwell, and mean distance moved per symbol (the slow
 * regions of the paper's picture), against the speed in the periods where the decoded state changes.
 */
export function residency(
  circuit: Circuit,
  settings: HmmTaskSettings,
  orbit: Orbit,
  projection: Projection,
): Residency {
  const hmm = hmmOf(settings, hmmLayout(circuit, settings.feedback).symbols);
  const K = hmm.states,
    dims = projection.components.length;
  const decoded = orbit.emissions.map((x) => viterbi(hmm, x));
  const count = new Float64Array(K),
    speed = new Float64Array(K),
    held = new Float64Array(K),
    centroid = Array.from({ length: K }, () => new Float64Array(dims));
  let changes = 0,
    changeSpeed = 0,
    steps = 0,
    moves = 0;
  decoded.forEach((z, n) => {
    const y = projection.projected[n];
    for (let t = 0; t < z.length; t++) {
      count[z[t]]++;
      for (let d = 0; d < dims; d++) centroid[z[t]][d] += y[t][d];
      steps++;
      if (t === 0) continue;
      const step = Math.hypot(...y[t].map((v, d) => v - y[t - 1][d]));
      moves++;
      if (z[t] !== z[t - 1]) {
        changes++;
        changeSpeed += step;
      } else {
        speed[z[t]] += step;
        held[z[t]]++;
      }
    }
  });
  const dwell = dwellTimes(decoded, K);
  return {
    states: Array.from({ length: K }, (_, k) => ({
      state: k,
      share: count[k] / steps,
      centroid: [...centroid[k]].map((v) => (count[k] ? v / count[k] : Number.NaN)),
      meanDwell: dwell[k].length ? dwell[k].reduce((s, v) => s + v, 0) / dwell[k].length : Number.NaN,
      speed: held[k] ? speed[k] / held[k] : Number.NaN,
    })),
    transitionSpeed: changes ? changeSpeed / changes : Number.NaN,
    transitionRate: moves ? changes / moves : 0,
  };
}

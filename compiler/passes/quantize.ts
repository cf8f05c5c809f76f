// Pass 'quantize': chooses each crossbar's weight grid (bits, scale, rounding) and every converted signal's range.
import { levelWeight, maxLevel, nearestLevel } from "../../circuits/hardware.js";
import {
  Feedback,
  Loss,
  Phi,
  Signal,
  type Circuit,
  type SignalRange,
  type WeightStorage,
} from "../../circuits/model.js";
import { transfers } from "../../circuits/cells.js";
import { inputRange } from "../../circuits/envelope.js";
import { definePass } from "../pass.js";
import { fail } from "../source.js";
import type { Target } from "../target.js";
import { gateUnreachedErrorCells } from "./error-reach.js";

export const quantize = definePass({
  name: "quantize",
  needs: ["source", "circuit", "target"],
  run({ source, circuit, target: spec }) {
    if (!spec) return { grids: undefined };
    // a chip gates off the error cells no error reaches: they are not integrated, converted or priced
    gateUnreachedErrorCells(circuit);
    for (const name of spec.ranges.rates.keys()) {
      const known = circuit.inputs.some((p) => p.name === name) || circuit.populations.some((p) => p.name === name);
      if (!known)
        fail(
          source.file,
          spec.ranges.rates.get(name)!.where,
          `'${name}' is neither an input nor a population`,
          `give ranges for ${[...circuit.inputs, ...circuit.populations].map((p) => p.name).join(", ")} or error`,
        );
    }
    return { grids: { weights: weightStorage(circuit, spec), ranges: signalRanges(circuit, spec) } };
  },
});

/** Largest |w| of a crossbar's stored matrices (its weights and its own feedback matrix). */
function largestWeight(x: Circuit["crossbars"][number]): number {
  let m = 0;
  for (const w of x.weights) m = Math.max(m, Math.abs(w));
  for (const w of x.feedbackWeights) m = Math.max(m, Math.abs(w));
  return m;
}

/**
 * One grid per crossbar: the top level stands for `max` (or headroom x the largest initial weight, so
 * learning can grow weights), scale = top / (2^(bits-1) - 1). The error bound of the initial weights
 * under nearest rounding is reported in max_abs_error (at most scale/2 unless a weight clips).
 */
function weightStorage(c: Circuit, spec: Target): WeightStorage[] {
  return c.crossbars.map((x) => {
    const levels = maxLevel(spec.weights.bits);
    const top = spec.weights.max ?? spec.weights.headroom * (largestWeight(x) || 1);
    const store: WeightStorage = {
      crossbar: x.name,
      bits: spec.weights.bits,
      scale: top / levels,
      rounding: spec.weights.rounding,
      driftPerS: spec.weights.driftPerS,
      maxAbsError: 0,
    };
    let error = 0;
    for (const w of [...x.weights, ...x.feedbackWeights])
      error = Math.max(error, Math.abs(w - levelWeight(nearestLevel(w, store), store)));
    store.maxAbsError = error;
    return store;
  });
}

/** Membrane bound in model units: the rails sit at +-supply/2 around the membrane's zero. */
const railBound = (spec: Target) => spec.physical.supply / 2 / spec.physical.vUnit;

/** The natural rate range of a transfer function over membranes within the rails. */
function rateRange(phi: Phi, rail: number): [number, number] {
  const f = transfers[phi].phi;
  switch (phi) {
    case Phi.TANH:
      return [-1, 1];
    case Phi.SIGMOID:
      return [0, 1];
    case Phi.SOFTPLUS:
    case Phi.RELU:
      return [0, f(rail)];
    default:
      return [-rail, rail];
  }
}

function signalRanges(c: Circuit, spec: Target): SignalRange[] {
  const rail = railBound(spec);
  const ranges: SignalRange[] = [];
  const rate = new Map<string, [number, number]>();
  for (const p of c.inputs) {
    const given = spec.ranges.rates.get(p.name);
    rate.set(p.name, given ? [given.lo, given.hi] : inputRange(p));
  }
  for (const p of c.populations) {
    const given = spec.ranges.rates.get(p.name);
    rate.set(p.name, given ? [given.lo, given.hi] : rateRange(p.phi, rail));
  }
  for (const [element, [lo, hi]] of rate) ranges.push({ element, signal: Signal.RATE_SIGNAL, lo, hi });
  // errors: the largest output error beta |y - r| sets the default bound for every error signal
  const outputBound = Math.max(
    0,
    ...c.outputs.map((o) => {
      const [lo, hi] = rate.get(o.population)!;
      return o.beta * (o.loss === Loss.CROSS_ENTROPY ? 1 : hi - lo);
    }),
  );
  const errorBound = spec.ranges.error ?? (outputBound > 0 ? outputBound : 1);
  for (const ep of c.errorPopulations)
    ranges.push({ element: ep.population, signal: Signal.ERROR_SIGNAL, lo: -errorBound, hi: errorBound });
  for (const o of c.outputs) {
    const [lo, hi] = o.loss === Loss.CROSS_ENTROPY ? [0, 1] : rate.get(o.population)!;
    ranges.push({ element: o.name, signal: Signal.TARGET_SIGNAL, lo, hi });
  }
  // partial sums of a crossbar's tiles (used where a tile sits away from its neurons): the largest
  // row (column) sum of |w| at the weight grid's top, times the largest input (error)
  const top = new Map(weightStorage(c, spec).map((s) => [s.crossbar, s.scale * maxLevel(s.bits)]));
  for (const x of c.crossbars) {
    const [lo, hi] = rate.get(x.pre)!;
    const preMax = Math.max(Math.abs(lo), Math.abs(hi));
    const grow = top.get(x.name)! / (largestWeight(x) || 1);
    let rowSum = 0;
    for (let i = 0; i < x.rows; i++) {
      let s = 0;
      for (let j = 0; j < x.cols; j++) s += Math.abs(x.weights[i * x.cols + j]);
      rowSum = Math.max(rowSum, s);
    }
    const forward = Math.max(rowSum * grow, top.get(x.name)!) * preMax;
    ranges.push({ element: x.name, signal: Signal.PARTIAL_SUM_SIGNAL, lo: -forward, hi: forward });
    if (x.feedback !== Feedback.NO_FEEDBACK) {
      const back = x.feedback === Feedback.TRANSPOSE ? x.weights : x.feedbackWeights;
      let colSum = 0;
      for (let j = 0; j < x.cols; j++) {
        let s = 0;
        for (let i = 0; i < x.rows; i++) s += Math.abs(back[i * x.cols + j]);
        colSum = Math.max(colSum, s);
      }
      const backward = Math.max(colSum * grow, top.get(x.name)!) * errorBound;
      ranges.push({ element: x.name, signal: Signal.ERROR_PARTIAL_SUM_SIGNAL, lo: -backward, hi: backward });
    }
  }
  return ranges;
}

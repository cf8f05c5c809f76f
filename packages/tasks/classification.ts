// Sequence classification: a signal fed step by step, its class as a one-hot target on the closing steps only, scored by accuracy.
import { VleError } from "../../circuits/errors.js";
import { Loss, type Circuit } from "../../circuits/model.js";
import { softmax } from "../../simulator/engine.js";
import type { Dataset, Metrics, ProtocolOptions, Sequence } from "./task.js";

/** How a labelled signal becomes a sequence. */
export interface ClassificationLayout {
  /** steps that carry the signal, `channels` values each */
  signalSteps: number;
  channels: number;
  /** zero-input steps after the signal */
  tailSteps: number;
  /**
   * the first step that carries the target; every later step does too. After the signal (= signalSteps)
   * asks for the answer once the whole signal can have reached the output: it lags the input by at least
   * one step per projection on the way (design section 2). 0 asks for it all along, and the outputs summed
   * over all steps vote (the GLE paper's MNIST-1D protocol).
   */
  targetFrom: number;
  classes: number;
  /** steps each signal sample is held for (supersampling; signalSteps counts samples); default 1 */
  stepsPerSample?: number;
}

/**
 * The layout with the user's protocol overrides, checked: one-line errors name the option. `samples` is the
 * number of samples per signal; targetFrom counts steps of the sequence after supersampling.
 */
export function withProtocol(
  task: string,
  base: ClassificationLayout,
  options: ProtocolOptions = {},
): ClassificationLayout {
  const stepsPerSample = options.stepsPerSample ?? base.stepsPerSample ?? 1;
  if (!Number.isInteger(stepsPerSample) || stepsPerSample < 1)
    throw new VleError(`task '${task}': --steps-per-sample ${stepsPerSample} must be a whole number >= 1`);
  const tailSteps = options.answerSteps ?? base.tailSteps;
  if (!Number.isInteger(tailSteps) || tailSteps < 0)
    throw new VleError(`task '${task}': --answer-steps ${tailSteps} must be a whole number >= 0`);
  const layout = { ...base, stepsPerSample, tailSteps };
  const steps = sequenceSteps(layout);
  const targetFrom = options.targetFrom === "last" ? steps - 1 : (options.targetFrom ?? base.targetFrom);
  if (!Number.isInteger(targetFrom) || targetFrom < 0 || targetFrom >= steps)
    throw new VleError(
      `task '${task}': --target-from ${targetFrom} must be a step in [0, ${steps}) (the sequence has ${steps} steps), or 'last'`,
    );
  return { ...layout, targetFrom };
}

/** A labelled set of sequences; `labels` is what `classificationScore` compares against. */
export interface ClassificationDataset extends Dataset {
  readonly labels: Uint8Array;
}

export const sequenceSteps = (l: ClassificationLayout) => l.signalSteps * (l.stepsPerSample ?? 1) + l.tailSteps;

/**
 * Sequences from `count` signals (x: count x signalSteps x channels, sample-major). Inputs are copied once
 * into one array with the zero answer steps; targets and the mask are shared per class, so a sequence
 * costs no allocation.
 */
export function classificationDataset(
  x: ArrayLike<number>,
  labels: Uint8Array,
  layout: ClassificationLayout,
): ClassificationDataset {
  const { signalSteps, channels, classes } = layout,
    hold = layout.stepsPerSample ?? 1,
    steps = sequenceSteps(layout),
    count = labels.length;
  if (!(layout.targetFrom >= 0 && layout.targetFrom < steps))
    throw new VleError(
      `classification: targetFrom = ${layout.targetFrom}; give a step in [0, ${steps}) so that some step carries the target`,
    );
  const signalSize = signalSteps * channels,
    size = steps * channels;
  const inputs = new Float64Array(count * size);
  for (let k = 0; k < count; k++)
    for (let t = 0; t < signalSteps; t++)
      for (let h = 0; h < hold; h++)
        for (let c = 0; c < channels; c++)
          inputs[k * size + (t * hold + h) * channels + c] = x[k * signalSize + t * channels + c];
  const mask = new Uint8Array(steps).fill(1, layout.targetFrom);
  const targets = Array.from({ length: classes }, (_, c) => {
    const t = new Float64Array(steps * classes);
    for (let s = layout.targetFrom; s < steps; s++) t[s * classes + c] = 1;
    return t;
  });
  const sequences: Sequence[] = Array.from({ length: count }, (_, k) => ({
    input: inputs.subarray(k * size, (k + 1) * size),
    target: targets[labels[k]],
    mask,
  }));
  return { size: count, labels, sequence: (i) => sequences[i] };
}

/**
 * accuracy: the class of the largest output summed over the target steps; loss: the circuit's output loss
 * (cross-entropy of the softmax, or 1/2 squared error to the one-hot target) per target step and sequence.
 */
export function classificationScore(
  outputs: Float64Array[],
  data: ClassificationDataset,
  layout: ClassificationLayout,
  circuit: Circuit,
): Metrics {
  const { targetFrom, classes } = layout,
    steps = sequenceSteps(layout);
  const crossEntropy = circuit.outputs[0]?.loss === Loss.CROSS_ENTROPY;
  const summed = new Float64Array(classes),
    p = new Float64Array(classes);
  let right = 0,
    loss = 0;
  outputs.forEach((y, k) => {
    const label = data.labels[k];
    summed.fill(0);
    for (let s = targetFrom; s < steps; s++) {
      const o = s * classes;
      for (let c = 0; c < classes; c++) summed[c] += y[o + c];
      if (crossEntropy) {
        softmax(y, o, classes, p);
        loss -= Math.log(Math.max(p[label], 1e-300));
      } else {
        for (let c = 0; c < classes; c++) loss += 0.5 * ((c === label ? 1 : 0) - y[o + c]) ** 2;
      }
    }
    let best = 0;
    for (let c = 1; c < classes; c++) if (summed[c] > summed[best]) best = c;
    if (best === label) right++;
  });
  const n = outputs.length;
  return { accuracy: n ? right / n : 0, loss: n ? loss / (n * (steps - targetFrom)) : 0 };
}

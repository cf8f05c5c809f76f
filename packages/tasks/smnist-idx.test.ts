// Sequential MNIST from official IDX files (gzipped or not), the permuted task, and Fashion-MNIST at full size (Debian dataset-fashion-mnist).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "fflate";
import { afterAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/index.js";
import { readIdx } from "./data/idx.js";
import { bundledNote, createSmnistPermuted, createSmnistPixel, createSmnistRow, loadIdxDigits } from "./smnist.js";

const dir = mkdtempSync(join(tmpdir(), "vle-idx-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An IDX file of unsigned bytes as the format's description gives it: 0, 0, 0x08, dims, big-endian sizes, data. */
function idx(shape: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * shape.length);
  return out;
}

/** A folder with `n` training and `m` test images whose pixel p of image k is (k + p) % 256, label k % 10. */
function folder(name: string, n: number, m: number, gz: boolean): string {
  const path = join(dir, name);
  mkdirSync(path);
  const write = (file: string, bytes: Uint8Array) =>
    writeFileSync(join(path, gz ? `${file}.gz` : file), gz ? gzipSync(bytes) : bytes);
  for (const [prefix, count] of [
    ["train", n],
    ["t10k", m],
  ] as const) {
    write(
      `${prefix}-images-idx3-ubyte`,
      idx(
        [count, 28, 28],
        Uint8Array.from({ length: count * 784 }, (_, i) => (Math.floor(i / 784) + (i % 784)) % 256),
      ),
    );
    write(
      `${prefix}-labels-idx1-ubyte`,
      idx(
        [count],
        Uint8Array.from({ length: count }, (_, k) => k % 10),
      ),
    );
  }
  return path;
}

const circuit = (inputs: number) =>
  compileSource(
    `dt: 0.1
populations:
  - { name: x, kind: input, size: ${inputs} }
  - { name: y, kind: output, size: 10, tau_m: 0.2, phi: linear }
projections:
  - { from: x, to: y }
loss: { kind: cross-entropy, beta: 1 }`,
    "net.yaml",
  );

describe("IDX files", () => {
  it("gzipped and plain folders give the same images, scaled to [0, 1], with their labels", () => {
    const plain = loadIdxDigits(folder("plain", 12, 5, false)),
      gz = loadIdxDigits(folder("gz", 12, 5, true));
    expect(gz).toStrictEqual(plain);
    expect([plain.train.count, plain.test.count]).toEqual([12, 5]);
    expect(plain.train.pixels[3 * 784 + 10]).toBeCloseTo(13 / 255, 6);
    expect(Array.from(plain.test.labels)).toEqual([0, 1, 2, 3, 4]);
  });

  it("the tasks read them: row (28 steps of 28), pixel (784 steps), with the note naming the folder", () => {
    const path = join(dir, "gz");
    const row = createSmnistRow({
      seed: 0,
      circuit: circuit(28),
      dataDir: path,
      protocol: { targetFrom: "last", answerSteps: 0 },
    });
    expect([row.steps, row.train.size, row.test.size]).toEqual([28, 12, 5]);
    expect(row.note).toMatch(/the official IDX files in .*gz: 12 training and 5 test images/);
    expect(Array.from(row.train.sequence(0).mask)).toEqual([...new Array(27).fill(0), 1]);
    const pixel = createSmnistPixel({ seed: 0, circuit: circuit(1), dataDir: path, testSize: 3 });
    expect(pixel.test.size).toBe(3);
    expect(pixel.train.sequence(2).input[100]).toBeCloseTo(102 / 255, 6);
  });

  it("permuted: one fixed pixel order from the data seed, the same for every image and run seed", () => {
    const path = join(dir, "plain");
    const plain = createSmnistPixel({ seed: 0, circuit: circuit(1), dataDir: path, protocol: { answerSteps: 0 } });
    const a = createSmnistPermuted({ seed: 0, circuit: circuit(1), dataDir: path, protocol: { answerSteps: 0 } });
    const b = createSmnistPermuted({ seed: 5, circuit: circuit(1), dataDir: path, protocol: { answerSteps: 0 } });
    const c = createSmnistPermuted({
      seed: 0,
      circuit: circuit(1),
      dataDir: path,
      dataSeed: 1,
      protocol: { answerSteps: 0 },
    });
    const x = plain.train.sequence(4).input,
      p = a.train.sequence(4).input;
    expect(p).toStrictEqual(b.train.sequence(4).input);
    expect(p).not.toStrictEqual(c.train.sequence(4).input);
    expect(p).not.toStrictEqual(x);
    expect(Array.from(p).sort()).toEqual(Array.from(x).sort());
    // the order is one permutation: image 7 moves its pixels where image 4 moved them
    const where = Array.from({ length: 784 }, (_, i) => Array.from(x).indexOf(p[i]));
    const x7 = plain.train.sequence(7).input;
    expect(Array.from(a.train.sequence(7).input)).toEqual(where.map((j) => x7[j]));
  });

  it("bad files: one line naming the file and what is wrong", () => {
    const bad = join(dir, "bad");
    mkdirSync(bad);
    expect(() => loadIdxDigits(bad)).toThrow(/bad: no train-images-idx3-ubyte or train-images-idx3-ubyte\.gz/);
    writeFileSync(join(bad, "short"), idx([10, 28, 28], new Uint8Array(100)));
    expect(() => readIdx(join(bad, "short"))).toThrow(
      /IDX shape \[10,28,28\] needs 7840 bytes of data, the file has 100/,
    );
    writeFileSync(join(bad, "text"), "hello world");
    expect(() => readIdx(join(bad, "text"))).toThrow(/not an IDX file of unsigned bytes/);
  });

  it("the bundled digits say they are a subset", () => {
    const row = createSmnistRow({ seed: 0, circuit: circuit(28), trainSize: 10, testSize: 10 });
    expect(row.note).toBe(bundledNote);
    expect(bundledNote).toMatch(/not comparable with published figures/);
  });
});

describe("Fashion-MNIST at full size (Debian dataset-fashion-mnist; .ci/run installs it)", () => {
  it("60 000 training and 10 000 test images, 6000 and 1000 per class", () => {
    const sets = loadIdxDigits("/usr/share/datasets/fashion-mnist");
    expect([sets.train.count, sets.test.count]).toEqual([60000, 10000]);
    const perClass = (labels: Uint8Array) => Array.from({ length: 10 }, (_, c) => labels.filter((l) => l === c).length);
    expect(perClass(sets.train.labels)).toEqual(new Array(10).fill(6000));
    expect(perClass(sets.test.labels)).toEqual(new Array(10).fill(1000));
  });
});

// The data readers against numpy-written files (test/fixtures/data/make.py): every format gives the same arrays; bad files give one line naming the array and the shape expected.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import h5wasm from "h5wasm/node";
import { afterAll, describe, expect, it } from "vitest";
import { compileSource } from "../../../compiler/index.js";
import { readData } from "./read.js";
import { createDataTask } from "./task.js";

const fixture = (name: string) => `test/fixtures/data/${name}`;
const dir = mkdtempSync(join(tmpdir(), "vle-data-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const circuitOf = (inputs: number, outputs: number) =>
  compileSource(
    `dt: 0.1
populations:
  - { name: x, kind: input, size: ${inputs} }
  - { name: y, kind: output, size: ${outputs}, tau_m: 0.2, phi: linear }
projections:
  - { from: x, to: y }
loss: { kind: cross-entropy, beta: 1 }`,
    "net.yaml",
  );

describe("readers", () => {
  it(".npz (savez, float32 x, int64 y) and .npz (savez_compressed) are read with shapes and values", async () => {
    const train = await readData(fixture("sign-train.npz"));
    expect(train.get("x")!.shape).toEqual([200, 10, 1]);
    expect(train.get("y")!.shape).toEqual([200]);
    expect(Array.from(train.get("y")!.data.subarray(0, 10))).toEqual([1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
    const test = await readData(fixture("sign-test.npz"));
    expect(test.get("x")!.shape).toEqual([60, 10, 1]);
  });

  it("name=file.npy pairs give the same arrays as the .npz (x [N,T] float64, y int32)", async () => {
    const npz = await readData(fixture("sign-train.npz"));
    const pairs = await readData(`x=${fixture("sign-train-x.npy")},y=${fixture("sign-train-y.npy")}`);
    expect(pairs.get("x")!.shape).toEqual([200, 10]);
    expect(pairs.get("x")!.data).toEqual(npz.get("x")!.data);
    expect(pairs.get("y")!.data).toEqual(npz.get("y")!.data);
  });

  it("CSV (one row per step, a sample column) gives the arrays of the .npz", async () => {
    const npz = await readData(fixture("sign-test.npz"));
    const csv = await readData(fixture("sign-test.csv"));
    expect(csv.get("x")!.shape).toEqual([60, 10, 1]);
    expect(csv.get("x")!.data).toEqual(npz.get("x")!.data);
    expect(csv.get("y")!.data).toEqual(npz.get("y")!.data);
  });

  it("HDF5 datasets at the root (written by h5wasm) give the arrays of the .npz", async () => {
    const npz = await readData(fixture("sign-test.npz"));
    await h5wasm.ready;
    const path = join(dir, "sign-test.h5");
    const f = new h5wasm.File(path, "w");
    f.create_dataset({ name: "x", data: Float32Array.from(npz.get("x")!.data), shape: [60, 10, 1] });
    f.create_dataset({ name: "y", data: BigInt64Array.from(npz.get("y")!.data, (v) => BigInt(v)), shape: [60] });
    f.close();
    const h5 = await readData(path);
    expect(h5.get("x")!.shape).toEqual([60, 10, 1]);
    expect(h5.get("x")!.data).toEqual(npz.get("x")!.data);
    expect(h5.get("y")!.data).toEqual(npz.get("y")!.data);
  });

  it("refuse unknown types, damaged files and bad CSV in one line", async () => {
    await expect(readData("data.txt")).rejects.toThrow(/data\.txt: unknown data file type; give \.npz, \.h5/);
    const bad = join(dir, "bad.npz");
    writeFileSync(bad, "not a zip");
    await expect(readData(bad)).rejects.toThrow(/bad\.npz: not a readable \.npz archive/);
    await expect(readData(join(dir, "missing.npz"))).rejects.toThrow(/missing\.npz: cannot read \(ENOENT\)/);
    const csv = join(dir, "ragged.csv");
    writeFileSync(csv, "sample,x,y\na,1,0\na,2,0\nb,3,1\n");
    await expect(readData(csv)).rejects.toThrow(/sample 'b' has 1 rows but sample 'a' has 2/);
    writeFileSync(csv, "sample,x,y\na,1,0\na,oops,0\n");
    await expect(readData(csv)).rejects.toThrow(/ragged\.csv: row 3: column 'x' is 'oops', not a number/);
    writeFileSync(csv, "sample,x,y\na,1,0\na,2,1\n");
    await expect(readData(csv)).rejects.toThrow(/row 3: sample 'a' changes its label y/);
  });
});

describe("the data task", () => {
  it("classification: the summed vote over the target window; x shapes checked against the circuit", async () => {
    const train = { name: "sign-train.npz", arrays: await readData(fixture("sign-train.npz")) };
    const task = createDataTask(circuitOf(1, 2), train, undefined, {});
    expect([task.steps, task.train.size, task.test.size, task.headline.name]).toEqual([10, 200, 200, "accuracy"]);
    expect(Array.from(task.train.sequence(0).mask)).toEqual(new Array(10).fill(1));
    const held = createDataTask(circuitOf(1, 2), train, undefined, {
      stepsPerSample: 3,
      answerSteps: 2,
      targetFrom: "last",
    });
    expect(held.steps).toBe(32);
    const x = train.arrays.get("x")!.data;
    expect(Array.from(held.train.sequence(1).input.subarray(0, 6))).toEqual([x[10], x[10], x[10], x[11], x[11], x[11]]);
    expect(() => createDataTask(circuitOf(3, 2), train, undefined)).toThrow(
      /sign-train\.npz: x has shape \[200,10,1\] \(1 channel\(s\)\) but circuit '.*' has 3 input channel\(s\); expected \[200, 10, 3\]/,
    );
    expect(() => createDataTask(circuitOf(1, 1), train, undefined)).toThrow(
      /sign-train\.npz: y\[0\] = 1; labels are whole numbers in \[0, 1\)/,
    );
  });

  it("regression: targets [N,T,K] scored by MSE; wrong shapes name the array and the shape expected", async () => {
    const echo = { name: "echo.npz", arrays: await readData(fixture("echo.npz")) };
    const task = createDataTask(circuitOf(2, 2), echo, undefined);
    expect([task.steps, task.headline.name]).toEqual([5, "mse"]);
    const x = echo.arrays.get("x")!.data;
    expect(task.train.sequence(1).target[3]).toBe(0.5 * x[13]);
    const wrong = new Map(echo.arrays);
    wrong.set("targets", { ...echo.arrays.get("targets")!, shape: [8, 10, 1] });
    expect(() => createDataTask(circuitOf(2, 2), { name: "w.npz", arrays: wrong }, undefined)).toThrow(
      /w\.npz: targets has shape \[8,10,1\]; expected \[8, 5, 2\]/,
    );
    const none = new Map([["x", echo.arrays.get("x")!]]);
    expect(() => createDataTask(circuitOf(2, 2), { name: "n.npz", arrays: none }, undefined)).toThrow(
      /n\.npz: no array 'y' or 'targets' \(arrays: x\); give labels y \[8\] or targets \[8, 5, 2\]/,
    );
    const flat = new Map([["x", { name: "x", shape: [8], data: new Float64Array(8) }]]);
    expect(() => createDataTask(circuitOf(2, 2), { name: "f.npz", arrays: flat }, undefined)).toThrow(
      /f\.npz: x has shape \[8\]; expected \[N, T\] or \[N, T, C\]/,
    );
  });
});

// `vle train --data` and `vle evaluate --data` end to end on numpy-written files: a network learns the fixture task, every format scores alike, bad input gives one line.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectOneLineError, vle } from "./cli.js";

const dir = mkdtempSync(join(tmpdir(), "vle-data-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixture = (name: string) => `test/fixtures/data/${name}`;

describe("vle train --data / vle evaluate --data", () => {
  const trained = join(dir, "sign.pb");

  it("trains on .npz with a .npz test set: the test loss falls from near ln 2 to below 0.3, accuracy at least 0.95", () => {
    const run = vle(
      "train",
      "--json",
      fixture("sign.yaml"),
      "--data",
      fixture("sign-train.npz"),
      "--test",
      fixture("sign-test.npz"),
      "--epochs",
      "3",
      "--batch",
      "10",
      "-o",
      trained,
    );
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ task: "data", trainSize: 200, testSize: 60, stepsPerSequence: 10 });
    expect(summary.initial.loss).toBeGreaterThan(0.6);
    expect(summary.final.loss).toBeLessThan(0.3);
    expect(summary.final.accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it("evaluate scores the trained circuit the same on the .npz and the .csv of the same test set, and as train did", () => {
    const npz = JSON.parse(vle("evaluate", trained, "--data", fixture("sign-test.npz"), "--json").stdout);
    const csv = JSON.parse(vle("evaluate", trained, "--data", fixture("sign-test.csv"), "--json").stdout);
    expect(npz.metrics.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(csv.metrics).toStrictEqual(npz.metrics);
    expect(npz).toMatchObject({ sequences: 60, stepsPerSequence: 10 });
    const text = vle("evaluate", trained, "--data", fixture("sign-test.npz"));
    expect(text.stdout).toMatch(/60 sequences of 10 steps\n {2}accuracy \d/);
  });

  it("bad data: one line naming the array and the shape expected, exit 1; --task with --data is a usage error (exit 2)", () => {
    expectOneLineError(
      vle("evaluate", trained, "--data", fixture("echo.npz")),
      /echo\.npz: x has shape \[8,5,2\] \(2 channel\(s\)\) but circuit 'sign' has 1 input channel\(s\); expected \[8, 5, 1\]/,
    );
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "sample,x\na,1\n");
    expectOneLineError(vle("evaluate", trained, "--data", bad), /bad\.csv: no array 'y' or 'targets' \(arrays: x\)/);
    const both = vle("train", fixture("sign.yaml"), "--task", "mnist1d", "--data", fixture("sign-train.npz"));
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/^vle: give either --task <name> \(a built-in task\) or --data <file>.*\n$/);
  });
});

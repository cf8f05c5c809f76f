// `vle train` end to end: a run killed with SIGKILL and resumed ends bit for bit like an uninterrupted one; defaults recover the lagline teacher; bad input gives one line.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, inject, it } from "vitest";
import { readCircuit } from "../circuits/codec.js";
import { expectOneLineError, vle } from "./cli.js";

const cli = inject("vleCli");
const dir = mkdtempSync(join(tmpdir(), "vle-train-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);

describe("vle train --resume after SIGKILL", () => {
  // 40 sequences in batches of 2: 20 batches of 2000 steps per epoch, a checkpoint after every batch
  const args = [
    "train",
    "--json",
    "examples/lagline.yaml",
    "--task",
    "lagline",
    "--epochs",
    "3",
    "--train-size",
    "40",
    "--test-size",
    "2",
    "--batch",
    "2",
    "--seed",
    "9",
  ];

  it("continues from the last checkpoint and ends with the same parameters, metrics and trained circuit, bit for bit", async () => {
    const whole = vle(...args, "-o", at("whole.json"));
    expect(whole.status, whole.stderr).toBe(0);

    const checkpoint = at("killed.ckpt.json");
    const child = spawn(
      process.execPath,
      [cli, ...args, "--checkpoint", checkpoint, "--checkpoint-every", "1", "-o", at("resumed.json")],
      { stdio: "ignore" },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal)),
    );
    while (!existsSync(checkpoint)) await sleep(2);
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    const ck = JSON.parse(readFileSync(checkpoint, "utf8"));
    // killed part way: after at least one batch, before the end
    expect(ck.epoch * 20 + ck.batch).toBeGreaterThan(0);
    expect(ck.epoch * 20 + ck.batch).toBeLessThan(3 * 20);
    expect(existsSync(at("resumed.json"))).toBe(false);

    const resumed = vle(...args, "--checkpoint", checkpoint, "--resume", "-o", at("resumed.json"));
    expect(resumed.status, resumed.stderr).toBe(0);
    const a = JSON.parse(whole.stdout),
      b = JSON.parse(resumed.stdout);
    expect(b.resumedFrom).toStrictEqual({ epoch: ck.epoch, batch: ck.batch });
    expect(b.parameters).toStrictEqual(a.parameters);
    expect(b.final).toStrictEqual(a.final);
    expect(b.history).toStrictEqual(a.history);
    expect(readCircuit(at("resumed.json"))).toStrictEqual(readCircuit(at("whole.json")));
    expect(readFileSync(at("resumed.json"), "utf8")).toBe(readFileSync(at("whole.json"), "utf8"));
  });
});

describe("vle train", () => {
  it("without --json, vle train ends with a readable table of the test metrics before and after", () => {
    const run = vle("train", "examples/lagline.yaml", "--task", "lagline", "--epochs", "2");
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^trained 'lagline' on lagline with rule vle: 2 epochs of \d+ sequences x \d+ steps, batch \d+/,
    );
    const mse = /^ {2}testMse +([\d.e+-]+) +([\d.e+-]+)$/m.exec(run.stdout);
    expect(mse, run.stdout).not.toBeNull();
    expect(Number(mse![2])).toBeLessThan(Number(mse![1]));
    expect(run.stdout).not.toContain("{");
  });

  it("vle train examples/lagline.yaml --task lagline --json recovers the teacher and prints a JSON summary", () => {
    const run = vle("train", "examples/lagline.yaml", "--task", "lagline", "--json");
    expect(run.status, run.stderr).toBe(0);
    const s = JSON.parse(run.stdout);
    expect(s).toMatchObject({ task: "lagline", circuit: "lagline", rule: "vle", epochs: 10, seed: 0 });
    expect(s.final.recovered).toBe(true);
    expect(s.final.maxWeightError).toBeLessThanOrEqual(0.02);
    expect(s.final.maxTauMError).toBeLessThanOrEqual(0.05);
    expect(Object.keys(s.parameters).sort()).toStrictEqual(["l0.tau_m", "l0_to_l1.W", "l1.tau_m", "x_to_l0.W"]);
    expect(s.wallSeconds).toBeGreaterThan(0);
  });

  it("bad input gives exit 1 (a bad flag value 2) and one line naming the problem", () => {
    expectOneLineError(
      vle("train", "examples/lagline.yaml", "--task", "nope"),
      /^vle: unknown task 'nope'; tasks: lagline, delayed-xor/,
    );
    expectOneLineError(
      vle("train", "examples/lagline.yaml", "--task", "lagine"),
      /^vle: unknown task 'lagine' \(did you mean 'lagline'\?\); tasks: lagline/,
    );
    expectOneLineError(
      vle("train", "examples/lagline.yaml", "--task", "lagline", "--rule", "eporp"),
      /^vle: --rule: unknown rule 'eporp' \(did you mean 'eprop'\?\)/,
    );
    expectOneLineError(
      vle("train", "examples/lagline.yaml", "--task", "delayed-xor"),
      /^vle: task 'delayed-xor' feeds 2 input channel\(s\) but circuit 'lagline' has 1/,
    );
    expectOneLineError(
      vle("train", "examples/lagline.yaml", "--task", "lagline", "--rule", "backprop"),
      /^vle: --rule: unknown rule 'backprop'/,
    );
    expectOneLineError(
      vle("train", "examples/lagline.yaml", "--task", "lagline", "--epochs", "x"),
      /^vle: --epochs 'x' must be an integer >= 0/,
      2,
    );
    expectOneLineError(
      vle("train", "examples/lagline.yaml", "--task", "lagline", "--resume", "--checkpoint", at("none.json")),
      /no checkpoint to resume/,
    );
  });
});

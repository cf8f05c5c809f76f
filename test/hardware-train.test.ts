// Chip training from the CLI: `train --mode hardware` learns on the chip, its checkpoint holds the generators, pending writes and clock so a resumed run ends bit for bit as the uninterrupted one, and a checkpoint path is locked against a second run.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { injectFaults } from "../circuits/files.js";
import { trainCommand, type TrainCommandOptions } from "../packages/cli/commands/train.js";

const dir = mkdtempSync(join(tmpdir(), "vle-hw-train-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);

const options = (extra: Partial<TrainCommandOptions>): TrainCommandOptions => ({
  task: "lagline",
  mode: "hardware",
  trainSize: 6,
  testSize: 1,
  batch: 2,
  seed: 3,
  progress: false,
  ...extra,
});

describe("train --mode hardware", () => {
  it("resumes bit for bit from a checkpoint after every batch and after an epoch", async () => {
    const whole = await trainCommand("examples/lagline-chip.yaml", options({ epochs: 2 }));
    expect(whole.summary.final.testMse).not.toBe(whole.summary.initial.testMse);
    // stopped after an epoch, and (the second checkpoint write failing) after the first batch of an epoch
    for (const [name, failAt] of [
      ["after an epoch", undefined],
      ["after a batch", 2],
    ] as const) {
      const checkpoint = at(`${name}.json`);
      const undo = injectFaults(failAt, "ENOSPC");
      try {
        await trainCommand(
          "examples/lagline-chip.yaml",
          options({ epochs: failAt ? 2 : 1, checkpoint, checkpointEvery: failAt ? 1 : 0 }),
        );
      } catch (err) {
        expect((err as Error).message).toContain("ENOSPC");
      } finally {
        undo();
      }
      const ck = JSON.parse(readFileSync(checkpoint, "utf8"));
      expect([ck.epoch, ck.batch], name).toStrictEqual(failAt ? [0, 1] : [1, 0]);
      expect(ck.run.mode).toBe("hardware");
      expect(ck.chip.noise.length).toBeGreaterThan(0);
      const resumed = await trainCommand(
        "examples/lagline-chip.yaml",
        options({ epochs: 2, checkpoint, resume: true }),
      );
      expect(resumed.summary.resumedFrom, name).toBeDefined();
      expect(resumed.summary.parameters, name).toStrictEqual(whole.summary.parameters);
      expect(resumed.summary.final, name).toStrictEqual(whole.summary.final);
      expect(resumed.summary.history, name).toStrictEqual(whole.summary.history);
    }
  }, 300_000);

  it("an ideal-mode checkpoint is not resumed in hardware mode", async () => {
    const checkpoint = at("ideal.json");
    await trainCommand("examples/lagline-chip.yaml", options({ mode: "ideal", epochs: 1, checkpoint }));
    await expect(
      trainCommand("examples/lagline-chip.yaml", options({ epochs: 2, checkpoint, resume: true })),
    ).rejects.toThrow(/made with mode "ideal", this run has "hardware"; resume with the same --mode/);
  }, 120_000);
});

describe("one run per checkpoint path", () => {
  it("a second run on a checkpoint another live run holds is refused; a lock whose process is gone is taken over", async () => {
    const checkpoint = at("locked.json");
    const holder = spawn("sleep", ["30"]);
    try {
      writeFileSync(`${checkpoint}.lock`, `${holder.pid}\n`);
      await expect(
        trainCommand("examples/lagline.yaml", {
          task: "lagline",
          epochs: 1,
          trainSize: 2,
          testSize: 1,
          batch: 1,
          checkpoint,
        }),
      ).rejects.toThrow(`another run (process ${holder.pid}) is writing this checkpoint`);
      expect(existsSync(checkpoint)).toBe(false);
    } finally {
      holder.kill();
    }
    // pid 2^22 + 1 is above Linux's pid_max: the lock of a killed run
    writeFileSync(`${checkpoint}.lock`, `${2 ** 22 + 1}\n`);
    await trainCommand("examples/lagline.yaml", {
      task: "lagline",
      epochs: 1,
      trainSize: 2,
      testSize: 1,
      batch: 1,
      checkpoint,
    });
    expect(JSON.parse(readFileSync(checkpoint, "utf8")).format).toBe("vle-train-checkpoint");
    expect(existsSync(`${checkpoint}.lock`)).toBe(false);
  }, 120_000);
});

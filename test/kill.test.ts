// Training killed with SIGKILL at random moments, for real, against the built CLI: every checkpoint left behind is intact, and --resume finishes exactly like an uninterrupted run; numerical trouble stops a run and leaves the checkpoint before it intact.
//
// VLE_KILLS sets the number of kills (20, in CI too: the task is tiny so they stay near a minute).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, inject, it } from "vitest";
import { Random } from "../circuits/random.js";
import { vle } from "./cli.js";

const kills = Number(process.env.VLE_KILLS ?? 20);
/** Kills of hardware-mode training (VLE_HARDWARE_KILLS, 10 by default). */
const hardwareKills = Number(process.env.VLE_HARDWARE_KILLS ?? 10);
const dir = mkdtempSync(join(tmpdir(), "vle-kill-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);
const cli = () => inject("vleCli");

/** A checkpoint file must parse, be a vle checkpoint and hold finite parameters; returns its position (batches done). */
function intact(path: string, perEpoch: number): number {
  const ck = JSON.parse(readFileSync(path, "utf8"));
  expect(ck.format).toBe("vle-train-checkpoint");
  for (const p of ck.parameters) for (const x of p.values) expect(Number.isFinite(x), p.name).toBe(true);
  return ck.epoch * perEpoch + ck.batch;
}

/** Resolves once the checkpoint file has been replaced `n` times (or the run has ended). */
async function checkpointsWritten(path: string, n: number, exited: Promise<unknown>): Promise<void> {
  let done = false;
  void exited.then(() => (done = true));
  const version = () => (existsSync(path) ? statSync(path).mtimeMs + ":" + statSync(path).ino : "");
  let seen = version(),
    count = 0;
  while (!done && count < n) {
    await sleep(1);
    const now = version();
    if (now !== seen) {
      seen = now;
      count++;
    }
  }
}

/** What must come out the same: the learned parameters, the metrics, the history. */
const result = (stdout: string) => {
  const s = JSON.parse(stdout);
  return { parameters: s.parameters, initial: s.initial, final: s.final, history: s.history };
};

/**
 * `kills` SIGKILLs at random moments of `vle train <args>` with a checkpoint after every batch (`perEpoch` batches,
 * `epochs` epochs), each run resumed until it ends: every checkpoint intact, every end bit for bit the uninterrupted run's.
 */
function killAndResume(
  label: string,
  args: string[],
  perEpoch: number,
  epochs: number,
  kills: number,
  seed: number,
  perKillMs = 15_000,
) {
  it(
    `${label}: ${kills} kills; each leaves an intact checkpoint (or none yet), and --resume ends bit for bit as the uninterrupted run`,
    async () => {
      const started = performance.now();
      const whole = vle(...args, "-o", at(`${label}-whole.json`));
      expect(whole.status, whole.stderr).toBe(0);
      const duration = performance.now() - started;
      const reference = result(whole.stdout);

      const random = new Random(seed);
      let chain = 0,
        checkpoint = at(`${label}-chain0.ckpt.json`),
        last = -1,
        killed = 0,
        resumes = 0;
      const output = () => at(`${label}-chain${chain}.json`);
      const finish = (stdout: string) => {
        expect(result(stdout)).toStrictEqual(reference);
        expect(readFileSync(output(), "utf8")).toBe(readFileSync(at(`${label}-whole.json`), "utf8"));
        chain++;
        checkpoint = at(`${label}-chain${chain}.ckpt.json`);
        last = -1;
      };
      while (killed < kills) {
        const resume = existsSync(checkpoint);
        resumes += resume ? 1 : 0;
        const child = spawn(
          process.execPath,
          [
            cli(),
            ...args,
            "--checkpoint",
            checkpoint,
            "--checkpoint-every",
            "1",
            ...(resume ? ["--resume"] : []),
            "-o",
            output(),
          ],
          { stdio: ["ignore", "pipe", "pipe"] },
        );
        let stdout = "";
        child.stdout.on("data", (d) => (stdout += d));
        const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
          child.on("exit", (code, signal) => resolve({ code, signal })),
        );
        // a random moment, anchored to the run's progress so that a loaded machine does not push every kill before the
        // first checkpoint: one time in five during start-up, else after 1-3 new checkpoints plus a random part of a batch
        const early = random.uniform() < 0.2,
          writes = 1 + random.int(3),
          extra = random.uniform() * (duration / (perEpoch * epochs));
        const moment = early
          ? sleep(random.uniform() * duration * 0.3)
          : checkpointsWritten(checkpoint, writes, exited).then(() => sleep(extra));
        const outcome = await Promise.race([exited, moment.then(() => undefined)]);
        if (outcome) {
          // the run ended before the kill: it must have finished properly
          expect(outcome.code).toBe(0);
          finish(stdout);
          continue;
        }
        child.kill("SIGKILL");
        const { signal, code } = await exited;
        if (signal !== "SIGKILL") {
          expect(code).toBe(0); // it finished in the instant before the kill
          finish(stdout);
          continue;
        }
        killed++;
        if (existsSync(checkpoint)) {
          const position = intact(checkpoint, perEpoch);
          expect(position).toBeGreaterThanOrEqual(last); // a resumed run never moves the checkpoint back
          last = position;
        }
        // the trained circuit is written atomically at the end: absent, or whole
        if (existsSync(output()))
          expect(readFileSync(output(), "utf8")).toBe(readFileSync(at(`${label}-whole.json`), "utf8"));
      }
      // the last chain: resume (or start) and run to the end
      const final = vle(
        ...args,
        "--checkpoint",
        checkpoint,
        "--checkpoint-every",
        "1",
        ...(existsSync(checkpoint) ? ["--resume"] : []),
        "-o",
        output(),
      );
      expect(final.status, final.stderr).toBe(0);
      finish(final.stdout);
      console.log(
        `kill test, ${label}: ${killed} SIGKILLs at random moments over ${chain} runs to the end (${resumes} resumes); every checkpoint intact, every run ended bit for bit as the uninterrupted one`,
      );
      expect(killed).toBe(kills);
    },
    Math.max(120_000, kills * perKillMs),
  );
}

describe("SIGKILL at random moments", () => {
  // 12 sequences in batches of 2: 6 batches per epoch, 3 epochs, a checkpoint after every batch
  const lagline = (epochs: number) => [
    "train",
    "--json",
    "examples/lagline.yaml",
    "--task",
    "lagline",
    "--epochs",
    String(epochs),
    "--train-size",
    "12",
    "--test-size",
    "1",
    "--batch",
    "2",
    "--seed",
    "5",
  ];
  killAndResume("ideal", lagline(3), 6, 3, kills, 20260801);
  // the chip: its noise and stochastic rounding generators, pending writes and clock live in the checkpoint;
  // 6 sequences in batches of 2, 2 epochs
  killAndResume(
    "hardware",
    [
      "train",
      "--json",
      "examples/lagline-chip.yaml",
      "--mode",
      "hardware",
      "--task",
      "lagline",
      "--epochs",
      "2",
      "--train-size",
      "6",
      "--test-size",
      "1",
      "--batch",
      "2",
      "--seed",
      "3",
    ],
    3,
    2,
    hardwareKills,
    20261201,
    // a chip's run of 2000-step sequences takes seconds, a loaded machine many
    90_000,
  );
});

describe("numerical trouble stops training", () => {
  it("a membrane past the declared rails stops the run naming step, population and neuron; the checkpoint before it stays intact, and --resume meets the same stop", () => {
    // lagline with rails that its output crosses only once learning has grown the weights: the run stops part way
    const text = readFileSync("examples/lagline.yaml", "utf8").replace(/^dt: 0\.01$/m, "dt: 0.01\nrails: [-1, 2]");
    expect(text).toContain("rails: [-1, 2]");
    const description = at("railed.yaml");
    writeFileSync(description, text);
    const checkpoint = at("railed.ckpt.json");
    const args = [
      "train",
      "--json",
      description,
      "--task",
      "lagline",
      "--epochs",
      "3",
      "--train-size",
      "12",
      "--test-size",
      "1",
      "--batch",
      "2",
      "--seed",
      "5",
      "--checkpoint",
      checkpoint,
      "--checkpoint-every",
      "1",
    ];
    const run = vle(...args);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /^vle: step \d+(, batch slot \d)?: population 'l1' neuron 0: u = 2\.00\d* is past the rails \[-1, 2\]; .*\n$/,
    );
    const before = readFileSync(checkpoint, "utf8");
    const position = intact(checkpoint, 6);
    expect(position).toBeGreaterThan(0);
    expect(position).toBeLessThan(18);
    const again = vle(...args, "--resume");
    expect(again.status).toBe(1);
    expect(again.stderr).toBe(run.stderr);
    expect(readFileSync(checkpoint, "utf8")).toBe(before);
  });
});

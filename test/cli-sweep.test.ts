import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { quantile } from "../packages/sweep/summary.js";
import { expectOneLineError, vle } from "./cli.js";

const dir = mkdtempSync(join(tmpdir(), "vle-sweep-"));
const sweepFile = (name: string, extra = "") => {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(
    path,
    `name: ${name}
description: ${resolve("examples/delayed-xor-chip.yaml")}
task: delayed-xor
train: { epochs: 1, seed: 0, mode: ideal }
evaluate: { mode: hardware, test_size: 20 }
grid:
  hardware.mismatch.stuck_off: [0, 0.2]
dies: 3
${extra}`,
  );
  return path;
};
const results = (path: string) => JSON.parse(readFileSync(path, "utf8"));

describe("vle sweep", () => {
  it("5th percentile interpolates between order statistics as numpy does", () => {
    expect(quantile([1, 2, 3, 4, 5], 0.05)).toBeCloseTo(1.2, 12);
    expect(quantile([3], 0.05)).toBe(3);
  });

  it("refuses a bad sweep file in one line, naming the key", () => {
    expectOneLineError(vle("sweep", sweepFile("bad1", "colour: red\n")), /bad1\.yaml: the sweep: unknown key 'colour'/);
    const grid = join(dir, "bad2.yaml");
    writeFileSync(grid, readFileSync(sweepFile("ok0"), "utf8").replace("[0, 0.2]", "[]"));
    expectOneLineError(vle("sweep", grid), /grid\.hardware\.mismatch\.stuck_off must be a non-empty list/);
    expectOneLineError(
      vle("sweep", sweepFile("ok1"), "--queue", "http://x"),
      "vle: --queue http://x: give a Redis URL",
      2,
    );
  });

  it("runs every die of every grid point, and a resumed run redoes only the unfinished jobs, to the same bits", () => {
    const file = sweepFile("local");
    const first = vle("sweep", file, "--json");
    expect(first.status, first.stderr).toBe(0);
    const out = join(dir, "local.results.json");
    const full = results(out);
    expect(full.jobs).toBe(6);
    expect(full.summary.map((s: { dies: number }) => s.dies)).toEqual([3, 3]);
    // a crash after three jobs, the fourth line cut mid-write
    const lines = readFileSync(out + "l", "utf8")
      .split("\n")
      .filter(Boolean);
    writeFileSync(out + "l", lines.slice(0, 3).join("\n") + "\n" + lines[3].slice(0, 20));
    const again = vle("sweep", file, "--json");
    expect(again.status, again.stderr).toBe(0);
    expect(results(out).resumed).toBe(3);
    expect(results(out).results).toEqual(full.results);
  }, 240_000);

  const redis = spawnSync("redis-server", ["--version"]).status === 0;
  const children: ChildProcess[] = [];
  afterAll(() => children.forEach((c) => c.kill("SIGKILL")));

  it.skipIf(!redis)(
    "on Redis with two workers gives the local pool's results bit for bit, and a killed worker loses no job",
    async () => {
      const port = await new Promise<number>((done) => {
        const s = createServer().listen(0, () => {
          const p = (s.address() as { port: number }).port;
          s.close(() => done(p));
        });
      });
      const server = spawn("redis-server", ["--port", String(port), "--save", "", "--appendonly", "no"], {
        stdio: "ignore",
      });
      children.push(server);
      await new Promise((r) => setTimeout(r, 500));
      const url = `redis://127.0.0.1:${port}`;
      const worker = () => {
        const w = spawn(process.execPath, [inject("vleCli"), "worker", "--queue", url], { stdio: "ignore" });
        children.push(w);
        return w;
      };
      const doomed = worker();
      worker();
      const file = sweepFile("queued");
      const sweep = spawn(process.execPath, [inject("vleCli"), "sweep", file, "--queue", url, "--json"]);
      let stdout = "";
      sweep.stdout.on("data", (d) => (stdout += d));
      // kill one worker while it is working (its job returns to the queue when its lock lapses)
      setTimeout(() => doomed.kill("SIGKILL"), 3000);
      const code = await new Promise<number>((done) => sweep.on("close", (c) => done(c ?? 1)));
      expect(code).toBe(0);
      const local = results(join(dir, "local.results.json"));
      expect(existsSync(join(dir, "queued.results.json"))).toBe(true);
      expect(JSON.parse(stdout).results).toEqual(local.results);
    },
    240_000,
  );
});

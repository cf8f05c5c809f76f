// A real full disk: compile, simulate (trace and VCD), export-spice and train with checkpoints on a 128 KiB tmpfs filled to its last block (test/full-disk.sh, in a private mount namespace) exit 1 with one line, and every file at a final path is the complete previous one.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, inject, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "vle-full-disk-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// a private mount namespace needs unprivileged user namespaces (or root); without them the test is skipped, saying so
const probe = spawnSync("unshare", ["-rm", "sh", "-c", `mount -t tmpfs -o size=64k tmpfs ${JSON.stringify(dir)}`]);
const permitted = probe.status === 0;
if (!permitted) console.log(`full-disk test skipped: cannot mount a tmpfs here (${probe.stderr?.toString().trim()})`);

it.skipIf(!permitted)(
  "every command exits 1 with one line naming the file, and the previous files stay whole",
  () => {
    const run = spawnSync("unshare", ["-rm", "sh", "test/full-disk.sh", dir, inject("vleCli")], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    const log = (name: string) => readFileSync(join(dir, "log", name), "utf8");
    const before = log("before.state");
    expect(before).toMatch(/ck\.json/);
    for (const [name, file] of [
      ["compile", "x.pb"],
      ["trace", "t.csv"],
      ["vcd", "w.vcd"],
      ["spice", "n.cir"],
      ["train", "ck.json"],
    ]) {
      expect(log(`${name}.rc`).trim(), name).toBe("1");
      const lines = log(`${name}.err`)
        .split("\n")
        .filter((l) => l !== "");
      expect(lines, name).toEqual([`vle: ${join(dir, "full", file)}: cannot write (ENOSPC)`]);
      // the same names (no temporary file) and the same checksums as before
      expect(log(`${name}.state`), name).toBe(before);
    }
    // simulate with a trace on a good disk and a VCD on the full one writes neither
    expect(log("ok-exists").trim()).toBe("no");
  },
  300_000,
);

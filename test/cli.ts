// Running the built `vle` command in end-to-end tests (built once by setup-build.ts), and the one-line error check.
import { spawnSync } from "node:child_process";
import { expect, inject } from "vitest";

/** Runs `vle <args>` with the CLI built for this test run; status, stdout and stderr as text. */
export const vle = (...args: string[]) =>
  spawnSync(process.execPath, [inject("vleCli"), ...args], { encoding: "utf8" });

/**
 * Asserts a failed run: exit 1 (bad input; 2 for a usage error), exactly one line on stderr, starting with `match`
 * (text) or matching it (pattern), no stack trace.
 */
export function expectOneLineError(run: ReturnType<typeof vle>, match: string | RegExp, status: 1 | 2 = 1): void {
  expect(run.status, run.stderr).toBe(status);
  const lines = run.stderr.split("\n").filter((l) => l !== "");
  expect(lines, run.stderr).toHaveLength(1);
  if (typeof match === "string") expect(lines[0].startsWith(match), lines[0]).toBe(true);
  else expect(lines[0]).toMatch(match);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

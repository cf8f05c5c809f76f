// vitest globalSetup: builds the CLI once per test run into a private directory, for end-to-end tests (inject("vleCli")).
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** path of the built `vle` entry point (main.js) */
    vleCli: string;
  }
}

export default function setup(project: TestProject): () => void {
  // a directory of its own, so parallel test runs and `npm run build` never clobber each other's output;
  // two levels below the root like an installed dist/, so compiler/version.ts finds package.json
  const outDir = join(process.cwd(), "dist", `test-build-${process.pid}`);
  const node = process.execPath;
  spawnSync(node, [join("circuits", "gen.mjs")], { stdio: "pipe" });
  spawnSync(node, [join("simulator", "wasm", "build.mjs")], { stdio: "pipe" });
  const tsc = spawnSync(
    node,
    [join("node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json", "--outDir", outDir],
    { encoding: "utf8" },
  );
  const main = join(outDir, "packages", "cli", "main.js");
  // tsc emits JavaScript despite type errors; tests of a build with type errors would test code that does not compile
  if (tsc.status !== 0 || !existsSync(main))
    throw new Error(`building the CLI failed (tsc exit ${tsc.status}):\n${tsc.stdout}${tsc.stderr}`);
  project.provide("vleCli", main);
  return () => rmSync(outDir, { recursive: true, force: true });
}

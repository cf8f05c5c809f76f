// The package as users get it: what `npm pack` ships, that a production install (no devDependencies) runs the CLI and
// the library, and that every module the built code imports is a dependency.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

const root = process.cwd();
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
/** the test run's build: the same tree as dist/ */
const build = resolve(dirname(inject("vleCli")), "..", "..");

/** Bare module names a built file imports (static, dynamic, and through createRequire), and its relative imports. */
function importsOf(file: string): { bare: string[]; relative: string[] } {
  const text = readFileSync(file, "utf8");
  const specs = [
    ...text.matchAll(/(?:^|[\s;])(?:import|export)\s[^"';]*?from\s*["']([^"']+)["']/g),
    ...text.matchAll(/(?:^|[\s;])import\s*["']([^"']+)["']/g),
    ...text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
    ...text.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g),
    ...text.matchAll(/createRequire\([^)]*\)\(\s*["']([^"']+)["']\s*\)/g),
  ].map((m) => m[1]);
  return {
    bare: specs.filter((s) => !s.startsWith(".") && !s.startsWith("node:")),
    relative: specs.filter((s) => s.startsWith(".")).map((s) => resolve(dirname(file), s)),
  };
}

/** The package name of a bare specifier ("@scope/name/x" -> "@scope/name", "mnist/digits/0.json" -> "mnist"). */
const packageName = (spec: string) =>
  spec
    .split("/")
    .slice(0, spec.startsWith("@") ? 2 : 1)
    .join("/");

describe("the package", () => {
  it("every module the CLI and the library can load at run time is a dependency (not a devDependency)", () => {
    const entries = [pkg.bin.vle, pkg.exports["."].default].map((p: string) => join(build, relative("dist", p)));
    const seen = new Set<string>();
    const used = new Map<string, string>();
    const queue = [...entries];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      expect(existsSync(file), `${relative(build, file)} is imported but not built`).toBe(true);
      const { bare, relative: local } = importsOf(file);
      for (const spec of bare) used.set(packageName(spec), relative(build, file));
      queue.push(...local);
    }
    // the command modules load on demand: the walk must have reached them through main's table
    expect([...seen].some((f) => f.endsWith(join("commands", "verify.js")))).toBe(true);
    const allowed = new Set([...Object.keys(pkg.dependencies), ...builtinModules]);
    const missing = [...used].filter(([name]) => !allowed.has(name)).map(([name, file]) => `${name} (from ${file})`);
    expect(missing).toEqual([]);
    // fast-check is used by vle verify at run time
    expect(used.has("fast-check")).toBe(true);
  });

  describe("packed and installed without devDependencies", () => {
    let dir: string;
    const run = (...args: string[]) => spawnSync(process.execPath, args, { cwd: dir, encoding: "utf8" });

    beforeAll(() => {
      // what `npm pack` sees after `npm run build`: the sources, and the build as dist/
      dir = mkdtempSync(join(tmpdir(), "vle-pack-"));
      for (const item of ["package.json", "README.md", "circuits", "examples", "docs", "test", "bench", ".ci"])
        if (existsSync(join(root, item))) cpSync(join(root, item), join(dir, item), { recursive: true });
      cpSync(build, join(dir, "dist"), { recursive: true });
      // a production install: only the packages the lockfile does not mark dev
      const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
      for (const [key, entry] of Object.entries<{ dev?: boolean }>(lock.packages)) {
        const name = key.slice("node_modules/".length);
        if (!key.startsWith("node_modules/") || name.includes("/node_modules/") || entry.dev) continue;
        mkdirSync(dirname(join(dir, "node_modules", name)), { recursive: true });
        symlinkSync(join(root, key), join(dir, "node_modules", name), "dir");
      }
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("npm pack ships the built code, cards and examples, and no tests, benches or CI scripts", () => {
      const npm = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: dir, encoding: "utf8" });
      expect(npm.status, npm.stderr).toBe(0);
      const files: string[] = JSON.parse(npm.stdout)[0].files.map((f: { path: string }) => f.path);
      for (const needed of [
        "package.json",
        "README.md",
        "dist/packages/cli/main.js",
        "dist/packages/lib/index.js",
        "dist/packages/lib/index.d.ts",
        "circuits/tech/analog-65nm.yaml",
        "examples/lagline.yaml",
        "examples/library.mjs",
      ])
        expect(files, needed).toContain(needed);
      const unwanted = files.filter(
        (f) =>
          /^(test|bench|\.ci)\//.test(f) ||
          /^dist\/bench\//.test(f) ||
          /\.test\.(ts|js)$/.test(f) ||
          (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)),
      );
      expect(unwanted).toEqual([]);
    });

    it("vle --help and vle verify --help run", () => {
      const help = run(join("dist", "packages", "cli", "main.js"), "--help");
      expect(help.status, help.stderr).toBe(0);
      expect(help.stdout).toMatch(/^Usage: vle/);
      const verifyHelp = run(join("dist", "packages", "cli", "main.js"), "verify", "--help");
      expect(verifyHelp.status, verifyHelp.stderr).toBe(0);
      expect(verifyHelp.stdout).toContain("compiles-faithfully");
    });

    it("examples/library.mjs imports vle by name and runs compile, train, evaluate, energy and verify", () => {
      const out = join(dir, "trained.json");
      const example = run(join("examples", "library.mjs"), out);
      expect(example.status, example.stderr).toBe(0);
      expect(example.stdout).toMatch(/^compiled 'lagline': 2 populations, 2 crossbars$/m);
      const mse = /test MSE ([\d.e+-]+) -> ([\d.e+-]+)/.exec(example.stdout)!;
      expect(Number(mse[2])).toBeLessThan(Number(mse[1]));
      // the saved circuit scores what training reported for it
      expect(example.stdout).toContain(`evaluated ${out}: test MSE ${mse[2]}`);
      expect(example.stdout).toMatch(
        /energy per training sample on analog-65nm: [\d.e+-]+ J \(BPTT fp32: [\d.e+-]+ J\)/,
      );
      expect(example.stdout).toContain("verify bounded: passed");
      expect(JSON.parse(readFileSync(out, "utf8")).name).toBe("lagline");
    });

    it("TypeScript users get declarations for every exported function", () => {
      const dts = readFileSync(join(dir, "dist", "packages", "lib", "index.d.ts"), "utf8");
      for (const name of ["compile", "simulate", "train", "evaluate", "energy", "verify"])
        expect(dts).toMatch(new RegExp(`export declare function ${name}\\(`));
      writeFileSync(
        join(dir, "probe.mjs"),
        'import * as vle from "vle"; console.log(Object.keys(vle).sort().join(","));',
      );
      const probe = run("probe.mjs");
      expect(probe.status, probe.stderr).toBe(0);
      expect(probe.stdout.trim().split(",")).toEqual(
        expect.arrayContaining(["compile", "energy", "evaluate", "simulate", "train", "verify"]),
      );
    });
  });
});

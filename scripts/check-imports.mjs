// CI check: no import cycle between files or between packages, and imports only down the layers (one-way rule).
import { parseCircular, parseDependencyTree, prettyCircular } from "dpdm";

/** The layers each package may import (docs/design.md section 1: circuits <- compiler, simulator <- packages; compiler and simulator never meet). */
const allowed = {
  circuits: [],
  compiler: ["circuits"],
  simulator: ["circuits"],
  packages: ["circuits", "compiler", "simulator"],
  bench: ["circuits", "compiler", "simulator", "packages"],
  test: ["circuits", "compiler", "simulator", "packages", "bench"],
};
const sources = [
  "circuits/**/*.ts",
  "compiler/**/*.ts",
  "simulator/**/*.ts",
  "packages/**/*.ts",
  "bench/**/*.ts",
  "test/**/*.ts",
];

const all = await parseDependencyTree(sources, { context: process.cwd(), transform: false });
/** Our files only: builtins (node:fs) and packages from the registry are not ours. */
const ours = (id) => Boolean(id) && !id.startsWith("node:") && !id.startsWith("node_modules");
const tree = Object.fromEntries(Object.entries(all).filter(([file]) => ours(file)));
const problems = [];

const fileCycles = parseCircular(tree);
if (fileCycles.length) problems.push(`import cycles between files:\n${prettyCircular(fileCycles, "  ")}`);

/** A file's package: packages/<name> for user-facing packages, else its top folder; tests count with test/. */
const packageOf = (file) => {
  if (/\.test\.ts$/.test(file) || file.startsWith("test/")) return "test";
  const [top, name] = file.split("/");
  return top === "packages" ? `packages/${name}` : top;
};
const layer = (pkg) => pkg.split("/")[0];
const packageTree = {};
const wrongWay = [];
for (const [file, deps] of Object.entries(tree)) {
  const from = packageOf(file);
  if (from === "test" || !deps) continue;
  packageTree[from] ??= [];
  for (const dep of deps) {
    if (!ours(dep.id)) continue;
    const to = packageOf(dep.id);
    if (to === from) continue;
    if (!packageTree[from].some((d) => d.id === to))
      packageTree[from].push({ issuer: from, request: to, kind: dep.kind, id: to });
    if (layer(to) !== layer(from) && !allowed[layer(from)]?.includes(layer(to))) wrongWay.push(`${file} -> ${dep.id}`);
  }
}
const packageCycles = parseCircular(packageTree);
if (packageCycles.length) problems.push(`import cycles between packages:\n${prettyCircular(packageCycles, "  ")}`);
if (wrongWay.length) problems.push(`imports against the one-way rule:\n${wrongWay.map((w) => `  ${w}`).join("\n")}`);

if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(
  `${Object.keys(tree).length} files, ${Object.keys(packageTree).length} packages: no import cycles, all imports one way`,
);

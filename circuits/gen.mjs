// Generates the static protobuf module and its TypeScript declarations from circuit.proto,
// so the schema is the single source of the IR's types.
import { execFileSync } from "node:child_process";
import { mkdirSync, renameSync, existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const proto = join(here, "circuit.proto");
const out = join(here, "generated");
const js = join(out, "circuit.js");
const dts = join(out, "circuit.d.ts");
const bin = (name) => join(here, "..", "node_modules", ".bin", name);

if (existsSync(dts) && statSync(dts).mtimeMs > statSync(proto).mtimeMs) process.exit(0);
mkdirSync(out, { recursive: true });
execFileSync(bin("pbjs"), ["-t", "static-module", "-w", "es6", "--no-verify", "--no-delimited", "--no-service", "--force-number", "-o", js + ".tmp", proto], { stdio: "inherit" });
renameSync(js + ".tmp", js);
execFileSync(bin("pbts"), ["-o", dts + ".tmp", js], { stdio: "inherit" });
renameSync(dts + ".tmp", dts);

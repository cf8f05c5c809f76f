// Generates the static protobuf modules and their TypeScript declarations from circuit.proto (the current IR) and
// v1/circuit.proto (the frozen version 1, read only to upgrade old files), so the schemas are the single source
// of the IR's types.
import { execFileSync } from "node:child_process";
import { mkdirSync, renameSync, existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "generated");
const bin = (name) => join(here, "..", "node_modules", ".bin", name);

/** Each schema gets its own protobufjs root, so the two versions' messages (same package) never mix. */
function generate(proto, base, root) {
  const js = join(out, `${base}.js`);
  const dts = join(out, `${base}.d.ts`);
  if (existsSync(dts) && statSync(dts).mtimeMs > statSync(proto).mtimeMs) return;
  mkdirSync(out, { recursive: true });
  execFileSync(
    bin("pbjs"),
    ["-t", "static-module", "-w", "es6", "-r", root, "--no-verify", "--no-delimited", "--no-service", "--force-number", "-o", js + ".tmp", proto],
    { stdio: "inherit" },
  );
  renameSync(js + ".tmp", js);
  execFileSync(bin("pbts"), ["-o", dts + ".tmp", js], { stdio: "inherit" });
  renameSync(dts + ".tmp", dts);
}

generate(join(here, "circuit.proto"), "circuit", "circuit");
generate(join(here, "v1", "circuit.proto"), "circuit-v1", "circuit_v1");

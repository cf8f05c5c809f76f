// Compiles the AssemblyScript kernels (simulator/wasm/kernels.ts) to simulator/wasm/build/kernels.wasm with 128-bit SIMD.
// Run by `npm run gen` (and so by `npm run build` and the test setup); skipped when the binary is newer than its source.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "kernels.ts");
const out = join(here, "build", "kernels.wasm");
if (existsSync(out) && statSync(out).mtimeMs > statSync(source).mtimeMs) process.exit(0);
mkdirSync(dirname(out), { recursive: true });
execFileSync(
  process.execPath,
  [
    join(here, "..", "..", "node_modules", "assemblyscript", "bin", "asc.js"),
    source,
    "--outFile", out + ".tmp",
    "-O3", "--noAssert", "--runtime", "stub",
    "--enable", "simd", "--enable", "threads",
    "--importMemory", "--sharedMemory", "--initialMemory", "1", "--maximumMemory", "65536",
  ],
  { stdio: "inherit" },
);
renameSync(out + ".tmp", out);

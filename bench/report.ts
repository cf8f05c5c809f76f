// How every benchmark ends: the machine it ran on, its JSON on stdout, and for full runs the result files, written atomically.
import { mkdirSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { VleError } from "../circuits/errors.js";
import { writeFileAtomic } from "../circuits/files.js";

export function machine() {
  return { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, memoryBytes: totalmem(), node: process.version, platform: process.platform };
}

/** Prints the result as JSON; with `out`, also writes it there and, given `markdown`, its table beside it (.md). */
export function emitResult<R>(result: R, out: string | undefined, markdown?: (r: R) => string): void {
  const json = JSON.stringify(result, null, 2) + "\n";
  process.stdout.write(json);
  if (!out) return;
  mkdirSync(dirname(out), { recursive: true });
  writeFileAtomic(out, json);
  if (markdown) writeFileAtomic(out.replace(/\.json$/, "") + ".md", markdown(result));
}

/** Runs `main` when the module is the script node was started with; errors end it with one line. */
export function runAsScript(moduleUrl: string, label: string, main: (argv: string[]) => unknown): void {
  if (!process.argv[1] || fileURLToPath(moduleUrl) !== process.argv[1]) return;
  Promise.resolve()
    .then(() => main(process.argv.slice(2)))
    .catch((err) => {
      process.stderr.write(`${label}: ${err instanceof VleError ? err.message : (err as Error).stack}\n`);
      process.exit(1);
    });
}

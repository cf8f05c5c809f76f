// How every benchmark ends: the machine it ran on, its JSON on stdout, and for full runs the result files, written atomically.
import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { VleError } from "../circuits/errors.js";
import { writeFileAtomic } from "../circuits/files.js";

export function machine() {
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryBytes: totalmem(),
    node: process.version,
    platform: process.platform,
  };
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

/**
 * Runs every item of `queue` as `node <script> --child <args>` in at most `jobs` processes at once; each child prints
 * its row as JSON. Rows come back in queue order; `done` reports each as it finishes.
 */
export async function runInChildren<Q, R>(
  script: string,
  label: string,
  queue: Q[],
  jobs: number,
  argsOf: (item: Q) => string[],
  done: (item: Q, row: R) => void,
): Promise<R[]> {
  const rows: R[] = new Array(queue.length);
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const index = next++,
        args = argsOf(queue[index]);
      rows[index] = await new Promise<R>((resolve, reject) => {
        execFile(
          process.execPath,
          [script, "--child", ...args],
          { encoding: "utf8", maxBuffer: 1 << 24 },
          (err, stdout, stderr) => {
            if (err)
              reject(
                new VleError(
                  `${label} run ${args.join(" ")} failed: ${(stderr || err.message).trim().split("\n").pop()}`,
                ),
              );
            else resolve(JSON.parse(stdout) as R);
          },
        );
      });
      done(queue[index], rows[index]);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  return rows;
}

// The results of a sweep as they finish: one JSON line per job, appended and synced, so a crash loses no finished job.
import { closeSync, existsSync, fsyncSync, openSync, writeSync } from "node:fs";
import { VleError } from "../../circuits/errors.js";
import { readBounded, TEXT_LIMIT } from "../../circuits/read.js";
import type { JobResult } from "./job.js";

export class ResultLog {
  readonly results = new Map<string, JobResult>();

  /** Reads the finished jobs of an earlier run; a last line cut by a crash is ignored (that job runs again). */
  constructor(readonly path: string) {
    if (!existsSync(path)) return;
    // leniently decoded: a crash may cut the last line inside a UTF-8 sequence
    const lines = readBounded(path, TEXT_LIMIT).toString("utf8").split("\n");
    lines.forEach((line, k) => {
      if (line === "") return;
      try {
        const r = JSON.parse(line) as JobResult;
        this.results.set(r.id, r);
      } catch {
        if (k < lines.length - 1 && lines.slice(k + 1).some((l) => l !== ""))
          throw new VleError(`${path}:${k + 1}: not a result line; remove the file to start the sweep afresh`);
      }
    });
  }

  /** Appends one result and syncs it to disk before returning. */
  add(result: JobResult): void {
    if (this.results.has(result.id)) return;
    const bytes = Buffer.from(JSON.stringify(result) + "\n");
    const fd = openSync(this.path, "a");
    try {
      const written = writeSync(fd, bytes);
      if (written !== bytes.length)
        throw new VleError(`${this.path}: short write (${written} of ${bytes.length} bytes)`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.results.set(result.id, result);
  }
}

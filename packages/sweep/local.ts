// Runs a sweep's unfinished jobs on this machine: a piscina pool, one thread per core by default.
import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
import type { JobResult } from "./job.js";
import type { Sweep } from "./spec.js";
import type { ResultLog } from "./store.js";

export async function runLocal(
  sweep: Sweep,
  log: ResultLog,
  threads = availableParallelism(),
  done: (r: JobResult) => void = () => {},
): Promise<void> {
  const pending = sweep.jobs.filter((j) => !log.results.has(j.id));
  if (pending.length === 0) return;
  const pool = new Piscina({
    filename: new URL("./thread.js", import.meta.url).href,
    minThreads: 1,
    maxThreads: Math.max(1, Math.min(threads, pending.length)),
  });
  try {
    await Promise.all(
      pending.map(async (job) => {
        const result = (await pool.run(job)) as JobResult;
        log.add(result);
        done(result);
      }),
    );
  } finally {
    await pool.destroy();
  }
}

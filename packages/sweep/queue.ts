// Runs a sweep across machines on BullMQ over Redis: the sweep adds its jobs (id = content hash, so nothing runs twice) and
// collects their results; `vle worker` processes jobs on each machine, each job in a sandboxed child process.
import { Job as QueueJob, Queue, Worker } from "bullmq";
import { UsageError, VleError } from "../../circuits/errors.js";
import type { JobResult } from "./job.js";
import type { Job, Sweep } from "./spec.js";
import type { ResultLog } from "./store.js";

/** Every sweep shares one queue: jobs carry everything they need, and their ids are content hashes. */
export const queueName = "vle-sweep";

export function connectionOf(url: string) {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--queue ${url}: give a Redis URL such as redis://host:6379`);
  }
  if (u.protocol !== "redis:") throw new UsageError(`--queue ${url}: give a Redis URL such as redis://host:6379`);
  return {
    host: u.hostname || "127.0.0.1",
    port: Number(u.port || 6379),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    maxRetriesPerRequest: null,
    // fail fast when Redis is not there, instead of retrying forever
    retryStrategy: (times: number) => (times > 3 ? null : 200 * times),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Adds the unfinished jobs and waits for all of them; a job that failed every attempt ends the sweep with its reason. */
export async function runOnQueue(
  sweep: Sweep,
  url: string,
  log: ResultLog,
  done: (r: JobResult) => void = () => {},
  pollMs = 250,
): Promise<void> {
  const queue = new Queue(queueName, { connection: connectionOf(url) });
  try {
    await queue.waitUntilReady().catch((err: Error) => {
      throw new VleError(`--queue ${url}: cannot reach Redis (${err.message})`);
    });
    const pending = new Map(sweep.jobs.filter((j) => !log.results.has(j.id)).map((j) => [j.id, j]));
    await queue.addBulk(
      [...pending.values()].map((job: Job) => ({
        name: sweep.name,
        data: job,
        opts: { jobId: job.id, attempts: 3, removeOnComplete: false, removeOnFail: false },
      })),
    );
    while (pending.size > 0) {
      for (const id of [...pending.keys()]) {
        const job = await QueueJob.fromId<Job, JobResult>(queue, id);
        if (!job)
          throw new VleError(`job ${id} vanished from the queue (was it removed by hand?); run the sweep again`);
        const state = await job.getState();
        if (state === "completed") {
          log.add(job.returnvalue);
          done(job.returnvalue);
          pending.delete(id);
        } else if (state === "failed" && job.attemptsMade >= (job.opts.attempts ?? 1))
          throw new VleError(
            `job ${id} (${JSON.stringify(job.data.spec.point)}, die ${job.data.spec.die}) failed: ${job.failedReason}`,
          );
      }
      if (pending.size > 0) await sleep(pollMs);
    }
  } finally {
    await queue.close();
  }
}

/** Processes jobs until stopped (SIGINT/SIGTERM); a job of a killed worker returns to the queue when its lock lapses. */
export async function work(url: string, processor: string, concurrency = 1): Promise<Worker> {
  const worker = new Worker(queueName, processor, {
    connection: connectionOf(url),
    concurrency,
    useWorkerThreads: false,
    lockDuration: 10_000,
    stalledInterval: 5_000,
    maxStalledCount: 5,
  });
  await worker.waitUntilReady().catch((err: Error) => {
    throw new VleError(`--queue ${url}: cannot reach Redis (${err.message})`);
  });
  return worker;
}

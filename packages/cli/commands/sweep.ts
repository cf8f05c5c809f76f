// `vle sweep` and `vle worker`: a grid x Monte Carlo study of dies, on a local pool or across machines on Redis (BullMQ).
import cliProgress from "cli-progress";
import type { Command } from "commander";
import { writeFileAtomic } from "../../../circuits/files.js";
import { runLocal } from "../../sweep/local.js";
import { runOnQueue, work } from "../../sweep/queue.js";
import { readSweep } from "../../sweep/spec.js";
import { ResultLog } from "../../sweep/store.js";
import { summarize, table } from "../../sweep/summary.js";
import { integer } from "../options.js";

interface SweepOptions {
  queue?: string;
  threads?: number;
  out?: string;
  json?: boolean;
  progress?: boolean;
}

export async function sweepCommand(file: string, options: SweepOptions) {
  const sweep = readSweep(file);
  const out = options.out ?? file.replace(/\.(ya?ml|json)$/, "") + ".results.json";
  const log = new ResultLog(out + "l");
  const already = sweep.jobs.filter((j) => log.results.has(j.id)).length;
  const bar =
    options.progress || process.stderr.isTTY
      ? new cliProgress.SingleBar(
          {
            format: `${sweep.name} |{bar}| {value}/{total} jobs | {eta_formatted} left`,
            stream: process.stderr,
            noTTYOutput: !process.stderr.isTTY,
            notTTYSchedule: 5000,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(sweep.jobs.length, already);
  const done = () => bar?.increment();
  try {
    if (options.queue) await runOnQueue(sweep, options.queue, log, done);
    else await runLocal(sweep, log, options.threads, done);
  } finally {
    bar?.stop();
  }
  const summary = summarize(sweep, log.results);
  const result = {
    sweep: sweep.name,
    jobs: sweep.jobs.length,
    resumed: already,
    summary,
    results: sweep.jobs.map((j) => log.results.get(j.id)!),
  };
  writeFileAtomic(out, JSON.stringify(result, null, 2) + "\n");
  writeFileAtomic(out.replace(/\.json$/, "") + ".md", table(sweep, summary));
  return { result, out, text: table(sweep, summary) };
}

export function registerSweep(program: Command): void {
  program
    .command("sweep")
    .argument("<sweep.yaml>", "sweep file: description, task, optional training, grid of description settings, dies")
    .option("--queue <redis-url>", "run the jobs on BullMQ over Redis (workers: vle worker --queue <redis-url>)")
    .option("--threads <n>", "local pool threads (default: one per core)", integer("--threads", 1, 1024))
    .option("-o, --out <results.json>", "merged results (default: <sweep>.results.json; finished jobs in <out>l)")
    .option("--progress", "show the progress bar even when stderr is not a terminal")
    .option("--json", "print the merged results as JSON instead of the table")
    .action(async (file: string, opts: SweepOptions) => {
      const { result, out, text } = await sweepCommand(file, opts);
      if (opts.json) return void process.stdout.write(JSON.stringify(result, null, 2) + "\n");
      process.stdout.write(`${text}wrote ${out} (${result.jobs} jobs, ${result.resumed} from an earlier run)\n`);
    });
}

export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description("process sweep jobs from a Redis queue until stopped (one per core on each machine)")
    .requiredOption("--queue <redis-url>", "the Redis the sweep was started with")
    .option("--concurrency <n>", "jobs at once in this process", integer("--concurrency", 1, 256), 1)
    .action(async (opts: { queue: string; concurrency: number }) => {
      const worker = await work(
        opts.queue,
        new URL("../../sweep/processor.js", import.meta.url).pathname,
        opts.concurrency,
      );
      process.stderr.write(`vle worker: processing jobs from ${opts.queue}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => void worker.close().then(resolve);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}

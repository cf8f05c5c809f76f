// The code a local pool thread runs: one sweep job (piscina calls the default export with the job).
import { runJob } from "./job.js";
import type { Job } from "./spec.js";

export default function (job: Job) {
  return runJob(job);
}

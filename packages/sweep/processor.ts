// The code a queue worker runs for one job, in a sandbox of its own so that a long job cannot starve its lock renewals.
import { runJob } from "./job.js";
import type { Job } from "./spec.js";

export default async function (job: { data: Job }) {
  return runJob(job.data);
}
